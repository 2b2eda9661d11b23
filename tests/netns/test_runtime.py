# SPDX-License-Identifier: BSD-3-Clause
"""Ports and networks added and removed while traffic flows (switch/apply.h):
port add/del, network create/rm/ls/inspect, SIGHUP reload."""
import os
import re
import signal
import threading
import time

from test_foundation import bridge_ini, tcp_transfer


def req(v, line):
    return v.request((line + "\n").encode()).decode()


def ok(v, line):
    out = req(v, line)
    assert out.startswith("OK\n"), "%s: %s" % (line, out)
    return out


def macs_on(v, port, bridge=None):
    args = ["show", "fdb"] + ([bridge] if bridge else [])
    return {e["mac"].lower() for e in v.ctl(*args, as_json=True)["fdb"]
            if e["port"] == port}


def mac_of(lab, ns):
    return lab.run(ns, "cat /sys/class/net/eth0/address").stdout.strip()


def snapshot(v):
    """What a refused change must leave as it was."""
    ports = v.ctl("show", "ports", as_json=True)["ports"]
    nets = v.ctl("network", "ls", as_json=True)["networks"]
    return ports, nets


# port add/del cycles under traffic (issue 11 asks for 1000)
CYCLES = int(os.environ.get("VSW_PORT_CYCLES", "1000"))


def ping_loss(proc):
    out, _ = proc.communicate(timeout=120)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    assert m, out
    return int(m.group(1)), int(m.group(2))


def wait_log(v, text, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if text in v.text():
            return
        time.sleep(0.05)
    raise AssertionError("no %r in the log:\n%s" % (text, v.text()))


def test_port_churn_while_ping_and_tcp_flow(lab):
    a, ha = lab.container("a", "10.93.0.1/24")
    b, hb = lab.container("b", "10.93.0.2/24")
    c, hc = lab.container("c", "10.93.0.3/24")
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha),
                            ("b", "afpacket", "iface", hb)]))
    lab.run(a, "ping -c 1 -W 2 10.93.0.2")
    ma, mb = mac_of(lab, a), mac_of(lab, b)
    assert ma in macs_on(v, "a") and mb in macs_on(v, "b")

    errors = []

    def churn():
        try:
            for i in range(CYCLES):
                out = req(v, "port add c kind=afpacket iface=%s bridge=br0" % hc)
                assert out.startswith("OK\n") and "port c added" in out, out
                out = req(v, "port del c")
                assert out.startswith("OK\n") and "port c removed" in out, out
        except Exception as e:          # noqa: BLE001 - reported below
            errors.append(e)

    # a ping flood (one every 5 ms) and TCP transfers for the whole churn
    ping = lab.spawn(a, "ping -q -i 0.005 -W 2 10.93.0.2")
    t0 = time.time()
    t = threading.Thread(target=churn)
    t.start()
    transfers = 0
    while t.is_alive() or transfers == 0:
        tcp_transfer(lab, a, b, "10.93.0.2", size=4 << 20, port=5100 + transfers)
        transfers += 1
    t.join()
    print("%d port add/del cycles in %.1f s, %d TCP transfers" % (CYCLES, time.time() - t0,
                                                                 transfers))
    assert not errors, errors[0]
    time.sleep(0.1)
    ping.send_signal(signal.SIGINT)
    sent, got = ping_loss(ping)
    # vsw itself loses none; on this shared 2-core machine the kernel may
    # drop frames from a full AF_PACKET ring while the worker waits for a
    # CPU (the TCP stream fills it): each such loss is counted there
    st = v.port_stats()
    kernel = st["a"]["rx_kernel_drops"] + st["b"]["rx_kernel_drops"]
    assert st["a"]["drops"] == 0 and st["b"]["drops"] == 0, st
    assert sent >= 1000 and sent - got <= kernel, "lost %d of %d pings:\n%s" % (
        sent - got, sent, v.ctl("show", "stats").stdout)
    assert "port c added" in v.text() and "port c removed" in v.text()
    # the ports that stayed kept their ids: their FDB entries still name them
    assert ma in macs_on(v, "a") and mb in macs_on(v, "b")
    assert [p["port"] for p in v.ctl("show", "ports", as_json=True)["ports"]] == ["a", "b"]

    # a port in a reused slot starts from zero, and its FDB entries went
    ok(v, "port add c kind=afpacket iface=%s bridge=br0" % hc)
    lab.run(c, "ping -c 3 -i 0.2 -W 2 10.93.0.1")
    assert v.port_stats()["c"]["rx"] >= 3
    assert mac_of(lab, c) in macs_on(v, "c")
    ok(v, "port del c")
    assert mac_of(lab, c) not in {e["mac"].lower() for e in
                                  v.ctl("show", "fdb", as_json=True)["fdb"]}
    ok(v, "port add c kind=afpacket iface=%s bridge=br0" % hc)
    st = v.port_stats()["c"]
    assert st["rx"] == 0 and st["tx"] == 0, st
    v.stop()                             # every mbuf back


