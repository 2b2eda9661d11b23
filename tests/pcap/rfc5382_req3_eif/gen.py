#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5382 REQ-3: endpoint-independent filtering for TCP, as configured
(REQ-3a): once c1 has a mapping, a SYN from any address and port reaches
it.""", switch={"nat_filtering": "endpoint-independent"})
C1 = C[1][0]
n.out(1, IP(dst=S1, id=1) / TCP(sport=40000, dport=80, flags="S", seq=1))
n.to_up(IP(src=UP, dst=S1, id=1, ttl=63) / TCP(sport=40000, dport=80, flags="S", seq=1))
for i, (src, sport) in enumerate(((S1, 81), (S2, 7000))):
    n.inb(2 + i, IP(src=src, dst=UP, id=10 + i) / TCP(sport=sport, dport=40000, flags="S", seq=5))
    n.to_c(IP(src=src, dst=C1, id=10 + i, ttl=63) / TCP(sport=sport, dport=40000, flags="S", seq=5))
n.write()
