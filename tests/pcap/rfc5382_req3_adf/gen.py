#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5382 REQ-3: address-dependent filtering for TCP, as configured
(REQ-3a): once c1 has a mapping to S1, a SYN from another port of S1 reaches
it; one from S2 is filtered (held 6 s, then port unreachable, REQ-4).""",
        switch={"nat_filtering": "address-dependent"})
C1 = C[1][0]
n.out(1, IP(dst=S1, id=1) / TCP(sport=40000, dport=80, flags="S", seq=1))
n.to_up(IP(src=UP, dst=S1, id=1, ttl=63) / TCP(sport=40000, dport=80, flags="S", seq=1))
n.inb(2, IP(src=S1, dst=UP, id=2) / TCP(sport=81, dport=40000, flags="S", seq=5))
n.to_c(IP(src=S1, dst=C1, id=2, ttl=63) / TCP(sport=81, dport=40000, flags="S", seq=5))
syn = n.inb(3, IP(src=S2, dst=UP, id=3) / TCP(sport=80, dport=40000, flags="S", seq=5))
n.inb(10, IP(src=S2, dst=UP, id=4) / ICMP(type=8, id=1, seq=1))
n.to_up(unreach(syn))
n.to_up(IP(src=UP, dst=S2, id=4, ttl=64) / ICMP(type=0, id=1, seq=1))
n.drop("uplink", "nat_filtered")
n.write()
