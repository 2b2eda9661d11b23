#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, UDP, TCP, Raw

GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
WEB, WEBMAC = "172.17.0.2", "02:42:ac:11:00:02"
CLI, CLIMAC = "172.17.0.3", "02:42:ac:11:00:03"
UP, UPMAC = "198.51.100.2", "02:42:c6:33:64:02"
RTR, RTRMAC = "198.51.100.1", "02:00:00:00:01:01"
CLIENT = "203.0.113.50"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def fr(smac, dmac, l3):
    return Ether(src=smac, dst=dmac) / l3

for t, port, ip, mac in ((0.1, "web", WEB, WEBMAC), (0.2, "cli", CLI, CLIMAC)):
    c.send(t, port, fr(mac, BC, ARP(op=1, hwsrc=mac, psrc=ip, pdst=GW)))
    c.expect_on(port, fr(GWMAC, mac, ARP(op=2, hwsrc=GWMAC, psrc=GW, hwdst=mac, pdst=ip)))
c.send(0.3, "uplink", fr(RTRMAC, BC, ARP(op=1, hwsrc=RTRMAC, psrc=RTR, pdst=UP)))
c.expect_on("uplink", fr(UPMAC, RTRMAC, ARP(op=2, hwsrc=UPMAC, psrc=UP, hwdst=RTRMAC, pdst=RTR)))

# an outside client opens 198.51.100.2:8080: web sees the client itself
c.send(1, "uplink", fr(RTRMAC, UPMAC, IP(src=CLIENT, dst=UP, id=1) / TCP(sport=33333, dport=8080, flags="S", seq=1)))
c.expect_on("web", fr(GWMAC, WEBMAC, IP(src=CLIENT, dst=WEB, id=1, ttl=63) / TCP(sport=33333, dport=80, flags="S", seq=1)))
c.send(1.1, "web", fr(WEBMAC, GWMAC, IP(src=WEB, dst=CLIENT, id=2) / TCP(sport=80, dport=33333, flags="SA", seq=50, ack=2)))
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=CLIENT, id=2, ttl=63) / TCP(sport=8080, dport=33333, flags="SA", seq=50, ack=2)))
c.send(1.2, "uplink", fr(RTRMAC, UPMAC, IP(src=CLIENT, dst=UP, id=3) / TCP(sport=33333, dport=8080, flags="A", seq=2, ack=51) / Raw(b"GET /")))
c.expect_on("web", fr(GWMAC, WEBMAC, IP(src=CLIENT, dst=WEB, id=3, ttl=63) / TCP(sport=33333, dport=80, flags="A", seq=2, ack=51) / Raw(b"GET /")))
# a non-SYN to the published port opens nothing
c.send(1.3, "uplink", fr(RTRMAC, UPMAC, IP(src="203.0.113.51", dst=UP, id=4) / TCP(sport=1, dport=8080, flags="A")))
# a published range: 5301 -> 54
c.send(2, "uplink", fr(RTRMAC, UPMAC, IP(src=CLIENT, dst=UP, id=5) / UDP(sport=7777, dport=5301) / Raw(b"q")))
c.expect_on("web", fr(GWMAC, WEBMAC, IP(src=CLIENT, dst=WEB, id=5, ttl=63) / UDP(sport=7777, dport=54) / Raw(b"q")))
c.send(2.1, "web", fr(WEBMAC, GWMAC, IP(src=WEB, dst=CLIENT, id=6) / UDP(sport=54, dport=7777) / Raw(b"a")))
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=CLIENT, id=6, ttl=63) / UDP(sport=5301, dport=7777) / Raw(b"a")))

# hairpin: cli -> 198.51.100.2:8080. web sees it from 198.51.100.2:5555
# (cli's own mapping), and answers go back the same way
c.send(3, "cli", fr(CLIMAC, GWMAC, IP(src=CLI, dst=UP, id=7) / TCP(sport=5555, dport=8080, flags="S", seq=7)))
c.expect_on("web", fr(GWMAC, WEBMAC, IP(src=UP, dst=WEB, id=7, ttl=63) / TCP(sport=5555, dport=80, flags="S", seq=7)))
c.send(3.1, "web", fr(WEBMAC, GWMAC, IP(src=WEB, dst=UP, id=8) / TCP(sport=80, dport=5555, flags="SA", seq=70, ack=8)))
c.expect_on("cli", fr(GWMAC, CLIMAC, IP(src=UP, dst=CLI, id=8, ttl=63) / TCP(sport=8080, dport=5555, flags="SA", seq=70, ack=8)))
# the drops vsw must count, by port and reason
c.drop("uplink", "nat_filtered")
c.write()
