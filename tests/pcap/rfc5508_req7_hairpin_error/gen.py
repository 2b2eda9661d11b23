#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5508 REQ-7: a hairpinned ICMP error is translated both ways: c2
reaches the published UDP 5353 (c1:53) through the uplink address, c1
answers port unreachable, and c2 gets it with the outer destination its
own address, the embedded packet's source after translation (REQ-7a).""",
        hosts=2, extra="""
[publish dns]
port = uplink
proto = udp
listen = 5353
to = 172.17.0.2:53
""")
C1, C2 = C[1][0], C[2][0]
n.out(1, IP(dst=UP, id=1) / UDP(sport=40000, dport=5353) / Raw(b"q"), host=2)
got = IP(src=UP, dst=C1, id=1, ttl=63) / UDP(sport=40000, dport=53) / Raw(b"q")
n.to_c(got)
n.out(2, IP(dst=UP, id=2) / ICMP(type=3, code=3) / bytes(got))
sent = IP(src=C2, dst=UP, id=1, ttl=63) / UDP(sport=40000, dport=5353) / Raw(b"q")
n.to_c(IP(src=UP, dst=C2, id=2, ttl=63) / ICMP(type=3, code=3) / bytes(sent), host=2)
n.write()
