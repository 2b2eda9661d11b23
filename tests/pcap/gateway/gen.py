#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, ICMP, UDP, Raw

GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
C1, C1MAC = "172.17.0.2", "02:42:ac:11:00:02"
C2, C2MAC = "172.17.0.3", "02:42:ac:11:00:03"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

c.send(1, "c1", Ether(src=C1MAC, dst=BC) / ARP(op=1, hwsrc=C1MAC, psrc=C1, pdst=GW))
c.expect_on("c1", Ether(src=GWMAC, dst=C1MAC) /
            ARP(op=2, hwsrc=GWMAC, psrc=GW, hwdst=C1MAC, pdst=C1))
c.send(2, "c1", Ether(src=C1MAC, dst=GWMAC) / IP(src=C1, dst=GW, id=77, ttl=64) /
       ICMP(type=8, id=5, seq=1) / Raw(b"ping the gateway"))
c.expect_on("c1", Ether(src=GWMAC, dst=C1MAC) / IP(src=GW, dst=C1, id=77, ttl=64) /
            ICMP(type=0, id=5, seq=1) / Raw(b"ping the gateway"))
# c2 claims the gateway's address (gratuitous ARP): never learned, not passed on
c.send(3, "c2", Ether(src=C2MAC, dst=BC) / ARP(op=1, hwsrc=C2MAC, psrc=GW, pdst=GW))
# c2 uses the gateway's MAC as its source: dropped
c.send(4, "c2", Ether(src=GWMAC, dst=C1MAC) / IP(src=C2, dst=C1) / UDP() / Raw(b"spoof"))
# a ping to the gateway still gets the real gateway's answer
c.send(5, "c1", Ether(src=C1MAC, dst=GWMAC) / IP(src=C1, dst=GW, id=78, ttl=64) /
       ICMP(type=8, id=5, seq=2))
c.expect_on("c1", Ether(src=GWMAC, dst=C1MAC) / IP(src=GW, dst=C1, id=78, ttl=64) /
            ICMP(type=0, id=5, seq=2))
# UDP to the gateway: nothing listens
c.send(6, "c1", Ether(src=C1MAC, dst=GWMAC) / IP(src=C1, dst=GW) / UDP(dport=53) / Raw(b"q"))
c.nothing_on("c2")
# the drops vsw must count, by port and reason
c.drop("c1", "ip_local")
c.drop("c2", "src_gateway_mac")
c.drop("c2", "arp_own_claim")
c.write()
