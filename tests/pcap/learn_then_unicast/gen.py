#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, IP, UDP, Raw

A, B, C, D = ("02:00:00:00:00:0%s" % x for x in "abcd")
c = case_here()

def f(src, dst, note):
    return Ether(src=src, dst=dst) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP() / Raw(note.encode())

x = c.send(1, "p1", f(A, B, "A to B: B unknown, flood"))
for p in ("p2", "p3"): c.expect_on(p, x)
x = c.send(2, "p2", f(B, A, "B to A: A learned on p1"))
c.expect_on("p1", x)
x = c.send(3, "p1", f(A, B, "A to B: now known on p2"))
c.expect_on("p2", x)
x = c.send(4, "p3", f(C, "ff:ff:ff:ff:ff:ff", "C broadcast"))
for p in ("p1", "p2"): c.expect_on(p, x)
x = c.send(5, "p1", f(A, C, "A to C: known on p3"))
c.expect_on("p3", x)
c.send(6, "p1", f(D, A, "D to A on A's own port: dropped"))
x = c.send(7, "p3", f(A, B, "A moved to p3"))
c.expect_on("p2", x)
x = c.send(8, "p2", f(B, A, "B to A follows the move"))
c.expect_on("p3", x)
x = c.send(9, "p2", f(B, D, "B to D: D learned on p1 at t=6"))
c.expect_on("p1", x)
# the drops vsw must count, by port and reason
c.drop("p1", "same_port")
c.write()