def port_cache(v):
    return v.ctl("show", "stats", as_json=True)["port_cache"][0]


def park_links():
    out = os.popen("ip -br link show").read()
    return [ln.split()[0].split("@")[0] for ln in out.splitlines()
            if ln.startswith("vswpark")]


def test_a_removed_ports_sockets_serve_the_next_port(lab):
    """ports/afpacket.c keeps a deleted port's ringed sockets (parked on a
    veth vsw leaves down) for the next port add: the new port must see its
    own interface only, from zero, with TCP's partial checksums intact."""
    a, ha = lab.container("a", "10.94.0.1/24")
    c, hc = lab.container("c", "10.94.0.3/24")
    d, hd = lab.container("d", "10.94.0.4/24")
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha)]))
    assert park_links() == []           # nothing made before a port goes
    ok(v, "port add c kind=afpacket iface=%s bridge=br0" % hc)
    # frames left in c's ring when it goes: a flood it does not read all of
    flood = lab.spawn(c, "ping -f -c 3000 -W 1 10.94.0.1")
    time.sleep(0.3)
    ok(v, "port del c")
    flood.communicate(timeout=60)
    end = time.time() + 10
    while port_cache(v)["kept"] < 1 and time.time() < end:
        time.sleep(0.05)
    pc = port_cache(v)
    assert pc["kept"] == 1, pc
    assert set(park_links()) == {"vswpark", "vswpark-p"}
    made = pc["made"]
    # while it waits, frames on another interface (a's, 200 unicast) must
    # not land in its ring: a socket bound to no interface would take them
    lab.run(a, "ip neigh replace 10.94.0.3 lladdr %s dev eth0" % mac_of(lab, c))
    lab.run(a, "ping -c 200 -i 0.002 -W 1 10.94.0.3", check=False)

    ok(v, "port add d kind=afpacket iface=%s bridge=br0" % hd)
    pc = port_cache(v)
    assert pc["kept"] == 0 and pc["reused"] == 1 and pc["made"] == made, pc
    st = v.port_stats()["d"]
    assert st["rx"] < 10 and st["tx"] == 0 and st["rx_kernel_drops"] == 0, st
    # c's interface is no vsw port now: what c sends (200 unicast frames,
    # a's MAC set by hand) reaches no port; d's own frames (IPv6, ARP)
    # may count on d
    lab.run(c, "ip neigh replace 10.94.0.1 lladdr %s dev eth0" % mac_of(lab, a))
    before = v.port_stats()
    lab.run(c, "ping -c 200 -i 0.002 -W 1 10.94.0.1", check=False)
    time.sleep(0.2)
    after = v.port_stats()
    assert after["d"]["rx"] - before["d"]["rx"] < 10, (before, after)
    assert after["a"]["tx"] - before["a"]["tx"] < 10, (before, after)
    assert mac_of(lab, c) not in {e["mac"].lower() for e in
                                  v.ctl("show", "fdb", as_json=True)["fdb"]}
    # d works both ways, TCP included (partial checksums from the veth)
    lab.run(d, "ping -c 3 -i 0.2 -W 2 10.94.0.1")
    tcp_transfer(lab, d, a, "10.94.0.1", size=4 << 20, port=5301)
    tcp_transfer(lab, a, d, "10.94.0.4", size=4 << 20, port=5302)
    assert mac_of(lab, d) in macs_on(v, "d")
    # [switch] port_cache = 0 keeps none (below); stopping removes the park
    v.stop()
    assert park_links() == []


