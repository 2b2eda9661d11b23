#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, Dot1Q, ARP, IP, IPv6, ICMPv6EchoRequest, UDP, Raw

R_GWMAC, B_GWMAC = "02:42:0a:00:01:01", "02:42:0a:00:02:01"
R1, B1, B2 = "02:00:00:00:01:0a", "02:00:00:00:02:0a", "02:00:00:00:02:0b"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def ip4(dst):
    return IP(src="10.0.1.10", dst=dst) / UDP(dport=9) / Raw(b"x")

n = "b1 broadcasts on blue: b2 gets it, so blue floods work"
x = c.send(1, "b1", Ether(src=B1, dst=BC) / Raw(n.encode()))
c.expect_on("b2", x)
t = 2
for dst, frame, why in [
        (R_GWMAC, ip4("10.0.2.10"), "ip_isolated"),              # routed to blue
        (BC, ARP(op=1, hwsrc=R1, psrc="10.0.1.10", pdst="10.0.2.1"), "no_port"),
        # ARP to red's gateway asking for blue's: consumed, not answered
        (R_GWMAC, ARP(op=1, hwsrc=R1, psrc="10.0.1.10", pdst="10.0.2.1"), None),
        (R_GWMAC, IPv6(dst="fe80::1") / ICMPv6EchoRequest(), "l3_proto"),
        (R_GWMAC, Dot1Q(vlan=5) / ip4("10.0.2.10"), "l3_proto"),
        (R_GWMAC, Raw(b"\x00" * 46), "l3_proto"),               # EtherType 0
        ("01:80:c2:00:00:0e", Raw(b"lldp"), "no_port"),
        (B_GWMAC, ip4("10.0.2.10"), "no_port"),                  # blue's MAC: unknown on red
        (B1, ip4("10.0.2.10"), "no_port"),                       # a blue host's MAC
        (BC, ip4("255.255.255.255"), "no_port"),
        (BC, Raw(b"\xff" * 46), "no_port")]:
    e = Ether(src=R1, dst=dst) / frame
    if isinstance(frame, Raw) and dst == R_GWMAC:
        e = Ether(src=R1, dst=dst, type=0) / frame
    elif isinstance(frame, Raw):
        e = Ether(src=R1, dst=dst, type=0x88cc if b"lldp" in bytes(frame) else 0x9000) / frame
    c.send(t, "r1", e)
    if why:
        c.drop("r1", why)
    t += 1
c.nothing_on("b1")
c.write()
