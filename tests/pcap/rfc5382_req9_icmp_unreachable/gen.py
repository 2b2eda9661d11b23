#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5382 REQ-9: ICMP destination unreachable about a TCP connection is
translated: host unreachable and fragmentation needed (its MTU kept) from a
router on the way reach c1 with the quoted SYN as c1 sent it, whether the
quote holds the whole TCP header or only its first 8 bytes.""")
C1 = C[1][0]
syn = n.out(1, IP(dst=S1, id=1) / TCP(sport=40000, dport=80, flags="S", seq=1))
sent = IP(src=UP, dst=S1, id=1, ttl=63) / TCP(sport=40000, dport=80, flags="S", seq=1)
n.to_up(sent)
back = IP(src=C1, dst=S1, id=1, ttl=63) / TCP(sport=40000, dport=80, flags="S", seq=1)
for i, (icmp, quote) in enumerate(((ICMP(type=3, code=1), None),
                                   (ICMP(type=3, code=4, nexthopmtu=1400), None),
                                   (ICMP(type=3, code=0), 28))):
    q = bytes(sent) if quote is None else bytes(sent)[:quote]
    b = bytes(back) if quote is None else bytes(back)[:quote]
    n.inb(2 + i, IP(src=HOP, dst=UP, id=10 + i) / icmp / q)
    n.to_c(IP(src=HOP, dst=C1, id=10 + i, ttl=63) / icmp / b)
n.write()
