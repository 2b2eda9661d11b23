#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import ARP, Ether, IP, IPv6, UDP, Raw

R, B = "02:00:00:00:01:01", "02:00:00:00:02:01"
c = case_here()
r_frames = [
    c.send(1.0, "r1", Ether(src=R, dst="ff:ff:ff:ff:ff:ff") / ARP(hwsrc=R, psrc="10.1.0.1", pdst="10.1.0.2")),
    c.send(1.5, "r1", Ether(src=R, dst="33:33:00:00:00:01") / IPv6(src="fe80::1", dst="ff02::1") / UDP() / Raw(b"v6")),
    c.send(1.7, "r1", Ether(src=R, dst="02:00:00:00:02:01", type=0x88b5) / Raw(b"any ethertype")),
]
b_frames = [
    c.send(2.0, "b1", Ether(src=B, dst="ff:ff:ff:ff:ff:ff") / ARP(hwsrc=B, psrc="10.2.0.1", pdst="10.2.0.2")),
]
for f in r_frames:
    c.expect_on("r2", f)
for f in b_frames:
    c.expect_on("b2", f)
    c.expect_on("b3", f)
c.nothing_on("r1")
c.nothing_on("b1")
# the drops vsw must count, by port and reason
c.drops = {}   # none at all
c.write()
