# SPDX-License-Identifier: BSD-3-Clause
"""Routed networks at run time: `vswctl network create` with a subnet, a
gateway and masquerade while vsw runs, TCP through NAT from a namespace
attached to it, removal that takes only its own sessions, internal
networks, subnets picked from the pool, prune, and refused commands."""
import os
import signal
import time

UPLINK = """
[switch]
control = @SOCK@
subnet_pool = 10.77.0.0/16:24

[bridge filenet]
subnet = 10.77.0.0/24
gateway = 10.77.0.1
masquerade = uplink

[port f1]
kind = afpacket
iface = {f1}
bridge = filenet

[port uplink]
kind = afpacket
iface = {up}
address = 198.51.100.2/24
gateway = 198.51.100.1

[route lab]
prefix = 10.77.1.0/24
via = 198.51.100.1
port = uplink
"""
SERVER = "203.0.113.10"


class Stream:
    """A TCP stream through vsw: 'writes' writes of 4 KiB, 'gap' s apart,
    from namespace 'src' to SERVER:port, where nc in namespace 'dst' (which
    holds SERVER) writes it to a file; done() checks it came whole."""

    def __init__(self, lab, src, dst, port, writes=150, gap=0.02, server=None):
        server = server or SERVER
        self.writes = writes
        script = lab.tmp / ("stream-%d.py" % port)
        script.write_text(
            "import socket,sys,time\n"
            "s=socket.create_connection((sys.argv[1],%d))\n"
            "for i in range(%d):\n"
            "    s.sendall(b'x'*4096); time.sleep(%r)\n"
            "s.shutdown(socket.SHUT_WR); s.recv(1)\n" % (port, writes, gap))
        self.rx = lab.tmp / ("stream-%d.bin" % port)
        self.srv = lab.spawn(dst, "sh -c 'nc -l -N %s %d > %s'" % (server, port, self.rx))
        time.sleep(0.3)
        self.cl = lab.spawn(src, "/usr/bin/python3 %s %s" % (script, server))

    def done(self):
        assert self.cl.wait(timeout=30) == 0
        self.srv.wait(timeout=30)
        assert self.rx.stat().st_size == self.writes * 4096


def refused(v, *args):
    r = v.ctl(*args, check=False)
    assert r.returncode != 0, "accepted: %s\n%s" % (" ".join(args), r.stdout)
    return r.stdout + r.stderr


def networks(v):
    return {n["network"]: n for n in v.ctl("network", "ls", as_json=True)["networks"]}


def tcp_ok(lab, ns, ip, port, size=2 << 20):
    """A TCP transfer of 'size' bytes from 'ns' to ip:port, checked whole."""
    blob = os.urandom(size)
    src = lab.tmp / ("tx-%s-%d.bin" % (ns[-4:], port))
    dst = lab.tmp / ("rx-%s-%d.bin" % (ns[-4:], port))
    src.write_bytes(blob)
    return src, dst


