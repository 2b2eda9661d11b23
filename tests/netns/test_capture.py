# SPDX-License-Identifier: BSD-3-Clause
"""vswctl capture (ctl/capture.c, switch/capture.c, ctl/vswctl_capture.c):
what a port or a network carries, read back by tshark and tcpdump, with
directions, filters, drops and their reasons, streams to a pipe, ^C, a
reader too slow for the traffic, and bad requests.

Three containers on one bridge; c1 pings c2, so on port c1 the echo
requests are received (inbound) and the replies sent (outbound)."""
import os
import signal
import subprocess
import time

import pytest
from conftest import VSWCTL, sh
from test_foundation import bridge_ini

NET = "10.96.0.%d"


def tshark(path, *fields, flt=None):
    """Rows of 'fields' of every frame of 'path' (tab-separated by tshark)."""
    cmd = ["tshark", "-r", str(path), "-T", "fields"]
    if flt:
        cmd += ["-Y", flt]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return [ln.split("\t") for ln in r.stdout.splitlines() if ln]


def capture(v, *args, timeout=30):
    return subprocess.run([str(VSWCTL), "-s", v.sock, "capture"] + list(args),
                          capture_output=True, text=True, timeout=timeout)


def summary(stderr):
    """vswctl's last line: captured, seen, accepted, lost."""
    line = [ln for ln in stderr.splitlines() if "packets captured" in ln][-1]
    w = line.replace(",", "").split()
    return {"captured": int(w[1]), "seen": int(w[4]), "accepted": int(w[6]),
            "lost": int(w[11])}


@pytest.fixture
def three(lab):
    hosts = {}
    for i in (1, 2, 3):
        ns, host = lab.container("c%d" % i, NET % i + "/24")
        hosts["c%d" % i] = (ns, host)
    v = lab.vsw(bridge_ini([(n, "afpacket", "iface", h) for n, (_, h) in hosts.items()]))
    lab.run(hosts["c1"][0], "ping -c 2 -i 0.2 -W 2 " + NET % 2)  # learned
    return v, {n: ns for n, (ns, _) in hosts.items()}


def pinger(lab, ns, dst, n, interval="0.05"):
    return lab.spawn(ns, "ping -c %d -i %s -W 1 %s" % (n, interval, dst))


def test_port_capture_directions_and_interfaces(lab, three, tmp_path):
    v, ns = three
    out = tmp_path / "c1.pcapng"
    p = pinger(lab, ns["c1"], NET % 2, 40)
    r = capture(v, "c1", "--count", "20", "--filter", "icmp", "-w", str(out))
    p.wait()
    assert r.returncode == 0, r.stderr
    rows = tshark(out, "frame.interface_name", "frame.packet_flags_direction",
                  "ip.src", "ip.dst", "icmp.type")
    assert len(rows) == 20, rows
    for name, direction, src, dst, typ in rows:
        assert name == "c1"
        if typ == "8":          # request: c1 sent it, vsw received it on c1
            assert (src, dst, int(direction, 16)) == (NET % 1, NET % 2, 1), rows
        else:
            assert (typ, src, dst, int(direction, 16)) == ("0", NET % 2, NET % 1, 2), rows
    assert {r[4] for r in rows} == {"0", "8"}
    s = summary(r.stderr)
    assert s["captured"] == 20 and s["lost"] == 0, r.stderr
    # the file says which port it is and where the frames were: capinfos
    info = sh("capinfos -M %s" % out).stdout
    assert "pcapng" in info and "nanoseconds" in info, info
    # the pool the copies came from is whole again
    pools = {p["pool"]: p for p in v.ctl("show", "stats", as_json=True)["pools"]}
    assert int(pools["vsw_capture"]["in_use"]) == 0, pools
    v.stop()


