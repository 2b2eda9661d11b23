#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5382 REQ-5: the transitory idle timeout is not below 4 min. With
the default (240 s, none set here) an opening connection idle for 240 s
still passes, idle 241 s it is gone; the same after a FIN.""")
C1 = C[1][0]
n.out(1, IP(dst=S1, id=1) / TCP(sport=40000, dport=80, flags="S", seq=1))
n.to_up(IP(src=UP, dst=S1, id=1, ttl=63) / TCP(sport=40000, dport=80, flags="S", seq=1))
n.arp(240)
n.inb(241, IP(src=S1, dst=UP, id=2) / TCP(sport=80, dport=40000, flags="SA", seq=9, ack=2))
n.to_c(IP(src=S1, dst=C1, id=2, ttl=63) / TCP(sport=80, dport=40000, flags="SA", seq=9, ack=2))
n.inb(241 + 241, IP(src=S1, dst=UP, id=3) / TCP(sport=80, dport=40000, flags="SA", seq=9, ack=2))
# closing: established, then c1's FIN; 240 s later S1 still gets through
def o(t, i, **kw):
    n.out(t, IP(dst=S1, id=i) / TCP(sport=40001, dport=80, **kw))
    n.to_up(IP(src=UP, dst=S1, id=i, ttl=63) / TCP(sport=40001, dport=80, **kw))
def i_(t, i, **kw):
    n.inb(t, IP(src=S1, dst=UP, id=i) / TCP(sport=80, dport=40001, **kw))
    n.to_c(IP(src=S1, dst=C1, id=i, ttl=63) / TCP(sport=80, dport=40001, **kw))
n.arp(999)
o(1000, 10, flags="S", seq=1)
i_(1000.1, 11, flags="SA", seq=9, ack=2)
o(1000.2, 12, flags="A", seq=2, ack=10)
o(1001, 13, flags="FA", seq=2, ack=10)
n.arp(1240)
i_(1001 + 240, 14, flags="A", seq=10, ack=3)
n.inb(1241 + 241, IP(src=S1, dst=UP, id=15) / TCP(sport=80, dport=40001, flags="FA", seq=10, ack=3))
n.drop("uplink", "nat_no_mapping", 2)
n.write()
