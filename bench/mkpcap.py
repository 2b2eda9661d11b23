#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a pcap of UDP frames for the pipeline benchmarks, fast (no scapy).

  mkpcap.py OUT --flows N [--size 64] [--dst unknown|fixed]

Frame i carries source MAC 02:00:xx:xx:xx:xx (i), source IP 10.x.y.z (i),
UDP ports from i; --dst unknown gives every frame its own destination MAC
that nobody announces (a learning switch floods it, as OVS NORMAL does),
fixed sends them all to one MAC, --endpoints K to the K macvlan endpoint
MACs 02:42:c6:33:00:00.. in turn.
"""
import argparse
import struct


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def endpoint_mac(k):
    """The MAC of macvlan endpoint k in the benchmarks."""
    return b"\x02\x42\xc6\x33" + struct.pack("!H", k)


def frame(i, size, dst_mode):
    src = b"\x02\x00" + struct.pack("!I", i)
    if isinstance(dst_mode, int):           # to one of that many endpoints
        dst = endpoint_mac(i % dst_mode)
    elif dst_mode == "unknown":
        dst = b"\x06\x00" + struct.pack("!I", i)
    else:
        dst = b"\x06\x00\x00\x00\x00\x01"
    payload_len = max(size - 4 - 14 - 20 - 8, 0)      # size includes the FCS
    ip_src = struct.pack("!I", (10 << 24) | (i & 0xffffff))
    ip_dst = struct.pack("!I", (172 << 24) | (16 << 16) | ((i * 7) & 0xffff))
    udp = struct.pack("!HHHH", 1024 + (i % 60000), 5000 + (i % 1000),
                      8 + payload_len, 0) + bytes(payload_len)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0,
                     64, 17, 0, ip_src, ip_dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst + src + b"\x08\x00" + ip + udp


NAT_ENDPOINTS = 16000


def nat_frame(i, size, gw_mac, flows):
    """Flow i from a container of 172.17.0.0/16 to a server outside, sent to
    the gateway (docker0 traffic before masquerade). An external address has
    64512 ports, and endpoint-independent mapping gives each inside endpoint
    one: flows are at most 16000 inside endpoints (one per host, so the
    per-host limit is not what is measured) times as many destinations as
    needed."""
    e = i % min(flows, NAT_ENDPOINTS)
    d = i // min(flows, NAT_ENDPOINTS)
    src_ip = (172 << 24) | (17 << 16) | (2 + e)
    src = b"\x02\x42" + struct.pack("!I", src_ip)
    payload_len = max(size - 4 - 14 - 20 - 8, 0)
    ip_dst = struct.pack("!I", (203 << 24) | (113 << 8) | (1 + d % 250))
    udp = struct.pack("!HHHH", 1024 + e, 53 + d // 250,
                      8 + payload_len, 0) + bytes(payload_len)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0,
                     64, 17, 0, struct.pack("!I", src_ip), ip_dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return gw_mac + src + b"\x08\x00" + ip + udp


def write_nat(path, flows, size=64, gw_mac=b"\x02\x42\xac\x11\x00\x01"):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(flows):
            fr = nat_frame(i, size, gw_mac, flows)
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(fr), len(fr)))
            f.write(fr)


def write(path, flows, size=64, dst="unknown"):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(flows):
            fr = frame(i, size, dst)
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(fr), len(fr)))
            f.write(fr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--flows", type=int, default=1000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--dst", choices=("unknown", "fixed"), default="unknown")
    ap.add_argument("--endpoints", type=int, default=0,
                    help="to that many macvlan endpoint MACs in turn")
    ap.add_argument("--nat", action="store_true",
                    help="docker0 traffic to the gateway 172.17.0.1 (for masquerade)")
    a = ap.parse_args()
    if a.nat:
        write_nat(a.out, a.flows, a.size)
    else:
        write(a.out, a.flows, a.size, a.endpoints or a.dst)


if __name__ == "__main__":
    main()
