#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, Dot1Q, IP, UDP, Raw

X, Y, T = "02:00:00:00:00:10", "02:00:00:00:00:20", "02:00:00:00:00:99"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def body(note):
    return IP() / UDP() / Raw(note.encode())

def untagged(src, dst, note):
    return Ether(src=src, dst=dst) / body(note)

def tagged(src, dst, vid, note, prio=0):
    return Ether(src=src, dst=dst) / Dot1Q(vlan=vid, prio=prio) / body(note)

n = "X on a10 broadcasts in VLAN 10"
c.send(1, "a10", untagged(X, BC, n))
c.expect_on("tr", tagged(X, BC, 10, n))
n = "VLAN 20 from the trunk"
c.send(2, "tr", tagged(T, BC, 20, n))
c.expect_on("a20", untagged(T, BC, n))
n = "untagged on the trunk is native VLAN 30"
c.send(3, "tr", untagged(T, BC, n))
c.expect_on("a30", untagged(T, BC, n))
c.send(4, "tr", tagged(T, BC, 40, "VLAN 40 is not on the trunk: dropped"))
c.send(5, "a10", tagged(X, BC, 10, "a tag on an access port: dropped"))
n = "a priority tag on an access port is VLAN 10"
c.send(6, "a10", tagged(X, BC, 0, n, prio=5))
c.expect_on("tr", tagged(X, BC, 10, n))
n = "Y on a20 broadcasts in VLAN 20"
c.send(7, "a20", untagged(Y, BC, n))
c.expect_on("tr", tagged(Y, BC, 20, n))
n = "to Y in VLAN 20: known, unicast and untagged"
c.send(8, "tr", tagged(T, Y, 20, n))
c.expect_on("a20", untagged(T, Y, n))
n = "to Y in VLAN 10: unknown there, flood VLAN 10"
c.send(9, "tr", tagged(T, Y, 10, n))
c.expect_on("a10", untagged(T, Y, n))
n = "to T in VLAN 20: T was learned on the trunk in VLAN 20"
c.send(10, "a20", untagged(Y, T, n))
c.expect_on("tr", tagged(Y, T, 20, n))
c.send(11, "a10", untagged(X, T, "to T in VLAN 10: learned at t=9, tagged"))
c.expect_on("tr", tagged(X, T, 10, "to T in VLAN 10: learned at t=9, tagged"))
# the drops vsw must count, by port and reason
c.drop("a10", "vlan_not_allowed")
c.drop("tr", "vlan_not_allowed")
c.write()
