#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5382 REQ-7: no port overloading for TCP. With two external ports,
c1 and c2 get one each; c3, to another destination, gets none (nat_no_port)
rather than sharing one of theirs.""", hosts=3, switch={"nat_ports": "40000-40001"})
for h, t in ((1, 1), (2, 2)):
    n.out(t, IP(dst=S1, id=h) / TCP(sport=40000, dport=80, flags="S", seq=1), host=h)
    n.to_up(IP(src=UP, dst=S1, id=h, ttl=63) / TCP(sport=39999 + h, dport=80, flags="S", seq=1))
n.out(3, IP(dst=S2, id=3) / TCP(sport=40000, dport=80, flags="S", seq=1), host=3)
n.drop("c3", "nat_no_port")
n.write()
