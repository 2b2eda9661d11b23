#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, ICMP, UDP, Raw

GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
WEB, WEBMAC = "172.17.0.2", "02:42:ac:11:00:02"
UP, UPMAC = "192.0.2.2", "02:42:c0:00:02:02"
RTR, RTRMAC = "192.0.2.1", "02:00:00:00:01:01"
M1, M1MAC = "192.0.2.50", "02:42:c0:00:02:32"
OUT = "198.51.100.7"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def fr(smac, dmac, l3):
    return Ether(src=smac, dst=dmac) / l3

c.send(0.1, "web", fr(WEBMAC, BC, ARP(op=1, hwsrc=WEBMAC, psrc=WEB, pdst=GW)))
c.expect_on("web", fr(GWMAC, WEBMAC, ARP(op=2, hwsrc=GWMAC, psrc=GW, hwdst=WEBMAC, pdst=WEB)))
# the LAN router asks for vsw's address: vsw answers, m1 is not bothered
c.send(1, "uplink", fr(RTRMAC, BC, ARP(op=1, hwsrc=RTRMAC, psrc=RTR, pdst=UP)))
c.expect_on("uplink", fr(UPMAC, RTRMAC, ARP(op=2, hwsrc=UPMAC, psrc=UP, hwdst=RTRMAC, pdst=RTR)))
# and for m1's: m1 gets it, straight on the LAN
a = fr(RTRMAC, BC, ARP(op=1, hwsrc=RTRMAC, psrc=RTR, pdst=M1))
c.send(2, "uplink", a); c.expect_on("m1", a)
b = fr(M1MAC, RTRMAC, ARP(op=2, hwsrc=M1MAC, psrc=M1, hwdst=RTRMAC, pdst=RTR))
c.send(2.1, "m1", b); c.expect_on("uplink", b)
# the LAN reaches m1 at its own address: no NAT, not routed
p = fr(RTRMAC, M1MAC, IP(src=OUT, dst=M1, id=9) / UDP(sport=1000, dport=53) / Raw(b"to m1"))
c.send(3, "uplink", p); c.expect_on("m1", p)
# m1 asks for vsw's address on the LAN and pings it
c.send(4, "m1", fr(M1MAC, BC, ARP(op=1, hwsrc=M1MAC, psrc=M1, pdst=UP)))
c.expect_on("m1", fr(UPMAC, M1MAC, ARP(op=2, hwsrc=UPMAC, psrc=UP, hwdst=M1MAC, pdst=M1)))
c.send(5, "m1", fr(M1MAC, UPMAC, IP(src=M1, dst=UP, id=10) / ICMP(type=8, id=3, seq=1)))
c.expect_on("m1", fr(UPMAC, M1MAC, IP(src=UP, dst=M1, id=10) / ICMP(type=0, id=3, seq=1)))
# m1 uses the published port: web sees m1's own address, answers go to m1
c.send(6, "m1", fr(M1MAC, UPMAC, IP(src=M1, dst=UP, id=11) / UDP(sport=4444, dport=8080) / Raw(b"q")))
c.expect_on("web", fr(GWMAC, WEBMAC, IP(src=M1, dst=WEB, id=11, ttl=63) / UDP(sport=4444, dport=80) / Raw(b"q")))
c.send(6.1, "web", fr(WEBMAC, GWMAC, IP(src=WEB, dst=M1, id=12) / UDP(sport=80, dport=4444) / Raw(b"a")))
c.expect_on("m1", fr(UPMAC, M1MAC, IP(src=UP, dst=M1, id=12, ttl=63) / UDP(sport=8080, dport=4444) / Raw(b"a")))
# web goes out masqueraded through the same port
c.send(7, "web", fr(WEBMAC, GWMAC, IP(src=WEB, dst=OUT, id=13) / UDP(sport=4000, dport=53) / Raw(b"out")))
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=OUT, id=13, ttl=63) / UDP(sport=4000, dport=53) / Raw(b"out")))
c.send(7.1, "uplink", fr(RTRMAC, UPMAC, IP(src=OUT, dst=UP, id=14) / UDP(sport=53, dport=4000) / Raw(b"back")))
c.expect_on("web", fr(GWMAC, WEBMAC, IP(src=OUT, dst=WEB, id=14, ttl=63) / UDP(sport=53, dport=4000) / Raw(b"back")))
# a LAN broadcast that is not ARP for vsw: m1 gets it
d = fr(RTRMAC, BC, IP(src=RTR, dst="192.0.2.255") / UDP(sport=67, dport=68) / Raw(b"bcast"))
c.send(8, "uplink", d); c.expect_on("m1", d)
# a LAN unicast for another MAC: neither vsw's nor an endpoint's
c.send(9, "uplink", fr(RTRMAC, "02:00:00:00:00:42", IP(src=RTR, dst="192.0.2.42") / UDP() / Raw(b"x")))
c.drop("uplink", "macvlan_no_endpoint")
c.write()
