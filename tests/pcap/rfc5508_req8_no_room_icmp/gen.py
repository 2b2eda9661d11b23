#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5508 REQ-8: when no session can be made for a new flow (the host's
share is used up, or no external port is free), with nat_full_icmp the
sender gets ICMP 3/13 (communication administratively prohibited) from
its gateway and the packet is dropped.""", hosts=2,
        switch={"nat_full_icmp": "yes", "nat_sessions_per_host": "1", "nat_ports": "40000-40000"})
C1, C2 = C[1][0], C[2][0]
n.out(1, IP(dst=S1, id=1) / UDP(sport=40000, dport=9) / Raw(b"1"))
n.to_up(IP(src=UP, dst=S1, id=1, ttl=63) / UDP(sport=40000, dport=9) / Raw(b"1"))
p = n.out(2, IP(dst=S2, id=2) / UDP(sport=40000, dport=9) / Raw(b"host limit"))
n.to_c(IP(src=GW, dst=C1, ttl=64, id=0) / ICMP(type=3, code=13) / bytes(p))
p = n.out(3, IP(dst=S1, id=3) / UDP(sport=50000, dport=9) / Raw(b"no port"), host=2)
n.to_c(IP(src=GW, dst=C2, ttl=64, id=0) / ICMP(type=3, code=13) / bytes(p), host=2)
n.drop("c1", "nat_host_limit")
n.drop("c2", "nat_no_port")
n.write()
