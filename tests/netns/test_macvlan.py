# SPDX-License-Identifier: BSD-3-Clause
"""End to end: macvlan networks on one parent port, as Docker's macvlan driver.

Namespace "lan" is the LAN behind the parent port, through a LAN switch
(a second vsw) that carries VLAN 1 untagged and VLAN 10 tagged on the
parent's wire: 198.51.100.1/24 on VLAN 1 (also the LAN's router, with a
remote server 203.0.113.10 on its loopback) and 203.0.113.129/25 on VLAN 10.
Endpoints:
  m1, m2   198.51.100.11-12, network "lan" (bridge mode, untagged)
  p1, p2   203.0.113.131-132, network "priv" (private mode, parent uplink.10)
  c1       172.17.0.2 on bridge docker0, masqueraded out of the same parent,
           which is also vsw's routed uplink 198.51.100.2.
(192.0.2.0/24 is not used: on some machines it is the host's own network.)
"""
import signal
import time

import pytest
from conftest import sh
from test_foundation import tcp_transfer
from test_router_nat import http_server
from test_runtime_l3 import Stream

M1_MAC, M2_MAC = "02:42:c0:00:02:0b", "02:42:c0:00:02:0c"
P1_MAC, P2_MAC = "02:42:c6:33:64:0b", "02:42:c6:33:64:0c"
UPLINK_IP = "198.51.100.2"
SERVER = "203.0.113.10"

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

[port uplink]
kind = afpacket
iface = {up}
address = 198.51.100.2/24
gateway = 198.51.100.1

[macvlan lan]
parent = uplink
mode = bridge

[macvlan priv]
parent = uplink.10
mode = private

[port m1]
kind = afpacket
iface = {m1}
macvlan = lan
mac = {m1mac}

[port m2]
kind = tap
iface = {m2}
macvlan = lan
mac = {m2mac}

[port p1]
kind = afpacket
iface = {p1}
macvlan = priv
mac = {p1mac}

[port p2]
kind = afpacket
iface = {p2}
macvlan = priv
mac = {p2mac}
"""


LAN_SWITCH = """
[switch]
control = @SOCK@

[bridge lan]

[port trunk]
kind = afpacket
iface = {trunk}
bridge = lan
trunk = 10
native = 1

[port l0]
kind = afpacket
iface = {l0}
bridge = lan
vlan = 1

