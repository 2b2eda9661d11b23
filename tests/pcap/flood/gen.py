#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import ARP, Ether, IP, UDP, Raw

A, B, C = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c"
c = case_here()

bcast = c.send(1.0, "p1", Ether(src=A, dst="ff:ff:ff:ff:ff:ff") /
               ARP(hwsrc=A, psrc="10.0.0.1", pdst="10.0.0.2"))
mcast = c.send(2.0, "p2", Ether(src=B, dst="01:00:5e:00:00:fb") /
               IP(src="10.0.0.2", dst="224.0.0.251") / UDP(sport=5353, dport=5353) / Raw(b"mdns"))
unknown = c.send(3.0, "p3", Ether(src=C, dst="02:00:00:00:00:99") /
                 IP(src="10.0.0.3", dst="10.0.0.9") / UDP(sport=1, dport=2) / Raw(b"who?"))
c.send(4.0, "p1", Raw(b"0123456789"))          # a runt: dropped

for f, ports in ((bcast, ("p2", "p3")), (mcast, ("p1", "p3")), (unknown, ("p1", "p2"))):
    for p in ports:
        c.expect_on(p, f)
# the drops vsw must count, by port and reason
c.drop("p1", "rx_runt")
c.write()