def test_routed_network_at_run_time(lab):
    _, hf1 = lab.container("f1", "10.77.0.2/24", gw="10.77.0.1")
    out, hup = lab.container("out", "198.51.100.1/24")
    lab.run(out, "ip addr add %s/32 dev lo" % SERVER)
    v = lab.vsw(UPLINK.format(f1=hf1, up=hup))

    # a network with a gateway and NAT, made while vsw runs
    r = v.ctl("network", "create", "web", "--subnet", "10.88.0.0/24",
              "--masquerade", "uplink", "--mtu", "1400")
    assert "bridge web added" in r.stdout + r.stderr
    n = networks(v)["web"]
    assert n["subnet"] == "10.88.0.0/24" and n["gateway"] == "10.88.0.1"
    assert n["masquerade"] == "uplink" and n["mtu"] == 1400
    # the same create again is OK; another is refused naming the difference
    v.ctl("network", "create", "web", "--subnet", "10.88.0.0/24", "--masquerade", "uplink")
    assert "masquerade" in refused(v, "network", "create", "web", "--subnet", "10.88.0.0/24")

    w1, hw1 = lab.container("w1", "10.88.0.2/24", gw="10.88.0.1")
    v.ctl("port", "add", "w1", "kind=afpacket", "iface=%s" % hw1, "bridge=web")
    lab.run(w1, "ping -c 2 -W 2 10.88.0.1")
    r = v.ctl("show", "routes", as_json=True)
    assert any(i["interface"] == "web" and i["mtu"] == 1400 for i in r["interfaces"]), r

    # TCP out through NAT from the new network (partial checksums on veth)
    blob = os.urandom(4 << 20)
    (lab.tmp / "tx.bin").write_bytes(blob)
    rx = lab.tmp / "rx.bin"
    srv = lab.spawn(out, "sh -c 'nc -l -N %s 5001 > %s'" % (SERVER, rx))
    time.sleep(0.3)
    lab.run(w1, "sh -c 'nc -N %s 5001 < %s'" % (SERVER, lab.tmp / "tx.bin"), timeout=30)
    srv.wait(timeout=30)
    assert rx.read_bytes() == blob
    # the outside saw the uplink's address
    sess = v.ctl("show", "sessions", as_json=True)["sessions"]
    assert any(s["inside"].startswith("10.88.0.2:") for s in sess), sess

    # a second flow from the file's network, kept across the removal
    st2 = Stream(lab, lab.nsname("f1"), out, 5002, writes=80, gap=0.05)
    time.sleep(1)
    # an ICMP flow from the new network holds a session of its own
    lab.run(w1, "ping -c 1 -W 2 %s" % SERVER)
    before = v.ctl("show", "sessions", as_json=True)["sessions"]
    assert any(s["inside"].startswith("10.88.0.2") for s in before)
    assert any(s["inside"].startswith("10.77.0.2") for s in before)

    # removing the network takes only its sessions
    assert "has ports" in refused(v, "network", "rm", "web")
    v.ctl("port", "del", "w1")
    v.ctl("network", "rm", "web")
    after = v.ctl("show", "sessions", as_json=True)["sessions"]
    assert not any(s["inside"].startswith("10.88.") for s in after), after
    assert any(s["inside"].startswith("10.77.0.2") for s in after), after
    st2.done()
    assert all(i["interface"] != "web" for i in v.ctl("show", "routes", as_json=True)["interfaces"])

    # 200 create/rm cycles of a routed network: no next hop or slot runs out
    for k in range(200):
        v.ctl("network", "create", "cyc", "--subnet", "10.99.0.0/24", "--masquerade", "uplink")
        v.ctl("network", "rm", "cyc")
    v.ctl("network", "create", "cyc", "--subnet", "10.99.0.0/24")
    v.ctl("network", "rm", "cyc")
    v.stop()


def test_internal_pool_prune_and_refusals(lab):
    _, hf1 = lab.container("f1", "10.77.0.2/24", gw="10.77.0.1")
    out, hup = lab.container("out", "198.51.100.1/24")
    v = lab.vsw(UPLINK.format(f1=hf1, up=hup))

    # the pool's first /24 is the file's, the second a route: the third
    v.ctl("network", "create", "auto1")
    assert networks(v)["auto1"]["subnet"] == "10.77.2.0/24"
    assert networks(v)["auto1"]["gateway"] == "10.77.2.1"
    v.ctl("network", "create", "auto2")
    assert networks(v)["auto2"]["subnet"] == "10.77.3.0/24"
    v.ctl("network", "create", "l2", "--subnet", "none")
    assert networks(v)["l2"]["subnet"] == "-"

    # an internal network: its gateway answers, nothing is routed
    v.ctl("network", "create", "int", "--subnet", "10.66.0.0/24", "--internal")
    i1, hi1 = lab.container("i1", "10.66.0.2/24", gw="10.66.0.1")
    v.ctl("port", "add", "i1", "kind=afpacket", "iface=%s" % hi1, "bridge=int")
    lab.run(i1, "ping -c 1 -W 2 10.66.0.1")
    assert lab.run(i1, "ping -c 2 -i 0.2 -W 1 198.51.100.1", check=False).returncode != 0
    drops = v.ctl("show", "stats", as_json=True)
    assert "ip_internal" in str(drops), drops

    # bad commands: refused, nothing changed
    before = networks(v)
    ports = v.ctl("show", "ports", as_json=True)
    for args, why in [
        (("network", "create", "x", "--subnet", "10.66.0.0/25"), "overlaps"),
        (("network", "create", "x", "--subnet", "10.55.0.0/24", "--gateway", "10.56.0.1"),
         "gateway"),
        (("network", "create", "x", "--subnet", "10.55.0.0/24", "--masquerade", "f1"),
         "routed port"),
        (("network", "create", "x", "--subnet", "10.55.0.0/24", "--masquerade", "uplink",
          "--internal"), "internal"),
        (("network", "create", "x" * 40, "--subnet", "10.55.0.0/24"), "name"),
        (("network", "create", "x", "--colour", "blue"), "unknown option"),
        (("network", "create", "x", "--subnet"), "missing value"),
        (("network", "create", "x", "--subnet", "10.55.0.5/24"), "10.55.0.0/24"),
        (("network", "create", "x", "--subnet", "none", "--gateway", "10.1.1.1"), "none"),
        (("network", "create", "x", "--mtu", "12"), "mtu"),
        (("network", "create", "x", "--subnet", "10.55.0.0/24", "--ip-range", "10.56.0.0/25"),
         "ip_range"),
        (("network", "rm", "int"), "has ports"),
        (("network", "rm", "nosuch"), "no network"),
    ]:
        out_text = refused(v, *args)
        assert why in out_text, (args, out_text)
    assert networks(v) == before
    assert v.ctl("show", "ports", as_json=True) == ports

    # prune: the networks without ports that the file does not name
    r = v.ctl("network", "prune")
    left = networks(v)
    assert set(left) == {"filenet", "int"}, (r.stdout, left)
    v.ctl("port", "del", "i1")
    v.ctl("network", "prune")
    assert set(networks(v)) == {"filenet"}
    v.stop()


