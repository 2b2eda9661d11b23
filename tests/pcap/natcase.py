# SPDX-License-Identifier: BSD-3-Clause
"""The docker0-like NAT lab of the rfc5382_* and rfc5508_* golden cases.

Containers c1..c3 (172.17.0.2..4) on a masqueraded bridge, an uplink
198.51.100.2 whose gateway is 198.51.100.1, remote servers S1 and S2. A
case script makes a Nat, sends with out()/inb() and says what each port
must emit with to_up()/to_c(); the expected frames are built from what the
RFC requires, never captured from vsw.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from caselib import case_here  # noqa: E402
from scapy.all import Ether, ARP, IP, ICMP, UDP, TCP, Raw, IPOption_NOP  # noqa: E402,F401

GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
C = {1: ("172.17.0.2", "02:42:ac:11:00:02"),
     2: ("172.17.0.3", "02:42:ac:11:00:03"),
     3: ("172.17.0.4", "02:42:ac:11:00:04")}
UP, UPMAC = "198.51.100.2", "02:42:c6:33:64:02"
RTR, RTRMAC = "198.51.100.1", "02:00:00:00:01:01"
S1, S2 = "203.0.113.10", "203.0.113.20"
HOP = "192.0.2.77"          # a router on the way that reports errors
BC = "ff:ff:ff:ff:ff:ff"

TOPOLOGY = """; {note}
{switch}
[bridge docker0]
subnet = 172.17.0.0/16
gateway = 172.17.0.1
masquerade = uplink
{ports}
[port uplink]
kind = pcap
rx = in_uplink.pcap
tx = out_uplink.pcap
address = 198.51.100.2/24
gateway = 198.51.100.1
{extra}"""

PORT = """
[port c{i}]
kind = pcap
rx = in_c{i}.pcap
tx = out_c{i}.pcap
bridge = docker0
"""


def fr(smac, dmac, l3):
    return Ether(src=smac, dst=dmac) / l3


class Nat:
    """One case: 'hosts' containers, [switch] keys, extra sections."""

    def __init__(self, note, hosts=1, switch=None, extra=""):
        self.c = case_here()
        self.hosts = hosts
        # a small table: the case needs few sessions, and starts faster
        switch = dict({"nat_sessions": "1024", "nat_sessions_per_host": "1024"},
                      **(switch or {}))
        sw = "[switch]\n" + "".join("%s = %s\n" % kv for kv in switch.items())
        ports = "".join(PORT.format(i=i) for i in range(1, hosts + 1))
        with open(os.path.join(self.c.dir, "topology.ini"), "w") as f:
            f.write(TOPOLOGY.format(note="\n; ".join(note.strip().splitlines()),
                                    switch=sw, ports=ports, extra=extra))
        self.arp(0)
        for i in range(1, hosts + 1):
            self.c.nothing_on("c%d" % i)

    def arp(self, t):
        """Everyone ARPs for vsw at 't' (and so is known afresh: a
        neighbour entry goes stale after 300 s)."""
        hosts = self.hosts
        for i in range(1, hosts + 1):
            ip, mac = C[i]
            self.c.send(t + 0.01 * i, "c%d" % i, fr(mac, BC, ARP(op=1, hwsrc=mac, psrc=ip, pdst=GW)))
            self.c.expect_on("c%d" % i, fr(GWMAC, mac, ARP(op=2, hwsrc=GWMAC, psrc=GW,
                                                           hwdst=mac, pdst=ip)))
        self.c.send(t + 0.09, "uplink", fr(RTRMAC, BC, ARP(op=1, hwsrc=RTRMAC, psrc=RTR, pdst=UP)))
        self.c.expect_on("uplink", fr(UPMAC, RTRMAC, ARP(op=2, hwsrc=UPMAC, psrc=UP,
                                                          hwdst=RTRMAC, pdst=RTR)))

    # inputs
    def out(self, t, l3, host=1):
        """Container 'host' sends the IP packet 'l3' (its src is filled in)."""
        ip, mac = C[host]
        l3 = l3.copy()
        l3.src = ip
        self.c.send(t, "c%d" % host, fr(mac, GWMAC, l3))
        return l3

    def inb(self, t, l3):
        """The uplink's gateway hands in 'l3' (to UP unless it says)."""
        l3 = l3.copy()
        if l3.dst == "127.0.0.1" or l3.dst is None:
            l3.dst = UP
        self.c.send(t, "uplink", fr(RTRMAC, UPMAC, l3))
        return l3

    # expectations
    def to_up(self, l3):
        self.c.expect_on("uplink", fr(UPMAC, RTRMAC, l3))

    def to_c(self, l3, host=1):
        ip, mac = C[host]
        self.c.expect_on("c%d" % host, fr(GWMAC, mac, l3))

    def drop(self, port, reason, n=1):
        self.c.drop(port, reason, n)

    def write(self):
        for frames in self.c.inputs.values():   # a port's frames in time order
            frames.sort(key=lambda f: f.time)
        if self.c.drops is None:
            self.c.drops = {}
        self.c.write()


def unreach(orig, src=UP, code=3):
    """What vsw itself sends about 'orig' (an IP packet as it came in):
    ICMP 3/'code' from 'src' back to its sender, quoting all of it."""
    return IP(src=src, dst=orig.src, ttl=64, id=0) / ICMP(type=3, code=code) / bytes(orig)
