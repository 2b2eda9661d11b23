#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, ICMP, TCP, Raw

UDP_S, TCP_EST, TCP_TRANS, ICMP_S = 300, 7440, 240, 60   # the README's defaults
GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
C1, C1MAC = "172.17.0.2", "02:42:ac:11:00:02"
UP, UPMAC = "198.51.100.2", "02:42:c6:33:64:02"
RTRMAC = "02:00:00:00:01:01"
S1 = "203.0.113.10"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()
ident = [0]

def fr(smac, dmac, l3):
    return Ether(src=smac, dst=dmac) / l3

def out(t, l4, passes=True):
    """c1 sends l4 to S1; translated to the uplink address, ports kept."""
    ident[0] += 1
    c.send(t, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=ident[0]) / l4))
    if passes:
        c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S1, id=ident[0], ttl=63) / l4))

def inb(t, l4, passes):
    """S1 answers to the uplink address: to c1, or dropped (no mapping)."""
    ident[0] += 1
    if passes:
        # c1 was quiet for a long time: it asks for its gateway (which
        # keeps vsw's ARP entry for it fresh) just before
        c.send(t - 0.5, "c1", fr(C1MAC, BC, ARP(op=1, hwsrc=C1MAC, psrc=C1, pdst=GW)))
        c.expect_on("c1", fr(GWMAC, C1MAC, ARP(op=2, hwsrc=GWMAC, psrc=GW,
                                               hwdst=C1MAC, pdst=C1)))
    c.send(t, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=ident[0]) / l4))
    if passes:
        c.expect_on("c1", fr(GWMAC, C1MAC, IP(src=S1, dst=C1, id=ident[0], ttl=63) / l4))
    else:
        c.drop("uplink", "nat_no_mapping")

# ICMP echo: 60 s from the request; the replies do not refresh it
out(10, ICMP(type=8, id=7, seq=1) / Raw(b"ping"))
inb(10 + ICMP_S, ICMP(type=0, id=7, seq=1) / Raw(b"ping"), True)
inb(10 + ICMP_S + 1, ICMP(type=0, id=7, seq=1) / Raw(b"late"), False)

# TCP opening (transitory): a SYN, the SYN-ACK 240 s later passes and sets
# 240 s again; its retransmission 241 s after that finds nothing
t = 100
out(t, TCP(sport=40100, dport=80, flags="S", seq=1))
inb(t + TCP_TRANS, TCP(sport=80, dport=40100, flags="SA", seq=900, ack=2), True)
inb(t + 2 * TCP_TRANS + 1, TCP(sport=80, dport=40100, flags="SA", seq=900, ack=2), False)

# TCP established: the handshake, then quiet; 7440 s later a segment passes
# (more than the transitory 240 s), 7441 s after that one nothing is left
t = 1000
out(t, TCP(sport=40200, dport=80, flags="S", seq=1))
inb(t + 0.1, TCP(sport=80, dport=40200, flags="SA", seq=500, ack=2), True)
out(t + 0.2, TCP(sport=40200, dport=80, flags="A", seq=2, ack=501))
t += 0.2
inb(t + TCP_EST, TCP(sport=80, dport=40200, flags="PA", seq=501, ack=2) / Raw(b"still"), True)
t += TCP_EST
inb(t + TCP_EST + 1, TCP(sport=80, dport=40200, flags="PA", seq=506, ack=2) / Raw(b"gone"), False)
for frames in c.inputs.values():           # each file in time order
    frames.sort(key=lambda f: f.time)
c.write()
