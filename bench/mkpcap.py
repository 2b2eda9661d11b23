#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the pcaps of the pipeline benchmarks, fast (no scapy).

  mkpcap.py OUT --flows N [--size 64] [--dst unknown|fixed] [--endpoints K]
  mkpcap.py OUT --pairs N           hosts in pairs: OUT.a and OUT.b (2N MACs)
  mkpcap.py OUT --nat N [--tcp]     docker0 traffic out (OUT) and back (OUT.ret)
  mkpcap.py OUT --nat-new N         N new inside endpoints, one frame each

Every frame is a well-formed Ethernet/IPv4/UDP (or TCP) frame with both
the IPv4 and the L4 checksum set (a zero UDP checksum would let a NAT skip
its L4 update).

L2: frame i carries source MAC 02:00:xx:xx:xx:xx (i); --dst unknown gives
every frame its own destination MAC that is never a source (a learning
switch floods it: the "flood, unknown unicast" case), fixed sends them all
to one MAC, --endpoints K to the K macvlan endpoint MACs in turn. --pairs:
host A_k (02:0a:..) and host B_k (02:0b:..) talk to each other, A_k's frames
in one file and B_k's in the other, so every destination is also a source
(learned once each file has been read once: the known-unicast case).
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


def ipv4_l4(src_ip, dst_ip, proto, sport, dport, size, ident, tcp_flags=0x10,
            seq=1, ack=1):
    """IPv4 + UDP/TCP of a 'size'-byte frame (FCS included), checksums set."""
    l4_hdr = 8 if proto == 17 else 20
    payload = bytes(max(size - 4 - 14 - 20 - l4_hdr, 0))
    l4_len = l4_hdr + len(payload)
    if proto == 17:
        l4 = struct.pack("!HHHH", sport, dport, l4_len, 0) + payload
        off = 6
    else:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, tcp_flags,
                         65535, 0, 0) + payload
        off = 16
    sip, dip = struct.pack("!I", src_ip), struct.pack("!I", dst_ip)
    c = csum(sip + dip + struct.pack("!BBH", 0, proto, l4_len) + l4)
    if proto == 17 and c == 0:
        c = 0xffff
    l4 = l4[:off] + struct.pack("!H", c) + l4[off + 2:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + l4_len, ident & 0xffff, 0,
                     64, proto, 0, sip, dip)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + l4


def frame(i, size, dst_mode):
    src = b"\x02\x00" + struct.pack("!I", i)
    if isinstance(dst_mode, int):           # to one of that many endpoints
        dst = endpoint_mac(i % dst_mode)
    elif dst_mode == "unknown":
        dst = b"\x06\x00" + struct.pack("!I", i)
    else:
        dst = b"\x06\x00\x00\x00\x00\x01"
    l3 = ipv4_l4((10 << 24) | (i & 0xffffff), (172 << 24) | (16 << 16) | ((i * 7) & 0xffff),
                 17, 1024 + (i % 60000), 5000 + (i % 1000), size, i)
    return dst + src + b"\x08\x00" + l3


def pair_mac(side, k):
    """Host k of side 0 (A) or 1 (B) in the pairs case."""
    return bytes((0x02, 0x0a + side)) + struct.pack("!I", k)


def pair_frame(side, k, size):
    """Host k of one side to its partner on the other (UDP; A 10.0.0.0/9, B 10.128.0.0/9)."""
    ip = lambda s: (10 << 24) | (s << 23) | k           # k < 2^23
    l3 = ipv4_l4(ip(side), ip(1 - side), 17, 1024 + k % 60000, 1024 + k % 60000,
                 size, k)
    return pair_mac(1 - side, k) + pair_mac(side, k) + b"\x08\x00" + l3


NAT_ENDPOINTS = 16000
NAT_HOSTS = 256
NAT_EXT_IP = (198 << 24) | (51 << 16) | (100 << 8) | 2     # the uplink's address
NAT_GW_MAC = b"\x02\x42\xac\x11\x00\x01"                   # in's / docker0's gateway
UPLINK_MAC = b"\x02\x42\xc6\x33\x64\x02"                   # 02:42 + 198.51.100.2
ROUTER_MAC = b"\x02\x00\x00\x00\x01\x01"                   # the uplink's gateway_mac


