#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, IP, UDP, Raw

A, B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"
c = case_here()

def f(src, dst, note):
    return Ether(src=src, dst=dst) / IP() / UDP() / Raw(note.encode())

x = c.send(0, "p1", f(A, "ff:ff:ff:ff:ff:ff", "A announces itself"))
for p in ("p2", "p3"): c.expect_on(p, x)
x = c.send(5, "p2", f(B, A, "A seen 5 s ago: unicast"))
c.expect_on("p1", x)
x = c.send(9, "p2", f(B, A, "A seen 9 s ago: unicast"))
c.expect_on("p1", x)
x = c.send(30, "p2", f(B, A, "A silent for 30 s: aged, flood"))
for p in ("p1", "p3"): c.expect_on(p, x)
x = c.send(31, "p1", f(A, B, "A is back; B seen 1 s ago"))
c.expect_on("p2", x)
x = c.send(32, "p2", f(B, A, "A relearned: unicast"))
c.expect_on("p1", x)
# the drops vsw must count, by port and reason
c.drops = {}   # none at all
c.write()