[port l10]
kind = afpacket
iface = {l10}
bridge = lan
vlan = 10
"""


@pytest.fixture
def mv_lab(lab):
    # this kernel has no VLAN devices: a second vsw is the LAN's VLAN switch,
    # its trunk wired to the parent port by a veth pair
    up, trunk = lab.veth_pair("upA", "upB")
    lan, hl0 = lab.container("lan", "198.51.100.1/24")
    hl10 = lab.ifname("l10")
    sh("ip link add %s type veth peer name eth1 netns %s" % (hl10, lan))
    lab.links.append(hl10)
    sh("ip link set %s up" % hl10)
    lab.run(lan, "ip addr add 203.0.113.129/25 dev eth1")
    lab.run(lan, "ip link set eth1 up")
    lab.run(lan, "ip addr add %s/32 dev lo" % SERVER)
    lab.vsw(LAN_SWITCH.format(trunk=trunk, l0=hl0, l10=hl10), name="lanswitch")
    m1, hm1 = lab.container("m1", "198.51.100.11/24", mac=M1_MAC, gw="198.51.100.1")
    p1, hp1 = lab.container("p1", "203.0.113.131/25", mac=P1_MAC, gw="203.0.113.129")
    p2, hp2 = lab.container("p2", "203.0.113.132/25", mac=P2_MAC, gw="203.0.113.129")
    c1, hc1 = lab.container("c1", "172.17.0.2/16", gw="172.17.0.1")
    # m2 is a TAP port: vsw makes the device, the test moves it into m2's
    # namespace once vsw runs
    tap = lab.ifname("m2")
    v = lab.vsw(LAB.format(c1=hc1, up=up, m1=hm1, m2=tap, p1=hp1, p2=hp2,
                           m1mac=M1_MAC, m2mac=M2_MAC, p1mac=P1_MAC, p2mac=P2_MAC))
    m2 = lab.netns("m2")
    sh("ip link set %s netns %s" % (tap, m2))
    lab.run(m2, "ip link set %s address %s" % (tap, M2_MAC))
    lab.run(m2, "ip addr add 198.51.100.12/24 dev %s" % tap)
    lab.run(m2, "ip link set %s up" % tap)
    lab.names = {"lan": lan, "m1": m1, "m2": m2, "p1": p1, "p2": p2, "c1": c1}
    return lab, v


def macvlan_view(v):
    j = v.ctl("show", "macvlan", as_json=True)
    return ({n["macvlan"]: n for n in j["macvlan"]},
            {e["endpoint"]: e for e in j["endpoints"]})


def drops(v, port, reason):
    j = v.ctl("show", "stats", as_json=True)["drops"]
    return sum(d["count"] for d in j if d["port"] == port and d["reason"] == reason)


def test_lan_reaches_endpoints_at_their_own_addresses(mv_lab):
    lab, v = mv_lab
    n = lab.names
    lab.run(n["lan"], "ping -c 2 -i 0.2 -W 2 198.51.100.11")
    lab.run(n["lan"], "ping -c 2 -i 0.2 -W 2 198.51.100.12")
    # a server in m1 sees the LAN host itself: no NAT on the way
    srv, logf = http_server(lab, n["m1"], "198.51.100.11", 8000)
    r = lab.run(n["lan"], "curl -s -o /dev/null -w '%{http_code}' --max-time 10 "
                "http://198.51.100.11:8000/")
    assert r.stdout == "200"
    assert "198.51.100.1 " in logf.read_text(), logf.read_text()
    srv.kill()
    # TCP both ways, with the veth's partial checksums and super-frames
    tcp_transfer(lab, n["lan"], n["m1"], "198.51.100.11", size=8 << 20, port=5001)
    tcp_transfer(lab, n["m2"], n["lan"], "198.51.100.1", size=4 << 20, port=5002)
    # m1 goes out through the LAN's own router, with its own address
    lab.run(n["m1"], "ping -c 2 -i 0.2 -W 2 %s" % SERVER)
    nets, eps = macvlan_view(v)
    assert nets["lan"]["parent"] == "uplink" and nets["lan"]["mode"] == "bridge"
    assert nets["lan"]["from_lan"] > 100 and nets["lan"]["to_lan"] > 100
    assert eps["m1"]["mac"] == M1_MAC and eps["m1"]["macvlan"] == "lan"
    assert eps["m1"]["rx"] > 0 and eps["m1"]["tx"] > 0
    assert nets["priv"]["parent"] == "uplink.10" and nets["priv"]["mode"] == "private"
    v.stop()


def test_bridge_mode_endpoints_reach_each_other_directly(mv_lab):
    lab, v = mv_lab
    n = lab.names
    before = v.port_stats()["uplink"]["tx"]
    lab.run(n["m1"], "ping -c 3 -i 0.2 -W 2 198.51.100.12")
    tcp_transfer(lab, n["m1"], n["m2"], "198.51.100.12", size=8 << 20, port=5003)
    nets, _ = macvlan_view(v)
    assert nets["lan"]["local"] > 100
    # local traffic did not go out to the LAN (a few ARP broadcasts may)
    assert v.port_stats()["uplink"]["tx"] - before < 50
    v.stop()


def test_private_mode_endpoints_cannot_reach_each_other(mv_lab):
    lab, v = mv_lab
    n = lab.names
    # both reach the LAN on VLAN 10
    lab.run(n["p1"], "ping -c 2 -i 0.2 -W 2 203.0.113.129")
    lab.run(n["p2"], "ping -c 2 -i 0.2 -W 2 203.0.113.129")
    tcp_transfer(lab, n["lan"], n["p1"], "203.0.113.131", size=2 << 20, port=5004)
    # not each other: ARP goes out to the LAN only, and a frame sent
    # straight to p2's MAC is refused
    r = lab.run(n["p1"], "ping -c 2 -i 0.2 -W 1 203.0.113.132", check=False)
    assert r.returncode != 0
    lab.run(n["p1"], "ip neigh replace 203.0.113.132 lladdr %s dev eth0" % P2_MAC)
    r = lab.run(n["p1"], "ping -c 2 -i 0.2 -W 1 203.0.113.132", check=False)
    assert r.returncode != 0
    nets, _ = macvlan_view(v)
    assert nets["priv"]["private"] >= 2
    assert drops(v, "p1", "macvlan_private") >= 2
    v.stop()


def test_spoofed_source_mac_is_dropped(mv_lab):
    lab, v = mv_lab
    n = lab.names
    lab.run(n["m1"], "ping -c 1 -W 2 198.51.100.1")
    lab.run(n["m1"], "ip link set eth0 address 02:42:c0:00:02:99")
    lab.run(n["lan"], "ip neigh flush dev eth0")
    r = lab.run(n["m1"], "ping -c 2 -i 0.2 -W 1 198.51.100.1", check=False)
    assert r.returncode != 0
    assert drops(v, "m1", "macvlan_spoof") >= 2
    _, eps = macvlan_view(v)
    assert eps["m1"]["spoofed"] >= 2
    # its own MAC again: back on the LAN
    lab.run(n["m1"], "ip link set eth0 address %s" % M1_MAC)
    lab.run(n["m1"], "ip neigh flush dev eth0")
    lab.run(n["m1"], "ping -c 2 -i 0.2 -W 2 198.51.100.1")
    v.stop()


def test_parent_carries_masqueraded_bridge_traffic_too(mv_lab):
    lab, v = mv_lab
    n = lab.names
    srv, logf = http_server(lab, n["lan"], SERVER, 8000)
    # at the same time: a LAN stream to m1 and c1's masqueraded stream out
    sink = lab.spawn(n["m1"], "sh -c 'nc -l -N 5005 > /dev/null'")
    time.sleep(0.3)
    big = lab.spawn(n["lan"], "sh -c 'head -c 16000000 /dev/zero | nc -N -w 10 198.51.100.11 5005'")
    tcp_transfer(lab, n["c1"], n["lan"], SERVER, size=8 << 20, port=5006)
    r = lab.run(n["c1"], "curl -s -o /dev/null -w '%%{http_code}' --max-time 10 "
                "http://%s:8000/" % SERVER)
    assert r.stdout == "200"
    r = lab.run(n["m1"], "curl -s -o /dev/null -w '%%{http_code}' --max-time 10 "
                "http://%s:8000/" % SERVER)
    assert r.stdout == "200"
    log = logf.read_text()
    # c1 came masqueraded as the uplink, m1 as itself
    assert UPLINK_IP + " " in log and "198.51.100.11 " in log, log
    assert "172.17.0.2" not in log
    big.wait(timeout=30)
    sink.wait(timeout=30)
    assert big.returncode == 0
    # an endpoint reaches vsw's own address on the LAN (Linux macvlan cannot)
    lab.run(n["m1"], "ping -c 2 -i 0.2 -W 2 %s" % UPLINK_IP)
    nat = {row["counter"]: row["value"] for row in v.ctl("show", "nat", as_json=True)["nat"]}
    assert nat["translated_out"] > 100
    ports = {p["port"]: p for p in v.ctl("show", "ports", as_json=True)["ports"]}
    assert ports["uplink"]["role"] == "routed 198.51.100.2/24, parent of lan,priv"
    assert ports["m1"]["role"] == "macvlan lan"
    srv.kill()
    v.stop()


RT_LAB = """
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

