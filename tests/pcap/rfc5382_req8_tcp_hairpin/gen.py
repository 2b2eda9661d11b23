#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5382 REQ-8: hairpinning for TCP, with the external source address
and port (REQ-8a). c1 has 198.51.100.2:40000 (to S1); c2 (whose port 40000
becomes 40001) opens it through the uplink address and c1 sees c2's
external endpoint; c2 also reaches the published 8080 (c1:80) the same way.
Endpoint-independent filtering lets c2 in to c1's dynamic mapping.""",
        hosts=2, switch={"nat_ports": "40000-40001", "nat_filtering": "endpoint-independent"},
        extra="""
[publish web]
port = uplink
proto = tcp
listen = 8080
to = 172.17.0.2:80
""")
C1, C2 = C[1][0], C[2][0]
n.out(1, IP(dst=S1, id=1) / TCP(sport=40000, dport=80, flags="S", seq=1))
n.to_up(IP(src=UP, dst=S1, id=1, ttl=63) / TCP(sport=40000, dport=80, flags="S", seq=1))
n.out(2, IP(dst=UP, id=2) / TCP(sport=40000, dport=40000, flags="S", seq=50), host=2)
n.to_c(IP(src=UP, dst=C1, id=2, ttl=63) / TCP(sport=40001, dport=40000, flags="S", seq=50))
n.out(2.1, IP(dst=UP, id=3) / TCP(sport=40000, dport=40001, flags="SA", seq=70, ack=51))
n.to_c(IP(src=UP, dst=C2, id=3, ttl=63) / TCP(sport=40000, dport=40000, flags="SA", seq=70, ack=51), host=2)
n.out(2.2, IP(dst=UP, id=4) / TCP(sport=40000, dport=40000, flags="A", seq=51, ack=71), host=2)
n.to_c(IP(src=UP, dst=C1, id=4, ttl=63) / TCP(sport=40001, dport=40000, flags="A", seq=51, ack=71))
# the published port, from the same mapping of c2
n.out(3, IP(dst=UP, id=5) / TCP(sport=40000, dport=8080, flags="S", seq=500), host=2)
n.to_c(IP(src=UP, dst=C1, id=5, ttl=63) / TCP(sport=40001, dport=80, flags="S", seq=500))
n.out(3.1, IP(dst=UP, id=6) / TCP(sport=80, dport=40001, flags="SA", seq=900, ack=501))
n.to_c(IP(src=UP, dst=C2, id=6, ttl=63) / TCP(sport=8080, dport=40000, flags="SA", seq=900, ack=501), host=2)
n.write()