def test_network_capture_tcp_and_filter(lab, three, tmp_path):
    """A network: every port of the bridge, one pcapng interface each; TCP
    (partial checksums from the veth) goes on being forwarded whole while
    it is captured; a filter past the IP header works (it needs the index
    register of DPDK's converted program, which DPDK 22.11 gets wrong)."""
    v, ns = three
    out = tmp_path / "br0.pcapng"
    cap = subprocess.Popen([str(VSWCTL), "-s", v.sock, "capture", "br0", "--filter", "tcp",
                            "--duration", "4", "-w", str(out)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    tx, rx = tmp_path / "tx", tmp_path / "rx"
    tx.write_bytes(os.urandom(2000000))
    srv = lab.spawn(ns["c3"], "sh -c 'nc -l -p 5001 > %s'" % rx)
    time.sleep(0.3)
    lab.run(ns["c1"], "sh -c 'nc -N -w 5 %s 5001 < %s'" % (NET % 3, tx), timeout=30)
    srv.wait(timeout=20)
    assert rx.read_bytes() == tx.read_bytes(), "TCP content changed while captured"
    lab.run(ns["c1"], "ping -c 3 -i 0.2 " + NET % 2)       # not tcp
    _, err = cap.communicate(timeout=20)
    assert cap.returncode == 0, err
    rows = tshark(out, "frame.interface_name", "frame.packet_flags_direction", "ip.proto")
    assert rows and all(r[2] == "6" for r in rows), rows[:5]
    names = {r[0] for r in rows}
    assert names == {"c1", "c3"}, names          # c2 carried no TCP
    # both directions on both ports
    assert {(r[0], int(r[1], 16)) for r in rows} == {("c1", 1), ("c1", 2), ("c3", 1), ("c3", 2)}
    # every port of the network has its interface block, c2 too
    ifs = sh("tshark -r %s -T fields -e frame.interface_name -Y tcp | sort -u" % out).stdout
    assert "c1" in ifs and "c3" in ifs
    s = summary(err)
    assert s["seen"] > s["accepted"] == s["captured"] > 100, err   # pings seen, refused
    assert s["lost"] == 0, err

    # a filter into the ICMP header: only the replies
    out2 = tmp_path / "replies.pcapng"
    p = pinger(lab, ns["c1"], NET % 2, 20)
    r = capture(v, "br0", "--rx", "--filter", "icmp[icmptype] == icmp-echoreply",
                "--count", "5", "-w", str(out2))
    p.wait()
    assert r.returncode == 0, r.stderr
    rows = tshark(out2, "frame.interface_name", "icmp.type", "frame.packet_flags_direction")
    assert rows == [["c2", "0", "0x00000001"]] * 5, rows
    # a filter that matches nothing: frames seen, none taken
    p = pinger(lab, ns["c1"], NET % 2, 10)
    r = capture(v, "c1", "--filter", "udp port 53", "--duration", "1", "-w", str(out2))
    p.wait()
    assert r.returncode == 0 and tshark(out2, "frame.number") == [], r.stderr
    s = summary(r.stderr)
    assert s["seen"] > 0 and s["captured"] == 0, r.stderr
    v.stop()


def test_drops_with_their_reason(lab, three, tmp_path):
    v, ns = three
    v.ctl("port", "c1", "down")
    out = tmp_path / "drops.pcapng"
    p = pinger(lab, ns["c1"], NET % 2, 30)
    r = capture(v, "all", "--drops", "--count", "5", "-w", str(out))
    p.wait()
    assert r.returncode == 0, r.stderr
    rows = tshark(out, "frame.interface_name", "frame.comment", "frame.packet_flags_direction")
    assert len(rows) == 5, rows
    for name, comment, direction in rows:
        assert name == "c1"
        assert comment.startswith("vsw drop port_down:"), comment
        assert int(direction, 16) == 1
    # drops alone: the port's forwarded frames are not in it
    v.ctl("port", "c1", "up")
    p = pinger(lab, ns["c1"], NET % 2, 10)
    r = capture(v, "c1", "--drops", "--duration", "1", "-w", str(out))
    p.wait()
    assert r.returncode == 0 and tshark(out, "frame.number") == [], r.stderr
    v.stop()


def test_pcap_stdout_pipe_and_interrupt(lab, three, tmp_path):
    v, ns = three
    # classic pcap (by the name, and by --format), nanosecond timestamps
    out = tmp_path / "c2.pcap"
    p = pinger(lab, ns["c1"], NET % 2, 20)
    r = capture(v, "c2", "--count", "6", "--filter", "icmp", "-w", str(out))
    p.wait()
    assert r.returncode == 0, r.stderr
    assert "nanosecond" in sh("file %s" % out).stdout
    t = sh("tcpdump -nr %s icmp" % out).stdout.splitlines()
    assert len(t) == 6 and all("ICMP echo" in ln for ln in t), t
    p = pinger(lab, ns["c1"], NET % 2, 10)
    r = capture(v, "c2", "--count", "1", "--format", "pcapng", "-w", str(out))
    p.wait()
    assert r.returncode == 0, r.stderr
    assert "pcapng" in sh("file %s" % out).stdout, sh("file %s" % out).stdout

    # -w -: a live stream into tshark
    p = pinger(lab, ns["c1"], NET % 2, 40)
    r = sh("%s -s %s capture c1 --count 8 -w - | tshark -r - -T fields -e icmp.type"
           % (VSWCTL, v.sock))
    p.wait()
    types = r.stdout.split()        # ARP has no icmp.type: an empty field
    assert len(r.stdout.splitlines()) == 8 and set(types) <= {"0", "8"} and types, r.stdout
    # a reader that leaves early (head): vswctl ends quietly, vsw ends the stream
    p = pinger(lab, ns["c1"], NET % 2, 40)
    r = sh("set -o pipefail; %s -s %s capture c1 -w - | head -c 200 | wc -c"
           % (VSWCTL, v.sock), timeout=30, executable="/bin/bash")
    p.wait()
    assert r.stdout.strip() == "200" and r.returncode == 0, (r.stdout, r.stderr)

    # ^C: the rest and the statistics, a whole file
    out = tmp_path / "int.pcapng"
    p = pinger(lab, ns["c1"], NET % 2, 60)
    cap = subprocess.Popen([str(VSWCTL), "-s", v.sock, "capture", "c1", "-w", str(out)],
                           stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    cap.send_signal(signal.SIGINT)
    _, err = cap.communicate(timeout=10)
    p.kill()
    assert cap.returncode == 0, err
    s = summary(err)
    assert s["captured"] > 10 and s["captured"] == len(tshark(out, "frame.number")), err
    # the streams are gone from vsw: eight more can start (its limit)
    time.sleep(0.3)
    caps = [subprocess.Popen([str(VSWCTL), "-s", v.sock, "capture", "c1", "--duration", "1",
                              "-w", str(tmp_path / ("m%d" % i))], stderr=subprocess.PIPE,
                             text=True) for i in range(8)]
    time.sleep(0.3)
    r = capture(v, "c1", "--count", "1", "-w", str(tmp_path / "ninth"))
    assert r.returncode == 1 and "captures run already" in r.stderr, r.stderr
    for c in caps:
        assert c.wait(timeout=10) == 0, c.stderr.read()
    v.stop()


def test_slow_reader_loses_captured_frames_not_forwarded_ones(lab, three, tmp_path):
    """A reader that reads nothing for 4 s while TCP runs flat out: the
    capture loses frames (counted, said at the end), the TCP transfer is
    whole and as fast as it can be, and every mbuf comes back."""
    v, ns = three
    srv = lab.spawn(ns["c2"], "iperf3 -s -1")
    time.sleep(0.5)
    # its stdout a pipe nobody reads until the end
    cap = subprocess.Popen([str(VSWCTL), "-s", v.sock, "capture", "c1", "-w", "-"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.3)
    r = lab.run(ns["c1"], "iperf3 -c %s -t 3 -C cubic" % (NET % 2), timeout=30)
    assert "receiver" in r.stdout, r.stdout
    srv.wait(timeout=10)
    # end it: vswctl's side first (^C), as a user would
    cap.send_signal(signal.SIGINT)
    out, err = cap.communicate(timeout=20)
    err = err.decode()
    assert cap.returncode == 0 and len(out) > 100000, err
    s = summary(err)
    assert s["lost"] > 0 and "slower than the traffic" in err, err
    assert s["captured"] > 0, err
    st = v.port_stats()
    assert st["c1"]["drops"] == 0 and st["c2"]["drops"] == 0, st
    pools = {p["pool"]: p for p in v.ctl("show", "stats", as_json=True)["pools"]}
    assert int(pools["vsw_capture"]["in_use"]) == 0, pools
    v.stop()


def test_bad_requests(lab, three, tmp_path):
    v, _ = three
    out = tmp_path / "never"
    cases = [
        (["nope", "-w", str(out)], 1, "no port or network nope"),
        (["c1", "--filter", "tcp port", "-w", str(out)], 1, "filter 'tcp port'"),
        (["c1", "--snaplen", "5", "-w", str(out)], 1, "--snaplen takes"),
        (["c1", "--count", "0", "-w", str(out)], 1, "--count takes"),
        (["c1", "--duration", "-3", "-w", str(out)], 1, "--duration takes"),
        (["c1", "--bogus", "-w", str(out)], 1, "unknown option --bogus"),
        (["c1", "c2", "-w", str(out)], 1, "one port or network"),
        (["-w", str(out)], 1, "which port or network"),
        (["c1"], 2, "-w FILE"),
        (["c1", "--format", "png", "-w", str(out)], 2, "--format is pcapng or pcap"),
        (["c1", "--filter"], 2, "takes a value"),
    ]
    for args, rc, msg in cases:
        r = capture(v, *args)
        assert r.returncode == rc and msg in r.stderr, (args, r.returncode, r.stderr)
        assert not out.exists(), args
    # a file vswctl cannot write (the stream ends by its duration)
    r = capture(v, "c1", "--duration", "0.3", "-w", "/nonexistent/dir/x.pcapng")
    assert r.returncode == 2 and "/nonexistent/dir/x.pcapng" in r.stderr, r.stderr
    # raw requests on the socket: an ERR line, never a stream or a crash
    for raw in (b"capture\n", b"capture c1 --filter\n", b"capture c1 --snaplen 99999999\n",
                b"capture " + b"x" * 3000 + b"\n"):
        rep = v.request(raw)
        assert rep.startswith(b"ERR "), (raw[:40], rep)
    # ctl_execute (the fuzzer's way in) refuses it
    assert v.ctl("show", "ports").returncode == 0
    v.stop()


def test_capture_of_a_stopping_vsw_ends_cleanly(lab, three, tmp_path):
    v, ns = three
    out = tmp_path / "stop.pcapng"
    p = pinger(lab, ns["c1"], NET % 2, 100, interval="0.02")
    cap = subprocess.Popen([str(VSWCTL), "-s", v.sock, "capture", "all", "-w", str(out)],
                           stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    v.stop()            # asserts every mbuf back, the capture pool's too
    _, err = cap.communicate(timeout=10)
    p.kill()
    assert cap.returncode == 0, err
    s = summary(err)
    assert s["captured"] > 0 and s["captured"] == len(tshark(out, "frame.number")), err


# ---- DPDK's own capture: dpdk-dumpcap against vsw's DPDK ports ---------------

HUGE = "/proc/sys/vm/nr_hugepages"
HUGE_PAGES = 600                # 2 MiB pages: what this topology's vsw maps


@pytest.fixture
def hugepages(tmp_path):
    """HUGE_PAGES more 2 MiB pages and a hugetlbfs mount of the test's own,
    both given back afterwards."""
    before = int(open(HUGE).read())
    mnt = tmp_path / "huge"
    mnt.mkdir()
    with open(HUGE, "w") as f:
        f.write(str(before + HUGE_PAGES))
    got = int(open(HUGE).read()) - before
    sh("mount -t hugetlbfs nodev %s" % mnt)
    try:
        if got < HUGE_PAGES:
            pytest.skip("only %d of %d hugepages could be reserved" % (got, HUGE_PAGES))
        yield mnt
    finally:
        sh("umount %s" % mnt, check=False)
        with open(HUGE, "w") as f:
            f.write(str(before))


def test_pdump_needs_hugepages(lab):
    if int(open(HUGE).read()) > 0 and "hugetlbfs" in open("/proc/mounts").read():
        pytest.skip("hugepages are reserved and mounted here: nothing to refuse")
    _, h = lab.container("c1", NET % 1 + "/24")
    v = lab.vsw("[switch]\ncontrol = @SOCK@\npdump = yes\n" + bridge_ini([("c1", "afpacket", "iface", h)]),
                wait=False)
    assert v.wait_exit() == 1
    assert "pdump = yes needs" in v.text(), v.text()


def test_dpdk_dumpcap_captures_a_dpdk_port(lab, hugepages, tmp_path):
    """[switch] pdump = yes: vsw is a DPDK primary with rte_pdump, and
    Debian's dpdk-dumpcap (a secondary, vsw's file prefix) captures its
    DPDK ports, here net_af_packet on a veth. vsw's own AF_PACKET ports
    are no ethdevs: dumpcap does not list them."""
    n1, h1 = lab.container("c1", NET % 1 + "/24")
    n2, h2 = lab.container("c2", NET % 2 + "/24")
    v = lab.vsw("[switch]\ncontrol = @SOCK@\nhugepages = yes\npdump = yes\n[bridge br0]\n"
                "[port d1]\nkind = dpdk\ndevargs = net_af_packet0,iface=%s\nbridge = br0\n"
                "[port c2]\nkind = afpacket\niface = %s\nbridge = br0\n" % (h1, h2))
    prefix = "--file-prefix=vsw-%d" % v.proc.pid
    ls = sh("dpdk-dumpcap %s -D" % prefix, timeout=30).stdout
    assert "net_af_packet0" in ls and "c2" not in ls, ls
    lab.run(n1, "ping -c 2 -i 0.2 -W 2 " + NET % 2)
    p = pinger(lab, n1, NET % 2, 60)
    out = tmp_path / "dumpcap.pcapng"
    r = sh("dpdk-dumpcap %s -i net_af_packet0 -c 6 -f icmp -w %s" % (prefix, out), timeout=60)
    p.kill()
    rows = tshark(out, "ip.src", "icmp.type")
    assert len(rows) == 6 and {t for _, t in rows} == {"0", "8"}, (rows, r.stderr)
    # page files in the mount while it runs, none after it stopped
    assert any(f.name.startswith("vsw-%d" % v.proc.pid) for f in hugepages.iterdir())
    v.stop()
    assert not any(hugepages.iterdir()), list(hugepages.iterdir())
