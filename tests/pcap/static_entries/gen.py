#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, IP, UDP, Raw

A, B, C = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c"
c = case_here()

def f(src, dst, note):
    return Ether(src=src, dst=dst) / IP() / UDP() / Raw(note.encode())

x = c.send(1, "p2", f(B, A, "to static A: p1 only"))
c.expect_on("p1", x)
x = c.send(2, "p2", f(B, C, "to static C: p3 only, though C never spoke"))
c.expect_on("p3", x)
x = c.send(3, "p2", f(A, C, "A's MAC on p2 does not move the static entry"))
c.expect_on("p3", x)
x = c.send(4, "p1", f(C, A, "to A from p1 itself: A is behind p1, dropped"))
x = c.send(100, "p1", f(B, A, "long after aging: A is still static"))
# B's own entry (p2, learned at t=1..3) has aged out meanwhile; A is on p1
x = c.send(101, "p2", f(B, A, "still p1"))
c.expect_on("p1", x)
# the drops vsw must count, by port and reason
c.drop("p1", "same_port", 2)
c.write()
