#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5382 REQ-2: every valid TCP sequence, simultaneous open among them:
c1's SYN goes out, S1's SYN for the same 5-tuple crosses it and comes in,
both SYN-ACK, and the connection is established (its data passes after
300 s idle, past the 240 s transitory timeout).""")
C1 = C[1][0]
def o(t, i, **kw):
    n.out(t, IP(dst=S1, id=i) / TCP(sport=40000, dport=5000, **kw))
    n.to_up(IP(src=UP, dst=S1, id=i, ttl=63) / TCP(sport=40000, dport=5000, **kw))
def i_(t, i, **kw):
    n.inb(t, IP(src=S1, dst=UP, id=i) / TCP(sport=5000, dport=40000, **kw))
    n.to_c(IP(src=S1, dst=C1, id=i, ttl=63) / TCP(sport=5000, dport=40000, **kw))
o(1, 1, flags="S", seq=100)
i_(1.1, 2, flags="S", seq=900)
o(1.2, 3, flags="SA", seq=100, ack=901)
i_(1.3, 4, flags="SA", seq=900, ack=101)
o(2, 5, flags="A", seq=101, ack=901)
n.arp(301)
i_(302, 6, flags="PA", seq=901, ack=101)
o(302.1, 7, flags="A", seq=101, ack=902)
n.write()
