#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5508 REQ-4: an ICMP error from outside about a mapped flow goes to
the inside host with the embedded packet reverted (REQ-4a), type and code
unchanged (REQ-4b) and the outer destination the embedded source after
translation (REQ-4c); for UDP, TCP and echo. One about no mapping is
dropped.""")
C1 = C[1][0]
flows = [(IP(dst=S1, id=1) / UDP(sport=40000, dport=53) / Raw(b"q"), S1, ICMP(type=3, code=3)),
         (IP(dst=S1, id=2) / TCP(sport=40001, dport=80, flags="S", seq=1), HOP, ICMP(type=11, code=0)),
         (IP(dst=S2, id=3) / ICMP(type=8, id=777, seq=1), HOP, ICMP(type=12, code=0, ptr=8))]
for i, (p, src, icmp) in enumerate(flows):
    n.out(1 + i, p)
    sent = p.copy(); sent.src = UP; sent.ttl = 63
    n.to_up(sent)
    back = p.copy(); back.src = C1; back.ttl = 63
    n.inb(5 + i, IP(src=src, dst=UP, id=10 + i) / icmp / bytes(sent))
    n.to_c(IP(src=src, dst=C1, id=10 + i, ttl=63) / icmp / bytes(back))
other = IP(src=UP, dst=S1, id=9, ttl=63) / UDP(sport=40555, dport=53) / Raw(b"q")
n.inb(9, IP(src=S1, dst=UP, id=20) / ICMP(type=3, code=3) / bytes(other))
n.drop("uplink", "nat_icmp_unknown")
n.write()
