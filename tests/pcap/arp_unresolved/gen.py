#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, ARP, IP, ICMP, UDP, Raw

GW, GWMAC = "172.16.0.1", "02:42:ac:10:00:01"
C1, C1MAC = "172.16.0.2", "02:42:ac:10:00:02"
UP, UPMAC = "198.51.100.2", "02:42:c6:33:64:02"
RTR = "198.51.100.1"                        # the gateway: it never answers
T, TMAC = "198.51.100.9", "02:00:00:00:01:09"   # a pinger on the uplink
S1 = "203.0.113.10"
BC = "ff:ff:ff:ff:ff:ff"
c = case_here()

def fr(smac, dmac, l3):
    return Ether(src=smac, dst=dmac) / l3

def arp_request():
    return fr(UPMAC, BC, ARP(op=1, hwsrc=UPMAC, psrc=UP, hwdst="00:00:00:00:00:00",
                             pdst=RTR)) / Raw(bytes(18))

def udp(i, note, ttl=64):
    return fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=i, ttl=ttl) /
              UDP(sport=4000, dport=5000) / Raw(note))

def tick(k):
    """A ping to vsw from each side at 0.95 + k/10 s, and its reply."""
    t = round(0.95 + k / 10, 2)
    e = ICMP(type=8, id=k, seq=1) / Raw(b"tick")
    r = ICMP(type=0, id=k, seq=1) / Raw(b"tick")
    c.send(t, "uplink", fr(TMAC, UPMAC, IP(src=T, dst=UP, id=1000 + k) / e))
    c.send(t, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=GW, id=2000 + k) / e))
    return (lambda: c.expect_on("uplink", fr(UPMAC, TMAC, IP(src=UP, dst=T, id=1000 + k) / r)),
            lambda: c.expect_on("c1", fr(GWMAC, C1MAC, IP(src=GW, dst=C1, id=2000 + k) / r)))

ticks = [tick(k) for k in range(42)]        # 0.95 s .. 5.05 s
up_reply = lambda k: ticks[k][0]()
c1_reply = lambda k: ticks[k][1]()

# two packets for the unresolved gateway, at 1.0 s and 1.5 s: they wait
c.send(1.0, "c1", udp(1, b"first"))
c.send(1.5, "c1", udp(2, b"second"))

# the uplink: the first request with the first packet (between the ticks
# at 0.95 and 1.05), the second and third a second apart (due at 2.0 and
# 3.0, sent at the first moment after: the ticks at 2.05 and 3.05, before
# their replies), the second packet asks nothing; no fourth request
up_reply(0)
c.expect_on("uplink", arp_request())
for k in range(1, 42):
    if k in (11, 21):                       # the ticks at 2.05 and 3.05
        c.expect_on("uplink", arp_request())
    up_reply(k)

# c1: no answer by 4.0 s (three requests and a second): host unreachable
# for each waiting packet, quoting it as it waited (its TTL decremented),
# sent at the tick at 4.05, before its reply
for k in range(42):
    if k == 31:
        for i, note in ((1, b"first"), (2, b"second")):
            c.expect_on("c1", fr(GWMAC, C1MAC, IP(src=GW, dst=C1, ttl=64, id=0) /
                                 ICMP(type=3, code=1) / bytes(udp(i, note, ttl=63)[IP])))
    c1_reply(k)
# the drops vsw must count, by port and reason
c.drop("c1", "neigh_failed", 2)
for frames in c.inputs.values():           # each file in time order
    frames.sort(key=lambda f: f.time)
c.write()
