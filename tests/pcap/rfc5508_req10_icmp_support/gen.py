#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5508 REQ-10 (RFC 1812 4.3): vsw answers echo requests to its
addresses, sends time exceeded for a packet it cannot forward (TTL 1), and
carries destination unreachable, time exceeded, parameter problem and echo
through NAT (the translation itself: rfc5508_req4_*). Source quench and
redirects (deprecated) are not translated.""")
C1 = C[1][0]
n.out(1, IP(dst=GW, id=1) / ICMP(type=8, id=5, seq=1))
n.to_c(IP(src=GW, dst=C1, id=1, ttl=64) / ICMP(type=0, id=5, seq=1))
n.inb(2, IP(src=S1, dst=UP, id=2) / ICMP(type=8, id=6, seq=1))
n.to_up(IP(src=UP, dst=S1, id=2, ttl=64) / ICMP(type=0, id=6, seq=1))
p = n.out(3, IP(dst=S1, id=3, ttl=1) / UDP(sport=40000, dport=33434) / Raw(b"trace"))
n.to_c(IP(src=GW, dst=C1, ttl=64, id=0) / ICMP(type=11, code=0) / bytes(p))
n.out(4, IP(dst=S1, id=4) / UDP(sport=40000, dport=33435) / Raw(b"trace"))
sent = IP(src=UP, dst=S1, id=4, ttl=63) / UDP(sport=40000, dport=33435) / Raw(b"trace")
n.to_up(sent)
for i, icmp in enumerate((ICMP(type=4, code=0), ICMP(type=5, code=1, gw=HOP))):
    n.inb(5 + i, IP(src=HOP, dst=UP, id=5 + i) / icmp / bytes(sent))
n.drop("c1", "ip_ttl")
n.drop("uplink", "nat_proto", 2)
n.write()
