#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case (and, called by
# ../nat_full_silent/gen.py, for that one: the same traffic, no ICMP).
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from caselib import case_here
from scapy.all import Ether, IP, ICMP, UDP, Raw

GW, GWMAC = "172.17.0.1", "02:42:ac:11:00:01"
HOSTS = {1: ("172.17.0.2", "02:42:ac:11:00:02"),
         2: ("172.17.0.3", "02:42:ac:11:00:03"),
         3: ("172.17.0.4", "02:42:ac:11:00:04")}
UP, UPMAC = "198.51.100.2", "02:42:c6:33:64:02"
RTRMAC = "02:00:00:00:01:01"
S1 = "203.0.113.10"


def build(c, icmp):
    ident = [0]

    def flow(t, h, sport, passes, why=None):
        ip, mac = HOSTS[h]
        ident[0] += 1
        x = c.send(t, "lan", Ether(src=mac, dst=GWMAC) /
                   IP(src=ip, dst=S1, id=ident[0]) / UDP(sport=sport, dport=9) /
                   Raw(b"flow %d" % sport))
        if passes:      # translated, its port kept (free, in the range)
            c.expect_on("uplink", Ether(src=UPMAC, dst=RTRMAC) /
                        IP(src=UP, dst=S1, id=ident[0], ttl=63) /
                        UDP(sport=sport, dport=9) / Raw(b"flow %d" % sport))
            return
        c.drop("lan", why)
        if icmp:        # 3/13 from the gateway, quoting the packet as sent
            c.expect_on("lan", Ether(src=GWMAC, dst=mac) /
                        IP(src=GW, dst=ip, ttl=64, id=0) /
                        ICMP(type=3, code=13) / bytes(x[IP]))

    t = 1.0
    for k in range(512):                        # c1 takes its 512 sessions
        flow(t, 1, 40001 + k, True)
        t += 0.001
    flow(2, 1, 41000, False, "nat_host_limit")  # and no more
    t = 3.0
    for k in range(512):                        # c2 takes the table's rest
        flow(t, 2, 42001 + k, True)
        t += 0.001
    flow(4, 3, 43000, False, "nat_full")        # c3 has none, no room left
    flow(5, 1, 40001, True)                     # open flows keep passing
    flow(5.1, 2, 42512, True)
    c.nothing_on("lan")
    c.write()


if __name__ == "__main__":
    build(case_here(), icmp=True)
