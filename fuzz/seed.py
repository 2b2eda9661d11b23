#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seed corpora for the fuzz targets (see README.md), made from the golden
pcap cases (tests/pcap/*/) and a few hand-made inputs.

    /usr/bin/python3 fuzz/seed.py        # (re)writes fuzz/corpus/*/seed-*
    /usr/bin/python3 fuzz/seed.py ctl    # only fuzz/corpus/ctl/seed-*

Only files named seed-* are replaced; what fuzzing added (other names)
stays. Deterministic: the same tree gives the same files.
"""
import glob
import hashlib
import os
import re
import struct
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, Raw,  # noqa: E402
                       fragment, rdpcap)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CASES = sorted(glob.glob(os.path.join(ROOT, "tests", "pcap", "*", "topology.ini")))

# fuzz_pipeline.c's ports, in the topology's order
PORTS = ["a10", "a20", "tr", "plain", "b20", "c1", "c2", "uplink", "lan", "m1", "m2",
         "p1", "p2", "v1", "wire", "pt"]
# a golden case's port -> the fuzz topology's port that plays its part
PORT_MAP = {
    "aging": {"p1": "c1", "p2": "c2", "p3": "a10"},
    "bridges_isolated": {"r1": "c1", "r2": "c2", "b1": "a10", "b2": "tr"},
    "flood": {"p1": "c1", "p2": "c2", "p3": "a10"},
    "gateway": {"c1": "c1", "c2": "c2"},
    "hairpin": {"r": "a20", "n": "tr"},
    "learn_then_unicast": {"p1": "c1", "p2": "c2", "p3": "a10"},
    "macvlan_bridge": {"lan": "uplink", "m1": "m1", "m2": "m2"},
    "macvlan_private": {"lan": "uplink", "p1": "p1", "p2": "p2"},
    "macvlan_routed_parent": {"web": "c1", "uplink": "uplink", "m1": "m1"},
    "macvlan_vepa": {"lan": "uplink", "v1": "v1", "v2": "m1", "v3": "m2"},
    "macvlan_vlan_passthru": {"lan": "uplink", "wire": "wire", "u": "m1", "a": "p1",
                              "c": "pt", "p": "v1"},
    "nat_fragments": {"c1": "c1", "uplink": "uplink"},
    "nat_icmp_errors": {"c1": "c1", "uplink": "uplink"},
    "nat_masquerade": {"c1": "c1", "c2": "c2", "uplink": "uplink"},
    "nat_publish_hairpin": {"web": "c1", "cli": "c2", "uplink": "uplink"},
    "nat_timeouts": {"c1": "c1", "uplink": "uplink"},
    "routing": {"r1": "c1", "b1": "lan", "g1": "c2"},
    "source_mac_drops": {"p1": "c1", "p2": "c2"},
    "static_entries": {"p1": "c1", "p2": "c2", "p3": "a10"},
    "vlan_access_trunk": {"a10": "a10", "a20": "a20", "a30": "plain", "tr": "tr"},
}
# ports whose frames come from outside the NAT (napt: inbound)
OUTSIDE = {"uplink", "lan"}

F_STRICT, F_VNET, F_FIX, F_JOIN = 0x10, 0x20, 0x40, 0x80
UPMAC, RTRMAC = "02:42:c6:33:64:02", "02:00:00:00:01:01"
GWMAC, C1MAC, C2MAC = "02:42:ac:11:00:01", "02:42:ac:11:00:02", "02:42:ac:11:00:03"
UP, RTR, C1, S1 = "198.51.100.2", "198.51.100.1", "172.17.0.2", "203.0.113.10"


def case_inputs(ini):
    """[(time, port, frame bytes)] of a golden case, in time order."""
    d = os.path.dirname(ini)
    out = []
    for pc in sorted(glob.glob(os.path.join(d, "in_*.pcap"))):
        port = os.path.basename(pc)[3:-5]
        for i, p in enumerate(rdpcap(pc)):
            out.append((float(p.time), port, i, bytes(p)))
    out.sort(key=lambda x: (x[0], x[1], x[2]))
    return [(t, port, f) for t, port, _, f in out]


def record(port, frame, flags=0):
    return bytes([PORTS.index(port) | flags]) + struct.pack("<H", len(frame)) + frame


def clock(seconds):
    """Clock records moving 'seconds' (10 ms units, 65535 at most each)."""
    out = b""
    units = int(round(seconds * 100))
    while units > 0:
        u = min(units, 65535)
        out += bytes([0xff]) + struct.pack("<H", u)
        units -= u
    return out


def pipeline_seed(case, inputs, flags=0, bursts=False):
    out, last_t, last_port = b"", None, None
    for t, port, frame in inputs:
        fport = PORT_MAP.get(case, {}).get(port)
        if fport is None:
            fport = PORTS[int(hashlib.sha1(port.encode()).hexdigest(), 16) % len(PORTS)]
        if last_t is not None and t - last_t >= 0.01:
            out += clock(t - last_t)
            last_port = None
        f = flags
        if bursts and fport == last_port:
            f |= F_JOIN
        out += record(fport, frame, f)
        last_t, last_port = t, fport
    return out


def vnet(flags, gso_type, hdr_len, gso_size, csum_start, csum_offset):
    return struct.pack("<BBHHHH", flags, gso_type, hdr_len, gso_size, csum_start,
                       csum_offset)


def partial(pkt):
    """The frame as a veth hands it over: the L4 checksum is only the
    pseudo-header sum (what vsw's offload code expects)."""
    raw = bytearray(bytes(pkt))
    ip = IP(bytes(raw[14:]))
    l4 = 14 + ip.ihl * 4
    ln = ip.len - ip.ihl * 4
    s = 0
    src = bytes(int(x) for x in ip.src.split("."))
    dst = bytes(int(x) for x in ip.dst.split("."))
    words = src + dst + bytes([0, ip.proto]) + struct.pack(">H", ln)
    for i in range(0, len(words), 2):
        s += (words[i] << 8) | words[i + 1]
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    off = l4 + (16 if ip.proto == 6 else 6)
    raw[off:off + 2] = struct.pack(">H", s)
    return bytes(raw)


def handmade_pipeline():
    seeds = {}
    payload = bytes(range(256)) * 16
    # a TCP super-frame from a container out through NAT (GSO, partial csum)
    tcp = (Ether(src=C1MAC, dst=GWMAC) / IP(src=C1, dst=S1, ttl=64) /
           TCP(sport=41000, dport=80, flags="A", seq=1) / Raw(payload[:3000]))
    arp = Ether(src=C1MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=C1MAC, psrc=C1,
                                                           pdst="172.17.0.1")
    seeds["gso-tcp-nat"] = (record("c1", bytes(arp)) +
                            record("c1", vnet(1, 1, 54, 1000, 34, 16) + partial(tcp), F_VNET))
    # the same flooded on the VLAN bridge, and on docker0 to the other port
    tcp2 = (Ether(src="02:00:00:00:10:01", dst="02:00:00:00:10:99") /
            IP(src="10.9.0.1", dst="10.9.0.2") / TCP(sport=1, dport=2, flags="PA") /
            Raw(payload[:2000]))
    seeds["gso-tcp-flood"] = (record("a10", vnet(1, 1, 54, 500, 34, 16) + partial(tcp2), F_VNET) +
                              record("tr", vnet(1, 1, 54, 100, 34, 16) + partial(tcp2), F_VNET))
    udp = (Ether(src=C1MAC, dst=C2MAC) / IP(src=C1, dst="172.17.0.3") /
           UDP(sport=5000, dport=6000) / Raw(payload[:1800]))
    seeds["gso-udp-bridge"] = record("c1", vnet(1, 5, 42, 600, 34, 6) + partial(udp), F_VNET)
    # a big datagram routed out of a 1500-byte uplink: fragmented; with DF:
    # fragmentation needed
    big = (Ether(src=C1MAC, dst=GWMAC) / IP(src=C1, dst=S1, ttl=64) /
           UDP(sport=5000, dport=53) / Raw(payload[:2400]))
    bigdf = (Ether(src=C1MAC, dst=GWMAC) / IP(src=C1, dst=S1, ttl=64, flags="DF") /
             UDP(sport=5001, dport=53) / Raw(payload[:2400]))
    seeds["big-routed"] = record("c1", bytes(big)) + record("c1", bytes(bigdf))
    # fragments from outside to a published port, out of order, one lost
    dgram = IP(src=S1, dst=UP, id=77) / UDP(sport=7000, dport=5353) / Raw(payload[:1200])
    frs = fragment(dgram, fragsize=400)
    seeds["frags-in"] = b"".join(record("uplink", bytes(Ether(src=RTRMAC, dst=UPMAC) / f))
                                 for f in reversed(frs))
    seeds["frags-lost"] = b"".join(record("uplink", bytes(Ether(src=RTRMAC, dst=UPMAC) / f))
                                   for f in frs[:-1]) + clock(3)
    # next hop unknown: the packet waits for ARP that never comes
    seeds["arp-wait"] = record("c1", bytes(Ether(src=C1MAC, dst=GWMAC) /
                                           IP(src=C1, dst="10.0.0.9") /
                                           UDP(sport=1, dport=2) / Raw(b"x" * 20))) + clock(5)
    # the route behind the LAN port, and macvlan endpoints reaching vsw
    seeds["route-far"] = record("c1", bytes(Ether(src=C1MAC, dst=GWMAC) /
                                            IP(src=C1, dst="10.1.2.3") / ICMP()))
    seeds["mv-ping-gw"] = record("m1", bytes(Ether(src="02:42:c0:00:02:0a", dst=UPMAC) /
                                             IP(src="198.51.100.10", dst=UP) / ICMP()))
    seeds["tagged-uplink"] = (
        record("uplink", bytes(Ether(src=RTRMAC, dst="02:42:c0:00:02:1a") / Dot1Q(vlan=10) /
                               IP(src=RTR, dst="198.51.100.26") / UDP() / Raw(b"v10"))) +
        record("uplink", bytes(Ether(src=RTRMAC, dst="ff:ff:ff:ff:ff:ff") / Dot1Q(vlan=20) /
                               ARP(psrc=RTR, pdst="198.51.100.27"))))
    return seeds


def napt_seed(op, arg, ctl, frame):
    return bytes([op, arg, ctl]) + frame


def handmade_napt():
    seeds = {}
    eth = Ether(src=GWMAC, dst=UPMAC)
    rem = Ether(src=RTRMAC, dst=UPMAC)
    seeds["syn-published"] = napt_seed(1, 0, 0x82, bytes(rem / IP(src=S1, dst=UP) /
                                                         TCP(sport=999, dport=8080, flags="S")))
    seeds["udp-published-err"] = napt_seed(6, 0x03, 0x02, bytes(rem / IP(src=S1, dst=UP) /
                                                                UDP(sport=6000, dport=5353) /
                                                                Raw(b"q")))
    seeds["tcp-talk"] = napt_seed(4, 0, 0x06, bytes(eth / IP(src=C1, dst=S1) /
                                                    TCP(sport=41000, dport=443, flags="S")))
    seeds["echo-talk"] = napt_seed(4, 0, 0x02, bytes(eth / IP(src=C1, dst=S1) /
                                                     ICMP(id=7, seq=1) / Raw(b"ping")))
    seeds["udp-err-in"] = napt_seed(5, 0x05, 0x0a, bytes(eth / IP(src=C1, dst=S1) /
                                                         UDP(sport=40000, dport=9) /
                                                         Raw(b"data")))
    seeds["echo-err-in"] = napt_seed(5, 0x01, 0x02, bytes(eth / IP(src=C1, dst=S1) /
                                                          ICMP(id=9) / Raw(b"x" * 30)))
    seeds["tcp-partial-bulk"] = napt_seed(2, 0x80, 0x82, bytes(eth / IP(src=C1, dst=S1) /
                                                               TCP(sport=41001, dport=80,
                                                                   flags="A") / Raw(b"y" * 40)))
    seeds["split-udp"] = napt_seed(0, 0x04, 0x22, bytes(eth / IP(src=C1, dst=S1) /
                                                        UDP(sport=40001, dport=53) /
                                                        Raw(b"z" * 60)))
    seeds["hairpin"] = napt_seed(7, 0, 0x42, bytes(eth / IP(src=C1, dst=UP) /
                                                   TCP(sport=41002, dport=8080, flags="S")))
    inner = bytes(IP(src=UP, dst=S1, id=1, ttl=9) / UDP(sport=40000, dport=9) / Raw(b"data"))
    seeds["raw-icmp-error"] = napt_seed(7, 0, 0x40, bytes(rem / IP(src=S1, dst=UP) /
                                                          ICMP(type=3, code=3) / inner))
    return seeds


def handmade_topologies():
    bad = {
        "no-close": "[port a\nkind = pcap\n",
        "outside": "kind = pcap\n[bridge b]\n",
        "unknown-key": "[bridge b]\ncolour = red\n",
        "twice": "[bridge b]\n[bridge b]\n[switch]\n[switch]\n",
        "bad-mac": "[bridge b]\nstatic = 02:42:ac:11:00:zz@p\n[port p]\nkind = pcap\ntx = o\nbridge = b\n",
        "long-line": "[bridge b]\n; " + "x" * 1100 + "\nmac_aging = 3\n",
        "nul": "[bridge b]\nmac_aging = 3\x00\n",
        "ranges": "[switch]\nnat_ports = 9-8\nworkers = 0\nmbufs = 99999999999\n",
        "masq-self": "[port u]\nkind = pcap\ntx = o\naddress = 10.0.0.1/24\nmasquerade = u\n",
        "passthru-two": ("[macvlan m]\nparent = w\nmode = passthru\n[port w]\nkind = pcap\ntx = a\n"
                         "[port x]\nkind = pcap\ntx = b\nmacvlan = m\n[port y]\nkind = pcap\n"
                         "tx = c\nmacvlan = m\n"),
        "publish-range": ("[bridge d]\nsubnet = 172.17.0.0/16\ngateway = 172.17.0.1\n"
                          "masquerade = u\n[port u]\nkind = pcap\ntx = o\naddress = 10.0.0.1/24\n"
                          "[publish p]\nport = u\nproto = udp\nlisten = 10-20\nto = 172.17.0.2:5-9\n"),
        "vlan-parent": ("[macvlan m]\nparent = u.4095\n[port u]\nkind = pcap\ntx = o\n"
                        "[port e]\nkind = pcap\ntx = e\nmacvlan = m\nmac = 02:00:00:00:00:01\n"),
        "trunk": "[bridge b]\n[port t]\nkind = pcap\ntx = o\nbridge = b\ntrunk = 1-4094,0\nnative = 4095\n",
        "overlap": ("[port a]\nkind = pcap\ntx = a\naddress = 10.0.0.1/8\ngateway = 10.0.0.2\n"
                    "[port b]\nkind = pcap\ntx = b\naddress = 10.1.0.1/16\ngateway = 10.1.0.2\n"),
        "route": "[route r]\nprefix = 10.0.0.0/33\nvia = 1.2.3.4\nport = nope\n",
    }
    good = {
        "docker0": ("[switch]\nnat_sessions = 4096\n[bridge docker0]\nsubnet = 172.17.0.0/16\n"
                    "gateway = 172.17.0.1\nmasquerade = uplink\n[port c1]\nkind = tap\n"
                    "iface = vsw-c1\nbridge = docker0\n[port uplink]\nkind = afpacket\n"
                    "iface = eth1\naddress = 198.51.100.2/24\ngateway = 198.51.100.1\n"
                    "[publish web]\nport = uplink\nproto = tcp\nlisten = 8080\n"
                    "to = 172.17.0.2:80\n"),
        "dpdk": ("[switch]\nworkers = 2\ncpus = 0-1\neal = --log-level=*:debug\n"
                 "[bridge b]\nmac_limit = 10\n[port d]\nkind = dpdk\n"
                 "devargs = net_null0\nmbufs = 1024\nbridge = b\n"),
    }
    return bad, good


def pipeline_topology_text():
    """The topology fuzz_pipeline.c builds, from its C string."""
    src = open(os.path.join(HERE, "fuzz_pipeline.c")).read()
    body = src.split("topology_text[] =", 1)[1].split(";\n", 1)[0]
    body = re.sub(r'TX\("([^"]*)"\)', lambda m: '"tx = /dev/%snull\\n"' % m.group(1), body)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', body)
    return "".join(p.encode().decode("unicode_escape") for p in parts)


def handmade_ctl():
    """Requests for fuzz_ctl.c: every command of the help list with and
    without --json, their arguments good and bad, and malformed bytes."""
    cmds = [
        "help", "show ports", "show stats", "show bridges", "show bridges docker0",
        "show bridges nope", "show fdb", "show fdb docker0", "show fdb lab",
        "show fdb nope", "show fdb --limit 5", "show fdb --limit 5 --after 3",
        "show fdb lab --limit 1 --after 0", "show fdb --after 99999999999",
        "show fdb --limit 0", "show fdb --limit", "show fdb --after x",
        "fdb flush", "fdb flush docker0", "fdb flush docker0 c1", "fdb flush lab c1",
        "fdb flush nope", "fdb flush docker0 c1 c2", "port c1 down", "port c1 up",
        "port uplink down", "port m1 down", "port nope up", "port c1 sideways",
        "port c1", "show routes", "show neighbors", "show sessions",
        "show sessions 3", "show sessions 0", "show sessions x",
        "show sessions --limit 7 --after 10", "show sessions 2 --limit 3",
        "show nat", "show macvlan", "show macvlan mvb", "show macvlan nope",
    ]
    out = {}
    for i, c in enumerate(cmds):
        out["cmd-%02d" % i] = (c + "\n").encode()
        out["cmd-%02d-json" % i] = (c + " --json\n").encode()
        out["cmd-%02d-j" % i] = ("-j " + c).encode()
    out["bad-word"] = b"frobnicate\n"
    out["bad-show"] = b"show\n"
    out["bad-show-nothing"] = b"show nothing --json\n"
    out["empty"] = b""
    out["newline"] = b"\n"
    out["spaces"] = b" " * 300 + b"show" + b" " * 500 + b"ports" + b" " * 200 + b"\n"
    out["tabs-crs"] = b"\tshow\r\tfdb\t\r\n"
    out["overlong"] = b"show fdb " + b"a" * 5000 + b"\n"
    out["just-fits"] = b"show fdb " + b"b" * (4095 - 9)
    out["long-word"] = b"port " + b"c" * 1000 + b" up\n"
    out["many-words"] = b" ".join([b"show"] * 20) + b"\n"
    out["sixteen-words"] = b"show fdb" + b" --limit 1" * 7 + b"\n"
    out["nul"] = b"show\0ports\n"
    out["nul-end"] = b"show ports\n\0"
    out["high-bytes"] = b"show \xff\xfe ports\n"
    out["two-lines"] = b"show ports\nshow fdb\n"
    out["json-only"] = b"--json\n"
    return out


def write(target, name, data, seen):
    h = hashlib.sha1(data).hexdigest()
    if h in seen:
        return
    seen.add(h)
    with open(os.path.join(HERE, "corpus", target, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    if sys.argv[1:] == ["ctl"]:
        # only the control requests: they come from no golden case
        d = os.path.join(HERE, "corpus", "ctl")
        os.makedirs(d, exist_ok=True)
        for f in glob.glob(os.path.join(d, "seed-*")):
            os.unlink(f)
        seen = set()
        for name, data in handmade_ctl().items():
            write("ctl", name, data, seen)
        print("fuzz/corpus/ctl: %d seeds" % len(seen))
        return 0
    for target in ("pipeline", "napt", "topology"):
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for f in glob.glob(os.path.join(d, "seed-*")):
            os.unlink(f)
    seen = set()
    for ini in CASES:
        case = os.path.basename(os.path.dirname(ini))
        inputs = case_inputs(ini)
        write("pipeline", case, pipeline_seed(case, inputs), seen)
        write("pipeline", case + "-fixed", pipeline_seed(case, inputs, F_FIX), seen)
        write("pipeline", case + "-bursts", pipeline_seed(case, inputs, bursts=True), seen)
        write("pipeline", case + "-strict", pipeline_seed(case, inputs, F_STRICT), seen)
        write("topology", case + ".ini", open(ini, "rb").read(), seen)
        # napt: the IPv4 frames of the routing and NAT cases, the way their
        # port sends them, a few operations each
        if not re.match(r"(nat_|gateway|routing|macvlan_routed)", case):
            continue
        for i, (t, port, frame) in enumerate(inputs):
            if len(frame) < 34 or frame[12:14] != b"\x08\x00":
                continue
            fport = PORT_MAP.get(case, {}).get(port, port)
            ops = [1, 6] if fport in OUTSIDE else [0, 4, 5]
            if frame[23] == 1 and len(frame) > 34 and frame[34] in (3, 11, 12):
                ops = [7]
            op = ops[i % len(ops)]
            ctl = 0x02 | ((i % 8) << 2) | (0x80 if i % 3 == 0 else 0)
            write("napt", "%s-%d-op%d" % (case, i, op),
                  napt_seed(op | (0 if i % 4 else 2 * (op < 2)), (i * 37) & 0xff, ctl, frame),
                  seen)
    for name, data in handmade_pipeline().items():
        write("pipeline", name, data, seen)
    for name, data in handmade_napt().items():
        write("napt", name, data, seen)
    bad, good = handmade_topologies()
    for name, text in list(bad.items()) + list(good.items()):
        write("topology", name + ".ini", text.encode(), seen)
    write("topology", "fuzz_pipeline.ini", pipeline_topology_text().encode(), seen)
    for target in ("pipeline", "napt", "topology"):
        n = len(glob.glob(os.path.join(HERE, "corpus", target, "seed-*")))
        print("fuzz/corpus/%s: %d seeds" % (target, n))


if __name__ == "__main__":
    sys.exit(main())