def test_port_cache_zero_keeps_nothing(lab):
    a, ha = lab.container("a", "10.95.0.1/24")
    c, hc = lab.container("c", "10.95.0.3/24")
    v = lab.vsw("[switch]\ncontrol = @SOCK@\nport_cache = 0\n" +
                bridge_ini([("a", "afpacket", "iface", ha)]))
    for _ in range(3):
        ok(v, "port add c kind=afpacket iface=%s bridge=br0" % hc)
        ok(v, "port del c")
    time.sleep(0.3)
    pc = port_cache(v)
    assert pc["kept"] == 0 and pc["reused"] == 0 and pc["limit"] == 0, pc
    assert park_links() == []
    ok(v, "port add c kind=afpacket iface=%s bridge=br0" % hc)
    lab.run(c, "ping -c 2 -i 0.2 -W 2 10.95.0.1")
    v.stop()


def test_sighup_adds_a_bridge_and_a_port_and_refuses_a_bad_file(lab):
    a, ha = lab.container("a", "10.94.0.1/24")
    b, hb = lab.container("b", "10.94.0.2/24")
    c, hc = lab.container("c", "10.95.0.1/24")
    d, hd = lab.container("d", "10.95.0.2/24")
    base = bridge_ini([("a", "afpacket", "iface", ha), ("b", "afpacket", "iface", hb)])
    v = lab.vsw(base)
    text = v.ini.read_text()
    lab.run(a, "ping -c 1 -W 2 10.94.0.2")
    ma = mac_of(lab, a)
    ping = lab.spawn(a, "ping -q -i 0.01 -c 300 -W 2 10.94.0.2")

    # a file with a bad line: refused whole, with its FILE:LINE, nothing changed
    before = snapshot(v)
    v.ini.write_text(text + "[bridge br1]\n[port c]\nkind = afpacket\niface = %s\n"
                     "bridge = br1\nbogus = 1\n" % hc)
    v.proc.send_signal(signal.SIGHUP)
    wait_log(v, "refused (errors above)")
    assert re.search(r"topology\.ini:\d+: \[port c\] bogus", v.text()), v.text()
    assert snapshot(v) == before

    # a port that cannot open: the whole change is undone (port c too)
    v.ini.write_text(text + "[bridge br1]\n"
                     "[port c]\nkind = afpacket\niface = %s\nbridge = br1\n"
                     "[port z]\nkind = afpacket\niface = vswnosuch0\nbridge = br1\n" % hc)
    v.proc.send_signal(signal.SIGHUP)
    wait_log(v, "refused: port z (afpacket)")
    assert snapshot(v) == before

    # a change that cannot be made at run time yet: refused, named
    assert text.startswith("[switch]\n")
    v.ini.write_text(text.replace("[switch]\n", "[switch]\nnat_timeout_udp = 30\n", 1))
    v.proc.send_signal(signal.SIGHUP)
    wait_log(v, "[switch] cannot change at run time yet")
    assert snapshot(v) == before

    # the good one: a bridge and two ports come, br0 keeps what it learned
    v.ini.write_text(text + "[bridge br1]\n"
                     "[port c]\nkind = afpacket\niface = %s\nbridge = br1\n"
                     "[port d]\nkind = afpacket\niface = %s\nbridge = br1\n" % (hc, hd))
    v.proc.send_signal(signal.SIGHUP)
    wait_log(v, "applied: 3 changes")
    assert "SIGHUP: bridge br1 added" in v.text()
    assert "SIGHUP: port d added (afpacket on bridge br1)" in v.text()
    lab.run(c, "ping -c 3 -i 0.2 -W 2 10.95.0.2")
    tcp_transfer(lab, c, d, "10.95.0.2", size=2 << 20)
    assert ma in macs_on(v, "a", "br0")
    nets = {n["network"]: n for n in v.ctl("network", "ls", as_json=True)["networks"]}
    assert nets["br0"]["ports"] == 2 and nets["br1"]["ports"] == 2

    # and back: the file without them takes them away again
    v.ini.write_text(text)
    v.proc.send_signal(signal.SIGHUP)
    wait_log(v, "SIGHUP: bridge br1 removed")
    assert snapshot(v)[0] == before[0]
    sent, got = ping_loss(ping)
    assert got == sent == 300, "lost %d of %d pings over the reloads" % (sent - got, sent)
    assert v.proc.poll() is None
    v.stop()


