#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, Dot1Q, IP, UDP, Raw

M1, M2 = "02:42:c0:00:02:0a", "02:42:c0:00:02:0b"
H, OTHER = "02:00:00:00:00:99", "02:00:00:00:00:77"
BC, MC = "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:fb"
c = case_here()

def f(src, dst, note):
    return Ether(src=src, dst=dst) / IP() / UDP() / Raw(note.encode())

n = "LAN host to m1's MAC: m1 only"
c.send(1, "lan", f(H, M1, n)); c.expect_on("m1", f(H, M1, n))
n = "LAN broadcast: every endpoint"
c.send(2, "lan", f(H, BC, n)); c.expect_on("m1", f(H, BC, n)); c.expect_on("m2", f(H, BC, n))
n = "LAN multicast: every endpoint"
c.send(3, "lan", f(H, MC, n)); c.expect_on("m1", f(H, MC, n)); c.expect_on("m2", f(H, MC, n))
c.send(4, "lan", f(H, OTHER, "LAN unicast for nobody here: dropped")); c.drop("lan", "macvlan_no_endpoint")
n = "m1 to the LAN host: out of the parent with m1's MAC"
c.send(5, "m1", f(M1, H, n)); c.expect_on("lan", f(M1, H, n))
n = "m1 to m2: directly, not through the LAN"
c.send(6, "m1", f(M1, M2, n)); c.expect_on("m2", f(M1, M2, n))
n = "m2 broadcasts: to m1 and out"
c.send(7, "m2", f(M2, BC, n)); c.expect_on("m1", f(M2, BC, n)); c.expect_on("lan", f(M2, BC, n))
c.send(8, "m2", f(OTHER, H, "m2 with another source MAC: spoofing, dropped")); c.drop("m2", "macvlan_spoof")
c.send(9, "m1", Ether(src=M1, dst=H) / Dot1Q(vlan=5) / IP() / UDP() / Raw(b"a tag from an endpoint: dropped")); c.drop("m1", "vlan_not_allowed")
c.send(10, "lan", f(M2, BC, "m2's broadcast reflected by the LAN switch: dropped")); c.drop("lan", "macvlan_reflected")
n = "a LAN frame from m1's MAC to m2 is still delivered (bridge mode checks no unicast source)"
c.send(11, "lan", f(M1, M2, n)); c.expect_on("m2", f(M1, M2, n))
c.send(12, "m1", f(M1, M1, "m1 to itself: dropped")); c.drop("m1", "same_port")
n = "a priority-tagged LAN frame to m2 arrives untagged"
c.send(13, "lan", Ether(src=H, dst=M2) / Dot1Q(vlan=0, prio=3) / IP() / UDP() / Raw(n.encode()))
c.expect_on("m2", f(H, M2, n))
c.send(14, "lan", Ether(src=H, dst=M2) / Dot1Q(vlan=7) / IP() / UDP() / Raw(b"VLAN 7 has no network here: dropped")); c.drop("lan", "vlan_not_allowed")
c.write()
