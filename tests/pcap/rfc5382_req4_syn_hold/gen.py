#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5382 REQ-4: an unsolicited inbound SYN is not answered for 6 s.
If the inside host's own SYN for the connection goes out meanwhile, the
held SYN is dropped silently and the crossing SYNs make the connection;
otherwise ICMP port unreachable (3/3) goes back, quoting the SYN.""")

# a SYN for no mapping at 1 s
syn1 = n.inb(1, IP(src=S1, dst=UP, id=1) / TCP(sport=5555, dport=40000, flags="S", seq=77))
# c1 has a mapping (40002, to S1:80); a SYN from S2 at 3 s is filtered: held too
n.out(2, IP(dst=S1, id=4) / TCP(sport=40002, dport=80, flags="S", seq=1))
n.to_up(IP(src=UP, dst=S1, id=4, ttl=63) / TCP(sport=40002, dport=80, flags="S", seq=1))
syn2 = n.inb(3, IP(src=S2, dst=UP, id=5) / TCP(sport=7000, dport=40002, flags="S", seq=9))
# nothing about the first by 6.9 s (only the ping's answer), port
# unreachable once its 6 s are over (vsw looks at 7.05)
n.inb(6.9, IP(src=S1, dst=UP, id=2) / ICMP(type=8, id=1, seq=1))
n.to_up(IP(src=UP, dst=S1, id=2, ttl=64) / ICMP(type=0, id=1, seq=1))
n.inb(7.05, IP(src=S1, dst=UP, id=3) / ICMP(type=8, id=1, seq=2))
n.to_up(unreach(syn1))
n.to_up(IP(src=UP, dst=S1, id=3, ttl=64) / ICMP(type=0, id=1, seq=2))
# a SYN at 10 (which wakes vsw: the filtered one's 6 s are over) is crossed
# by c1's own SYN at 12: dropped silently, and the connection opens (S1
# answers c1's SYN as in a simultaneous open)
n.inb(10, IP(src=S1, dst=UP, id=6) / TCP(sport=6000, dport=40001, flags="S", seq=1000))
n.to_up(unreach(syn2))
n.out(12, IP(dst=S1, id=7) / TCP(sport=40001, dport=6000, flags="S", seq=5000))
n.to_up(IP(src=UP, dst=S1, id=7, ttl=63) / TCP(sport=40001, dport=6000, flags="S", seq=5000))
n.inb(12.1, IP(src=S1, dst=UP, id=8) / TCP(sport=6000, dport=40001, flags="SA", seq=1000, ack=5001))
n.to_c(IP(src=S1, dst=C[1][0], id=8, ttl=63) / TCP(sport=6000, dport=40001, flags="SA", seq=1000, ack=5001))
n.out(12.2, IP(dst=S1, id=9) / TCP(sport=40001, dport=6000, flags="A", seq=5001, ack=1001))
n.to_up(IP(src=UP, dst=S1, id=9, ttl=63) / TCP(sport=40001, dport=6000, flags="A", seq=5001, ack=1001))
# well past 6 s: no port unreachable for the crossed SYN, only the answer
n.inb(20, IP(src=S1, dst=UP, id=10) / ICMP(type=8, id=1, seq=3))
n.to_up(IP(src=UP, dst=S1, id=10, ttl=64) / ICMP(type=0, id=1, seq=3))
n.drop("uplink", "nat_no_mapping", 2)
n.drop("uplink", "nat_filtered")
n.write()
