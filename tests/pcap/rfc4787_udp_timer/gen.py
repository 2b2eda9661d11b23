#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, UDP, Raw

GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
C1, C1MAC = "172.17.0.2", "02:42:ac:11:00:02"
UP, UPMAC = "198.51.100.2", "02:42:c6:33:64:02"
RTRMAC = "02:00:00:00:01:01"
S1 = "203.0.113.10"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()
ident = [0]

def fr(smac, dmac, l3):
    return Ether(src=smac, dst=dmac) / l3

def arp(t):
    c.send(t, "c1", fr(C1MAC, BC, ARP(op=1, hwsrc=C1MAC, psrc=C1, pdst=GW)))
    c.expect_on("c1", fr(GWMAC, C1MAC, ARP(op=2, hwsrc=GWMAC, psrc=GW, hwdst=C1MAC,
                                            pdst=C1)))

def out(t, note):
    ident[0] += 1
    u = UDP(sport=40000, dport=53)
    c.send(t, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=ident[0]) / u / Raw(note)))
    # the inside port is free: kept
    c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S1, id=ident[0], ttl=63) /
                             u / Raw(note)))

def inb(t, note, passes):
    ident[0] += 1
    c.send(t, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=ident[0]) /
                           UDP(sport=53, dport=40000) / Raw(note)))
    if passes:
        c.expect_on("c1", fr(GWMAC, C1MAC, IP(src=S1, dst=C1, id=ident[0], ttl=63) /
                             UDP(sport=53, dport=40000) / Raw(note)))
    else:
        c.drop("uplink", "nat_no_mapping")

arp(0.1)
out(10.5, b"the last outbound packet")
inb(130.5, b"120 s later", True)
# c1 speaks again (ARP) so that its neighbour entry is fresh for the rest
arp(300.0)
inb(309.5, b"299 s later", True)
inb(310.5, b"300 s later", True)
inb(311.5, b"301 s later: gone", False)
c.write()
