# SPDX-License-Identifier: BSD-3-Clause
"""RFC 7857 (updates to the NAT behavioural requirements), end to end.

What needs the router: ICMP through a hairpin and a TCP connection
reopened on its closed tuple. The table's own clarifications
(protocol-dependent EIM and EIF, outbound ICMP errors that do not refresh,
paired pooling out of ports, RST, port randomization, ICMP query mappings)
are in tests/unit/test_rfc4787.c.
"""
import socket
import time

import pytest
from test_rfc4787 import LAB, SERVER, UPLINK_IP, drops, mapping_of, ns_socket, udp


@pytest.fixture
def nat(lab):
    c1, h1 = lab.container("c1", "172.17.0.2/16", gw="172.17.0.1")
    c2, h2 = lab.container("c2", "172.17.0.3/16", gw="172.17.0.1")
    out, hup = lab.container("out", "198.51.100.1/24")
    lab.run(out, "ip addr add %s/32 dev lo" % SERVER)
    v = lab.vsw(LAB.format(c1=h1, c2=h2, up=hup))
    lab.names = {"c1": c1, "c2": c2, "out": out}
    return lab, v


def test_rfc7857_icmp_hairpinning(nat):
    """RFC 7857 section 13 (updating RFC 5508 REQ-7): NAPT devices "SHOULD
    support the traversal of hairpinned ICMP Query sessions", and "All NAT
    devices ... MUST support the traversal of hairpinned ICMP Error
    messages." A reaches B's dynamic UDP mapping through the external
    address; B's port is then closed, and B's port unreachable (sent to
    A's external endpoint) comes back through the hairpin to A, whose
    connected socket reports the refusal. An echo request to the external
    address is answered (by vsw: it is vsw's own address; an ICMP query
    mapping is never opened from outside, so there is no other query to
    hairpin)."""
    lab, v = nat
    a = udp(lab.names["c1"], 5001)
    b = udp(lab.names["c2"], 5002)
    ext_a = mapping_of(lab, a)
    ext_b = mapping_of(lab, b, 7001)
    b.sendto(b"punch", ext_a)           # B's side open (filtered at A's)
    end = time.time() + 3
    while not drops(v).get(("c2", "nat_filtered")) and time.time() < end:
        time.sleep(0.05)
    assert drops(v).get(("c2", "nat_filtered")) == 1
    a.connect(ext_b)
    a.send(b"to B")
    assert b.recvfrom(100) == (b"to B", ext_a)
    errors = {r["counter"]: r["value"]
              for r in v.ctl("show", "nat", as_json=True)["nat"]}["icmp_errors_translated"]
    b.close()                           # B's kernel answers port unreachable now
    a.send(b"to nobody")
    a.settimeout(3)
    with pytest.raises(ConnectionRefusedError):
        a.recv(100)
    nat_ctr = {r["counter"]: r["value"] for r in v.ctl("show", "nat", as_json=True)["nat"]}
    assert nat_ctr["icmp_errors_translated"] >= errors + 2   # out of B, into A
    assert not drops(v).get(("c2", "nat_icmp_unknown"))
    # ICMP query to the external address
    r = lab.run(lab.names["c1"], "ping -c 2 -i 0.2 -W 2 %s" % UPLINK_IP)
    assert "2 received" in r.stdout, r.stdout
    v.stop()


def session_states(v):
    return {s["state"] for s in v.ctl("show", "sessions", as_json=True)["sessions"]
            if s["remote"] == "%s:8000" % SERVER}


def test_rfc7857_syn_reuse_after_close(nat):
    """RFC 7857 section 3: "The TCP state machine depicted in Figure 1,
    adapted from [RFC6146], SHOULD be implemented by a NAT for TCP session
    tracking purposes" (a closed session is opened again by a SYN). A
    connection from c1's port 40100 is closed (FIN both ways, the server
    first, so the client's tuple is free at once) and opened again on the
    same tuple while vsw's session is still closing: the new SYN reopens it
    (established again, not left closing) on the same external port and the
    data passes."""
    lab, v = nat
    ls = ns_socket(lab.names["out"], kind=socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((SERVER, 8000))
    ls.listen(2)
    ls.settimeout(5)
    seen = []
    for n in range(2):
        c = ns_socket(lab.names["c1"], kind=socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.settimeout(5)
        c.bind(("0.0.0.0", 40100))
        c.connect((SERVER, 8000))
        conn, peer = ls.accept()
        seen.append(peer)
        c.sendall(b"round %d" % n)
        assert conn.recv(100) == b"round %d" % n
        assert session_states(v) == {"established"}
        conn.close()                    # the server closes first
        assert c.recv(100) == b""
        c.close()
        time.sleep(0.3)
        assert session_states(v) == {"closing"}
    assert seen[0] == seen[1] == (UPLINK_IP, 40100), seen
    ls.close()
    v.stop()


def test_rfc7857_tcp_transitory_timeout(nat):
    """RFC 7857 section 3.1: "a minimum default transitory connection
    idle-timeout of 4 minutes is RECOMMENDED" (and a NAT SHOULD have
    separate open and closing timeouts: vsw has one, nat_timeout_tcp_
    transitory, for both). From a topology that sets no timeout, vsw
    reports 240 s; the unit test test_rfc7857_tcp_rst_translated_and_held
    shows the 240 s at work after an RST."""
    lab, v = nat
    text = v.ctl("show", "nat").stdout
    assert "tcp transitory 240 s" in text, text
    assert "udp 300 s" in text, text
    v.stop()
