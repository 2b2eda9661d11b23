#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, IP, UDP, Raw

V1, V2, V3 = "02:42:c0:00:02:2a", "02:42:c0:00:02:2b", "02:42:c0:00:02:2c"
H, OTHER = "02:00:00:00:00:99", "02:00:00:00:00:77"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def f(src, dst, note):
    return Ether(src=src, dst=dst) / IP() / UDP() / Raw(note.encode())

n = "v1 to v2: out of the parent, not directly"
c.send(1, "v1", f(V1, V2, n)); c.expect_on("lan", f(V1, V2, n))
n = "the LAN switch reflects it: v2 gets it"
c.send(2, "lan", f(V1, V2, n)); c.expect_on("v2", f(V1, V2, n))
n = "v1 broadcasts: out of the parent only"
c.send(3, "v1", f(V1, BC, n)); c.expect_on("lan", f(V1, BC, n))
n = "reflected back: v2 and v3 get it, v1 does not"
c.send(4, "lan", f(V1, BC, n)); c.expect_on("v2", f(V1, BC, n)); c.expect_on("v3", f(V1, BC, n))
n = "a LAN host's broadcast: all three"
c.send(5, "lan", f(H, BC, n))
for p in ("v1", "v2", "v3"):
    c.expect_on(p, f(H, BC, n))
n = "v3 to a LAN host: out"
c.send(6, "v3", f(V3, H, n)); c.expect_on("lan", f(V3, H, n))
c.send(7, "lan", f(H, OTHER, "to nobody here: dropped")); c.drop("lan", "macvlan_no_endpoint")
c.send(8, "v2", f(V1, H, "v2 posing as v1: spoofing, dropped")); c.drop("v2", "macvlan_spoof")
c.write()
