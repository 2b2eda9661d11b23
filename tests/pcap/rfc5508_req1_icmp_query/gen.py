#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5508 REQ-1: ICMP queries from inside and their answers pass; the
identifier's mapping does not depend on the destination (REQ-1a): c1's
identifier 777 to two hosts is one mapping, and the answers of both come
back to it.""")
C1 = C[1][0]
for i, dst in enumerate((S1, S2)):
    n.out(1 + i, IP(dst=dst, id=1 + i) / ICMP(type=8, id=777, seq=i) / Raw(b"ping"))
    n.to_up(IP(src=UP, dst=dst, id=1 + i, ttl=63) / ICMP(type=8, id=777, seq=i) / Raw(b"ping"))
for i, dst in enumerate((S1, S2)):
    n.inb(3 + i, IP(src=dst, dst=UP, id=10 + i) / ICMP(type=0, id=777, seq=i) / Raw(b"ping"))
    n.to_c(IP(src=dst, dst=C1, id=10 + i, ttl=63) / ICMP(type=0, id=777, seq=i) / Raw(b"ping"))
# an answer for an identifier nobody asked with is dropped
n.inb(5, IP(src=S1, dst=UP, id=12) / ICMP(type=0, id=778, seq=0) / Raw(b"ping"))
n.drop("uplink", "nat_no_mapping")
n.write()
