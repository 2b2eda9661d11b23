# SPDX-License-Identifier: BSD-3-Clause
"""The name service at each network's gateway (switch/dns.c, dns/names.c):
namespaces connected with vswctl connect resolve each other by name and
alias (dig, from bind9-dnsutils), scoped to their network, several
endpoints under one alias in rotation, PTR, static names (vswctl name),
other names forwarded to an upstream resolver in the "outside" namespace
(dnsmasq), SERVFAIL when it is dead while forwarding between containers
goes on, malformed queries dropped and counted, dns = no, and the names
across a restart (state file)."""
import json
import shutil
import signal
import socket
import struct
import subprocess
import time

import pytest
from conftest import OUTSIDE, sh

pytestmark = pytest.mark.skipif(shutil.which("dig") is None or shutil.which("dnsmasq") is None,
                                reason="dig (bind9-dnsutils) or dnsmasq (dnsmasq-base) missing")

SERVER = "203.0.113.10"
# forwarded queries leave from the outside namespace itself (dns_netns):
# vsw never sends to a resolver of the machine's
LAB = """
[switch]
control = @SOCK@
dns_upstream = %s
dns_netns = {out}

[bridge net1]
subnet = 10.60.0.0/24
gateway = 10.60.0.1
masquerade = uplink

[bridge net2]
subnet = 10.61.0.0/24
gateway = 10.61.0.1
masquerade = uplink
host = legacy 10.61.0.200

[port uplink]
kind = afpacket
iface = {up}
address = 198.51.100.2/24
gateway = 198.51.100.1
""" % OUTSIDE


def dig(lab, ns, name, server, *opts, qtype="A"):
    """dig's answer: (status, [answer data...], flags)."""
    out = lab.run(ns, "dig +tries=1 +time=2 -t %s @%s %s %s" % (qtype, server, name,
                                                              " ".join(opts)),
                  check=False).stdout
    status = None
    answers = []
    flags = ""
    section = None
    for line in out.splitlines():
        if "status:" in line:
            status = line.split("status:")[1].split(",")[0].strip()
            flags = line
        if line.startswith(";; flags:"):
            flags = line
        if line.startswith(";; ANSWER SECTION"):
            section = "answer"
            continue
        if line.startswith(";;") or not line.strip():
            if section == "answer" and not line.strip():
                section = None
            continue
        if section == "answer":
            parts = line.split()
            if len(parts) >= 5:
                answers.append(parts[4])
    return status, answers, flags


def outside_lab(lab, names=(("outside.example", SERVER),)):
    out, hup = lab.container("out", "198.51.100.1/24")
    lab.run(out, "ip addr add %s/32 dev lo" % SERVER)
    args = " ".join("--address=/%s/%s" % n for n in names)
    dm = lab.spawn(out, "dnsmasq --keep-in-foreground --no-hosts --no-resolv "
                   "--listen-address=%s --bind-interfaces --port=53 --pid-file= "
                   "--log-facility=- %s" % (OUTSIDE, args))
    deadline = time.time() + 5
    while time.time() < deadline:
        if dig(lab, out, "outside.example", OUTSIDE)[1] == [SERVER]:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("dnsmasq does not answer:\n%s" % dm.stderr.read()
                             if dm.poll() is not None else "dnsmasq does not answer")
    return out, hup, dm


def endpoint(v, *args):
    return v.ctl("connect", *args, as_json=True)["endpoint"][0]


def ip_of(ep):
    return ep["ip"].split("/")[0]


def dns_counters(v):
    return {c["counter"]: c["value"] for c in v.ctl("show", "dns", as_json=True)["dns"]}


