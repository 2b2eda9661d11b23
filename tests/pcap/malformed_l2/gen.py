#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, Dot1Q, IP, UDP, Raw

A, T = "02:00:00:00:00:0a", "02:00:00:00:00:77"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def body(note, pad=0):
    return IP() / UDP() / Raw(note.encode() + bytes(pad))

def raw(b):
    return Raw(bytes(b))

c.send(1, "a10", raw(bytes(Ether(src=A, dst=BC))[:10])); c.drop("a10", "rx_runt")
c.send(2, "tr", raw(bytes(Ether(src=T, dst=BC))[:13])); c.drop("tr", "rx_runt")
n = bytes(Ether(src=T, dst=BC) / Dot1Q(vlan=10) / body("cut in its tag"))[:16]
c.send(3, "tr", raw(n)); c.drop("tr", "rx_runt")
# five tags: the outer one is the VLAN, the rest is payload to the bridge
n = "five tags deep"
five = Ether(src=T, dst=BC) / Dot1Q(vlan=10) / Dot1Q(vlan=11) / Dot1Q(vlan=12) / \
    Dot1Q(vlan=13) / Dot1Q(vlan=14) / body(n)
c.send(4, "tr", five)
c.expect_on("a10", Ether(src=T, dst=BC) / Dot1Q(vlan=11) / Dot1Q(vlan=12) /
            Dot1Q(vlan=13) / Dot1Q(vlan=14) / body(n))
c.send(5, "a10", Ether(src=A, dst=BC) / Dot1Q(vlan=10) / Dot1Q(vlan=11) / body("tags on an access port"))
c.drop("a10", "vlan_not_allowed")
# a jumbo frame and one bigger than an mbuf's data room pass whole
n = "jumbo"
c.send(6, "a10", Ether(src=A, dst=T) / body(n, 9000 - 60))
c.expect_on("tr", Ether(src=A, dst=T) / Dot1Q(vlan=10) / body(n, 9000 - 60))
n = "larger than an mbuf"
c.send(7, "tr", Ether(src=T, dst=A) / Dot1Q(vlan=10) / body(n, 12000))
c.expect_on("a10", Ether(src=T, dst=A) / body(n, 12000))
c.send(8, "tr", Ether(src=BC, dst=A) / Dot1Q(vlan=10) / body("broadcast source")); c.drop("tr", "src_multicast")
c.send(9, "tr", Ether(src="01:00:5e:00:00:01", dst=A) / Dot1Q(vlan=10) / body("multicast source")); c.drop("tr", "src_multicast")
c.send(10, "a10", Ether(src="00:00:00:00:00:00", dst=T) / body("zero source")); c.drop("a10", "src_zero")
c.send(11, "tr", Ether(src=T, dst=A) / Dot1Q(vlan=99) / body("VLAN 99 is not on the trunk")); c.drop("tr", "vlan_not_allowed")
n = "an EtherType vsw knows nothing of passes at L2"
c.send(12, "a10", Ether(src=A, dst=T, type=0x88b5) / Raw(n.encode()))
c.expect_on("tr", Ether(src=A, dst=T) / Dot1Q(vlan=10, type=0x88b5) / Raw(n.encode()))
c.write()
