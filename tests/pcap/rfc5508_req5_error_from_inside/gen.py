#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5508 REQ-5: an ICMP error from inside about a mapped flow goes out
with the embedded packet reverted (REQ-5a), type and code unchanged
(REQ-5b) and vsw's own external address as its source (REQ-5c, NAPT). One
about no mapping is dropped.""")
C1 = C[1][0]
n.out(1, IP(dst=S1, id=1) / UDP(sport=40000, dport=53) / Raw(b"q"))
n.to_up(IP(src=UP, dst=S1, id=1, ttl=63) / UDP(sport=40000, dport=53) / Raw(b"q"))
n.inb(2, IP(src=S1, dst=UP, id=2) / UDP(sport=53, dport=40000) / Raw(b"late answer"))
got = IP(src=S1, dst=C1, id=2, ttl=63) / UDP(sport=53, dport=40000) / Raw(b"late answer")
n.to_c(got)
# c1's socket is gone: port unreachable, quoting what it got
n.out(3, IP(dst=S1, id=3) / ICMP(type=3, code=3) / bytes(got))
asent = IP(src=S1, dst=UP, id=2, ttl=63) / UDP(sport=53, dport=40000) / Raw(b"late answer")
n.to_up(IP(src=UP, dst=S1, id=3, ttl=63) / ICMP(type=3, code=3) / bytes(asent))
# about a flow nobody has
other = IP(src=S2, dst=C1, id=9, ttl=63) / UDP(sport=53, dport=45000)
n.out(4, IP(dst=S2, id=4) / ICMP(type=3, code=3) / bytes(other))
n.drop("c1", "nat_icmp_unknown")
n.write()
