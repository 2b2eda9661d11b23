# SPDX-License-Identifier: BSD-3-Clause
"""RFC 5382 (NAT behavioural requirements for TCP), one test per requirement.

Most replay a golden case (tests/pcap/rfc5382_*, virtual time); the rest
use real sockets and ports vsw chose at random in namespaces.

Not tested, because it does not apply:
  REQ-3b "The filtering behavior for TCP MAY be independent of the filtering
  behavior for UDP": a MAY that vsw does not take; one nat_filtering applies
  to TCP, UDP and ICMP alike.
"""
import socket  # noqa: F401  (the scripts below run in namespaces)
import time

from natrfc import S1, S2, UPLINK_IP, capture, drops, nat_lab, replay, scapy_send  # noqa: F401


def test_rfc5382_req1_endpoint_independent_mapping(tmp_path):
    """REQ-1: A NAT MUST have an "Endpoint-Independent Mapping" behavior for TCP
    (two external ports, one taken: c1 keeps the other one to every host)."""
    replay("rfc5382_req1_tcp_eim", tmp_path)


def test_rfc5382_req1_endpoint_independent_mapping_random_port(nat_lab):
    """REQ-1: A NAT MUST have an "Endpoint-Independent Mapping" behavior for TCP
    (a port vsw picked at random: the same to two destinations)."""
    lab, v = nat_lab
    c1, c2, out = lab.names["c1"], lab.names["c2"], lab.names["out"]
    stop = capture(lab, out, "tcp[13] & 2 != 0 and dst port 9", "eim.pcap")
    # c2 takes 33333 first, so c1's 33333 needs another, random, port
    scapy_send(lab, c2, ["IP(dst='%s')/TCP(sport=33333, dport=9, flags='S', seq=1)" % S1])
    scapy_send(lab, c1, ["IP(dst='%s')/TCP(sport=33333, dport=9, flags='S', seq=2)" % d
                         for d in (S1, S2, S1)])
    from scapy.all import IP, TCP
    syns = [p for p in stop(want=4) if TCP in p and p[TCP].flags == "S"]
    assert [p[TCP].seq for p in syns] == [1, 2, 2, 2], [p.summary() for p in syns]
    assert {p[IP].src for p in syns} == {UPLINK_IP}
    assert syns[0][TCP].sport == 33333
    ports = {p[TCP].sport for p in syns[1:]}
    assert len(ports) == 1 and 33333 not in ports, ports
    assert {p[IP].dst for p in syns[1:]} == {S1, S2}
    v.stop()


def test_rfc5382_req2_simultaneous_open(tmp_path):
    """REQ-2: A NAT MUST support all valid sequences of TCP packets ... a) A NAT
    MUST handle the TCP simultaneous-open mode of connection initiation."""
    replay("rfc5382_req2_simultaneous_open", tmp_path)


SIMOPEN = """
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(15)
s.connect((sys.argv[3], int(sys.argv[4])))
s.sendall(sys.argv[5].encode())
print(s.recv(100).decode(), flush=True)
time.sleep(0.5)
"""


def test_rfc5382_req2_simultaneous_open_sockets(nat_lab):
    """REQ-2a: A NAT MUST handle the TCP simultaneous-open mode of connection
    initiation (two real sockets connect() to each other, neither listens)."""
    lab, v = nat_lab
    c1, out = lab.names["c1"], lab.names["out"]
    script = lab.tmp / "simopen.py"
    script.write_text(SIMOPEN)
    # the outside SYN first (to c1's port-preserved mapping), c1's half a
    # second later: the crossing SYNs open the connection
    far = lab.spawn(out, "/usr/bin/python3 %s %s 5000 %s 40000 from-out" % (script, S1, UPLINK_IP))
    time.sleep(0.5)
    near = lab.spawn(c1, "/usr/bin/python3 %s 0.0.0.0 40000 %s 5000 from-c1" % (script, S1))
    o1, e1 = near.communicate(timeout=20)
    o2, e2 = far.communicate(timeout=20)
    assert near.returncode == 0 and o1.strip() == "from-out", (o1, e1)
    assert far.returncode == 0 and o2.strip() == "from-c1", (o2, e2)
    sessions = v.ctl("show", "sessions", as_json=True)["sessions"]
    assert any(s["inside"] == "172.17.0.2:40000" and s["remote"] == "%s:5000" % S1
               for s in sessions), sessions
    v.stop()


