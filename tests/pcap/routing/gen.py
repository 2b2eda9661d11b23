#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, ICMP, UDP, Raw

R_GW, R_GWMAC = "172.18.0.1", "02:42:ac:12:00:01"
B_GW, B_GWMAC = "172.19.0.1", "02:42:ac:13:00:01"
G_GW, G_GWMAC = "172.20.0.1", "02:42:ac:14:00:01"
R1, R1MAC = "172.18.0.2", "02:42:ac:12:00:02"
B1, B1MAC = "172.19.0.2", "02:42:ac:13:00:02"
G1, G1MAC = "172.20.0.2", "02:42:ac:14:00:02"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def udp(src, dst, smac, dmac, note, ttl=64, ident=1):
    return Ether(src=smac, dst=dmac) / IP(src=src, dst=dst, ttl=ttl, id=ident) / \
        UDP(sport=4000, dport=5000) / Raw(note.encode())

# r1 -> b1: vsw asks blue who has b1, holds the packet, then sends it
x = c.send(1, "r1", udp(R1, B1, R1MAC, R_GWMAC, "red to blue", ident=10))
c.expect_on("b1", Ether(src=B_GWMAC, dst=BC) / ARP(op=1, hwsrc=B_GWMAC, psrc=B_GW,
            hwdst="00:00:00:00:00:00", pdst=B1) / Raw(bytes(18)))
c.send(1.5, "b1", Ether(src=B1MAC, dst=B_GWMAC) / ARP(op=2, hwsrc=B1MAC, psrc=B1,
       hwdst=B_GWMAC, pdst=B_GW))
c.expect_on("b1", udp(R1, B1, B_GWMAC, B1MAC, "red to blue", ttl=63, ident=10))
# now known: straight through
c.send(2, "r1", udp(R1, B1, R1MAC, R_GWMAC, "again", ident=11))
c.expect_on("b1", udp(R1, B1, B_GWMAC, B1MAC, "again", ttl=63, ident=11))
# TTL 1: time exceeded from the red gateway, quoting the packet
x = c.send(3, "r1", udp(R1, B1, R1MAC, R_GWMAC, "ttl one", ttl=1, ident=12))
c.expect_on("r1", Ether(src=R_GWMAC, dst=R1MAC) / IP(src=R_GW, dst=R1, ttl=64, id=0) /
            ICMP(type=11, code=0) / bytes(x[IP]))
# no route to 10.99.0.1: net unreachable
x = c.send(4, "r1", udp(R1, "10.99.0.1", R1MAC, R_GWMAC, "nowhere", ident=13))
c.expect_on("r1", Ether(src=R_GWMAC, dst=R1MAC) / IP(src=R_GW, dst=R1, ttl=64, id=0) /
            ICMP(type=3, code=0) / bytes(x[IP]))
# green is isolated: nothing from red reaches it, nothing from it reaches red
c.send(5, "r1", udp(R1, G1, R1MAC, R_GWMAC, "to green", ident=14))
c.send(6, "g1", udp(G1, R1, G1MAC, G_GWMAC, "from green", ident=15))
c.nothing_on("g1")
# the drops vsw must count, by port and reason
c.drop("r1", "ip_ttl")
c.drop("r1", "ip_no_route")
c.drop("r1", "ip_isolated")
c.drop("g1", "ip_isolated")
c.write()
