# SPDX-License-Identifier: BSD-3-Clause
"""End to end: what the README promises of the router, with real stacks.

The golden cases check the same promises to the byte on virtual time
(route_longest_prefix, routed_mtu, arp_unresolved, arp_unresolved_nat,
icmp_rate_limit, nat_full_icmp, nat_full_silent, nat_default_timeouts);
these tests check that Linux on both sides makes of vsw's answers what it
should: the kernel reassembles vsw's fragments, ping and TCP learn the
path MTU from vsw's "fragmentation needed", and a container hears "host
unreachable" when its gateway's next hop never answers, on wall-clock
time with vsw idle between its ARP requests.

c1 is a container on docker0 (172.17.0.2, NATed out of the uplink); the
"outside" is a namespace on the uplink's link holding 203.0.113.10 on its
loopback."""
import time

from scapy.all import ARP, ICMP, IP, UDP, rdpcap
from test_foundation import tcp_transfer

UPLINK_IP = "198.51.100.2"
SERVER = "203.0.113.10"
MTU = 1000

LAB = """
[switch]
control = @SOCK@

[bridge docker0]
subnet = 172.17.0.0/16
gateway = 172.17.0.1
masquerade = uplink

[port c1]
kind = afpacket
iface = {c1}
bridge = docker0

[port uplink]
kind = afpacket
iface = {up}
address = 198.51.100.2/24
gateway = 198.51.100.1
{uplink_extra}
"""


def nat_lab(lab, out_addr, uplink_extra=""):
    c1, h1 = lab.container("c1", "172.17.0.2/16", gw="172.17.0.1")
    out, hup = lab.container("out", out_addr)
    lab.run(out, "ip addr add %s/32 dev lo" % SERVER)
    v = lab.vsw(LAB.format(c1=h1, up=hup, uplink_extra=uplink_extra))
    return c1, out, v


def capture(lab, ns, name, expr):
    """tcpdump on the namespace's eth0 into a file; returns (proc, path).
    Immediate mode: else the last second's frames may still sit in the
    capture ring when it is stopped."""
    path = lab.tmp / name
    p = lab.spawn(ns, "tcpdump -i eth0 -n -U --immediate-mode -w %s %s" % (path, expr))
    line = p.stderr.readline()          # once it says so, it captures
    assert "listening on" in line, line + p.stderr.read()
    return p, path


def stop(p):
    p.terminate()
    p.wait(timeout=10)


UDP_SEND = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 0)   # IP_MTU_DISCOVER = DONT: DF clear
s.sendto(bytes((i * 7) & 255 for i in range(int(sys.argv[3]))), (sys.argv[1], int(sys.argv[2])))
"""

UDP_RECV = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(10)
print("ready", flush=True)
d, a = s.recvfrom(65536)
open(sys.argv[3], "wb").write(d)
"""


