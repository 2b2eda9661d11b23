#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5508 REQ-6: an ICMP error about a session neither refreshes nor
deletes it. An echo session (60 s) and a UDP one (300 s, a Non-QueryError
session) each get errors from outside and from inside; their answers pass
until the timeout counted from the last outbound packet, not after.""")
C1 = C[1][0]
# echo: out at 1, error about it at 30 from a router
n.out(1, IP(dst=S1, id=1) / ICMP(type=8, id=777, seq=1))
sent = IP(src=UP, dst=S1, id=1, ttl=63) / ICMP(type=8, id=777, seq=1)
n.to_up(sent)
back = IP(src=C1, dst=S1, id=1, ttl=63) / ICMP(type=8, id=777, seq=1)
n.inb(30, IP(src=HOP, dst=UP, id=2) / ICMP(type=3, code=1) / bytes(sent))
n.to_c(IP(src=HOP, dst=C1, id=2, ttl=63) / ICMP(type=3, code=1) / bytes(back))
n.inb(60.5, IP(src=S1, dst=UP, id=3) / ICMP(type=0, id=777, seq=1))
n.to_c(IP(src=S1, dst=C1, id=3, ttl=63) / ICMP(type=0, id=777, seq=1))
n.inb(62.5, IP(src=S1, dst=UP, id=4) / ICMP(type=0, id=777, seq=1))
# UDP: out at 100; an error from outside at 200, one from inside at 250
n.out(100, IP(dst=S1, id=10) / UDP(sport=40000, dport=53) / Raw(b"q"))
sent = IP(src=UP, dst=S1, id=10, ttl=63) / UDP(sport=40000, dport=53) / Raw(b"q")
n.to_up(sent)
back = IP(src=C1, dst=S1, id=10, ttl=63) / UDP(sport=40000, dport=53) / Raw(b"q")
n.inb(200, IP(src=HOP, dst=UP, id=11) / ICMP(type=11, code=0) / bytes(sent))
n.to_c(IP(src=HOP, dst=C1, id=11, ttl=63) / ICMP(type=11, code=0) / bytes(back))
n.inb(249, IP(src=S1, dst=UP, id=12) / UDP(sport=53, dport=40000) / Raw(b"a"))
got = IP(src=S1, dst=C1, id=12, ttl=63) / UDP(sport=53, dport=40000) / Raw(b"a")
n.to_c(got)
n.out(250, IP(dst=S1, id=13) / ICMP(type=3, code=3) / bytes(got))
asent = IP(src=S1, dst=UP, id=12, ttl=63) / UDP(sport=53, dport=40000) / Raw(b"a")
n.to_up(IP(src=UP, dst=S1, id=13, ttl=63) / ICMP(type=3, code=3) / bytes(asent))
n.arp(398)
n.inb(399.5, IP(src=S1, dst=UP, id=14) / UDP(sport=53, dport=40000) / Raw(b"b"))
n.to_c(IP(src=S1, dst=C1, id=14, ttl=63) / UDP(sport=53, dport=40000) / Raw(b"b"))
n.inb(401.5, IP(src=S1, dst=UP, id=15) / UDP(sport=53, dport=40000) / Raw(b"c"))
n.drop("uplink", "nat_no_mapping", 2)
n.write()
