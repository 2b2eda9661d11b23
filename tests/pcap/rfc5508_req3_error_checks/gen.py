#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5508 REQ-3: an ICMP error with a bad ICMP checksum is dropped, and
one whose embedded IP header has a bad checksum (REQ-3a); the embedded
header's options are skipped to find its transport header (REQ-3b); the
embedded transport checksum is not validated (REQ-3c): a wrong one is
translated as it is (updated for the new address, still wrong).""")
C1 = C[1][0]

def update(hc, old, new):
    """RFC 1624 eqn. 3 for 16-bit words 'old' replaced by 'new'."""
    s = ~hc & 0xffff
    for o, w in zip(old, new):
        s += (~o & 0xffff) + w
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def words(ip):
    b = bytes(map(int, ip.split(".")))
    return [b[0] << 8 | b[1], b[2] << 8 | b[3]]

n.out(1, IP(dst=S1, id=1) / UDP(sport=40000, dport=9) / Raw(b"data"))
sent = IP(src=UP, dst=S1, id=1, ttl=63) / UDP(sport=40000, dport=9) / Raw(b"data")
n.to_up(sent)
raw = bytes(sent)
# bad ICMP checksum
bad = bytearray(bytes(ICMP(type=3, code=3) / raw))
bad[2] ^= 0xff
n.inb(2, IP(src=S1, dst=UP, id=2, proto=1) / Raw(bytes(bad)))
# the embedded IP header's checksum is wrong (the ICMP checksum is right)
q = bytearray(raw)
q[10] ^= 0x01
n.inb(3, IP(src=S1, dst=UP, id=3) / ICMP(type=3, code=3) / bytes(q))
# REQ-3c: a wrong UDP checksum in the quote is no reason to drop
good = IP(raw)[UDP].chksum
wrong = good ^ 0x5a5a
q = bytearray(raw)
q[26:28] = wrong.to_bytes(2, "big")
n.inb(4, IP(src=S1, dst=UP, id=4) / ICMP(type=3, code=3) / bytes(q))
back = IP(src=C1, dst=S1, id=1, ttl=63) / UDP(sport=40000, dport=9,
        chksum=update(wrong, words(UP), words(C1))) / Raw(b"data")
n.to_c(IP(src=S1, dst=C1, id=4, ttl=63) / ICMP(type=3, code=3) / bytes(back))
# REQ-3b: a packet with IP options, and an error quoting it
o = [IPOption_NOP()] * 4
n.out(5, IP(dst=S1, id=5, options=o) / UDP(sport=40001, dport=9) / Raw(b"opts"))
sent = IP(src=UP, dst=S1, id=5, ttl=63, options=o) / UDP(sport=40001, dport=9) / Raw(b"opts")
n.to_up(sent)
n.inb(6, IP(src=HOP, dst=UP, id=6) / ICMP(type=11, code=0) / bytes(sent))
back = IP(src=C1, dst=S1, id=5, ttl=63, options=o) / UDP(sport=40001, dport=9) / Raw(b"opts")
n.to_c(IP(src=HOP, dst=C1, id=6, ttl=63) / ICMP(type=11, code=0) / bytes(back))
n.drop("uplink", "nat_icmp_bad", 2)
n.write()
