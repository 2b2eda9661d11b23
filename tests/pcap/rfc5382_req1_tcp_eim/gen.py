#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5382 REQ-1: endpoint-independent mapping for TCP. Two external
ports only: c2 takes 40000, so c1's port 40000 gets 40001, and keeps it to
every destination (an endpoint-dependent NAT would need a port per
destination and have none left).""", hosts=2, switch={"nat_ports": "40000-40001"})
C1, C2 = C[1][0], C[2][0]
n.out(1, IP(dst=S1, id=1) / TCP(sport=40000, dport=80, flags="S", seq=1), host=2)
n.to_up(IP(src=UP, dst=S1, id=1, ttl=63) / TCP(sport=40000, dport=80, flags="S", seq=1))
for i, (t, dst, dport) in enumerate(((2, S1, 80), (3, S2, 443), (4, S2, 80), (5, S1, 8080))):
    n.out(t, IP(dst=dst, id=10 + i) / TCP(sport=40000, dport=dport, flags="S", seq=100))
    n.to_up(IP(src=UP, dst=dst, id=10 + i, ttl=63) / TCP(sport=40001, dport=dport, flags="S", seq=100))
# the answers of two destinations reach c1 through the one mapping
for i, (dst, dport) in enumerate(((S1, 80), (S2, 443))):
    n.inb(6 + i, IP(src=dst, dst=UP, id=20 + i) / TCP(sport=dport, dport=40001, flags="SA", seq=7, ack=101))
    n.to_c(IP(src=dst, dst=C1, id=20 + i, ttl=63) / TCP(sport=dport, dport=40000, flags="SA", seq=7, ack=101))
n.write()
