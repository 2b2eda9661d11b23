#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, IP, UDP, Raw

c = case_here()
B = "02:00:00:00:00:0b"

def f(src, dst, note):
    return Ether(src=src, dst=dst) / IP() / UDP() / Raw(note.encode())

c.send(1, "p1", f("01:00:5e:00:00:01", B, "multicast source: dropped"))
c.send(2, "p1", f("ff:ff:ff:ff:ff:ff", B, "broadcast source: dropped"))
c.send(3, "p1", f("00:00:00:00:00:00", B, "zero source: dropped"))
# had any of them been learned on p1, this would not be flooded to p1
x = c.send(4, "p2", f(B, "01:00:5e:00:00:01", "to the multicast MAC: floods"))
c.expect_on("p1", x)
x = c.send(5, "p2", f(B, "00:00:00:00:00:00", "to the zero MAC: unknown, floods"))
c.expect_on("p1", x)
x = c.send(6, "p1", f("02:00:00:00:00:0a", B, "a good source passes"))
c.expect_on("p2", x)
# the drops vsw must count, by port and reason
c.drop("p1", "src_multicast", 2)
c.drop("p1", "src_zero")
c.write()
