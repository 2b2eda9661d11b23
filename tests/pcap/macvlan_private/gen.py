#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, IP, UDP, Raw

P1, P2 = "02:42:c0:00:02:1a", "02:42:c0:00:02:1b"
H = "02:00:00:00:00:99"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def f(src, dst, note):
    return Ether(src=src, dst=dst) / IP() / UDP() / Raw(note.encode())

n = "LAN host to p2: delivered"
c.send(1, "lan", f(H, P2, n)); c.expect_on("p2", f(H, P2, n))
n = "LAN broadcast: both endpoints"
c.send(2, "lan", f(H, BC, n)); c.expect_on("p1", f(H, BC, n)); c.expect_on("p2", f(H, BC, n))
c.send(3, "p1", f(P1, P2, "p1 to p2: refused")); c.drop("p1", "macvlan_private")
n = "p1 broadcasts: out to the LAN only, p2 does not get it"
c.send(4, "p1", f(P1, BC, n)); c.expect_on("lan", f(P1, BC, n))
c.send(5, "lan", f(P1, BC, "p1's broadcast reflected back: dropped")); c.drop("lan", "macvlan_reflected")
c.send(6, "lan", f(P1, P2, "p1 to p2 reflected by the LAN switch: refused")); c.drop("lan", "macvlan_private")
n = "p2 to the LAN host: out"
c.send(7, "p2", f(P2, H, n)); c.expect_on("lan", f(P2, H, n))
c.send(8, "p2", f(H, P1, "p2 posing as the LAN host: spoofing, dropped")); c.drop("p2", "macvlan_spoof")
c.write()
