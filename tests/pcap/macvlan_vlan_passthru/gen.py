#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, Dot1Q, IP, UDP, Raw

U, A, B = "02:42:c0:00:02:0a", "02:42:c0:00:0a:0a", "02:42:c0:00:0a:0b"
H, ANY = "02:00:00:00:00:99", "02:00:00:00:00:55"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def body(note):
    return IP() / UDP() / Raw(note.encode())

def f(src, dst, note):
    return Ether(src=src, dst=dst) / body(note)

def t(src, dst, vid, note):
    return Ether(src=src, dst=dst) / Dot1Q(vlan=vid) / body(note)

n = "VLAN 10 to a: a gets it untagged"
c.send(1, "lan", t(H, A, 10, n)); c.expect_on("a", f(H, A, n))
n = "VLAN 10 broadcast: a and b, untagged; not u"
c.send(2, "lan", t(H, BC, 10, n)); c.expect_on("a", f(H, BC, n)); c.expect_on("b", f(H, BC, n))
n = "untagged to u"
c.send(3, "lan", f(H, U, n)); c.expect_on("u", f(H, U, n))
n = "untagged broadcast: u only"
c.send(4, "lan", f(H, BC, n)); c.expect_on("u", f(H, BC, n))
c.send(5, "lan", t(H, U, 10, "u's MAC in VLAN 10: u is not there, dropped")); c.drop("lan", "macvlan_no_endpoint")
c.send(6, "lan", f(H, A, "a's MAC untagged: a is in VLAN 10, dropped")); c.drop("lan", "macvlan_no_endpoint")
c.send(7, "lan", t(H, A, 30, "VLAN 30: no network, dropped")); c.drop("lan", "vlan_not_allowed")
n = "VLAN 20 belongs to c (passthru): any MAC, untagged to c"
c.send(8, "lan", t(H, ANY, 20, n)); c.expect_on("c", f(H, ANY, n))
n = "a to a LAN host: tagged 10 on the parent"
c.send(9, "a", f(A, H, n)); c.expect_on("lan", t(A, H, 10, n))
n = "a broadcasts: b untagged, the LAN tagged 10"
c.send(10, "a", f(A, BC, n)); c.expect_on("b", f(A, BC, n)); c.expect_on("lan", t(A, BC, 10, n))
n = "c sends from any MAC: tagged 20"
c.send(11, "c", f(ANY, H, n)); c.expect_on("lan", t(ANY, H, 20, n))
n = "u to a LAN host: untagged"
c.send(12, "u", f(U, H, n)); c.expect_on("lan", f(U, H, n))
n = "wire is p's: tagged frames pass as they are"
c.send(13, "wire", t(H, ANY, 77, n)); c.expect_on("p", t(H, ANY, 77, n))
n = "and untagged ones to any MAC"
c.send(14, "wire", f(H, ANY, n)); c.expect_on("p", f(H, ANY, n))
n = "p sends anything, tags and all"
c.send(15, "p", t(ANY, H, 5, n)); c.expect_on("wire", t(ANY, H, 5, n))
c.write()
