#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here, T0
from scapy.all import Ether, IP, ICMP, UDP, Raw, rdpcap

RATE, BURST = 1000, 50          # errors a second, bucket size (switch/icmp.c)
NS_PER_TOKEN = 10**9 // RATE
GW, GWMAC = "172.16.0.1", "02:42:ac:10:00:01"
C1, C1MAC = "172.16.0.2", "02:42:ac:10:00:02"
S1 = "203.0.113.10"
c = case_here()

def probe(i):
    return Ether(src=C1MAC, dst=GWMAC) / IP(src=C1, dst=S1, id=i, ttl=1) / \
        UDP(sport=4000, dport=5000) / Raw(b"ttl1")

# times in microseconds: 80 at 1 s, then 1000 from 2 s, 600 us apart
times = [1000000] * 80 + [2000000 + 600 * k for k in range(1000)]
for i, us in enumerate(times):
    c.send(us / 1e6, "c1", probe(i))
c.write()

# which probes get an answer: the documented bucket, at the timestamps the
# file really holds (read back, in ns)
got = [int(round((float(p.time) - T0) * 1e6)) * 1000
       for p in rdpcap(os.path.join(c.dir, "in_c1.pcap"))]
assert got == [us * 1000 for us in times], "timestamps not kept to the microsecond"
tokens, last, answered = 0, None, []
for i, now in enumerate(got):
    if last is None or now - last >= BURST * NS_PER_TOKEN:
        tokens, last = BURST, now
    else:
        add = (now - last) // NS_PER_TOKEN
        tokens, last = min(tokens + add, BURST), last + add * NS_PER_TOKEN
    if tokens > 0:
        tokens -= 1
        answered.append(i)
assert len([i for i in answered if i < 80]) == BURST
assert len(answered) == 2 * BURST + 599, len(answered)   # 50 + 50 + 1 a ms
for i in answered:
    c.expect_on("c1", Ether(src=GWMAC, dst=C1MAC) / IP(src=GW, dst=C1, ttl=64, id=0) /
                ICMP(type=11, code=0) / bytes(probe(i)[IP]))
# every probe is dropped for its TTL, answered or not
c.drop("c1", "ip_ttl", len(times))
c.write()
