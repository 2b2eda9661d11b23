#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5508 REQ-11: Non-QueryError ICMP messages (neither query nor
error: router solicitation and advertisement) may be dropped: vsw drops
them both ways (nat_proto), translating nothing.""")
n.out(1, IP(dst=S1, id=1) / ICMP(type=10, code=0))
n.inb(2, IP(src=S1, dst=UP, id=2) / ICMP(type=9, code=0))
n.drop("c1", "nat_proto")
n.drop("uplink", "nat_proto")
n.write()