def test_sighup_adds_a_routed_network_a_port_and_a_rule(lab):
    """A TCP stream through NAT survives a reload that adds a network with
    a gateway, a port on it and a published port, which works at once."""
    _, hf1 = lab.container("f1", "10.77.0.2/24", gw="10.77.0.1")
    out, hup = lab.container("out", "198.51.100.1/24")
    lab.run(out, "ip addr add %s/32 dev lo" % SERVER)
    n1, hn1 = lab.container("n1", "10.89.0.2/24", gw="10.89.0.1")
    v = lab.vsw(UPLINK.format(f1=hf1, up=hup))
    base = v.ini.read_text()
    st = Stream(lab, lab.nsname("f1"), out, 5004, writes=100, gap=0.04)
    time.sleep(1)
    web = lab.spawn(n1, "sh -c 'echo from-n1 | nc -l -N -q 1 0.0.0.0 80'")
    v.ini.write_text(base + "[bridge new]\nsubnet = 10.89.0.0/24\ngateway = 10.89.0.1\n"
                     "masquerade = uplink\n"
                     "[port n1]\nkind = afpacket\niface = %s\nbridge = new\n"
                     "[publish w]\nport = uplink\nproto = tcp\nlisten = 8089\n"
                     "to = 10.89.0.2:80\n" % hn1)
    v.proc.send_signal(signal.SIGHUP)
    for _ in range(100):
        if "applied" in v.text() or "refused" in v.text():
            break
        time.sleep(0.05)
    assert "applied: 3 changes" in v.text(), v.text()
    got = lab.run(out, "nc -N -w 3 198.51.100.2 8089 </dev/null", check=False).stdout
    web.wait(timeout=10)
    assert "from-n1" in got, (got, v.text())
    lab.run(n1, "ping -c 1 -W 2 %s" % SERVER)
    st.done()
    # and a reload back takes them away again
    v.ini.write_text(base)
    v.proc.send_signal(signal.SIGHUP)
    for _ in range(100):
        if v.text().count("applied") == 2:
            break
        time.sleep(0.05)
    assert "publish w removed" in v.text(), v.text()
    assert "new" not in networks(v)
    v.stop()


