#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, IPOption_NOP, ICMP, UDP, TCP, Raw

GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
C1, C1MAC = "172.17.0.2", "02:42:ac:11:00:02"
UP, UPMAC = "198.51.100.2", "02:42:c6:33:64:02"
RTRMAC = "02:00:00:00:01:01"
S1 = "203.0.113.10"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def out(l3):                    # c1 -> its gateway
    return Ether(src=C1MAC, dst=GWMAC) / l3

def raw(b):
    return Raw(bytes(b))

c.send(0.1, "c1", Ether(src=C1MAC, dst=BC) / ARP(op=1, hwsrc=C1MAC, psrc=C1, pdst=GW))
c.expect_on("c1", Ether(src=GWMAC, dst=C1MAC) / ARP(op=2, hwsrc=GWMAC, psrc=GW, hwdst=C1MAC, pdst=C1))

good = out(IP(src=C1, dst=S1, id=1) / UDP(sport=5000, dport=53) / Raw(b"ok"))
c.send(1, "c1", raw(bytes(good)[:14 + 10])); c.drop("c1", "ip_bad")            # cut in the IP header
b = bytearray(bytes(good)); b[14] = 0x44                                          # IHL 4
c.send(2, "c1", raw(b)); c.drop("c1", "ip_bad")
b = bytearray(bytes(good)); b[14] = 0x4f                                          # IHL 15: past the frame
c.send(3, "c1", raw(b)); c.drop("c1", "ip_bad")
long = out(IP(src=C1, dst=S1, id=2, len=200) / UDP(sport=5000, dport=53) / Raw(b"short"))
c.send(4, "c1", long); c.drop("c1", "ip_bad")                                     # total length past the frame
b = bytearray(bytes(good)); b[24] ^= 0xff                                         # header checksum
c.send(5, "c1", raw(b)); c.drop("c1", "ip_csum")

# Ethernet padding after the datagram stays out of the translation
n = out(IP(src=C1, dst=S1, id=3) / UDP(sport=5001, dport=53) / Raw(b"padded"))
c.send(6, "c1", raw(bytes(n) + b"\xde\xad" * 10))
c.expect_on("uplink", Ether(src=UPMAC, dst=RTRMAC) / IP(src=UP, dst=S1, id=3, ttl=63) /
            UDP(sport=5001, dport=53) / Raw(b"padded"))
# IP options: translated, options kept
o = [IPOption_NOP()] * 4
c.send(7, "c1", out(IP(src=C1, dst=S1, id=4, options=o) / UDP(sport=5002, dport=53) / Raw(b"options")))
c.expect_on("uplink", Ether(src=UPMAC, dst=RTRMAC) / IP(src=UP, dst=S1, id=4, ttl=63, options=o) /
            UDP(sport=5002, dport=53) / Raw(b"options"))

# TCP data offsets 1 and 15 (a 20-byte header in a 24-byte segment)
c.send(8, "c1", out(IP(src=C1, dst=S1, id=5) / TCP(sport=6000, dport=80, dataofs=1) / Raw(b"abcd")))
c.drop("c1", "nat_truncated")
c.send(9, "c1", out(IP(src=C1, dst=S1, id=6) / TCP(sport=6001, dport=80, dataofs=15) / Raw(b"abcd")))
c.drop("c1", "nat_truncated")
# L4 headers cut short (the IP length says so too)
c.send(10, "c1", out(IP(src=C1, dst=S1, id=7, proto=6) / Raw(bytes(10)))); c.drop("c1", "nat_truncated")
c.send(11, "c1", out(IP(src=C1, dst=S1, id=8, proto=17) / Raw(bytes(4)))); c.drop("c1", "nat_truncated")
c.send(12, "c1", out(IP(src=C1, dst=S1, id=9, proto=1) / Raw(bytes(3)))); c.drop("c1", "nat_truncated")
# protocols NAT does not translate
c.send(13, "c1", out(IP(src=C1, dst=S1, id=10, proto=0) / Raw(b"zero"))); c.drop("c1", "nat_proto")
c.send(14, "c1", out(IP(src=C1, dst=S1, id=11, proto=200) / Raw(b"two hundred"))); c.drop("c1", "nat_proto")

# ICMP errors from outside about c1's flow (5001 -> S1:53, mapped to 5001)
quote = IP(src=UP, dst=S1, id=3, ttl=63) / UDP(sport=5001, dport=53) / Raw(b"padded")
err = Ether(src=RTRMAC, dst=UPMAC) / IP(src=S1, dst=UP, id=20) / ICMP(type=3, code=3) / quote
n = err.copy()
c.send(15, "uplink", n)
c.expect_on("c1", Ether(src=GWMAC, dst=C1MAC) / IP(src=S1, dst=C1, id=20, ttl=63) / ICMP(type=3, code=3) /
            IP(src=C1, dst=S1, id=3, ttl=63) / UDP(sport=5001, dport=53) / Raw(b"padded"))
cut = bytes(Ether(src=RTRMAC, dst=UPMAC) / IP(src=S1, dst=UP, id=21) / ICMP(type=3, code=3) /
            Raw(bytes(quote)[:12]))                                               # quote cut in its IP header
c.send(16, "uplink", raw(cut)); c.drop("uplink", "nat_icmp_bad")
b = bytearray(bytes(err)); b[14 + 20 + 2] ^= 0x55                                 # ICMP checksum
c.send(17, "uplink", raw(b)); c.drop("uplink", "nat_icmp_bad")
c.write()