def test_bad_commands_are_refused_and_change_nothing(lab):
    a, ha = lab.container("a", "10.97.0.1/24")
    b, hb = lab.container("b", "10.97.0.2/24")
    c, hc = lab.container("c", "10.97.0.3/24")
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha), ("b", "afpacket", "iface", hb)])
                + "[bridge gw]\nsubnet = 10.98.0.0/24\ngateway = 10.98.0.1\n"
                "[port g]\nkind = tap\niface = %s\nbridge = gw\n" % lab.ifname("g"))
    before = snapshot(v)
    bad = [
        ("port add c kind=afpacket iface=%s bridge=br0 foo=1" % hc, "foo"),
        ("port add c kind=afpacket iface=%s bridge=br0" % ha, "iface"),
        ("port add %s kind=afpacket iface=%s bridge=br0" % ("x" * 40, hc), "1 to 31"),
        ("port add c kind=afpacket iface=%s bridge=nosuch" % hc, "nosuch"),
        ("port add c kind=afpacket iface=%s" % hc, "role"),
        ("port add c kind=afpacket iface=vswnosuch0 bridge=br0", "port c (afpacket)"),
        ("port add c kind=afpacket iface=%s address=10.99.0.1/24 masquerade=c" % hc,
         "masquerade through itself"),
        ("port add c kind=afpacket iface=%s address=10.98.0.7/24" % hc, "gw"),
        ("port add c iface=%s bridge=br0" % hc, "kind"),
        ("port add c kind=afpacket %s" % hc, "not KEY=VALUE"),
        ("port add a kind=afpacket iface=%s bridge=br0" % hc, "exists already"),
        ("port del nosuch", "no port 'nosuch'"),
        ("network rm nosuch", "no network 'nosuch'"),
        ("network rm br0", "has ports (a, b)"),
        ("network rm gw", "has ports"),
        ("network create n1 --subnet 10.98.0.0/25", "overlaps"),
        ("network create n1 --subnet 10.99.0.0/24 --gateway 10.98.0.9", "gateway"),
        ("network create n1 --subnet none --masquerade a", "--subnet none"),
        ("network create n1 --mtu 90", "mtu"),
        ("network create n1 --frobnicate", "--frobnicate"),
        ("network create %s" % ("n" * 40), "1 to 31"),
        ("network create br0 --mac-limit 7", "exists already"),
        ("network create n1 --mac-limit many", "--mac-limit"),
    ]
    for line, why in bad:
        out = req(v, line)
        assert out.startswith("ERR ") and why in out, "%s: %s" % (line, out)
        assert snapshot(v) == before, line
    # retried creates are no-ops, not errors
    ok(v, "port add a kind=afpacket iface=%s bridge=br0" % ha)
    ok(v, "network create br0")
    assert snapshot(v) == before
    assert v.proc.poll() is None
    v.stop()