def test_names_scoped_rotated_static_and_forwarded(lab):
    out, hup, _ = outside_lab(lab)
    v = lab.vsw(LAB.format(up=hup, out=out))
    a, b, c, d = (lab.netns(x) for x in "abcd")
    ea = endpoint(v, "net1", "--netns", a, "--name", "web", "--alias", "www", "--alias", "svc")
    eb = endpoint(v, "net1", "--netns", b, "--name", "db", "--alias", "svc")
    ec = endpoint(v, "net2", "--netns", c, "--name", "other")
    endpoint(v, "net2", "--netns", d, "--name", "web")   # the same name, another network
    gw1, gw2 = "10.60.0.1", "10.61.0.1"

    # names and aliases, bare, under the network's domain, any case
    for name in ("web", "web.net1", "WeB.Net1.", "www"):
        status, ans, flags = dig(lab, b, name, gw1)
        assert status == "NOERROR" and ans == [ip_of(ea)], (name, status, ans)
        assert " aa" in flags, flags
    assert dig(lab, a, "db", gw1)[1] == [ip_of(eb)]
    # scoped: net1 does not answer net2's names, and the other way
    assert dig(lab, c, "web", gw2)[1] != [ip_of(ea)]
    status, ans, _ = dig(lab, a, "other", gw1)
    assert ip_of(ec) not in ans, ans
    status, ans, _ = dig(lab, a, "other.net1", gw1)
    assert status == "NXDOMAIN" and ans == [], (status, ans)
    assert dig(lab, c, "other", gw2)[1] == [ip_of(ec)]
    # a network's gateway answers its own network only: net2's gateway
    # asked from net1 does not answer at all
    assert dig(lab, a, "other", gw2)[0] is None
    # an alias of two endpoints: both, in rotation
    firsts = set()
    for _ in range(4):
        status, ans, _ = dig(lab, a, "svc", gw1)
        assert sorted(ans) == sorted([ip_of(ea), ip_of(eb)]), ans
        firsts.add(ans[0])
    assert len(firsts) == 2, firsts
    # PTR
    status, ans, _ = dig(lab, b, "-x %s" % ip_of(ea), gw1, qtype="PTR")
    assert status == "NOERROR" and ans == ["web.net1."], (status, ans)
    # no AAAA for an endpoint without IPv6: NOERROR, no data
    status, ans, _ = dig(lab, b, "web", gw1, qtype="AAAA")
    assert status == "NOERROR" and ans == [], (status, ans)

    # static names: from the file, and at run time (v4 and v6)
    assert dig(lab, c, "legacy", gw2)[1] == ["10.61.0.200"]
    v.ctl("name", "add", "net1", "printer", "10.60.0.250")
    v.ctl("name", "add", "net1", "printer", "2001:db8::250")
    v.ctl("name", "add", "net1", "printer", "10.60.0.250")   # again: OK
    assert dig(lab, a, "printer", gw1)[1] == ["10.60.0.250"]
    assert dig(lab, a, "printer", gw1, qtype="AAAA")[1] == ["2001:db8::250"]
    names = v.ctl("name", "ls", "net1", as_json=True)["names"]
    kinds = {(n["name"], n["address"], n["kind"]) for n in names}
    assert ("web", ip_of(ea), "name") in kinds and ("svc", ip_of(eb), "alias") in kinds
    assert ("printer", "2001:db8::250", "static") in kinds
    assert all(n["network"] == "net1" for n in names)
    v.ctl("name", "del", "net1", "printer", "2001:db8::250")
    assert dig(lab, a, "printer", gw1, qtype="AAAA")[1] == []
    v.ctl("name", "del", "net1", "printer")
    assert dig(lab, a, "printer.net1", gw1)[0] == "NXDOMAIN"
    for args, why in ((("name", "add", "net1", "bad name!", "10.60.0.9"), "name"),
                      (("name", "add", "net1", "x", "10.60.0.999"), "address"),
                      (("name", "add", "nosuch", "x", "10.60.0.9"), "no network"),
                      (("name", "del", "net1", "web"), "no static name"),
                      (("name", "add", "net1"), "usage")):
        r = v.ctl(*args, check=False)
        assert r.returncode != 0 and why in r.stdout + r.stderr, (args, r.stdout, r.stderr)

    # anything else goes upstream
    status, ans, _ = dig(lab, a, "outside.example", gw1)
    assert status == "NOERROR" and ans == [SERVER], (status, ans)
    # names follow the endpoints
    v.ctl("disconnect", "net1", "--name", "db")
    status, ans, _ = dig(lab, a, "db.net1", gw1)
    assert status == "NXDOMAIN", (status, ans)
    assert dig(lab, a, "svc", gw1)[1] == [ip_of(ea)]
    n = dns_counters(v)
    assert n["answered"] >= 15 and n["nxdomain"] >= 3 and n["forwarded"] >= 2, n
    assert n["upstream_answers"] >= 2 and n["malformed"] == 0 and n["servfail"] == 0, n
    nets = {x["network"]: x for x in v.ctl("network", "ls", as_json=True)["networks"]}
    assert nets["net1"]["dns"] == "yes"
    v.stop()


def test_upstream_dead_servfail_and_forwarding_unharmed(lab):
    out, hup, dm = outside_lab(lab)
    v = lab.vsw(LAB.format(up=hup, out=out))
    a, b = lab.netns("a"), lab.netns("b")
    endpoint(v, "net1", "--netns", a, "--name", "a")
    eb = endpoint(v, "net1", "--netns", b, "--name", "b")
    dm.kill()
    dm.wait()
    t0 = time.time()
    status, ans, _ = dig(lab, a, "outside.example", "10.60.0.1", "+time=5")
    took = time.time() - t0
    assert status == "SERVFAIL" and ans == [], (status, ans)
    assert 1.5 <= took <= 4.5, took     # two tries of 1 s, then SERVFAIL
    # local names are still answered at once
    assert dig(lab, a, "b", "10.60.0.1")[1] == [ip_of(eb)]
    # a flood of queries no upstream answers, while a and b talk: the
    # worker never waits for the name service
    flood = lab.spawn(a, "sh -c 'for i in $(seq 600); do "
                      "dig +tries=1 +time=1 @10.60.0.1 n$i.example >/dev/null & "
                      "done; wait'")
    ping = lab.run(a, "ping -c 200 -i 0.01 -W 1 %s" % ip_of(eb), timeout=60)
    assert " 0% packet loss" in ping.stdout, ping.stdout
    srv = lab.spawn(b, "sh -c 'head -c 2000000 /dev/zero | nc -l -N -q 1 0.0.0.0 5001'")
    time.sleep(0.3)
    got = lab.run(a, "sh -c 'nc -w 5 %s 5001 </dev/null | wc -c'" % ip_of(eb), timeout=30)
    assert got.stdout.strip() == "2000000", got.stdout
    srv.wait(timeout=10)
    flood.wait(timeout=60)
    deadline = time.time() + 5
    while time.time() < deadline:
        n = dns_counters(v)
        if n["servfail"] + n["inflight_full"] >= 600 and \
                v.ctl("show", "dns", as_json=True)["dns"][0]["value"] == 0:
            break
        time.sleep(0.2)
    assert n["servfail"] >= 1 and n["servfail"] + n["inflight_full"] >= 600, n
    assert n["retried"] >= 1, n
    v.stop()


