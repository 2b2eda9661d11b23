# SPDX-License-Identifier: BSD-3-Clause
"""End to end: containers (namespaces) wired to vsw through AF_PACKET, TAP and
DPDK ports exchange ping and TCP; bad topologies and bad ports leave nothing
behind; two vsw run side by side; vswctl answers and refuses."""
import hashlib
import json
import os
import signal
import stat
import subprocess
import time

import pytest
from conftest import VSW, VSWCTL, sh


def tcp_transfer(lab, src, dst, dst_ip, size=8 << 20, port=5001):
    """Send 'size' random bytes over TCP from namespace src to dst and check
    they arrive unchanged (a bad checksum anywhere stalls the stream)."""
    blob = os.urandom(size)
    src_file = lab.tmp / ("tx-%d.bin" % port)
    dst_file = lab.tmp / ("rx-%d.bin" % port)
    src_file.write_bytes(blob)
    server = lab.spawn(dst, "sh -c 'nc -l -N %d > %s'" % (port, dst_file))
    time.sleep(0.3)
    lab.run(src, "sh -c 'nc -N -w 10 %s %d < %s'" % (dst_ip, port, src_file),
            timeout=60)
    server.wait(timeout=30)
    got = dst_file.read_bytes()
    assert len(got) == size, "received %d of %d bytes" % (len(got), size)
    assert hashlib.sha256(got).digest() == hashlib.sha256(blob).digest()


def iperf(lab, src, dst, dst_ip, seconds=2, port=5201):
    server = lab.spawn(dst, "iperf3 -s -1 -p %d" % port)
    time.sleep(0.4)
    r = lab.run(src, "iperf3 -c %s -p %d -t %d -J" % (dst_ip, port, seconds),
                timeout=seconds + 30)
    server.wait(timeout=10)
    return json.loads(r.stdout)["end"]["sum_received"]["bits_per_second"]


def bridge_ini(ports, bridge="br0"):
    out = "[bridge %s]\n" % bridge
    for name, kind, key, val in ports:
        out += "[port %s]\nkind = %s\n%s = %s\nbridge = %s\n" % (
            name, kind, key, val, bridge)
    return out


def test_ping_and_tcp_through_afpacket_and_tap(lab):
    a, ha = lab.container("a", "10.77.0.1/24")
    b, hb = lab.container("b", "10.77.0.2/24")
    c = lab.netns("c")
    tap = lab.ifname("t")
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha),
                            ("b", "afpacket", "iface", hb),
                            ("t", "tap", "iface", tap)]))
    # vsw made the TAP; move it into the third container
    sh("ip link set %s netns %s" % (tap, c))
    lab.run(c, "ip addr add 10.77.0.3/24 dev %s" % tap)

    def tap_link():
        return {p["port"]: p for p in v.ctl("show", "ports", as_json=True)["ports"]}["t"]["link"]
    # its link is read where it lives now: down there, then up
    assert tap_link() == "down"
    lab.run(c, "ip link set %s up" % tap)
    assert tap_link() == "up"
    deadline = time.time() + 3      # vsw's own view follows within a second
    while time.time() < deadline and "port t is up" not in v.text():
        time.sleep(0.1)

    lab.run(a, "ping -c 3 -i 0.2 -W 2 10.77.0.2")
    lab.run(a, "ping -c 3 -i 0.2 -W 2 10.77.0.3")
    lab.run(c, "ping -c 3 -i 0.2 -W 2 10.77.0.2")
    # TCP with offloads left on: partial checksums and super-frames
    tcp_transfer(lab, a, b, "10.77.0.2", port=5001)
    tcp_transfer(lab, a, c, "10.77.0.3", port=5002)
    tcp_transfer(lab, c, b, "10.77.0.2", port=5003)
    assert iperf(lab, a, b, "10.77.0.2") > 0

    stats = v.port_stats()
    assert stats["a"]["tx"] > 0 and stats["a"]["rx"] > 0
    assert stats["t"]["tx"] > 0 and stats["t"]["rx"] > 0
    v.stop()
    # the TAP went away with vsw
    assert lab.run(c, "ip link show %s" % tap, check=False).returncode != 0


def test_software_offload_towards_a_dpdk_port(lab):
    """net_af_packet takes neither partial checksums nor super-frames: vsw
    finishes both (checksum completion, rte_gso) and TCP still works.

    The other way, a DPDK PMD on a veth cannot see that the kernel left a
    checksum unfinished (it ignores TP_STATUS_CSUMNOTREADY), so the
    container behind it sends finished checksums, as OVS documents for
    these PMDs; vsw's own afpacket ports need no such thing."""
    a, ha = lab.container("a", "10.78.0.1/24")
    b, hb = lab.container("b", "10.78.0.2/24")
    lab.run(b, "ethtool -K eth0 tx off")
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha),
                            ("b", "dpdk", "devargs", "net_af_packet0,iface=%s" % hb)]))
    ports = {p["port"]: p for p in v.ctl("show", "ports", as_json=True)["ports"]}
    assert "tso" not in ports["b"]["offloads"]
    lab.run(a, "ping -c 2 -i 0.2 -W 2 10.78.0.2")
    tcp_transfer(lab, a, b, "10.78.0.2", size=4 << 20)
    v.stop()


