#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5508 REQ-2: an ICMP query session lives at least 60 s. With the
default (60 s, none set here) the answer 60 s after the request passes,
one 61.5 s after it does not (answers do not refresh the session).""")
C1 = C[1][0]
n.out(1, IP(dst=S1, id=1) / ICMP(type=8, id=777, seq=1))
n.to_up(IP(src=UP, dst=S1, id=1, ttl=63) / ICMP(type=8, id=777, seq=1))
n.inb(61, IP(src=S1, dst=UP, id=2) / ICMP(type=0, id=777, seq=1))
n.to_c(IP(src=S1, dst=C1, id=2, ttl=63) / ICMP(type=0, id=777, seq=1))
n.inb(62.5, IP(src=S1, dst=UP, id=3) / ICMP(type=0, id=777, seq=1))
n.drop("uplink", "nat_no_mapping")
n.write()
