# SPDX-License-Identifier: BSD-3-Clause
"""RFC 5508 (NAT behavioural requirements for ICMP), one test per requirement.

Most replay a golden case (tests/pcap/rfc5508_*, virtual time); REQ-1a
also runs in namespaces, where the identifier is one vsw chose at random.
Every golden case compares frames byte for byte, so every checksum (outer
IP, ICMP, the embedded IP header and its transport checksum) is checked.

Not tested, because they do not apply:
  REQ-3d "If the ICMP Error payload contains ICMP extensions, the NAT device
  MUST exclude the optional zero-padding and the ICMP extensions when
  evaluating transport checksum for the embedded packet": vsw never
  evaluates the embedded transport checksum (REQ-3c); it only updates it
  for what it rewrites, so padding and extensions never enter it.
  REQ-7 (first half) "NAT devices enforcing Basic NAT MUST support the
  traversal of hairpinned ICMP Query sessions": vsw is a NAPT, not Basic
  NAT; the half for every NAT (hairpinned errors) is tested.
  REQ-9 "A NAT device MAY implement a policy control that prevents ICMP
  messages being generated toward certain interface(s)": a MAY that vsw
  does not take (it has the rate limit and nat_full_icmp only).
"""
from natrfc import S1, S2, UPLINK_IP, capture, nat_lab, replay, scapy_send  # noqa: F401


def test_rfc5508_req1_icmp_query_passes(tmp_path):
    """REQ-1: a NAT device MUST permit ICMP Queries and their associated
    responses, when the Query is initiated from a private host to the
    external hosts."""
    replay("rfc5508_req1_icmp_query", tmp_path)


def test_rfc5508_req1a_identifier_mapping_endpoint_independent(nat_lab):
    """REQ-1a: NAT mapping of ICMP Query Identifiers SHOULD be external host
    independent (an identifier vsw picked at random: the same to two hosts)."""
    lab, v = nat_lab
    c1, c2, out = lab.names["c1"], lab.names["c2"], lab.names["out"]
    stop = capture(lab, out, "icmp[0] == 8", "icmp.pcap")
    # c2 takes identifier 4242 first: c1's 4242 needs another, random, one
    scapy_send(lab, c2, ["IP(dst='%s')/ICMP(id=4242, seq=1)" % S1])
    scapy_send(lab, c1, ["IP(dst='%s')/ICMP(id=4242, seq=2)" % d for d in (S1, S2, S1)])
    from scapy.all import ICMP, IP
    echoes = [p for p in stop(want=4) if ICMP in p and p[ICMP].type == 8]
    assert [p[ICMP].seq for p in echoes] == [1, 2, 2, 2], [p.summary() for p in echoes]
    assert {p[IP].src for p in echoes} == {UPLINK_IP}
    assert echoes[0][ICMP].id == 4242
    ids = {p[ICMP].id for p in echoes[1:]}
    assert len(ids) == 1 and 4242 not in ids, ids
    assert {p[IP].dst for p in echoes[1:]} == {S1, S2}
    v.stop()


def test_rfc5508_req2_query_timeout_60s(tmp_path):
    """REQ-2: An ICMP Query session timer MUST NOT expire in less than 60
    seconds (a: configurable, nat_timeout_icmp; default 60)."""
    replay("rfc5508_req2_query_timeout", tmp_path)


def test_rfc5508_req3_error_checksums_options_and_quote(tmp_path):
    """REQ-3: if the ICMP checksum fails to validate, the NAT SHOULD silently
    drop the ICMP Error packet; a) bad embedded IP checksum: SHOULD drop;
    b) MUST traverse past the IP options of the embedded packet; c) SHOULD
    NOT validate the transport checksum of the embedded packet."""
    replay("rfc5508_req3_error_checks", tmp_path)


def test_rfc5508_req4_error_from_outside(tmp_path):
    """REQ-4: an ICMP Error from the external realm with no active mapping
    SHOULD be silently dropped; with one: a) revert the embedded packet,
    b) leave type and code unchanged, c) outer destination = embedded
    source after translation."""
    replay("rfc5508_req4_error_from_outside", tmp_path)


def test_rfc5508_req5_error_from_inside(tmp_path):
    """REQ-5: an ICMP Error from the private realm with no active mapping
    SHOULD be silently dropped; with one: a) revert the embedded packet,
    b) leave type and code unchanged, c) translate the outer source to the
    NAT's own public address."""
    replay("rfc5508_req5_error_from_inside", tmp_path)


def test_rfc5508_req6_error_does_not_refresh(tmp_path):
    """REQ-6: While processing an ICMP Error packet pertaining to an ICMP Query
    or Non-QueryError session, a NAT device MUST NOT refresh or delete the
    NAT Session that pertains to the embedded payload."""
    replay("rfc5508_req6_error_no_refresh", tmp_path)


def test_rfc5508_req7_hairpinned_error(tmp_path):
    """REQ-7: All NAT devices MUST support the traversal of hairpinned ICMP
    Error messages. a) the outer destination MUST be the source of the
    embedded packet after translation."""
    replay("rfc5508_req7_hairpin_error", tmp_path)


def test_rfc5508_req8_no_room_icmp_3_13(tmp_path):
    """REQ-8: When a NAT device is unable to establish a NAT Session for a new
    flow due to resource constraints, it SHOULD send an ICMP destination
    unreachable, code 13, to the sender and drop the packet (with
    nat_full_icmp = yes)."""
    replay("rfc5508_req8_no_room_icmp", tmp_path)


def test_rfc5508_req10_icmp_support(tmp_path):
    """REQ-10: a NAT device needs to support ICMP messages as in RFC 1812
    section 4.3 (echo, destination unreachable, time exceeded, parameter
    problem; no source quench or redirect through NAT)."""
    replay("rfc5508_req10_icmp_support", tmp_path)


def test_rfc5508_req11_non_query_error_dropped(tmp_path):
    """REQ-11: A NAT MAY drop or appropriately handle Non-QueryError ICMP
    messages (router solicitation and advertisement: dropped)."""
    replay("rfc5508_req11_non_query_error", tmp_path)