[port uplink]
kind = afpacket
iface = {up}
address = 198.51.100.2/24
gateway = 198.51.100.1
"""


def test_macvlan_network_at_run_time(lab):
    """`network create NAME --macvlan PORT` on the routed uplink while a
    stream from a bridge container goes out through NAT on it: endpoints
    added and removed, the LAN, each other and vsw's own address reached,
    the uplink routing again when the network goes; kill -9 keeps it."""
    lan, hup = lab.container("lan", "198.51.100.1/24")
    lab.run(lan, "ip addr add %s/32 dev lo" % SERVER)
    c1, hc1 = lab.container("c1", "172.17.0.2/16", gw="172.17.0.1")
    m1, hm1 = lab.container("m1", "198.51.100.11/24", mac=M1_MAC)
    m2, hm2 = lab.container("m2", "198.51.100.12/24", mac=M2_MAC)
    v = lab.vsw(RT_LAB.format(c1=hc1, up=hup))
    lab.run(c1, "ping -c 1 -W 2 %s" % SERVER)

    st = Stream(lab, c1, lan, 5006)

    out = v.ctl("network", "create", "mv", "--macvlan", "uplink", "--mode", "bridge").stdout
    assert "macvlan mv added" in out, out
    assert "already" in v.ctl("network", "create", "mv", "--macvlan", "uplink").stdout
    for args, why in [(("mv", "--macvlan", "uplink", "--mode", "vepa"), "other settings"),
                      (("docker0", "--macvlan", "uplink"), "as a bridge network"),
                      (("mv2", "--macvlan", "uplink", "--subnet", "10.0.0.0/24"),
                       "--mode and --gateway only"),
                      (("mv2", "--macvlan", "nosuch"), "nosuch"),
                      (("mv2", "--macvlan", "uplink", "--mode", "bridge"), "has this parent"),
                      (("mv2", "--macvlan", "uplink.20", "--mode", "weird"), "weird"),
                      (("mv2", "--mode", "bridge"), "--macvlan")]:
        r = v.ctl("network", "create", *args, check=False)
        assert r.returncode != 0 and why in r.stdout + r.stderr, (args, r.stdout + r.stderr)
    nets = {n["network"]: n for n in v.ctl("network", "ls", as_json=True)["networks"]}
    assert nets["mv"]["driver"] == "macvlan/bridge" and nets["mv"]["parent"] == "uplink"
    assert nets["docker0"]["driver"] == "bridge"

    v.ctl("port", "add", "m1", "kind=afpacket", "iface=%s" % hm1, "macvlan=mv",
          "mac=%s" % M1_MAC)
    v.ctl("port", "add", "m2", "kind=afpacket", "iface=%s" % hm2, "macvlan=mv",
          "mac=%s" % M2_MAC)
    lab.run(m1, "ping -c 2 -i 0.2 -W 2 198.51.100.1")       # the LAN
    lab.run(lan, "ping -c 2 -i 0.2 -W 2 198.51.100.12")     # from the LAN
    lab.run(m1, "ping -c 2 -i 0.2 -W 2 198.51.100.12")      # each other
    lab.run(m2, "ping -c 2 -i 0.2 -W 2 %s" % UPLINK_IP)     # vsw's own address
    tcp_transfer(lab, m1, lan, "198.51.100.1", size=2 << 20, port=5311)
    r = v.ctl("network", "rm", "mv", check=False)
    assert r.returncode != 0 and "has ports" in r.stdout + r.stderr

    # kill -9 and a start: the network and its endpoints come back
    st.done()
    v.proc.send_signal(signal.SIGKILL)
    v.proc.wait()
    v = lab.vsw(RT_LAB.format(c1=hc1, up=hup))
    assert "mv" in {n["network"] for n in v.ctl("network", "ls", as_json=True)["networks"]}
    lab.run(m1, "ping -c 2 -i 0.2 -W 2 198.51.100.1")
    lab.run(c1, "ping -c 1 -W 2 %s" % SERVER)

    v.ctl("port", "del", "m1")
    v.ctl("port", "del", "m2")
    assert lab.run(m1, "ping -c 1 -W 1 198.51.100.1", check=False).returncode != 0
    out = v.ctl("network", "rm", "mv").stdout
    assert "macvlan mv removed" in out, out
    # the uplink routes on its own again
    lab.run(c1, "ping -c 2 -i 0.2 -W 2 %s" % SERVER)
    lab.run(lan, "ping -c 1 -W 2 %s" % UPLINK_IP)
    assert "mv" not in {n["network"] for n in v.ctl("network", "ls", as_json=True)["networks"]}
    v.stop()


def test_sighup_adds_a_parent_a_macvlan_network_and_endpoints(lab):
    """A parent that does not route, its network and an endpoint come with
    one reload and go with the next; the switch's other ports go on."""
    lan, hpar = lab.container("lan2", "203.0.113.1/24")
    c1, hc1 = lab.container("c1", "172.17.0.2/16", gw="172.17.0.1")
    up, hup = lab.container("up", "198.51.100.1/24")
    m1, hm1 = lab.container("m1", "203.0.113.11/24", mac=P1_MAC)
    v = lab.vsw(RT_LAB.format(c1=hc1, up=hup))
    base = v.ini.read_text()
    v.ini.write_text(base + "[port par]\nkind = afpacket\niface = %s\n"
                     "[macvlan lan2]\nparent = par\nmode = private\n"
                     "[port m1]\nkind = afpacket\niface = %s\nmacvlan = lan2\nmac = %s\n"
                     % (hpar, hm1, P1_MAC))
    v.proc.send_signal(signal.SIGHUP)
    for _ in range(100):
        if "applied" in v.text() or "refused" in v.text():
            break
        time.sleep(0.05)
    assert "applied: 3 changes" in v.text(), v.text()
    lab.run(m1, "ping -c 2 -i 0.2 -W 2 203.0.113.1")
    lab.run(c1, "ping -c 1 -W 2 198.51.100.1")
    mv = v.ctl("show", "macvlan", as_json=True)
    assert [n["macvlan"] for n in mv["macvlan"]] == ["lan2"], mv
    assert mv["macvlan"][0]["from_lan"] >= 2, mv
    v.ini.write_text(base)
    v.proc.send_signal(signal.SIGHUP)
    for _ in range(100):
        if v.text().count("applied") == 2:
            break
        time.sleep(0.05)
    assert "macvlan lan2 removed" in v.text(), v.text()
    assert lab.run(m1, "ping -c 1 -W 1 203.0.113.1", check=False).returncode != 0
    lab.run(c1, "ping -c 1 -W 2 198.51.100.1")
    v.stop()