def test_routes_added_and_removed_at_run_time(lab):
    """[route] sections while traffic flows: `vswctl route add/del` and
    SIGHUP change the LPM in place; a route to a next hop that never
    answers ARP takes its prefix off the default route at once, and its
    removal gives it back; the route survives kill -9 (the state file);
    bad routes are refused with nothing changed."""
    f1, hf1 = lab.container("f1", "10.77.0.2/24", gw="10.77.0.1")
    out, hup = lab.container("out", "198.51.100.1/24")
    far = "198.18.5.1"
    lab.run(out, "ip addr add %s/32 dev lo" % far)
    v = lab.vsw(UPLINK.format(f1=hf1, up=hup))
    ping = "ping -c 1 -W 1 %s" % far
    lab.run(f1, ping)                                   # the default route

    def routes(sw):
        return {r["prefix"]: r for r in sw.ctl("show", "routes", as_json=True)["routes"]}

    # a stream through NAT on the default route runs through every change
    lab.run(out, "ip addr add %s/32 dev lo" % SERVER)
    st = Stream(lab, f1, out, 5005)

    out_r = v.ctl("route", "add", "dark", "prefix=198.18.5.0/24", "via=198.51.100.9",
                  "port=uplink").stdout
    assert "route dark added" in out_r, out_r
    assert routes(v)["198.18.5.0/24"]["via"] == "198.51.100.9"
    r = lab.run(f1, ping, check=False)
    assert r.returncode != 0, "the route to a silent next hop did not take effect"
    # the same again is OK; another route of that name is refused
    assert "already" in v.ctl("route", "add", "dark", "prefix=198.18.5.0/24",
                              "via=198.51.100.9", "port=uplink").stdout
    before = v.ctl("show", "routes", as_json=True)
    for args, why in [
            (("dark", "prefix=198.18.6.0/24", "via=198.51.100.9", "port=uplink"),
             "exists already"),
            (("x", "prefix=198.18.6.0/24", "via=10.9.9.9", "port=uplink"), "neighbour"),
            (("x", "prefix=10.77.0.0/24", "via=198.51.100.9", "port=uplink"),
             "subnet of bridge filenet"),
            (("x", "prefix=198.18.5.0/24", "via=198.51.100.8", "port=uplink"),
             "same prefix as [route dark]"),
            (("x", "prefix=198.18.6.0/24", "via=198.51.100.9", "port=f1"),
             "not a routed port"),
            (("x", "prefix=198.18.6.0/24", "via=198.51.100.9", "port=nope"), "nope"),
            (("x", "prefix=198.18.6.0/33", "via=198.51.100.9", "port=uplink"), "prefix"),
            (("x", "prefix=0.0.0.0/0", "via=198.51.100.9", "port=uplink"),
             "default route of port uplink"),
            (("x", "prefix=198.18.6.0/24", "via=198.51.100.9", "port=uplink", "bogus=1"),
             "bogus"),
            (("x", "bogus=1"), "needs prefix, via and port")]:
        assert why in refused(v, "route", "add", *args), (args, why)
    assert "no route" in refused(v, "route", "del", "nosuch")
    assert v.ctl("show", "routes", as_json=True) == before
    # the stream on the default route went through all of it
    st.done()

    # the state file keeps it: kill -9, start, the route is back
    v.proc.send_signal(signal.SIGKILL)
    v.proc.wait()
    v = lab.vsw(UPLINK.format(f1=hf1, up=hup))
    assert routes(v)["198.18.5.0/24"]["via"] == "198.51.100.9"
    assert lab.run(f1, ping, check=False).returncode != 0
    out_r = v.ctl("route", "del", "dark").stdout
    assert "route dark removed" in out_r, out_r
    assert "198.18.5.0/24" not in routes(v)
    lab.run(f1, ping)
    # and by SIGHUP: the file's route changed in place (a new next hop),
    # another added
    base = v.ini.read_text()
    v.ini.write_text(base.replace("prefix = 10.77.1.0/24", "prefix = 10.77.2.0/24") +
                     "[route dark]\nprefix = 198.18.5.0/24\nvia = 198.51.100.9\n"
                     "port = uplink\n")
    v.proc.send_signal(signal.SIGHUP)
    for _ in range(100):
        if "applied" in v.text() or "refused" in v.text():
            break
        time.sleep(0.05)
    assert "applied: 3 changes" in v.text(), v.text()
    rs = routes(v)
    assert "10.77.2.0/24" in rs and "10.77.1.0/24" not in rs and "198.18.5.0/24" in rs
    assert lab.run(f1, ping, check=False).returncode != 0
    v.stop()


