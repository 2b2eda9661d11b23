# SPDX-License-Identifier: BSD-3-Clause
"""RFC 4787 (NAT behavioural requirements for UDP), end to end.

One test per requirement that needs the whole router: address pooling over
two uplinks, hairpinning to a dynamic mapping, ALGs, fragmentation needed
and fragmentation, fragments out of order and fragment floods, address
conflicts. The NAT table's own requirements (mapping, ports, parity,
timer, refresh, filtering, determinism, ICMP) are in
tests/unit/test_rfc4787.c, the default timer also in
tests/pcap/rfc4787_udp_timer.

Sockets are real kernel sockets made in the namespaces (setns) by the test
process itself, so a test drives both ends in order without helpers.
"""
import ctypes
import errno
import os
import socket
import struct
import subprocess
import time

import pytest
from conftest import VSW

UPLINK_IP = "198.51.100.2"
UPLINK_MAC = "02:42:c6:33:64:02"          # 02:42 + the address
OUT_IP = "198.51.100.1"
SERVER = "203.0.113.10"
SERVER2 = "203.0.113.11"

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
IP_MTU_DISCOVER, IP_PMTUDISC_DONT, IP_PMTUDISC_DO = 10, 0, 2
IP_RECVERR, IP_MTU = 11, 14
MSG_ERRQUEUE = 0x2000
ETH_P_ALL = 3


