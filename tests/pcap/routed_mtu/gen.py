#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, IP, ICMP, UDP, Raw

MTU = 1000
GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
C1, C1MAC = "172.17.0.2", "02:42:ac:11:00:02"
LAN, LANMAC = "10.0.0.1", "02:42:0a:00:00:01"
H1, H1MAC = "10.0.0.2", "02:00:00:00:0a:02"
UP, UPMAC = "198.51.100.2", "02:42:c6:33:64:02"
RTRMAC = "02:00:00:00:01:01"
S1 = "203.0.113.10"
c = case_here()

def fr(smac, dmac, l3):
    return Ether(src=smac, dst=dmac) / l3

def data(total):
    """A UDP payload that makes an IP datagram of 'total' bytes."""
    return bytes((i * 7) & 0xff for i in range(total - 28))

def fragments(dgram):
    """RFC 791 fragmentation of 'dgram' (an IP packet, no options) for MTU:
    every fragment but the last carries the largest multiple of 8 bytes
    that fits; the offset counts 8-byte units; MF on all but the last."""
    raw = bytes(dgram)
    hdr, payload = IP(raw[:20]), raw[20:]
    step = (MTU - 20) // 8 * 8
    out = []
    for off in range(0, len(payload), step):
        last = off + step >= len(payload)
        f = IP(src=hdr.src, dst=hdr.dst, id=hdr.id, ttl=hdr.ttl, proto=hdr.proto,
               flags=0 if last else "MF", frag=off // 8) / Raw(payload[off:off + step])
        out.append(f)
    # what the receiver makes of them: each fits, they add up to the datagram
    assert all(len(bytes(f)) <= MTU for f in out)
    assert b"".join(bytes(f)[20:] for f in out) == payload
    return out

def frag_needed(smac, src, gwmac, gw, sent):
    """ICMP 3/4 back to the sender, next-hop MTU in the second word, quoting
    the datagram as it came in (up to 576 bytes in all)."""
    return fr(gwmac, smac, IP(src=gw, dst=src, ttl=64, id=0) /
              ICMP(type=3, code=4, nexthopmtu=MTU) / bytes(sent[IP])[:576 - 28])

# docker0 -> uplink, translated
#  1400 bytes, DF clear: translated, then two fragments (996 + 424 bytes)
x = c.send(1, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=1, flags=0) /
                       UDP(sport=40000, dport=9) / Raw(data(1400))))
nat = IP(src=UP, dst=S1, id=1, ttl=63) / UDP(sport=40000, dport=9) / Raw(data(1400))
for f in fragments(nat):
    c.expect_on("uplink", fr(UPMAC, RTRMAC, f))
#  1400 bytes with DF: fragmentation needed, nothing goes out
x = c.send(2, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=2, flags="DF") /
                       UDP(sport=40000, dport=9) / Raw(data(1400))))
c.expect_on("c1", frag_needed(C1MAC, C1, GWMAC, GW, x))
#  exactly the MTU with DF: passes whole
c.send(3, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=3, flags="DF") /
                   UDP(sport=40000, dport=9) / Raw(data(MTU))))
c.expect_on("uplink", fr(UPMAC, RTRMAC, IP(src=UP, dst=S1, id=3, flags="DF", ttl=63) /
                         UDP(sport=40000, dport=9) / Raw(data(MTU))))
#  one byte... eight bytes over without DF: a second fragment of 8 bytes
c.send(4, "c1", fr(C1MAC, GWMAC, IP(src=C1, dst=S1, id=4) /
                   UDP(sport=40000, dport=9) / Raw(data(MTU + 4))))
nat = IP(src=UP, dst=S1, id=4, ttl=63) / UDP(sport=40000, dport=9) / Raw(data(MTU + 4))
for f in fragments(nat):
    c.expect_on("uplink", fr(UPMAC, RTRMAC, f))

# the routed LAN port -> uplink, not translated: the same rules
x = c.send(5, "lan", fr(H1MAC, LANMAC, IP(src=H1, dst=S1, id=5) /
                        UDP(sport=5000, dport=9) / Raw(data(2500))))
for f in fragments(IP(src=H1, dst=S1, id=5, ttl=63) / UDP(sport=5000, dport=9) /
                   Raw(data(2500))):
    c.expect_on("uplink", fr(UPMAC, RTRMAC, f))
x = c.send(6, "lan", fr(H1MAC, LANMAC, IP(src=H1, dst=S1, id=6, flags="DF") /
                        UDP(sport=5000, dport=9) / Raw(data(1001))))
c.expect_on("lan", frag_needed(H1MAC, H1, LANMAC, LAN, x))
# the drops vsw must count, by port and reason
c.drop("c1", "ip_frag_needed")
c.drop("lan", "ip_frag_needed")
c.write()
