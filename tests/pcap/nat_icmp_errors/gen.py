#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, ICMP, UDP, TCP, Raw, IPerror, UDPerror

GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
C1, C1MAC = "172.17.0.2", "02:42:ac:11:00:02"
UP, UPMAC = "198.51.100.2", "02:42:c6:33:64:02"
RTR, RTRMAC = "198.51.100.1", "02:00:00:00:01:01"
S1, HOP = "203.0.113.10", "192.0.2.77"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def fr(smac, dmac, l3):
    return Ether(src=smac, dst=dmac) / l3

c.send(0.1, "c1", fr(C1MAC, BC, ARP(op=1, hwsrc=C1MAC, psrc=C1, pdst=GW)))
c.expect_on("c1", fr(GWMAC, C1MAC, ARP(op=2, hwsrc=GWMAC, psrc=GW, hwdst=C1MAC, pdst=C1)))
c.send(0.2, "uplink", fr(RTRMAC, BC, ARP(op=1, hwsrc=RTRMAC, psrc=RTR, pdst=UP)))
c.expect_on("uplink", fr(UPMAC, RTRMAC, ARP(op=2, hwsrc=UPMAC, psrc=UP, hwdst=RTRMAC, pdst=RTR)))

# c1 sends UDP out (no free-port surprises: 40000 is kept)
c.send(1, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=1, ttl=10) / UDP(sport=40000, dport=9) / Raw(b"data")))
out = IP(src=UP, dst=S1, id=1, ttl=9) / UDP(sport=40000, dport=9) / Raw(b"data")
c.expect_on("uplink", fr(UPMAC, RTRMAC, out))
# a router on the way says time exceeded, quoting what it got
c.send(2, "uplink", fr(RTRMAC, UPMAC, IP(src=HOP, dst=UP, id=2) / ICMP(type=11, code=0) / bytes(out)))
back = IP(src=C1, dst=S1, id=1, ttl=9) / UDP(sport=40000, dport=9) / Raw(b"data")
c.expect_on("c1", fr(GWMAC, C1MAC, IP(src=HOP, dst=C1, id=2, ttl=63) / ICMP(type=11, code=0) / bytes(back)))
# port unreachable with only 8 bytes of the UDP header quoted
c.send(3, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=3) / ICMP(type=3, code=3) / bytes(out)[:28]))
c.expect_on("c1", fr(GWMAC, C1MAC, IP(src=S1, dst=C1, id=3, ttl=63) / ICMP(type=3, code=3) / bytes(back)[:28]))
# broken ones are dropped: a bad checksum, a quote cut inside the UDP header,
# an error about a flow nobody has
bad = ICMP(type=3, code=3) / bytes(out)[:28]
bad = bytes(bad)
bad = bad[:2] + bytes([bad[2] ^ 0xff]) + bad[3:]
c.send(4, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=4, proto=1) / Raw(bad)))
c.send(4.1, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=5) / ICMP(type=3, code=3) / bytes(out)[:24]))
other = IP(src=UP, dst=S1, id=9) / UDP(sport=40555, dport=9)
c.send(4.2, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=6) / ICMP(type=3, code=3) / bytes(other)))
# a client reaches the published 5353; c1 says port unreachable: the error
# goes out from the uplink address, quoting the packet as the client sent it
c.send(5, "uplink", fr(RTRMAC, UPMAC, IP(src=S1, dst=UP, id=7) / UDP(sport=6000, dport=5353) / Raw(b"q")))
inside = IP(src=S1, dst=C1, id=7, ttl=63) / UDP(sport=6000, dport=53) / Raw(b"q")
c.expect_on("c1", fr(GWMAC, C1MAC, inside))
c.send(5.1, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=8) / ICMP(type=3, code=3) / bytes(inside)))
asent = IP(src=S1, dst=UP, id=7, ttl=63) / UDP(sport=6000, dport=5353) / Raw(b"q")
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S1, id=8, ttl=63) / ICMP(type=3, code=3) / bytes(asent)))
# the drops vsw must count, by port and reason
c.drop("uplink", "nat_icmp_bad", 2)
c.drop("uplink", "nat_icmp_unknown")
c.write()
