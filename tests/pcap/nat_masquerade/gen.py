#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, ICMP, UDP, TCP, Raw

GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
C1, C1MAC = "172.17.0.2", "02:42:ac:11:00:02"
C2, C2MAC = "172.17.0.3", "02:42:ac:11:00:03"
UP, UPMAC = "198.51.100.2", "02:42:c6:33:64:02"
RTR, RTRMAC = "198.51.100.1", "02:00:00:00:01:01"
S1, S2 = "203.0.113.10", "203.0.113.20"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def fr(smac, dmac, l3):
    return Ether(src=smac, dst=dmac) / l3

# the containers know their gateway (ARP), so vsw knows them
for t, port, ip, mac in ((0.1, "c1", C1, C1MAC), (0.2, "c2", C2, C2MAC)):
    c.send(t, port, fr(mac, BC, ARP(op=1, hwsrc=mac, psrc=ip, pdst=GW)))
    c.expect_on(port, fr(GWMAC, mac, ARP(op=2, hwsrc=GWMAC, psrc=GW, hwdst=mac, pdst=ip)))

# c1:40000 -> S1:53. vsw asks for its gateway first, the packet waits
c.send(1, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=1) / UDP(sport=40000, dport=53) / Raw(b"q1")))
c.expect_on("uplink", fr(UPMAC, BC, ARP(op=1, hwsrc=UPMAC, psrc=UP, hwdst="00:00:00:00:00:00",
                                      pdst=RTR) / Raw(bytes(18))))
c.send(1.1, "uplink", fr(RTRMAC, UPMAC, ARP(op=2, hwsrc=RTRMAC, psrc=RTR, hwdst=UPMAC, pdst=UP)))
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S1, id=1, ttl=63) /
                         UDP(sport=40000, dport=53) / Raw(b"q1")))
# the answer comes back to c1
c.send(1.2, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=2) / UDP(sport=53, dport=40000) / Raw(b"a1")))
c.expect_on("c1", fr(GWMAC, C1MAC, IP(src=S1, dst=C1, id=2, ttl=63) / UDP(sport=53, dport=40000) / Raw(b"a1")))
# endpoint-independent mapping: the same inside port to S2 keeps 40000
c.send(2, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S2, id=3) / UDP(sport=40000, dport=123) / Raw(b"q2")))
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S2, id=3, ttl=63) /
                         UDP(sport=40000, dport=123) / Raw(b"q2")))
# c2 also wants 40000: taken, it gets the other port of the range
c.send(3, "c2", fr(C2MAC, GWMAC, IP(src=C2, dst=S1, id=4) / UDP(sport=40000, dport=53) / Raw(b"q3")))
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S1, id=4, ttl=63) /
                         UDP(sport=40001, dport=53) / Raw(b"q3")))
c.send(3.1, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=5) / UDP(sport=53, dport=40001) / Raw(b"a3")))
c.expect_on("c2", fr(GWMAC, C2MAC, IP(src=S1, dst=C2, id=5, ttl=63) / UDP(sport=53, dport=40000) / Raw(b"a3")))
# the range is used up: a third mapping has no port
c.send(3.5, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=6) / UDP(sport=41000, dport=53) / Raw(b"no port")))
# filtering: S2 may answer from port 123 only, not from 124 nor from S1 to that session
c.send(4, "uplink", fr(RTRMAC, UPMAC, IP(src=S2, dst=UP, id=7) / UDP(sport=124, dport=40000) / Raw(b"x")))
c.send(4.1, "uplink", fr(RTRMAC, UPMAC, IP(src=S2, dst=UP, id=8) / UDP(sport=123, dport=40000) / Raw(b"ok")))
c.expect_on("c1", fr(GWMAC, C1MAC, IP(src=S2, dst=C1, id=8, ttl=63) / UDP(sport=123, dport=40000) / Raw(b"ok")))
# nothing unsolicited comes in
c.send(4.2, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=9) / UDP(sport=53, dport=12345) / Raw(b"who")))
# ping through NAT: the identifier is kept (free)
c.send(5, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=10) / ICMP(type=8, id=777, seq=1) / Raw(b"ping")))
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S1, id=10, ttl=63) / ICMP(type=8, id=777, seq=1) / Raw(b"ping")))
c.send(5.1, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=11) / ICMP(type=0, id=777, seq=1) / Raw(b"ping")))
c.expect_on("c1", fr(GWMAC, C1MAC, IP(src=S1, dst=C1, id=11, ttl=63) / ICMP(type=0, id=777, seq=1) / Raw(b"ping")))
# TCP: SYN out, SYN-ACK in, ACK out
c.send(6, "c2", fr(C2MAC, GWMAC, IP(src=C2, dst=S2, id=12) / TCP(sport=50000, dport=80, flags="S", seq=100)))
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S2, id=12, ttl=63) / TCP(sport=40000, dport=80, flags="S", seq=100)))
c.send(6.1, "uplink", fr(RTRMAC, UPMAC, IP(src=S2, dst=UP, id=13) / TCP(sport=80, dport=40000, flags="SA", seq=900, ack=101)))
c.expect_on("c2", fr(GWMAC, C2MAC, IP(src=S2, dst=C2, id=13, ttl=63) / TCP(sport=80, dport=50000, flags="SA", seq=900, ack=101)))
c.send(6.2, "c2", fr(C2MAC, GWMAC, IP(src=C2, dst=S2, id=14) / TCP(sport=50000, dport=80, flags="A", seq=101, ack=901)))
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S2, id=14, ttl=63) / TCP(sport=40000, dport=80, flags="A", seq=101, ack=901)))
# an unsolicited SYN to a mapped port is filtered too
syn = c.send(6.3, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=15) / TCP(sport=999, dport=40000, flags="S")))
# from outside straight to a container's address, or to loopback: never
c.send(7, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=C1, id=16) / UDP(sport=53, dport=40000) / Raw(b"direct")))
c.send(7.1, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst="127.0.0.1", id=17) / UDP(sport=53, dport=40000) / Raw(b"lo")))
# and the uplink answers ping itself
c.send(8, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=18) / ICMP(type=8, id=1, seq=1)))
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S1, id=18, ttl=64) / ICMP(type=0, id=1, seq=1)))
# the filtered SYN was held 6 s (RFC 5382 REQ-4), then answered with port
# unreachable when vsw looks again (at 13)
c.send(13, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=19) / ICMP(type=8, id=1, seq=2)))
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S1, id=0, ttl=64) / ICMP(type=3, code=3) / bytes(syn[IP])))
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S1, id=19, ttl=64) / ICMP(type=0, id=1, seq=2)))
# the drops vsw must count, by port and reason
c.drop("c1", "nat_no_port")
c.drop("uplink", "ip_martian")
c.drop("uplink", "nat_no_mapping")
c.drop("uplink", "nat_filtered", 2)
c.drop("uplink", "nat_direct_inside")
c.write()
