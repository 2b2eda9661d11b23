# SPDX-License-Identifier: BSD-3-Clause
"""What the README promises about the process and its ports, each checked
end to end: the control socket is root's only, bad virtio-net headers are
counted as rx_errors, a missing mbuf makes exit status 3, [switch] cpus,
mbufs and hugepages do what they say, and net_ring and vhost-user ports
carry frames."""
import fcntl
import glob
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time

import pytest

import conftest
from conftest import BUILD, VSW, VSWCTL, sh

LEAKTEST = BUILD / "tests" / "vsw-leaktest"
DENIED = b"ERR permission denied: vsw is controlled by root only\n"


def bridge_ini(ports, bridge="br0", switch=""):
    out = "[switch]\ncontrol = @SOCK@\n%s[bridge %s]\n" % (switch, bridge)
    for name, kind, key, val in ports:
        out += "[port %s]\nkind = %s\n%s = %s\nbridge = %s\n" % (
            name, kind, key, val, bridge)
    return out


def drops(v):
    """{(port, reason): count} from show stats --json."""
    return {(d["port"], d["reason"]): d["count"]
            for d in v.ctl("show", "stats", as_json=True)["drops"]}


def wait_for(cond, timeout=5, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def capture(lab, ns, filt, count, path, iface="eth0", extra=""):
    """tcpdump in 'ns' until it has 'count' frames; returned once it
    listens."""
    p = lab.spawn(ns, "tcpdump -n -i %s -c %d %s -w %s %s" % (
        iface, count, extra, path, filt))
    line = p.stderr.readline()      # "listening on ..." once it is ready
    assert "listening on" in line, line
    return p


# --- the control socket: mode 0600, and the peer's uid checked -------------

PEER = r"""
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except OSError as e:
    sys.stdout.write("connect: %s" % e.strerror)
    sys.exit(0)
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    out += c
sys.stdout.buffer.write(out)
"""


def as_nobody(sock, request, gid=65534):
    """Send one request from uid 65534 (and group 'gid'); return the reply."""
    r = subprocess.run([sys.executable, "-c", PEER, sock, request],
                       user=65534, group=gid, extra_groups=[],
                       capture_output=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_control_socket_is_root_only_by_mode_and_peer_uid(lab):
    """README [switch] control: "the control socket (mode 0600, root only)".
    Beyond test_vswctl_tables_json_and_errors: the mode holds under umask 0
    (vsw sets it, not the umask), the uid is what counts (gid 0 is refused
    too), a refused peer gets the refusal and nothing else, and a refused
    command changes nothing."""
    a, ha = lab.container("a", "10.91.0.1/24")
    b, hb = lab.container("b", "10.91.0.2/24")
    open_dir = tempfile.mkdtemp(prefix="vswt-ctl-")
    try:
        os.chmod(open_dir, 0o755)   # anyone may reach the socket's name
        sock = os.path.join(open_dir, "ctl.sock")
        old = os.umask(0)           # a socket made under umask 0 is 0777
        try:
            v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha),
                                    ("b", "afpacket", "iface", hb)])
                        .replace("@SOCK@", sock))
        finally:
            os.umask(old)
        st = os.stat(sock)
        assert stat.S_ISSOCK(st.st_mode)
        assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == 0
        lab.run(a, "ping -c 2 -i 0.2 -W 2 10.91.0.2")
        # the mode keeps a non-root peer out before vsw sees it
        assert as_nobody(sock, "show ports") == b"connect: Permission denied"
        # opened up, the peer uid check refuses, also for group root
        os.chmod(sock, 0o666)
        for gid in (65534, 0):
            for req in ("show ports", "show fdb br0", "port b down",
                        "fdb flush br0"):
                assert as_nobody(sock, req, gid) == DENIED, (gid, req)
        # vswctl says so and exits 1
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534",
                            "--clear-groups", str(VSWCTL), "-s", sock, "port",
                            "b", "down"], capture_output=True, text=True,
                           timeout=10)
        assert r.returncode == 1 and "permission denied" in r.stderr
        # nothing of it happened: b is up, the FDB still holds a and b
        ports = {p["port"]: p for p in v.ctl("show", "ports", as_json=True)["ports"]}
        assert ports["b"]["link"] == "up", ports["b"]
        fdb = v.ctl("show", "fdb", "br0", as_json=True)
        learned = {e["port"] for e in fdb["fdb"]}
        assert {"a", "b"} <= learned, fdb
        assert "port b is down" not in v.text()
        lab.run(a, "ping -c 1 -W 2 10.91.0.2")
        # root is still served on the same socket
        assert v.request(b"show ports\n").startswith(b"OK")
        v.stop()
    finally:
        shutil.rmtree(open_dir, ignore_errors=True)