def test_routed_port_added_and_removed_at_run_time(lab):
    """A second uplink at run time: `port add up2 ... address=...`, a
    network masqueraded through it, a published port and a route on it,
    all while a stream leaves through the first uplink; then taken away
    again (what uses it first), its NAT sessions with it."""
    f1, hf1 = lab.container("f1", "10.77.0.2/24", gw="10.77.0.1")
    out, hup = lab.container("out", "198.51.100.1/24")
    out2, hup2 = lab.container("out2", "203.0.113.1/24")
    c2, hc2 = lab.container("c2", "10.88.0.2/24", gw="10.88.0.1")
    v = lab.vsw(UPLINK.format(f1=hf1, up=hup))
    lab.run(out, "ip addr add %s/32 dev lo" % SERVER)
    st = Stream(lab, f1, out, 5007)

    o = v.ctl("port", "add", "up2", "kind=afpacket", "iface=%s" % hup2,
              "address=203.0.113.2/24").stdout
    assert "port up2 added" in o, o
    lab.run(out2, "ping -c 1 -W 2 203.0.113.2")          # its own address
    v.ctl("network", "create", "n2", "--subnet", "10.88.0.0/24", "--masquerade", "up2")
    v.ctl("port", "add", "c2", "kind=afpacket", "iface=%s" % hc2, "bridge=n2")
    lab.run(c2, "ping -c 2 -i 0.2 -W 2 203.0.113.1")      # out through NAT on up2
    tcp_dst = lab.spawn(out2, "sh -c 'nc -l -N 203.0.113.1 5008 > /dev/null'")
    time.sleep(0.3)
    lab.run(c2, "sh -c 'head -c 1000000 /dev/zero | nc -N -w 5 203.0.113.1 5008'")
    tcp_dst.wait(timeout=10)
    sess = [s for s in v.ctl("show", "sessions", as_json=True)["sessions"]
            if s["outside"].startswith("203.0.113.2:")]
    assert sess, v.ctl("show", "sessions").stdout
    v.ctl("publish", "add", "w2", "port=up2", "proto=tcp", "listen=8088", "to=10.88.0.2:80")
    web = lab.spawn(c2, "sh -c 'echo via-up2 | nc -l -N -q 1 0.0.0.0 80'")
    time.sleep(0.3)
    got = lab.run(out2, "nc -N -w 3 203.0.113.2 8088 </dev/null", check=False).stdout
    web.wait(timeout=10)
    assert "via-up2" in got, got
    v.ctl("route", "add", "r2", "prefix=198.18.9.0/24", "via=203.0.113.1", "port=up2")

    # refused: what still uses it, a NAT inside port, two routed ports in one go
    _, hup3 = lab.container("out3", "198.18.0.1/24")
    for args, why in [(("port", "del", "up2"), "up2"),
                      (("port", "add", "up3", "kind=afpacket", "iface=%s" % hup3,
                        "address=203.0.113.9/24"), "up2"),
                      (("port", "add", "up3", "kind=afpacket", "iface=%s" % hup3,
                        "address=198.18.0.2/24", "masquerade=up2"), "NAT inside port")]:
        r = v.ctl(*args, check=False)
        assert r.returncode != 0 and why in r.stdout + r.stderr, (args, r.stdout + r.stderr)
    assert "up2" in {p["port"] for p in v.ctl("show", "ports", as_json=True)["ports"]}

    # taken away again: what uses it first
    v.ctl("route", "del", "r2")
    v.ctl("publish", "del", "w2")
    v.ctl("port", "del", "c2")
    v.ctl("network", "rm", "n2")
    o = v.ctl("port", "del", "up2").stdout
    assert "port up2 removed" in o, o
    assert not [s for s in v.ctl("show", "sessions", as_json=True)["sessions"]
                if s["outside"].startswith("203.0.113.2:")]
    assert lab.run(out2, "ping -c 1 -W 1 203.0.113.2", check=False).returncode != 0
    st.done()
    # and it comes back as it was
    v.ctl("port", "add", "up2", "kind=afpacket", "iface=%s" % hup2, "address=203.0.113.2/24")
    lab.run(out2, "ping -c 1 -W 2 203.0.113.2")
    v.stop()
