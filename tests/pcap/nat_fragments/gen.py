#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, UDP, Raw, fragment

GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
C1, C1MAC = "172.17.0.2", "02:42:ac:11:00:02"
UP, UPMAC = "198.51.100.2", "02:42:c6:33:64:02"
RTR, RTRMAC = "198.51.100.1", "02:00:00:00:01:01"
S1 = "203.0.113.10"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def fr(smac, dmac, l3):
    return Ether(src=smac, dst=dmac) / l3

c.send(0.1, "c1", fr(C1MAC, BC, ARP(op=1, hwsrc=C1MAC, psrc=C1, pdst=GW)))
c.expect_on("c1", fr(GWMAC, C1MAC, ARP(op=2, hwsrc=GWMAC, psrc=GW, hwdst=C1MAC, pdst=C1)))
c.send(0.2, "uplink", fr(RTRMAC, BC, ARP(op=1, hwsrc=RTRMAC, psrc=RTR, pdst=UP)))
c.expect_on("uplink", fr(UPMAC, RTRMAC, ARP(op=2, hwsrc=UPMAC, psrc=UP, hwdst=RTRMAC, pdst=RTR)))

payload = bytes(range(256)) * 11 + b"end"          # 2819 bytes
dgram = IP(src=C1, dst=S1, id=4242) / UDP(sport=40000, dport=9) / Raw(payload)
frags = fragment(dgram, fragsize=1000)              # 3 fragments
for i, f in enumerate([frags[2], frags[0], frags[1]]):   # out of order
    c.send(1 + i * 0.1, "c1", fr(C1MAC, GWMAC, f))
# out: translated whole, then cut for the uplink's 1500-byte MTU
nat = IP(src=UP, dst=S1, id=4242, ttl=63) / UDP(sport=40000, dport=9) / Raw(payload)
for f in fragment(IP(bytes(nat)), fragsize=1480):
    c.expect_on("uplink", fr(UPMAC, RTRMAC, f))
# the answer comes back in fragments too, first one last
ans = IP(src=S1, dst=UP, id=99) / UDP(sport=9, dport=40000) / Raw(payload[:2000])
af = fragment(ans, fragsize=1200)
for i, f in enumerate([af[1], af[0]]):
    c.send(2 + i * 0.1, "uplink", fr(RTRMAC, UPMAC, f))
back = IP(src=S1, dst=C1, id=99, ttl=63) / UDP(sport=9, dport=40000) / Raw(payload[:2000])
for f in fragment(IP(bytes(back)), fragsize=1480):
    c.expect_on("c1", fr(GWMAC, C1MAC, f))
# the drops vsw must count, by port and reason
c.drops = {}   # none at all
c.write()