# --- rx_errors: bad virtio-net headers refused at the port ------------------

TUNSETIFF = 0x400454ca
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x0002, 0x1000, 0x4000
VNET_GSO_TCPV4 = 1


def open_tap(name):
    """A TAP device with virtio-net headers, owned by the test (it goes when
    the descriptor closes). Returns the descriptor."""
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(),
                                           IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
    return fd


def vnet_hdr(flags=0, gso_type=0, hdr_len=0, gso_size=0, csum_start=0,
             csum_offset=0):
    return struct.pack("<BBHHHH", flags, gso_type, hdr_len, gso_size,
                       csum_start, csum_offset)


def test_bad_vnet_headers_are_counted_as_rx_errors(lab):
    """README hardening: "bad virtio-net headers (GSO without a partial
    checksum ...) | refused at the port, counted as rx_errors". The kernel
    passes a TAP writer's GSO header without NEEDS_CSUM up the stack as it
    is, so vsw's AF_PACKET socket on that TAP reads exactly that header;
    good frames written between them still cross the bridge."""
    from scapy.all import Ether, IP, TCP, UDP, Raw, rdpcap
    b, hb = lab.container("b", "10.92.0.2/24")
    tap = lab.ifname("x")
    fd = open_tap(tap)
    try:
        sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % tap)
        sh("sysctl -qw net.ipv4.conf.%s.arp_ignore=8" % tap)
        sh("ip link set %s up" % tap)
        v = lab.vsw(bridge_ini([("x", "afpacket", "iface", tap),
                                ("b", "afpacket", "iface", hb)]))
        seen = str(lab.tmp / "b.pcap")
        cap = capture(lab, b, "udp port 9999", 4, seen)
        before = v.port_stats()["x"]["rx"]
        mac = "02:00:00:92:00:01"
        bad = (Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") /
               IP(src="10.92.0.1", dst="10.92.0.2") /
               TCP(sport=1234, dport=80, flags="A") / Raw(b"x" * 3000))
        good = [Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") /
                IP(src="10.92.0.1", dst="10.92.0.255") / UDP(sport=9999, dport=9999) /
                Raw(b"good %d" % i) for i in range(4)]
        n_bad = 5
        for i in range(n_bad):
            # GSO TCPv4 of 1000-byte segments, checksum neither partial nor done
            os.write(fd, vnet_hdr(gso_type=VNET_GSO_TCPV4, hdr_len=54,
                                  gso_size=1000) + bytes(bad))
            if i < len(good):
                os.write(fd, vnet_hdr() + bytes(good[i]))
        cap.wait(timeout=10)
        got = rdpcap(seen)
        assert sorted(bytes(f[Raw].load) for f in got) == \
            sorted(bytes(f[Raw].load) for f in good)
        d = {}

        def counted():
            d.update(drops(v))
            return d.get(("x", "rx_errors"), 0) >= n_bad
        wait_for(counted, what="rx_errors on x")
        time.sleep(0.3)             # nothing more may come
        d = drops(v)
        assert d.get(("x", "rx_errors")) == n_bad, d
        st = v.port_stats()["x"]
        assert st["rx"] - before == len(good), st
        # no part of a refused super-frame left through b
        assert not [k for k in d if k[0] == "b"], d
        assert v.port_stats()["b"]["tx"] >= len(good)
        v.stop()
    finally:
        os.close(fd)


# --- exit status 3 when an mbuf is missing ---------------------------------