def test_routed_port_mtu_fragments_and_frag_needed(lab):
    """`mtu` on a routed port: DF-clear datagrams bigger than it leave in
    fragments of at most the MTU that the receiver's kernel puts together;
    DF ones get "fragmentation needed" with the MTU, from which ping and
    TCP learn the path MTU."""
    c1, out, v = nat_lab(lab, "198.51.100.1/24", "mtu = %d" % MTU)
    routes = v.ctl("show", "routes", as_json=True)
    assert {i["interface"]: i for i in routes["interfaces"]}["uplink"]["mtu"] == MTU
    (lab.tmp / "send.py").write_text(UDP_SEND)
    (lab.tmp / "recv.py").write_text(UDP_RECV)
    cap, pcap = capture(lab, out, "frags.pcap", "ip")
    for size in (1400 - 28, 4000):      # one vsw cuts; one c1 cut and vsw cuts again
        got = lab.tmp / ("got-%d.bin" % size)
        rx = lab.spawn(out, "/usr/bin/python3 -u %s %s 7009 %s" % (lab.tmp / "recv.py",
                                                                   SERVER, got))
        assert rx.stdout.readline().strip() == "ready"
        lab.run(c1, "/usr/bin/python3 %s %s 7009 %d" % (lab.tmp / "send.py", SERVER, size))
        rx.wait(timeout=15)
        assert got.read_bytes() == bytes((i * 7) & 255 for i in range(size))
    time.sleep(0.5)
    stop(cap)
    frags = [p[IP] for p in rdpcap(str(pcap)) if IP in p and p[IP].src == UPLINK_IP]
    by_id = {}
    for f in frags:
        by_id.setdefault(f.id, []).append(f)
    assert len(by_id) == 2, [(f.id, f.frag, f.len) for f in frags]
    for pieces in by_id.values():
        pieces.sort(key=lambda f: f.frag)
        assert len(pieces) >= 2
        assert all(f.len <= MTU for f in pieces), [f.len for f in pieces]
        at = 0
        for k, f in enumerate(pieces):   # contiguous, 8-byte units, MF but last
            assert f.frag * 8 == at, [(g.frag, g.len) for g in pieces]
            assert bool(f.flags.MF) == (k < len(pieces) - 1)
            at += f.len - 20
    # DF: ping hears "fragmentation needed" with the uplink's MTU
    r = lab.run(c1, "ping -c 1 -W 2 -M do -s 1400 %s" % SERVER, check=False)
    assert "mtu = %d" % MTU in r.stdout or "mtu=%d" % MTU in r.stdout + r.stderr, \
        r.stdout + r.stderr
    drops = {(d["port"], d["reason"]): d["count"]
             for d in v.ctl("show", "stats", as_json=True)["drops"]}
    assert drops.get(("c1", "ip_frag_needed")) == 1, drops
    # TCP, segments of 1500 bytes from c1 to another address: told the
    # MTU by vsw, it gets through whole
    lab.run(out, "ip addr add 203.0.113.11/32 dev lo")
    tcp_transfer(lab, c1, out, "203.0.113.11", size=2 << 20, port=5002)
    drops = {(d["port"], d["reason"]): d["count"]
             for d in v.ctl("show", "stats", as_json=True)["drops"]}
    assert drops.get(("c1", "ip_frag_needed"), 0) >= 2, drops
    v.stop()


def test_unresolved_gateway_three_arps_then_host_unreachable(lab):
    """Nobody answers for the uplink's gateway: vsw asks three times, a
    second apart, then the container's waiting ping gets host unreachable
    from its gateway, quoting the ping as the container sent it."""
    c1, out, v = nat_lab(lab, "198.51.100.9/24")    # not the gateway
    arps, arp_pcap = capture(lab, out, "arp.pcap", "arp")
    icmp, icmp_pcap = capture(lab, c1, "icmp.pcap", "icmp")
    r = lab.run(c1, "ping -c 1 -W 8 %s" % SERVER, check=False, timeout=20)
    assert "Destination Host Unreachable" in r.stdout and "172.17.0.1" in r.stdout, \
        r.stdout
    time.sleep(1.5)         # no fourth request
    stop(arps)
    stop(icmp)
    asks = [p for p in rdpcap(str(arp_pcap)) if ARP in p and p[ARP].op == 1 and
            p[ARP].pdst == "198.51.100.1" and p[ARP].psrc == UPLINK_IP]
    assert len(asks) == 3, [(float(p.time), p.summary()) for p in asks]
    gaps = [float(b.time - a.time) for a, b in zip(asks, asks[1:])]
    assert all(0.9 <= g <= 1.3 for g in gaps), gaps
    pkts = rdpcap(str(icmp_pcap))
    echo = [p for p in pkts if ICMP in p and p[ICMP].type == 8 and p[IP].dst == SERVER]
    err = [p for p in pkts if ICMP in p and p[ICMP].type == 3 and p[ICMP].code == 1]
    assert len(echo) == 1 and len(err) == 1, [p.summary() for p in pkts]
    e, q = err[0], echo[0]
    # to the container, from its gateway, three requests and a second later
    assert (e[IP].src, e[IP].dst) == ("172.17.0.1", "172.17.0.2")
    assert 2.9 <= float(e.time - q.time) <= 4.5, float(e.time - q.time)
    assert float(e.time) > float(asks[-1].time)
    # quoting the ping as sent: the container's address and echo id
    inner = IP(bytes(e[ICMP].payload))
    assert (inner.src, inner.dst, inner.id) == ("172.17.0.2", SERVER, q[IP].id)
    assert inner[ICMP].id == q[ICMP].id and inner[ICMP].seq == q[ICMP].seq
    drops = {(d["port"], d["reason"]): d["count"]
             for d in v.ctl("show", "stats", as_json=True)["drops"]}
    assert drops.get(("c1", "neigh_failed")) == 1, drops
    v.stop()