def test_network_create_ls_inspect_rm(lab):
    c, hc = lab.container("c", "10.99.1.1/24")
    d, hd = lab.container("d", "10.99.1.2/24")
    a, ha = lab.container("a", "10.99.2.1/24")
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha)]))
    out = ok(v, "network create n1 --subnet none --mac-limit 100")
    assert "bridge n1 added" in out
    assert "exists already" in ok(v, "network create n1 --subnet none --mac-limit 100")
    nets = {n["network"]: n for n in v.ctl("network", "ls", as_json=True)["networks"]}
    assert nets["n1"]["ports"] == 0 and nets["n1"]["mac_limit"] == 100
    assert nets["n1"]["subnet"] == "-"
    assert "n1" in v.ctl("network", "ls").stdout
    ok(v, "port add c kind=afpacket iface=%s bridge=n1" % hc)
    ok(v, "port add d kind=afpacket iface=%s bridge=n1" % hd)
    lab.run(c, "ping -c 3 -i 0.2 -W 2 10.99.1.2")
    ins = v.ctl("network", "inspect", "n1", as_json=True)
    assert ins["network"][0]["ports"] == 2
    eps = {e["endpoint"]: e for e in ins["endpoints"]}
    assert set(eps) == {"c", "d"} and eps["c"]["iface"] == hc
    assert "ERR" in req(v, "network rm n1")
    ok(v, "port del c")
    ok(v, "port del d")
    assert "bridge n1 removed" in ok(v, "network rm n1")
    assert "n1" not in {n["network"] for n in v.ctl("network", "ls", as_json=True)["networks"]}
    assert req(v, "network rm n1").startswith("ERR no network 'n1'")
    # the slot comes back for the next network
    ok(v, "network create n2")
    ok(v, "port add c kind=afpacket iface=%s bridge=n2" % hc)
    ok(v, "port add d kind=afpacket iface=%s bridge=n2" % hd)
    lab.run(c, "ping -c 2 -i 0.2 -W 2 10.99.1.2")
    v.stop()


def test_sighup_moves_a_port_to_another_bridge_in_place(lab):
    a, ha = lab.container("a", "10.92.0.1/24")
    b, hb = lab.container("b", "10.92.0.2/24")
    c, hc = lab.container("c", "10.92.0.3/24")
    ini = ("[bridge br0]\n[bridge br1]\n"
           "[port a]\nkind = afpacket\niface = %s\nbridge = br0\n"
           "[port b]\nkind = afpacket\niface = %s\nbridge = br0\n"
           "[port c]\nkind = afpacket\niface = %s\nbridge = br1\n" % (ha, hb, hc))
    v = lab.vsw(ini)
    lab.run(a, "ping -c 5 -i 0.2 -W 2 10.92.0.2")
    assert lab.run(b, "ping -c 1 -W 1 10.92.0.3", check=False).returncode != 0
    rx = v.port_stats()["b"]["rx"]
    assert rx >= 2 and mac_of(lab, b) in macs_on(v, "b", "br0")
    v.ini.write_text(v.ini.read_text().replace(
        "iface = %s\nbridge = br0" % hb, "iface = %s\nbridge = br1" % hb))
    v.proc.send_signal(signal.SIGHUP)
    wait_log(v, "applied: 1 change")
    assert "SIGHUP: port b re-attached (afpacket on bridge br1)" in v.text()
    # the same port (its counters go on), its br0 entries gone
    assert v.port_stats()["b"]["rx"] >= rx
    assert mac_of(lab, b) not in macs_on(v, "b", "br0")
    lab.run(b, "ping -c 2 -i 0.2 -W 2 10.92.0.3")
    assert lab.run(a, "ping -c 1 -W 1 10.92.0.2", check=False).returncode != 0
    nets = {n["network"]: n["ports"] for n in v.ctl("network", "ls", as_json=True)["networks"]}
    assert nets == {"br0": 1, "br1": 2}
    v.stop()