def ns_socket(ns, family=socket.AF_INET, kind=socket.SOCK_DGRAM, proto=0):
    """A socket that lives in namespace 'ns' (it keeps it for good)."""
    me = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    there = os.open("/run/netns/%s" % ns, os.O_RDONLY)
    try:
        if _libc.setns(there, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns %s" % ns)
        try:
            return socket.socket(family, kind, proto)
        finally:
            if _libc.setns(me, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(me)
        os.close(there)


def udp(ns, port, addr="0.0.0.0", timeout=3):
    s = ns_socket(ns)
    s.settimeout(timeout)
    s.bind((addr, port))
    return s


def sniffer(ns, ifname="eth0"):
    """An AF_PACKET socket on 'ifname' of 'ns' (every frame, both ways)."""
    s = ns_socket(ns, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    s.settimeout(0.2)
    return s


def frames(s, seconds=1.0):
    """What 'sniffer' saw within 'seconds' (received frames only)."""
    got, end = [], time.time() + seconds
    while time.time() < end:
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] != socket.PACKET_OUTGOING:
            got.append(data)
    return got


def drops(v):
    return {(d["port"], d["reason"]): d["count"]
            for d in v.ctl("show", "stats", as_json=True)["drops"]}


LAB = """
[switch]
control = @SOCK@

[bridge docker0]
subnet = 172.17.0.0/16
gateway = 172.17.0.1
masquerade = uplink

[port c1]
kind = afpacket
iface = {c1}
bridge = docker0

[port c2]
kind = afpacket
iface = {c2}
bridge = docker0

[port uplink]
kind = afpacket
iface = {up}
address = 198.51.100.2/24
gateway = 198.51.100.1
mtu = 1280
"""


@pytest.fixture
def nat(lab):
    """c1 and c2 behind docker0; the outside namespace holds the uplink's
    gateway and, on its loopback, the servers."""
    c1, h1 = lab.container("c1", "172.17.0.2/16", gw="172.17.0.1")
    c2, h2 = lab.container("c2", "172.17.0.3/16", gw="172.17.0.1")
    out, hup = lab.container("out", OUT_IP + "/24")
    for ip in (SERVER, SERVER2):
        lab.run(out, "ip addr add %s/32 dev lo" % ip)
    v = lab.vsw(LAB.format(c1=h1, c2=h2, up=hup))
    lab.names = {"c1": c1, "c2": c2, "out": out}
    return lab, v


def mapping_of(lab, sock, server_port=7000):
    """The external endpoint of 'sock' as an outside server sees it."""
    srv = udp(lab.names["out"], server_port, SERVER)
    sock.sendto(b"where am I", (SERVER, server_port))
    data, seen = srv.recvfrom(100)
    srv.close()
    assert data == b"where am I"
    return seen


def test_rfc4787_req2_ip_address_pooling(lab):
    """REQ-2: "It is RECOMMENDED that a NAT have an 'IP address pooling'
    behavior of 'Paired'." vsw has one external address per masquerade
    port, so every mapping of an inside host (UDP to several remotes, TCP,
    ICMP) uses the address of its network's masquerade port; with two
    uplinks each network keeps to its own. When that address has no port
    left, the host's next mapping is dropped, never put on the other
    address (RFC 7857 section 5: "new sessions from a host that already has
    a mapping associated with an external IP that ran out of ports SHOULD
    be dropped")."""
    c1, h1 = lab.container("c1", "172.17.0.2/16", gw="172.17.0.1")
    c3, h3 = lab.container("c3", "172.18.0.2/16", gw="172.18.0.1")
    out1, hu1 = lab.container("out1", "198.51.100.1/24")
    out2, hu2 = lab.container("out2", "203.0.113.1/24")
    lab.run(out1, "ip addr add 198.51.100.3/24 dev eth0")
    lab.run(out2, "ip addr add 198.18.0.10/32 dev lo")
    v = lab.vsw("""
[switch]
control = @SOCK@
nat_ports = 20000-20003

[bridge docker0]
subnet = 172.17.0.0/16
gateway = 172.17.0.1
masquerade = up1

[bridge docker1]
subnet = 172.18.0.0/16
gateway = 172.18.0.1
masquerade = up2

[port c1]
kind = afpacket
iface = %s
bridge = docker0

[port c3]
kind = afpacket
iface = %s
bridge = docker1

[port up1]
kind = afpacket
iface = %s
address = 198.51.100.2/24
gateway = 198.51.100.1

[port up2]
kind = afpacket
iface = %s
address = 203.0.113.2/24

[route far]
prefix = 198.18.0.0/15
via = 203.0.113.1
port = up2
""" % (h1, h3, hu1, hu2))
    seen = []
    # c1: UDP from one port to three remotes, and TCP, all out of up1
    srvs = [udp(out1, 7000, a) for a in ("198.51.100.1", "198.51.100.3")]
    srvs.append(udp(out1, 7001, "198.51.100.1"))
    s = udp(c1, 5000)
    for srv in srvs:
        s.sendto(b"x", srv.getsockname())
        seen.append(srv.recvfrom(10)[1][0])
    ls = ns_socket(out1, kind=socket.SOCK_STREAM)
    ls.bind(("198.51.100.3", 8000))
    ls.listen(1)
    t = ns_socket(c1, kind=socket.SOCK_STREAM)
    t.settimeout(3)
    t.connect(("198.51.100.3", 8000))
    conn, peer = ls.accept()
    seen.append(peer[0])
    lab.run(c1, "ping -c 1 -W 2 198.51.100.1")
    assert seen == ["198.51.100.2"] * 4, seen
    # c3: out of up2, with up2's address
    srv3 = udp(out2, 7000, "198.18.0.10")
    s3 = udp(c3, 5000)
    s3.sendto(b"y", ("198.18.0.10", 7000))
    assert srv3.recvfrom(10)[1][0] == "203.0.113.2"
    sessions = v.ctl("show", "sessions", as_json=True)["sessions"]
    for sess in sessions:
        ext = {"172.17.0.2": "198.51.100.2", "172.18.0.2": "203.0.113.2"}
        assert sess["outside"].split(":")[0] == ext[sess["inside"].split(":")[0]], sess
    assert {sess["inside"].split(":")[0] for sess in sessions} == {"172.17.0.2",
                                                                  "172.18.0.2"}
    # up1 has 4 UDP ports (20000-20003): 5000 took one, three more fill it
    for port in (5001, 5002, 5003):
        x = udp(c1, port)
        x.sendto(b"z", ("198.51.100.1", 7000))
        assert srvs[0].recvfrom(10)[1][0] == "198.51.100.2"
    x = udp(c1, 5004)
    x.sendto(b"no port left", ("198.51.100.1", 7000))
    srvs[0].settimeout(1)
    with pytest.raises(socket.timeout):
        srvs[0].recvfrom(100)
    assert drops(v).get(("c1", "nat_no_port"), 0) == 1
    sessions = v.ctl("show", "sessions", as_json=True)["sessions"]
    assert not any(sess["inside"].startswith("172.17.0.2:") and
                   sess["outside"].startswith("203.0.113.2") for sess in sessions)
    conn.close()
    t.close()
    v.stop()


def test_rfc4787_req7_address_conflict(tmp_path):
    """REQ-7: "A NAT device whose external IP interface can be configured
    dynamically MUST either (1) automatically ensure that its internal
    network uses IP addresses that do not conflict with its external
    network, or (2) be able to translate and forward traffic between all
    internal nodes and all external nodes whose IP addresses numerically
    conflict with the internal network." vsw's external address is static
    (no DHCP), and a topology whose inside network overlaps the uplink's is
    refused before anything opens."""
    ini = tmp_path / "conflict.ini"
    ini.write_text("""
[bridge docker0]
subnet = 172.17.0.0/16
gateway = 172.17.0.1
masquerade = uplink

[port c1]
kind = tap
iface = vswconflict0
bridge = docker0

[port uplink]
kind = tap
iface = vswconflict1
address = 172.17.200.2/24
gateway = 172.17.200.1
""")
    r = subprocess.run([str(VSW), "--check", "-c", str(ini)], capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 2, r.stderr
    assert "overlaps" in r.stderr and "conflict.ini:" in r.stderr, r.stderr
    # the same file with a separate uplink network is valid
    ini.write_text(ini.read_text().replace("172.17.200.", "198.51.100."))
    r = subprocess.run([str(VSW), "--check", "-c", str(ini)], capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 0, r.stderr


def test_rfc4787_req9_hairpinning(nat):
    """REQ-9: "A NAT MUST support 'Hairpinning'." a) "A NAT Hairpinning
    behavior MUST be 'External source IP address and port'." Two inside
    hosts learn their mappings from an outside server (as with STUN) and
    reach each other's dynamic mapping through the external address,
    with the default address-port-dependent filtering: B's first packet
    opens B's side and is filtered at A's, A's then gets in, and each sees
    the other's external endpoint as the source."""
    lab, v = nat
    a = udp(lab.names["c1"], 5001)
    b = udp(lab.names["c2"], 5002)
    ext_a = mapping_of(lab, a)
    ext_b = mapping_of(lab, b, 7001)
    assert ext_a[0] == ext_b[0] == UPLINK_IP
    before = drops(v).get(("c2", "nat_filtered"), 0)
    b.sendto(b"punch", ext_a)                   # filtered at A's mapping
    a.settimeout(1)
    with pytest.raises(socket.timeout):
        a.recvfrom(100)
    assert drops(v).get(("c2", "nat_filtered"), 0) == before + 1
    a.sendto(b"hello B", ext_b)
    data, src = b.recvfrom(100)
    assert data == b"hello B"
    assert src == ext_a, (src, ext_a)           # A's external endpoint
    b.sendto(b"hello A", ext_a)
    a.settimeout(3)
    data, src = a.recvfrom(100)
    assert (data, src) == (b"hello A", ext_b)
    nat_ctr = {r["counter"]: r["value"] for r in v.ctl("show", "nat", as_json=True)["nat"]}
    assert nat_ctr["hairpin"] >= 3
    v.stop()


def test_rfc4787_req9_hairpinning_between_networks(lab):
    """REQ-9 again, for two inside networks behind the same uplink (two
    isolated bridges, both masqueraded to it): hosts that cannot reach each
    other directly still reach each other's mappings through the external
    address, as two hosts behind one NAT, each seeing the other's external
    endpoint; their inside addresses stay unreachable."""
    c1, h1 = lab.container("c1", "172.17.0.2/16", gw="172.17.0.1")
    c3, h3 = lab.container("c3", "172.18.0.2/16", gw="172.18.0.1")
    out, hup = lab.container("out", OUT_IP + "/24")
    lab.run(out, "ip addr add %s/32 dev lo" % SERVER)
    v = lab.vsw("""
[switch]
control = @SOCK@

[bridge docker0]
subnet = 172.17.0.0/16
gateway = 172.17.0.1
masquerade = uplink

[bridge docker1]
subnet = 172.18.0.0/16
gateway = 172.18.0.1
masquerade = uplink

[port c1]
kind = afpacket
iface = %s
bridge = docker0

[port c3]
kind = afpacket
iface = %s
bridge = docker1

[port uplink]
kind = afpacket
iface = %s
address = 198.51.100.2/24
gateway = 198.51.100.1
""" % (h1, h3, hup))
    lab.names = {"out": out}
    a = udp(c1, 5001)
    b = udp(c3, 5002)
    ext_a = mapping_of(lab, a)
    ext_b = mapping_of(lab, b, 7001)
    b.sendto(b"punch", ext_a)
    end = time.time() + 3
    while not drops(v).get(("c3", "nat_filtered")) and time.time() < end:
        time.sleep(0.05)
    a.sendto(b"hello B", ext_b)
    assert b.recvfrom(100) == (b"hello B", ext_a)
    b.sendto(b"hello A", ext_a)
    assert a.recvfrom(100) == (b"hello A", ext_b)
    # directly, the isolated networks do not meet
    a.sendto(b"direct", ("172.18.0.2", 5002))
    b.settimeout(1)
    with pytest.raises(socket.timeout):
        b.recvfrom(100)
    assert drops(v).get(("c1", "ip_isolated"), 0) >= 1
    v.stop()


def test_rfc4787_req10_no_alg(nat):
    """REQ-10: "NAT ALGs for UDP-based protocols SHOULD be turned off." vsw
    has no ALG: a SIP-like payload naming the inside address and port (as
    text and as bytes) crosses the NAT both ways byte for byte."""
    lab, v = nat
    s = udp(lab.names["c1"], 5060)
    srv = udp(lab.names["out"], 5060, SERVER)
    payload = (b"INVITE sip:bob@203.0.113.10 SIP/2.0\r\n"
               b"Via: SIP/2.0/UDP 172.17.0.2:5060\r\n"
               b"Contact: <sip:alice@172.17.0.2:5060>\r\n\r\n" +
               socket.inet_aton("172.17.0.2") + struct.pack("!H", 5060))
    s.sendto(payload, (SERVER, 5060))
    data, peer = srv.recvfrom(2000)
    assert peer[0] == UPLINK_IP
    assert data == payload
    answer = (b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP %s:%d\r\n\r\n" %
              (peer[0].encode(), peer[1])) + socket.inet_aton(UPLINK_IP)
    srv.sendto(answer, peer)
    assert s.recvfrom(2000) == (answer, (SERVER, 5060))
    v.stop()


def test_rfc4787_req12_port_unreachable_keeps_the_mapping(nat):
    """REQ-12: "Receipt of any sort of ICMP message MUST NOT terminate the
    NAT mapping." (b: ICMP destination unreachable supported.) The
    server's kernel answers a datagram to a closed port with port
    unreachable: it reaches c1's connected socket (ECONNREFUSED), and the
    next datagram, once the port is open, leaves from the same external
    endpoint and its answer comes back. (Every ICMP error type, and errors
    from a router other than the remote, in tests/unit/test_rfc4787.c.)"""
    lab, v = nat
    s = udp(lab.names["c1"], 7300)
    ext = mapping_of(lab, s)
    s.connect((SERVER, 7301))
    s.send(b"nobody there")
    with pytest.raises(ConnectionRefusedError):
        s.recv(100)
    srv = udp(lab.names["out"], 7301, SERVER)
    s.send(b"now open")
    data, seen = srv.recvfrom(100)
    assert (data, seen) == (b"now open", ext)
    srv.sendto(b"answer", seen)
    assert s.recv(100) == b"answer"
    nat_ctr = {r["counter"]: r["value"] for r in v.ctl("show", "nat", as_json=True)["nat"]}
    assert nat_ctr["icmp_errors_translated"] >= 1
    assert nat_ctr["mappings_created"] == 1 and nat_ctr["mappings_freed"] == 0
    v.stop()


def test_rfc4787_req13_fragmentation_needed_and_df(nat):
    """REQ-13: "If the packet received on an internal IP address has DF=1,
    the NAT MUST send back an ICMP message 'Fragmentation needed and DF
    set' to the host" a) "If the packet has DF=0, the NAT MUST fragment the
    packet and SHOULD send the fragments in order." The uplink's MTU is
    1280: a 1400-byte DF datagram gets ICMP 3/4 with MTU 1280 from the
    gateway (the socket's error queue shows it, and the kernel's path MTU
    follows); without DF it leaves in fragments, in order, translated, and
    the server receives it whole."""
    from scapy.all import Ether, IP
    lab, v = nat
    c1, out = lab.names["c1"], lab.names["out"]
    srv = udp(out, 7100, SERVER)
    s = udp(c1, 7100)
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    s.connect((SERVER, 7100))
    s.send(b"d" * 1400)
    err = None
    end = time.time() + 3
    while err is None and time.time() < end:
        try:
            _, anc, _, _ = s.recvmsg(100, 512, MSG_ERRQUEUE | socket.MSG_DONTWAIT)
            err = [d for lvl, typ, d in anc if lvl == socket.IPPROTO_IP]
        except BlockingIOError:
            time.sleep(0.05)
    assert err, "no ICMP error for the DF datagram"
    ee_errno, origin, typ, code, _, info = struct.unpack_from("=IBBBBI", err[0])
    offender = socket.inet_ntoa(err[0][16 + 4:16 + 8])
    assert (ee_errno, origin, typ, code, info) == (errno.EMSGSIZE, 2, 3, 4, 1280)
    assert offender == "172.17.0.1"
    assert s.getsockopt(socket.IPPROTO_IP, IP_MTU) == 1280
    with pytest.raises(OSError) as e:
        s.send(b"d" * 1400)
    assert e.value.errno == errno.EMSGSIZE
    srv.settimeout(0.5)
    with pytest.raises(socket.timeout):
        srv.recvfrom(2000)
    assert drops(v).get(("c1", "ip_frag_needed"), 0) >= 1
    # DF=0 (to the other server: its path MTU is not learnt)
    srv2 = udp(out, 7101, SERVER2)
    cap = sniffer(out)
    u = udp(c1, 7101)
    u.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    blob = bytes(range(256)) * 5 + b"end" * 30       # 1370 bytes
    u.sendto(blob, (SERVER2, 7101))
    data, peer = srv2.recvfrom(2000)
    assert data == blob and peer[0] == UPLINK_IP
    frags = [IP(bytes(Ether(f)[IP])) for f in frames(cap, 0.5)
             if Ether(f).haslayer(IP) and Ether(f)[IP].proto == 17 and
             Ether(f)[IP].src == UPLINK_IP]
    assert len(frags) >= 2, [f.summary() for f in frags]
    assert len({f.id for f in frags}) == 1
    assert all(f.len <= 1280 for f in frags)
    offsets = [f.frag for f in frags]
    assert offsets == sorted(offsets) and offsets[0] == 0, offsets
    assert [f.flags.MF for f in frags] == [1] * (len(frags) - 1) + [0]
    v.stop()


def _out_frames(lab, ext, payloads, ident0, order):
    """Fragmented UDP datagrams from SERVER:7200 to 'ext', as Ethernet
    frames for vsw's uplink, in the order 'order' gives."""
    from scapy.all import Ether, IP, UDP, Raw, fragment
    out = lab.names["out"]
    mac = lab.run(out, "cat /sys/class/net/eth0/address").stdout.strip()
    all_frags = []
    for i, p in enumerate(payloads):
        d = IP(bytes(IP(src=SERVER, dst=ext[0], id=ident0 + i) /
                     UDP(sport=7200, dport=ext[1]) / Raw(p)))
        all_frags.append([bytes(Ether(src=mac, dst=UPLINK_MAC) / f)
                          for f in fragment(d, fragsize=1000)])
    return order(all_frags)


def test_rfc4787_req14_fragments_out_of_order(nat):
    """REQ-14: "A NAT MUST support receiving in-order and out-of-order
    fragments, so it MUST have 'Received Fragment Out of Order' behavior."
    Two 3000-byte datagrams from outside, their fragments reversed and
    interleaved, reach the inside socket whole and checksummed; one more in
    order too. (Golden case nat_fragments does the same both ways frame by
    frame.)"""
    lab, v = nat
    s = udp(lab.names["c1"], 7200)
    ext = mapping_of(lab, s)
    srv = udp(lab.names["out"], 7200, SERVER)      # the session's remote port
    s.sendto(b"open", (SERVER, 7200))
    srv.recvfrom(10)
    blobs = [bytes([i]) * 1500 + bytes(range(256)) * 6 for i in (1, 2, 3)]

    def shuffled(fr):
        a, b = [list(reversed(x)) for x in fr[:2]]
        return [f for pair in zip(a, b) for f in pair] + fr[2]
    tx = ns_socket(lab.names["out"], socket.AF_PACKET, socket.SOCK_RAW)
    tx.bind(("eth0", 0))
    for f in _out_frames(lab, ext, blobs, 900, shuffled):
        tx.send(f)
    got = sorted(s.recvfrom(4000)[0] for _ in blobs)
    assert got == sorted(blobs)
    v.stop()


def test_rfc4787_req14a_fragment_floods_do_not_exhaust(nat):
    """REQ-14a: "A NAT's out-of-order fragment processing mechanism MUST be
    designed so that fleets of fragments cannot exhaust the NAT
    resources." 20000 first fragments that never complete, more than the
    reassembly table holds, at a live mapping: whole datagrams keep
    passing at once, fragmented ones again once the incomplete ones time
    out (2 s), and every mbuf is back at the end."""
    lab, v = nat
    s = udp(lab.names["c1"], 7200)
    ext = mapping_of(lab, s)
    srv = udp(lab.names["out"], 7200, SERVER)
    s.sendto(b"open", (SERVER, 7200))
    srv.recvfrom(10)
    tx = ns_socket(lab.names["out"], socket.AF_PACKET, socket.SOCK_RAW)
    tx.bind(("eth0", 0))
    first = bytearray(_out_frames(lab, ext, [b"f" * 1500], 1, lambda fr: fr[0])[0])
    sent = 0
    for ident in range(1, 20001):
        # the same first fragment under another IP id, header checksum fixed
        struct.pack_into("!H", first, 14 + 4, ident)
        struct.pack_into("!H", first, 14 + 10, 0)
        words = struct.unpack("!10H", first[14:34])
        csum = sum(words)
        csum = (csum & 0xffff) + (csum >> 16)
        csum = (csum & 0xffff) + (csum >> 16)
        struct.pack_into("!H", first, 14 + 10, ~csum & 0xffff)
        try:
            tx.send(first)
            sent += 1
        except OSError:
            pass
    assert sent > 10000
    srv.sendto(b"whole", ext)
    assert s.recvfrom(100) == (b"whole", (SERVER, 7200))
    # nobody ran short of mbufs meanwhile (the held fragments are capped),
    # and what the reassembly could not hold is counted
    d = drops(v)
    assert not [k for k in d if k[1] == "rx_nombuf"], d
    rx = v.port_stats()["uplink"]["rx"]
    assert rx > 10000
    assert d.get(("uplink", "ip_frag"), 0) >= rx - 1000, (rx, d)
    time.sleep(2.5)
    blob = b"after" * 600
    for f in _out_frames(lab, ext, [blob], 30000, lambda fr: fr[0]):
        tx.send(f)
    s.settimeout(3)
    assert s.recvfrom(4000)[0] == blob
    v.stop()            # asserts every mbuf back in its pool
