#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, IP, UDP, Raw

A, B, C, D = ("02:00:00:00:00:0%s" % x for x in "abcd")
c = case_here()

def f(src, dst, note):
    return Ether(src=src, dst=dst) / IP() / UDP() / Raw(note.encode())

x = c.send(1, "r", f(A, "ff:ff:ff:ff:ff:ff", "A on the hairpin port broadcasts"))
c.expect_on("n", x)
c.expect_on("r", x)           # flooding includes the hairpin port itself
x = c.send(2, "r", f(B, A, "B, also behind r, to A: back out of r"))
c.expect_on("r", x)
x = c.send(3, "n", f(C, "ff:ff:ff:ff:ff:ff", "C on the normal port"))
c.expect_on("r", x)
c.send(4, "n", f(D, C, "D, also behind n, to C: filtered"))
# the drops vsw must count, by port and reason
c.drop("n", "same_port")
c.write()