def test_missing_mbuf_gives_exit_status_3(lab, monkeypatch):
    """README: "every mbuf is checked back into its pool (exit status 3 if
    one is missing)". vsw-leaktest is vsw with a test-only hook that keeps
    one mbuf at stop; vsw itself, on the same topology, exits 0."""
    assert LEAKTEST.exists(), "build %s (tests/meson.build)" % LEAKTEST
    # the hook is compiled into the test binary only
    assert b"leaked on purpose" in LEAKTEST.read_bytes()
    assert b"leaked on purpose" not in VSW.read_bytes()
    a, ha = lab.container("a", "10.93.0.1/24")
    b, hb = lab.container("b", "10.93.0.2/24")
    ini = bridge_ini([("a", "afpacket", "iface", ha),
                      ("b", "afpacket", "iface", hb)])
    monkeypatch.setattr(conftest, "VSW", LEAKTEST)
    leaky = lab.vsw(ini, name="leaky")
    lab.run(a, "ping -c 3 -i 0.2 -W 2 10.93.0.2")
    leaky.proc.send_signal(signal.SIGTERM)
    assert leaky.wait_exit() == 3, leaky.text()
    log = leaky.text()
    assert "vsw: 1 mbuf was not returned to the pool" in log, log
    assert "every mbuf back" not in log
    assert not os.path.exists(leaky.sock)
    monkeypatch.setattr(conftest, "VSW", VSW)
    v = lab.vsw(ini, name="clean")
    lab.run(a, "ping -c 3 -i 0.2 -W 2 10.93.0.2")
    v.stop()                        # exit 0, "every mbuf back in its pool"


# --- [switch] cpus, mbufs, hugepages ----------------------------------------

def threads(pid):
    """{thread name: Cpus_allowed_list} of a process."""
    out = {}
    for t in glob.glob("/proc/%d/task/*" % pid):
        try:
            name = open(t + "/comm").read().strip()
            status = open(t + "/status").read()
        except OSError:
            continue
        out[name] = re.search(r"Cpus_allowed_list:\s*(\S+)", status).group(1)
    return out


def two_containers(lab, net, switch, name="vsw", made=None):
    """Two containers on one bridge of a vsw with 'switch' keys; ping
    crosses. 'made' reuses the containers of an earlier call."""
    if made is None:
        made = (lab.container("a", "10.%d.0.1/24" % net),
                lab.container("b", "10.%d.0.2/24" % net))
    (a, ha), (b, hb) = made
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha),
                            ("b", "afpacket", "iface", hb)], switch=switch),
                name=name)
    lab.run(a, "ping -c 3 -i 0.2 -W 2 10.%d.0.2" % net)
    v.made = made
    return v


def test_cpus_pins_the_worker(lab):
    """README [switch] cpus: "CPUs for the workers" (default the last CPUs).
    cpus = 0 is not the default on a machine of two CPUs or more."""
    cpus = os.sched_getaffinity(0)
    if 0 not in cpus:
        pytest.skip("CPU 0 is not available to this process")
    v = two_containers(lab, 94, "cpus = 0\n")
    t = threads(v.proc.pid)
    workers = {n: c for n, c in t.items() if n.startswith("rte-worker")}
    assert workers == {"rte-worker-1": "0"}, t
    if len(cpus) > 1:               # the control thread keeps off the worker's CPU
        assert "0" not in t["vsw"].split(","), t
    w = v.ctl("show", "stats", as_json=True)["workers"]
    assert [x["lcore"] for x in w] == ["1"] and w[0]["iterations"] > 0, w
    v.stop()


def test_mbufs_sets_the_pool_size(lab):
    """README [switch] mbufs: "size of the packet buffer pool"; the pool as
    DPDK made it is shown by show stats (pools)."""
    v = two_containers(lab, 95, "mbufs = 3000\n")
    assert "vsw: 3000 mbufs," in v.text()
    pools = v.ctl("show", "stats", as_json=True)["pools"]
    mine = {p["pool"]: p for p in pools if p["owner"] == "vsw"}
    assert sorted(mine) == ["vsw_big", "vsw_mbufs"], pools
    assert mine["vsw_mbufs"]["size"] == 3000, pools
    # the large frames' segments: a pool of their own, not sized by the key
    assert mine["vsw_big"]["size"] == 2047, pools
    for p in mine.values():
        assert p["in_use"] == 0, pools   # at rest every mbuf is back
    v.stop()
    # and without the key, the pool is sized from the ports (2^k - 1)
    v = two_containers(lab, 95, "", name="auto", made=v.made)
    size = [p for p in v.ctl("show", "stats", as_json=True)["pools"]
            if p["pool"] == "vsw_mbufs"][0]["size"]
    assert size != 3000 and (size + 1) & size == 0, size
    v.stop()


