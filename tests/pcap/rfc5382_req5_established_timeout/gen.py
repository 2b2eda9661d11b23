#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5382 REQ-5: the established idle timeout is not below 2 h 4 min.
With the default (7440 s, no timeout set here) an established connection
idle for 7440 s still passes; idle 7441 s it is gone.""")
C1 = C[1][0]
n.out(1, IP(dst=S1, id=1) / TCP(sport=40000, dport=80, flags="S", seq=1))
n.to_up(IP(src=UP, dst=S1, id=1, ttl=63) / TCP(sport=40000, dport=80, flags="S", seq=1))
n.inb(1.1, IP(src=S1, dst=UP, id=2) / TCP(sport=80, dport=40000, flags="SA", seq=9, ack=2))
n.to_c(IP(src=S1, dst=C1, id=2, ttl=63) / TCP(sport=80, dport=40000, flags="SA", seq=9, ack=2))
n.out(1.2, IP(dst=S1, id=3) / TCP(sport=40000, dport=80, flags="A", seq=2, ack=10))
n.to_up(IP(src=UP, dst=S1, id=3, ttl=63) / TCP(sport=40000, dport=80, flags="A", seq=2, ack=10))
n.arp(7440)
n.inb(1.2 + 7440, IP(src=S1, dst=UP, id=4) / TCP(sport=80, dport=40000, flags="PA", seq=10, ack=2) / Raw(b"7440 s"))
n.to_c(IP(src=S1, dst=C1, id=4, ttl=63) / TCP(sport=80, dport=40000, flags="PA", seq=10, ack=2) / Raw(b"7440 s"))
n.inb(1.2 + 7440 + 7441, IP(src=S1, dst=UP, id=5) / TCP(sport=80, dport=40000, flags="PA", seq=16, ack=2) / Raw(b"7441 s"))
n.drop("uplink", "nat_no_mapping")
n.write()
