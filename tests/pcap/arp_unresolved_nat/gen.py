#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, ICMP, UDP, Raw

GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
C1, C1MAC = "172.17.0.2", "02:42:ac:11:00:02"
GONE = "172.17.0.9"                     # published to, never answers
UP, UPMAC = "198.51.100.2", "02:42:c6:33:64:02"
RTR = "198.51.100.1"                    # the uplink gateway, never answers
CLIMAC = "02:00:00:00:01:07"            # the frames from outside come from here
S1 = "203.0.113.10"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def fr(smac, dmac, l3):
    return Ether(src=smac, dst=dmac) / l3

def arp_request(smac, sip, tip):
    return fr(smac, BC, ARP(op=1, hwsrc=smac, psrc=sip, hwdst="00:00:00:00:00:00",
                            pdst=tip)) / Raw(bytes(18))

def unreachable(smac, sip, dmac, dip, quoted):
    return fr(smac, dmac, IP(src=sip, dst=dip, ttl=64, id=0) /
              ICMP(type=3, code=1) / bytes(quoted))

# out: c1 -> S1 at 1.0 s, translated, waits for the uplink gateway
c.send(1.0, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=1) /
                     UDP(sport=40000, dport=9) / Raw(b"out")))
# in: S1 -> the published 5353 at 1.2 s, translated, waits for 172.17.0.9
c.send(1.2, "uplink", fr(CLIMAC, UPMAC, IP(src=S1, dst=UP, id=2) /
                         UDP(sport=5555, dport=5353) / Raw(b"in")))
# the clock: c1 pings its gateway at 1.5, 2.5, 3.5 and 4.5 s
def tick(t, k):
    c.send(t, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=GW, id=100 + k) /
                       ICMP(type=8, id=k) / Raw(b"tick")))
    c.expect_on("c1", fr(GWMAC, C1MAC, IP(src=GW, dst=C1, id=100 + k) /
                         ICMP(type=0, id=k) / Raw(b"tick")))

# the uplink: requests for its gateway at 1.0, 2.5 and 3.5 s (the ticks
# after each second); at 4.5 s the client's packet fails: host unreachable
# from the uplink address to the client, quoting its packet to 5353
for k in range(3):
    c.expect_on("uplink", arp_request(UPMAC, UP, RTR))
c.expect_on("uplink", unreachable(UPMAC, UP, CLIMAC, S1,
                                  IP(src=S1, dst=UP, id=2, ttl=63) /
                                  UDP(sport=5555, dport=5353) / Raw(b"in")))
# docker0: requests for 172.17.0.9 at 1.2, 2.5 and 3.5 s, before the
# ticks' replies; at 4.5 s c1's packet fails: host unreachable to c1,
# quoting its packet from 172.17.0.2:40000
c.expect_on("c1", arp_request(GWMAC, GW, GONE))
tick(1.5, 0)
c.expect_on("c1", arp_request(GWMAC, GW, GONE))
tick(2.5, 1)
c.expect_on("c1", arp_request(GWMAC, GW, GONE))
tick(3.5, 2)
c.expect_on("c1", unreachable(GWMAC, GW, C1MAC, C1,
                              IP(src=C1, dst=S1, id=1, ttl=63) /
                              UDP(sport=40000, dport=9) / Raw(b"out")))
tick(4.5, 3)
# the drops vsw must count, by port and reason
c.drop("c1", "neigh_failed")
c.drop("uplink", "neigh_failed")
for frames in c.inputs.values():           # each file in time order
    frames.sort(key=lambda f: f.time)
c.write()