def raw_query(qid, name, qtype=1, flags=0x0100, counts=(1, 0, 0, 0)):
    q = struct.pack("!HHHHHH", qid, flags, *counts)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", qtype, 1)


def test_malformed_queries_dropped_and_counted(lab):
    out, hup, _ = outside_lab(lab)
    v = lab.vsw(LAB.format(up=hup, out=out))
    a = lab.netns("a")
    endpoint(v, "net1", "--netns", a, "--name", "a")
    bad = [
        b"\x12\x34\x01\x00\x00\x01",                                   # short header
        raw_query(1, "a")[:15],                                          # question cut
        struct.pack("!HHHHHH", 2, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01",  # pointer loop
        raw_query(3, "a", counts=(65535, 0, 0, 0)),                      # huge count
        raw_query(4, "a", flags=0x8180),                                 # a response
        raw_query(5, "a", counts=(1, 3, 0, 0)),                          # answers in a query
        raw_query(6, "x" * 70),                                          # label > 63
    ]
    script = ("import socket,sys\n"
              "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
              "for h in sys.argv[1:]: s.sendto(bytes.fromhex(h),('10.60.0.1',53))\n"
              "s.settimeout(1)\n"
              "try:\n print(len(s.recv(2048)))\n"
              "except socket.timeout:\n print('none')\n")
    (lab.tmp / "send.py").write_text(script)
    got = lab.run(a, "/usr/bin/python3 %s %s" % (lab.tmp / "send.py",
                                                  " ".join(x.hex() for x in bad))).stdout
    assert got.strip() == "none", got     # nothing answered
    deadline = time.time() + 3
    while dns_counters(v)["malformed"] < len(bad) and time.time() < deadline:
        time.sleep(0.1)
    n = dns_counters(v)
    assert n["malformed"] == len(bad), n
    # and it still answers
    assert dig(lab, a, "a", "10.60.0.1")[1] == [endpoint(v, "net1", "--netns", a, "--name",
                                                         "a")["ip"].split("/")[0]]
    v.stop()


def test_dns_off_and_names_across_restart(lab):
    out, hup, _ = outside_lab(lab)
    ini = LAB.format(up=hup, out=out)
    v = lab.vsw(ini, name="st")
    v.ctl("network", "create", "quiet", "--subnet", "10.62.0.0/24", "--dns", "no")
    v.ctl("network", "create", "quiet", "--subnet", "10.62.0.0/24", "--dns", "no")  # again: OK
    r = v.ctl("network", "create", "quiet", "--subnet", "10.62.0.0/24", "--dns", "yes",
              check=False)
    assert r.returncode != 0 and "dns" in r.stdout + r.stderr, r.stdout
    r = v.ctl("network", "create", "q2", "--dns", "maybe", check=False)
    assert r.returncode != 0 and "yes or no" in r.stdout + r.stderr, r.stdout
    q, a = lab.netns("q"), lab.netns("a")
    endpoint(v, "quiet", "--netns", q, "--name", "q")
    ea = endpoint(v, "net1", "--netns", a, "--name", "keep")
    nets = {x["network"]: x for x in v.ctl("network", "ls", as_json=True)["networks"]}
    assert nets["quiet"]["dns"] == "no" and nets["net1"]["dns"] == "yes"
    assert dig(lab, q, "q", "10.62.0.1")[0] is None     # nothing listens
    drops = v.ctl("show", "stats", as_json=True)
    assert any(d["reason"] == "ip_local" and d["count"] > 0 for d in drops["drops"]), drops
    # a static name of a network made at run time is kept in the state
    # file with it (one of a network the file names is the file's: host =)
    v.ctl("network", "create", "rt", "--subnet", "10.63.0.0/24")
    v.ctl("name", "add", "rt", "static1", "10.63.0.77")
    r = lab.netns("r")
    endpoint(v, "rt", "--netns", r)
    state = (v.dir / "ctl.state").read_text()
    assert "host = static1 10.63.0.77" in state and "dns = no" in state, state
    v.proc.send_signal(signal.SIGKILL)
    v.proc.wait()
    v2 = lab.vsw(ini, name="st")
    assert dig(lab, r, "static1", "10.63.0.1")[1] == ["10.63.0.77"]
    assert dig(lab, a, "keep", "10.60.0.1")[1] == [ip_of(ea)]
    assert dig(lab, q, "q", "10.62.0.1")[0] is None
    v2.stop()