def test_af_xdp_port(lab):
    """A DPDK af_xdp port: TCP both ways with super-frames cut for it, and the
    mbufs its PMD keeps at close are named as the PMD's."""
    a, ha = lab.container("a", "10.85.0.1/24")
    b, hb = lab.container("b", "10.85.0.2/24")
    lab.run(b, "ethtool -K eth0 tx off")     # see the net_af_packet test
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha),
                            ("b", "dpdk", "devargs", "net_af_xdp0,iface=%s" % hb)]))
    lab.run(a, "ping -c 2 -i 0.2 -W 2 10.85.0.2")
    tcp_transfer(lab, a, b, "10.85.0.2", size=16 << 20, port=5001)
    tcp_transfer(lab, b, a, "10.85.0.1", size=4 << 20, port=5002)
    log = v.stop()
    assert "its DPDK PMD kept" in log or "every mbuf" in log


def test_two_workers(lab):
    a, ha = lab.container("a", "10.86.0.1/24")
    b, hb = lab.container("b", "10.86.0.2/24")
    c, hc = lab.container("c", "10.86.0.3/24")
    v = lab.vsw("[switch]\nworkers = 2\ncontrol = @SOCK@\n" +
                bridge_ini([("a", "afpacket", "iface", ha),
                            ("b", "afpacket", "iface", hb),
                            ("c", "afpacket", "iface", hc)]))
    workers = v.ctl("show", "stats", as_json=True)["workers"]
    assert len(workers) == 2
    assert sorted(w["ports"] for w in workers) == [1, 2]
    lab.run(a, "ping -c 2 -i 0.2 -W 2 10.86.0.2")
    lab.run(c, "ping -c 2 -i 0.2 -W 2 10.86.0.1")
    tcp_transfer(lab, a, b, "10.86.0.2", port=5001)
    tcp_transfer(lab, b, c, "10.86.0.3", port=5002)
    v.stop()


def test_partial_udp_checksums_are_completed_for_pcap(lab):
    """UDP from a container leaves its checksum to offload; the pcap port
    (a capture of the wire) must hold the finished, correct checksum."""
    from scapy.all import UDP, IP, rdpcap
    a, ha = lab.container("a", "10.79.0.1/24")
    lab.run(a, "ip neigh add 10.79.0.9 lladdr 02:00:00:00:00:09 dev eth0")
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha),
                            ("cap", "pcap", "tx", "@DIR@/cap.pcap")]))
    lab.run(a, "/usr/bin/python3 -c \"import socket; s=socket.socket(socket.AF_INET,"
               "socket.SOCK_DGRAM); [s.sendto(b'x'*(100+i), ('10.79.0.9', 9999)) "
               "for i in range(20)]\"")
    time.sleep(0.5)
    v.stop()
    frames = [f for f in rdpcap(str(v.dir / "cap.pcap")) if UDP in f and f[UDP].dport == 9999]
    assert len(frames) == 20
    for f in frames:
        got = f[UDP].chksum
        del f[UDP].chksum
        del f[IP].chksum
        assert IP(bytes(f[IP]))[UDP].chksum == got, "bad UDP checksum %#x" % got


def test_bad_topology_changes_nothing(lab):
    tap = lab.ifname("t")
    ini = lab.tmp / "bad.ini"
    ini.write_text("[bridge br0]\n[port t]\nkind = tap\niface = %s\nbridge = br0\n"
                   "[port x]\nkind = afpacket\nbridge = br1\n" % tap)
    r = subprocess.run([str(VSW), "-c", str(ini)], capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 2
    assert "%s:8: [port x] bridge: no [bridge br1]" % ini in r.stderr
    assert "%s:6: [port x] kind = afpacket needs iface" % ini in r.stderr
    assert sh("ip link show %s" % tap, check=False).returncode != 0
    r = subprocess.run([str(VSW), "--check", "-c", str(ini)], capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 2


def test_port_that_cannot_open_stops_startup_cleanly(lab):
    tap = lab.ifname("t")
    v = lab.vsw("[bridge br0]\n[port t]\nkind = tap\niface = %s\nbridge = br0\n"
                "[port gone]\nkind = afpacket\niface = %s\nbridge = br0\n" %
                (tap, lab.ifname("nope")), wait=False)
    assert v.wait_exit() == 1
    log = v.text()
    assert "port gone (afpacket): no interface named %s" % lab.ifname("nope") in log
    assert sh("ip link show %s" % tap, check=False).returncode != 0, "TAP left behind"
    assert not os.path.exists(v.sock)
    # a DPDK device that does not exist
    v = lab.vsw("[bridge br0]\n[port d]\nkind = dpdk\ndevargs = net_nosuchpmd0\n"
                "bridge = br0\n", name="vsw2", wait=False)
    assert v.wait_exit() == 1
    assert "port d (dpdk): DPDK refused device 'net_nosuchpmd0'" in v.text()


def test_interface_cannot_be_shared_by_two_vsw(lab):
    a, ha = lab.container("a", "10.80.0.1/24")
    v1 = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha)]), name="one")
    v2 = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha)]), name="two", wait=False)
    assert v2.wait_exit() == 1
    assert "interface %s is already used by another vsw" % ha in v2.text()
    v1.stop()


