#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, UDP, Raw

GW, GWMAC = "172.16.0.1", "02:42:ac:10:00:01"
C1, C1MAC = "172.16.0.2", "02:42:ac:10:00:02"
UPA, UPAMAC = "198.51.100.2", "02:42:c6:33:64:02"
UPB, UPBMAC = "198.18.0.2", "02:42:c6:12:00:02"
A, AMAC = "198.51.100.7", "02:00:00:00:0a:07"
B, BMAC = "198.18.0.7", "02:00:00:00:0b:07"
DMAC = "02:00:00:00:0d:01"          # the default gateway's (gateway_mac)
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def fr(smac, dmac, l3):
    return Ether(src=smac, dst=dmac) / l3

# c1 and the two next hops make themselves known by asking for vsw
c.send(0.1, "c1", fr(C1MAC, BC, ARP(op=1, hwsrc=C1MAC, psrc=C1, pdst=GW)))
c.expect_on("c1", fr(GWMAC, C1MAC, ARP(op=2, hwsrc=GWMAC, psrc=GW, hwdst=C1MAC, pdst=C1)))
c.send(0.2, "up_a", fr(AMAC, BC, ARP(op=1, hwsrc=AMAC, psrc=A, pdst=UPA)))
c.expect_on("up_a", fr(UPAMAC, AMAC, ARP(op=2, hwsrc=UPAMAC, psrc=UPA, hwdst=AMAC, pdst=A)))
c.send(0.3, "up_b", fr(BMAC, BC, ARP(op=1, hwsrc=BMAC, psrc=B, pdst=UPB)))
c.expect_on("up_b", fr(UPBMAC, BMAC, ARP(op=2, hwsrc=UPBMAC, psrc=UPB, hwdst=BMAC, pdst=B)))

# destination -> (port, next hop MAC) by the longest prefix that holds it
ROUTES = [
    ("10.1.3.5", "up_a", AMAC),      # only the /16
    ("10.1.2.5", "up_b", BMAC),      # the /24 beats the /16
    ("10.1.2.20", "up_a", AMAC),     # the /28 beats the /24
    ("10.1.2.32", "up_b", BMAC),     # just past the /28: the /24 again
    ("10.1.255.255", "up_a", AMAC),  # the /16's last address
    ("10.2.0.1", "up_a", DMAC),      # none of them: the default route
]
t = 1.0
for i, (dst, port, mac) in enumerate(ROUTES):
    note = ("to %s" % dst).encode()
    c.send(t, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=dst, id=100 + i) /
                       UDP(sport=4000, dport=5000) / Raw(note)))
    smac = UPAMAC if port == "up_a" else UPBMAC
    c.expect_on(port, fr(smac, mac, IP(src=C1, dst=dst, id=100 + i, ttl=63) /
                         UDP(sport=4000, dport=5000) / Raw(note)))
    t += 0.1
c.write()
