#!/usr/bin/python3
# Makes topology.ini, in_*.pcap and expect_*.pcap for this case.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from natcase import *

n = Nat("""RFC 5382 REQ-4, bounded: at most 64 unsolicited SYNs are held at a
time; one more is dropped at once (nat_syn_hold_full), silently. Each held
one gets its port unreachable when its 6 s are over.""")

syns = [n.inb(1 + 0.02 * i, IP(src=S1, dst=UP, id=i) / TCP(sport=1000 + i, dport=41000, flags="S"))
        for i in range(65)]
# what wakes vsw after each held SYN's 6 s: UDP nobody expects
for i in range(64):
    n.inb(7.005 + 0.02 * i, IP(src=S2, dst=UP, id=1000 + i) / UDP(sport=53, dport=9))
    n.to_up(unreach(syns[i]))
n.drop("uplink", "nat_syn_hold_full")
n.drop("uplink", "nat_no_mapping", 64 + 64)
n.write()