def test_two_vsw_side_by_side(lab):
    a1, h1 = lab.container("a1", "10.81.0.1/24")
    a2, h2 = lab.container("a2", "10.81.0.2/24")
    b1, g1 = lab.container("b1", "10.82.0.1/24")
    b2, g2 = lab.container("b2", "10.82.0.2/24")
    va = lab.vsw(bridge_ini([("x", "afpacket", "iface", h1),
                             ("y", "afpacket", "iface", h2)]), name="va")
    vb = lab.vsw(bridge_ini([("x", "afpacket", "iface", g1),
                             ("y", "afpacket", "iface", g2)]), name="vb")
    lab.run(a1, "ping -c 2 -i 0.2 -W 2 10.81.0.2")
    lab.run(b1, "ping -c 2 -i 0.2 -W 2 10.82.0.2")
    assert va.port_stats()["y"]["tx"] > 0
    assert vb.port_stats()["y"]["tx"] > 0
    va.stop(signal.SIGINT)
    vb.stop()
    left = [d for d in os.listdir("/var/run/dpdk") if d.startswith("vsw-")] \
        if os.path.isdir("/var/run/dpdk") else []
    assert not [d for d in left if d in ("vsw-%d" % va.proc.pid, "vsw-%d" % vb.proc.pid)]


def test_vswctl_tables_json_and_errors(lab, tmp_path_factory):
    a, ha = lab.container("a", "10.83.0.1/24")
    b, hb = lab.container("b", "10.83.0.2/24")
    # a directory everyone may enter, to try the socket as another user
    open_dir = tmp_path_factory.mktemp("ctl")
    for d in (open_dir, open_dir.parent, open_dir.parent.parent):
        os.chmod(d, 0o755)
    v = lab.vsw("[switch]\ncontrol = %s/ctl.sock\n" % open_dir +
                bridge_ini([("a", "afpacket", "iface", ha),
                            ("b", "afpacket", "iface", hb)]))
    assert stat.S_IMODE(os.stat(v.sock).st_mode) == 0o600
    text = v.ctl("show", "ports").stdout
    assert text.splitlines()[0].split()[:3] == ["port", "kind", "role"]
    assert "bridge br0" in text and ha in text
    before = v.port_stats()["b"]["tx"]
    lab.run(a, "ping -c 3 -i 0.2 -W 2 10.83.0.2")
    after = v.port_stats()["b"]
    assert after["tx"] >= before + 3
    assert "drops" in v.ctl("show", "stats", as_json=True)
    # refusals
    r = v.ctl("show", "nonsense", check=False)
    assert r.returncode == 1 and "unknown command 'show nonsense'" in r.stderr
    assert v.request(b"\x00\x01\x02garbage\n").startswith(b"ERR ")
    assert v.request(b"A" * 10000).startswith(b"ERR request longer than")
    assert v.request(b"\n").startswith(b"ERR empty request")
    # only root: the socket is 0600; opened up, vsw still checks the peer
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        str(VSWCTL), "-s", v.sock, "show", "ports"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "Permission denied" in r.stderr
    os.chmod(v.sock, 0o666)
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        str(VSWCTL), "-s", v.sock, "show", "ports"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "permission denied" in r.stderr
    # vsw is still fine after all that
    lab.run(a, "ping -c 1 -W 2 10.83.0.2")
    r = subprocess.run([str(VSWCTL), "-s", str(v.dir / "none.sock"), "show", "ports"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "cannot reach vsw" in r.stderr
    v.stop()


def test_pcap_port_in_a_live_topology(lab):
    """A pcap rx file is replayed into a live bridge; a tx file records."""
    from scapy.all import Ether, IP, UDP, Raw, wrpcap, rdpcap
    a, ha = lab.container("a", "10.84.0.1/24")
    frames = [Ether(src="02:00:00:00:00:%02x" % i, dst="ff:ff:ff:ff:ff:ff") /
              IP(src="10.84.0.%d" % (100 + i), dst="10.84.0.255") / UDP(dport=7) /
              Raw(b"replayed") for i in range(5)]
    for i, f in enumerate(frames):
        f.time = 1000 + 0.05 * i
    wrpcap(str(lab.tmp / "in.pcap"), frames)
    cap = lab.spawn(a, "tcpdump -i eth0 -c 5 -w %s udp port 7" % (lab.tmp / "seen.pcap"))
    time.sleep(1)
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha),
                            ("r", "pcap", "rx", str(lab.tmp / "in.pcap"))]))
    cap.wait(timeout=15)
    seen = rdpcap(str(lab.tmp / "seen.pcap"))
    assert [bytes(f) for f in seen] == [bytes(f) for f in frames]
    v.stop()