def huge_mappings(pid):
    """Mappings of a process on pages bigger than 4 KiB (hugetlbfs)."""
    out, name = [], None
    for line in open("/proc/%d/smaps" % pid):
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            name = line.strip()
        elif line.startswith("KernelPageSize:") and int(line.split()[1]) != 4:
            out.append(name)
    return out


def free_huge_mb():
    total = 0
    for d in glob.glob("/sys/kernel/mm/hugepages/hugepages-*kB"):
        kb = int(re.search(r"hugepages-(\d+)kB", d).group(1))
        total += int(open(d + "/free_hugepages").read()) * kb // 1024
    return total


def test_hugepages_no_runs_on_ordinary_pages(lab):
    """README [switch] hugepages: "no never uses them"; "vsw runs as root on
    a plain machine: no hugepages need to be reserved". When the machine has
    free hugepages (auto would take them), this shows that no leaves them."""
    v = two_containers(lab, 96, "hugepages = no\n")
    assert huge_mappings(v.proc.pid) == []
    maps = open("/proc/%d/maps" % v.proc.pid).read()
    assert "rtemap" not in maps and "hugepages" not in maps
    v.stop()


def test_hugepages_yes_without_enough_fails_clearly(lab):
    """README [switch] hugepages: "yes requires them"; exit status 1 "means
    it could not start (the message names ... the reason, and nothing is
    left behind)". The pool asked for is more than the free hugepages hold
    (none are reserved on a plain machine), whatever is reserved."""
    free = free_huge_mb()
    mbufs = min((free + 1024) * 1024 // 2, 1 << 24)  # over 2 KiB an mbuf
    a, ha = lab.container("a", "10.97.0.1/24")
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha)],
                           switch="hugepages = yes\nmbufs = %d\n" % mbufs),
                wait=False)
    assert v.wait_exit() == 1
    log = v.text()
    m = re.search(r"vsw: \[switch\] hugepages = yes, but only (\d+) MB of "
                  r"hugepages are free and (\d+) MB are needed", log)
    assert m and int(m.group(1)) < int(m.group(2)), log
    assert "running" not in log
    assert not os.path.exists(v.sock)
    assert not os.path.exists("/var/run/dpdk/vsw-%d" % v.proc.pid)
    # the interface was not touched: not promiscuous
    flags = int(open("/sys/class/net/%s/flags" % ha).read(), 16)
    assert not flags & 0x100


# --- DPDK vdev ports: net_ring and vhost-user -------------------------------

SEND = r"""
import sys
from scapy.all import Ether, IP, UDP, Raw, sendp, get_if_hwaddr
n, tag = int(sys.argv[1]), sys.argv[2]
mac = get_if_hwaddr("eth0")
sendp([Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / IP(dst="10.255.255.255") /
       UDP(sport=7777, dport=7777) / Raw(("%s %d" % (tag, i)).encode())
       for i in range(n)], iface="eth0", verbose=False)
"""


def send_broadcasts(lab, ns, n, tag):
    lab.run(ns, "/usr/bin/python3 -c '%s' %d %s" % (SEND, n, tag))


def payloads(path):
    from scapy.all import Raw, rdpcap
    return sorted(bytes(f[Raw].load) for f in rdpcap(path) if Raw in f)


def test_net_ring_port_loops_frames_back(lab):
    """README [port] devargs: "a vdev such as ... net_ring0". A net_ring vdev
    made from devargs alone is one ring, its tx feeding its rx: what the
    bridge sends out of it comes back in, and is flooded again."""
    a, ha = lab.container("a", "10.98.0.1/24")
    b, hb = lab.container("b", "10.98.0.2/24")
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha),
                            ("b", "afpacket", "iface", hb),
                            ("r", "dpdk", "devargs", "net_ring0")]))
    ports = {p["port"]: p for p in v.ctl("show", "ports", as_json=True)["ports"]}
    assert "net_ring" in ports["r"]["backend"] and ports["r"]["link"] == "up"
    n = 5
    at_a = str(lab.tmp / "a.pcap")
    at_b = str(lab.tmp / "b.pcap")
    cap_a = capture(lab, a, "udp port 7777", n, at_a, extra="-Q in")
    cap_b = capture(lab, b, "udp port 7777", 2 * n, at_b)
    before = v.port_stats()["r"]
    send_broadcasts(lab, a, n, "ring")
    cap_a.wait(timeout=10)
    cap_b.wait(timeout=10)
    sent = [b"ring %d" % i for i in range(n)]
    # a gets its own frames back only through the ring; b gets them twice
    assert payloads(at_a) == sent
    assert payloads(at_b) == sorted(sent * 2)
    # every frame out of r came back in (the containers' own chatter too)
    after = v.port_stats()["r"]
    assert after["tx"] - before["tx"] >= n, after
    assert after["rx"] == after["tx"], after
    v.stop()