def test_rfc5382_req3_endpoint_independent_filtering(tmp_path):
    """REQ-3: If application transparency is most important, it is RECOMMENDED
    that a NAT have an "Endpoint-Independent Filtering" behavior for TCP
    (a) configurable: nat_filtering = endpoint-independent)."""
    replay("rfc5382_req3_eif", tmp_path)


def test_rfc5382_req3_address_dependent_filtering(tmp_path):
    """REQ-3: If a more stringent filtering behavior is most important, it is
    RECOMMENDED that a NAT have an "Address-Dependent Filtering" behavior
    (a) configurable: nat_filtering = address-dependent)."""
    replay("rfc5382_req3_adf", tmp_path)


def test_rfc5382_req4_unsolicited_syn_held_6s(tmp_path):
    """REQ-4: A NAT MUST NOT respond to an unsolicited inbound SYN packet for at
    least 6 seconds ... if it translates an outbound SYN for the connection it
    MUST silently drop the original SYN ... Otherwise, the NAT SHOULD send an
    ICMP Port Unreachable error (Type 3, Code 3) for the original SYN."""
    replay("rfc5382_req4_syn_hold", tmp_path)


def test_rfc5382_req4_syn_hold_is_bounded(tmp_path):
    """REQ-4 (as vsw keeps it bounded): 64 SYNs are held at a time, the next is
    dropped silently (nat_syn_hold_full), every held one answered after 6 s."""
    replay("rfc5382_req4_syn_hold_cap", tmp_path)


REFUSED = """
import socket, sys, time
s = socket.socket()
s.settimeout(20)
t = time.monotonic()
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("connected")
except OSError as e:
    print(type(e).__name__, round(time.monotonic() - t, 2))
"""


def test_rfc5382_req4_connection_refused_after_6s(nat_lab):
    """REQ-4: A NAT MUST NOT respond to an unsolicited inbound SYN packet for at
    least 6 seconds ... the NAT SHOULD send an ICMP Port Unreachable error
    (a real client's connect() to an unmapped port is refused after 6 s)."""
    lab, v = nat_lab
    out = lab.names["out"]
    script = lab.tmp / "refused.py"
    script.write_text(REFUSED)
    r = lab.run(out, "/usr/bin/python3 %s %s 40123" % (script, UPLINK_IP), timeout=30)
    what, secs = r.stdout.split()
    assert what == "ConnectionRefusedError", r.stdout
    assert 6.0 <= float(secs) < 9.0, r.stdout
    assert drops(v).get(("uplink", "nat_no_mapping"), 0) >= 1
    v.stop()


def test_rfc5382_req5_established_idle_timeout(tmp_path):
    """REQ-5: the value of the "established connection idle-timeout" MUST NOT be
    less than 2 hours 4 minutes (the default 7440 s, by virtual time)."""
    replay("rfc5382_req5_established_timeout", tmp_path)


def test_rfc5382_req5_transitory_idle_timeout(tmp_path):
    """REQ-5: The value of the "transitory connection idle-timeout" MUST NOT be
    less than 4 minutes (the default 240 s, opening and closing)."""
    replay("rfc5382_req5_transitory_timeout", tmp_path)


def test_rfc5382_req6_no_alg_by_default(tmp_path):
    """REQ-6: If a NAT includes ALGs that affect TCP, it is RECOMMENDED that all
    of those ALGs (except for FTP) be disabled by default (vsw has none: FTP
    PORT/PASV pass unchanged and open nothing)."""
    replay("rfc5382_req6_no_alg", tmp_path)


def test_rfc5382_req7_no_port_overloading(tmp_path):
    """REQ-7: A NAT MUST NOT have a "Port assignment" behavior of "Port
    overloading" for TCP."""
    replay("rfc5382_req7_no_port_overloading", tmp_path)


def test_rfc5382_req8_tcp_hairpinning(tmp_path):
    """REQ-8: A NAT MUST support "hairpinning" for TCP. a) A NAT's hairpinning
    behavior MUST be of type "External source IP address and port"."""
    replay("rfc5382_req8_tcp_hairpin", tmp_path)


def test_rfc5382_req9_icmp_unreachable_translated(tmp_path):
    """REQ-9: If a NAT translates TCP, it SHOULD translate ICMP Destination
    Unreachable (Type 3) messages."""
    replay("rfc5382_req9_icmp_unreachable", tmp_path)


def test_rfc5382_req10_icmp_does_not_end_tcp(tmp_path):
    """REQ-10: Receipt of any sort of ICMP message MUST NOT terminate the NAT
    mapping or TCP connection for which the ICMP was generated."""
    replay("rfc5382_req10_icmp_keeps_tcp", tmp_path)