def nat_hosts(flows):
    """Inside hosts of a 'flows'-session case: few enough that each has an
    ARP entry (vsw learns at most 12288 from unsolicited requests), many
    enough for the per-host session limit (16384)."""
    return max(4, min(NAT_HOSTS, flows // 256))


def nat_flow(i, flows):
    """Flow i of a 'flows'-session case: (inside ip, inside port, remote ip,
    remote port). min(flows, 16000) inside endpoints (host, port) with
    distinct ports 1024.., over nat_hosts() hosts; as many remotes as needed.
    vsw keeps an inside port when it is free (README, NAPT), and these are
    all distinct, so the external port is the inside port: the return
    traffic's destination follows from the flow alone."""
    n_ep = min(flows, NAT_ENDPOINTS)
    e, d = i % n_ep, i // n_ep
    host = (172 << 24) | (17 << 16) | (2 + e % nat_hosts(flows))
    remote = (203 << 24) | (113 << 8) | (1 + d % 250)
    return host, 1024 + e, remote, 53 + d // 250


def mac_of(ip):
    return b"\x02\x42" + struct.pack("!I", ip)


def nat_frame(i, size, flows, proto=17, gw_mac=NAT_GW_MAC):
    """Flow i from a container to a server outside, sent to the gateway
    (docker0 traffic before masquerade)."""
    hip, hport, rip, rport = nat_flow(i, flows)
    return gw_mac + mac_of(hip) + b"\x08\x00" + \
        ipv4_l4(hip, rip, proto, hport, rport, size, i)


def nat_return_frame(i, size, flows, proto=17):
    """The remote's answer to flow i, at the uplink, to the external address
    and port (the inside port; see nat_flow)."""
    hip, hport, rip, rport = nat_flow(i, flows)
    return UPLINK_MAC + ROUTER_MAC + b"\x08\x00" + \
        ipv4_l4(rip, NAT_EXT_IP, proto, rport, hport, size, i)


def arp_request(sender_ip, target_ip, sender_mac):
    return (b"\xff" * 6 + sender_mac + b"\x08\x06" +
            struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, sender_mac,
                        struct.pack("!I", sender_ip), bytes(6),
                        struct.pack("!I", target_ip)) + bytes(18))


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        self.n = 0

    def add(self, fr):
        self.f.write(struct.pack("<IIII", self.n // 1000000, self.n % 1000000,
                                 len(fr), len(fr)))
        self.f.write(fr)
        self.n += 1

    def close(self):
        self.f.close()


def write_nat(path, flows, size=64, gw_mac=NAT_GW_MAC, proto=17, ret=None):
    """The outbound pcap: first an ARP request from each inside host for the
    gateway (so vsw can deliver the return traffic; repeated each pass of an
    infinite_rx input: nat_hosts() frames in 'flows'), then the flows. With
    'ret', also the return traffic's pcap there."""
    w = Writer(path)
    gw_ip = (172 << 24) | (17 << 16) | 1
    for h in range(nat_hosts(flows)):
        hip = (172 << 24) | (17 << 16) | (2 + h)
        w.add(arp_request(hip, gw_ip, mac_of(hip)))
    for i in range(flows):
        w.add(nat_frame(i, size, flows, proto, gw_mac))
    w.close()
    if ret:
        w = Writer(ret)
        for i in range(flows):
            w.add(nat_return_frame(i, size, flows, proto))
        w.close()


def write_nat_new(path, n, size=64, gw_mac=NAT_GW_MAC):
    """n new sessions, each a new inside endpoint (a new mapping each): host
    172.17.x.y of NAT_HOSTS, port 1024 + i, all to one server."""
    w = Writer(path)
    for i in range(n):
        hip = (172 << 24) | (17 << 16) | (2 + i % NAT_HOSTS)
        w.add(gw_mac + mac_of(hip) + b"\x08\x00" +
              ipv4_l4(hip, (203 << 24) | (113 << 8) | 1, 17, 1024 + i, 53, size, i))
    w.close()


def write(path, flows, size=64, dst="unknown"):
    w = Writer(path)
    for i in range(flows):
        w.add(frame(i, size, dst))
    w.close()


def write_pairs(path_a, path_b, pairs, size=64):
    """Hosts in pairs: A_k's frames to B_k in path_a, B_k's to A_k in path_b."""
    for side, path in ((0, path_a), (1, path_b)):
        w = Writer(path)
        for k in range(pairs):
            w.add(pair_frame(side, k, size))
        w.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--flows", type=int, default=1000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--dst", choices=("unknown", "fixed"), default="unknown")
    ap.add_argument("--endpoints", type=int, default=0,
                    help="to that many macvlan endpoint MACs in turn")
    ap.add_argument("--pairs", type=int, default=0,
                    help="N pairs of hosts talking: OUT.a and OUT.b")
    ap.add_argument("--nat", type=int, default=0,
                    help="N sessions of docker0 traffic to the gateway 172.17.0.1 "
                    "(masquerade), and the answers in OUT.ret")
    ap.add_argument("--tcp", action="store_true", help="--nat: TCP (ACK) segments")
    ap.add_argument("--nat-new", type=int, default=0,
                    help="N new inside endpoints (one mapping each)")
    a = ap.parse_args()
    if a.pairs:
        write_pairs(a.out + ".a", a.out + ".b", a.pairs, a.size)
    elif a.nat:
        write_nat(a.out, a.nat, a.size, proto=6 if a.tcp else 17, ret=a.out + ".ret")
    elif a.nat_new:
        write_nat_new(a.out, a.nat_new, a.size)
    else:
        write(a.out, a.flows, a.size, a.endpoints or a.dst)


if __name__ == "__main__":
    main()
