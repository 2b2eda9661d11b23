#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5382 REQ-10: no ICMP message ends a mapping or a TCP connection.
After port unreachable, host unreachable and time exceeded about it, the
established connection still passes data both ways 300 s later (past the
240 s transitory timeout: it is still established).""")
C1 = C[1][0]
def o(t, i, data=b"", **kw):
    p = IP(dst=S1, id=i) / TCP(sport=40000, dport=80, **kw) / Raw(data)
    n.out(t, p)
    s = IP(src=UP, dst=S1, id=i, ttl=63) / TCP(sport=40000, dport=80, **kw) / Raw(data)
    n.to_up(s)
    return s
def i_(t, i, data=b"", **kw):
    n.inb(t, IP(src=S1, dst=UP, id=i) / TCP(sport=80, dport=40000, **kw) / Raw(data))
    n.to_c(IP(src=S1, dst=C1, id=i, ttl=63) / TCP(sport=80, dport=40000, **kw) / Raw(data))
o(1, 1, flags="S", seq=1)
i_(1.1, 2, flags="SA", seq=9, ack=2)
o(1.2, 3, flags="A", seq=2, ack=10)
sent = o(2, 4, b"hello", flags="PA", seq=2, ack=10)
back = IP(src=C1, dst=S1, id=4, ttl=63) / TCP(sport=40000, dport=80, flags="PA", seq=2, ack=10) / Raw(b"hello")
for i, (src, icmp) in enumerate(((S1, ICMP(type=3, code=3)), (HOP, ICMP(type=3, code=1)),
                                 (HOP, ICMP(type=11, code=0)))):
    n.inb(3 + i, IP(src=src, dst=UP, id=20 + i) / icmp / bytes(sent))
    n.to_c(IP(src=src, dst=C1, id=20 + i, ttl=63) / icmp / bytes(back))
n.arp(305)
i_(306, 30, b"still", flags="PA", seq=10, ack=7)
o(306.1, 31, b"here", flags="PA", seq=7, ack=15)
n.write()
