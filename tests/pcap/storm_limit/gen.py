#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, IP, UDP, Raw

A, B, M1 = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:42:c0:00:02:0a"
BC, MC, NOBODY = "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:fb", "02:00:00:00:00:99"
c = case_here()

def f(src, dst, note):
    return Ether(src=src, dst=dst) / IP() / UDP() / Raw(note.encode())

x = c.send(1, "p2", f(B, BC, "B is on p2"))
c.expect_on("p1", x)
# twenty floods at once from p1: the burst (16) passes, 4 are dropped
for i in range(20):
    x = c.send(2, "p1", f(A, BC if i % 2 else MC, "flood %d" % i))
    if i < 16:
        c.expect_on("p2", x)
c.drop("p1", "storm_limit", 4)
x = c.send(2, "p1", f(A, B, "known unicast is never metered"))
c.expect_on("p2", x)
c.send(2, "p1", f(A, NOBODY, "unknown unicast is: dropped")); c.drop("p1", "storm_limit")
# a second later there is room for 10 more
for i in range(11):
    x = c.send(3, "p1", f(A, BC, "a second later %d" % i))
    if i < 10:
        c.expect_on("p2", x)
c.drop("p1", "storm_limit")
# the macvlan endpoint: 20 broadcasts at once, 16 out to the LAN
for i in range(20):
    x = c.send(4, "m1", f(M1, BC, "m1 flood %d" % i))
    if i < 16:
        c.expect_on("lan", x)
c.drop("m1", "storm_limit", 4)
c.write()
