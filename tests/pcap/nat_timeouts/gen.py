#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, UDP, TCP, Raw

GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
C1, C1MAC = "172.17.0.2", "02:42:ac:11:00:02"
UP, UPMAC = "198.51.100.2", "02:42:c6:33:64:02"
RTR, RTRMAC = "198.51.100.1", "02:00:00:00:01:01"
S1 = "203.0.113.10"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()
ident = [0]

def fr(smac, dmac, l3):
    return Ether(src=smac, dst=dmac) / l3

def out(t, l4, note=b""):
    ident[0] += 1
    c.send(t, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=ident[0]) / l4 / Raw(note)))
    return ident[0]

def nat_out(i, l4, note=b""):
    c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S1, id=i, ttl=63) / l4 / Raw(note)))

def inb(t, l4, note=b""):
    ident[0] += 1
    c.send(t, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=ident[0]) / l4 / Raw(note)))
    return ident[0]

def to_c1(i, l4, note=b""):
    c.expect_on("c1", fr(GWMAC, C1MAC, IP(src=S1, dst=C1, id=i, ttl=63) / l4 / Raw(note)))

c.send(0.1, "c1", fr(C1MAC, BC, ARP(op=1, hwsrc=C1MAC, psrc=C1, pdst=GW)))
c.expect_on("c1", fr(GWMAC, C1MAC, ARP(op=2, hwsrc=GWMAC, psrc=GW, hwdst=C1MAC, pdst=C1)))
c.send(0.2, "uplink", fr(RTRMAC, BC, ARP(op=1, hwsrc=RTRMAC, psrc=RTR, pdst=UP)))
c.expect_on("uplink", fr(UPMAC, RTRMAC, ARP(op=2, hwsrc=UPMAC, psrc=UP, hwdst=RTRMAC, pdst=RTR)))

# UDP: out at 10, answers at 35 (25 s) pass and do not refresh; at 41 it is gone
u = UDP(sport=40000, dport=53)
r = UDP(sport=53, dport=40000)
nat_out(out(10, u, b"1"), u, b"1")
to_c1(inb(35, r, b"2"), r, b"2")
inb(41, r, b"3 too late")
# a new outbound packet makes a new mapping, on the other port: 40000 is
# held for 120 s after it was freed
nat_out(out(50, u, b"4"), UDP(sport=40001, dport=53), b"4")
to_c1(inb(79, UDP(sport=53, dport=40001), b"5"), r, b"5")

# TCP established: quiet for 60 s (more than transitory, less than established)
a = TCP(sport=40000, dport=80, flags="S", seq=1)
nat_out(out(100, a), a)
b = TCP(sport=80, dport=40000, flags="SA", seq=500, ack=2)
to_c1(inb(100.1, b), b)
a = TCP(sport=40000, dport=80, flags="A", seq=2, ack=501)
nat_out(out(100.2, a), a)
b = TCP(sport=80, dport=40000, flags="A", seq=501, ack=2)
to_c1(inb(160, b, b"still here"), b, b"still here")
# after a FIN only the transitory 10 s remain
a = TCP(sport=40000, dport=80, flags="FA", seq=2, ack=501)
nat_out(out(161, a), a)
to_c1(inb(170, b, b"within 10 s"), b, b"within 10 s")
inb(182, b, b"gone")
# a half-open connection (SYN only) is transitory from the start
a = TCP(sport=40001, dport=80, flags="S", seq=1)
nat_out(out(200, a), a)
inb(215, TCP(sport=80, dport=40001, flags="SA", seq=9, ack=2))
# the drops vsw must count, by port and reason
c.drop("uplink", "nat_no_mapping", 3)
c.write()