def fwd_stats(text):
    """testpmd's accumulated RX and TX packet counts, printed at exit."""
    tail = text[text.index("Accumulated forward statistics"):]
    rx = int(re.search(r"RX-packets:\s*(\d+)", tail).group(1))
    tx = int(re.search(r"TX-packets:\s*(\d+)", tail).group(1))
    return rx, tx


def test_vhost_user_port_carries_frames_both_ways(lab):
    """README [port] devargs: "net_vhost0,iface=/tmp/vh.sock". vsw is the
    vhost-user backend; dpdk-testpmd is the virtio-user frontend in another
    process, without hugepages (its --no-huge memory is a memfd, which it
    shares with vsw), forwarding what it receives back (io) after a first
    burst of its own (tx-first)."""
    a, ha = lab.container("a", "10.99.0.1/24")
    vh = str(lab.tmp / "vh.sock")
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha),
                            ("h", "dpdk", "devargs", "net_vhost0,iface=%s" % vh)]))

    def link(port):
        return {p["port"]: p for p in v.ctl("show", "ports",
                                            as_json=True)["ports"]}[port]["link"]
    assert link("h") == "down"      # no frontend yet
    # testpmd's first burst: 32 frames 198.18.0.1 -> 198.18.0.2, UDP port 9
    burst = str(lab.tmp / "burst.pcap")
    cap = capture(lab, a, "udp port 9", 32, burst)
    prefix = "vswt-tp-%s" % lab.tag
    out = open(lab.tmp / "testpmd.log", "w")
    cpus = sorted(os.sched_getaffinity(0))
    lcores = ["--main-lcore=%d" % cpus[-1], "-l", "%d,%d" % (cpus[0], cpus[-1])] \
        if len(cpus) > 1 else ["-l", "%d" % cpus[0]]
    tp = subprocess.Popen(["dpdk-testpmd"] + lcores + [
        "--no-pci", "--no-huge", "-m", "256", "--no-shconf",
        "--file-prefix=" + prefix, "--log-level=*:warning",
        "--vdev", "net_virtio_user0,path=%s" % vh, "--",
        "--forward-mode=io", "--tx-first", "--auto-start", "--stats-period=1",
        "--total-num-mbufs=2048"], stdin=subprocess.DEVNULL, stdout=out,
        stderr=subprocess.STDOUT)
    lab.procs.append(tp)
    try:
        cap.wait(timeout=15)
        wait_for(lambda: link("h") == "up", what="vhost link up")
        from scapy.all import IP, UDP, rdpcap
        got = rdpcap(burst)
        assert len(got) == 32
        assert all(f[IP].src == "198.18.0.1" and f[IP].dst == "198.18.0.2" and
                   f[UDP].dport == 9 for f in got)
        # the other way: a's broadcasts go out to testpmd and come back
        n = 5
        back = str(lab.tmp / "back.pcap")
        cap = capture(lab, a, "udp port 7777", n, back, extra="-Q in")
        send_broadcasts(lab, a, n, "vhost")
        cap.wait(timeout=10)
        assert payloads(back) == [b"vhost %d" % i for i in range(n)]
        st = v.port_stats()["h"]
        assert st["rx"] >= 32 + n and st["tx"] >= n, st
        tp.send_signal(signal.SIGINT)
        assert tp.wait(timeout=15) == 0
        out.close()
        rx, tx = fwd_stats((lab.tmp / "testpmd.log").read_text())
        assert rx >= n and tx >= 32 + n, (rx, tx)
        wait_for(lambda: link("h") == "down", what="vhost link down")
        v.stop()
    finally:
        if tp.poll() is None:
            tp.kill()
            tp.wait()
        shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
