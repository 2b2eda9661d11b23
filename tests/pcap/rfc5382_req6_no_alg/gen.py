#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5382 REQ-6: no ALG is on by default (vsw has none): an FTP PORT
command and a PASV answer pass byte for byte, and the data connection the
PORT command names is not opened for S1 (held, then port unreachable).""")
C1 = C[1][0]
def o(t, i, data=b"", **kw):
    n.out(t, IP(dst=S1, id=i) / TCP(sport=40000, dport=21, **kw) / Raw(data))
    n.to_up(IP(src=UP, dst=S1, id=i, ttl=63) / TCP(sport=40000, dport=21, **kw) / Raw(data))
def i_(t, i, data=b"", **kw):
    n.inb(t, IP(src=S1, dst=UP, id=i) / TCP(sport=21, dport=40000, **kw) / Raw(data))
    n.to_c(IP(src=S1, dst=C1, id=i, ttl=63) / TCP(sport=21, dport=40000, **kw) / Raw(data))
o(1, 1, flags="S", seq=1)
i_(1.1, 2, flags="SA", seq=100, ack=2)
o(1.2, 3, flags="A", seq=2, ack=101)
port = b"PORT 172,17,0,2,156,65\r\n"
o(2, 4, port, flags="PA", seq=2, ack=101)
pasv = b"227 Entering Passive Mode (203,0,113,10,19,137)\r\n"
i_(2.1, 5, pasv, flags="PA", seq=101, ack=2 + len(port))
# S1 connects back to what PORT said (172.17.0.2:40001, at the uplink 40001)
syn = n.inb(3, IP(src=S1, dst=UP, id=6) / TCP(sport=20, dport=40001, flags="S", seq=1))
n.inb(10, IP(src=S1, dst=UP, id=7) / ICMP(type=8, id=1, seq=1))
n.to_up(unreach(syn))
n.to_up(IP(src=UP, dst=S1, id=7, ttl=64) / ICMP(type=0, id=1, seq=1))
n.drop("uplink", "nat_no_mapping")
n.write()
