# SPDX-License-Identifier: BSD-3-Clause
"""End to end: the MAC-learning bridge with real containers (namespaces)."""
import time

from conftest import sh
from test_foundation import bridge_ini, tcp_transfer


def macs_on(v, port):
    return {e["mac"].lower() for e in v.ctl("show", "fdb", as_json=True)["fdb"]
            if e["port"] == port}


def mac_of(lab, ns, dev="eth0"):
    return lab.run(ns, "cat /sys/class/net/%s/address" % dev).stdout.strip()


def bridge_row(v, name="br0"):
    return {b["bridge"]: b for b in v.ctl("show", "bridges", as_json=True)["bridges"]}[name]


def test_learned_unicast_is_not_seen_by_a_third_container(lab):
    a, ha = lab.container("a", "10.90.0.1/24")
    b, hb = lab.container("b", "10.90.0.2/24")
    c, hc = lab.container("c", "10.90.0.3/24")
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha),
                            ("b", "afpacket", "iface", hb),
                            ("c", "afpacket", "iface", hc)]))
    lab.run(a, "ping -c 1 -W 2 10.90.0.2")         # both ends learned
    assert mac_of(lab, a) in macs_on(v, "a")
    assert mac_of(lab, b) in macs_on(v, "b")
    cap = lab.spawn(c, "tcpdump -i eth0 -n -w %s 'host 10.90.0.1 and host 10.90.0.2'"
                    % (lab.tmp / "c.pcap"))
    time.sleep(1)
    lab.run(a, "ping -c 5 -i 0.1 -W 2 10.90.0.2")
    tcp_transfer(lab, a, b, "10.90.0.2", size=2 << 20)
    time.sleep(0.5)
    cap.terminate()
    cap.wait(timeout=10)
    seen = sh("tcpdump -r %s -n 2>/dev/null | wc -l" % (lab.tmp / "c.pcap")).stdout.strip()
    assert seen == "0", "the third container saw %s frames of a-b traffic" % seen
    stats = v.port_stats()
    assert stats["c"]["tx"] < 20, stats["c"]
    assert bridge_row(v)["unicast"] > 30
    v.stop()


def test_random_source_macs_do_not_disturb_the_others(lab):
    a, ha = lab.container("a", "10.91.0.1/24")
    b, hb = lab.container("b", "10.91.0.2/24")
    x, hx = lab.container("x", "10.91.0.66/24")
    v = lab.vsw("[bridge br0]\nmac_limit = 500\n"
                "[port a]\nkind = afpacket\niface = %s\nbridge = br0\n"
                "[port b]\nkind = afpacket\niface = %s\nbridge = br0\n"
                "[port x]\nkind = afpacket\niface = %s\nbridge = br0\nmac_limit = 300\n"
                % (ha, hb, hx))
    lab.run(a, "ping -c 1 -W 2 10.91.0.2")
    # 5000 frames with random source MACs from x
    lab.run(x, "/usr/bin/python3 -c \"from scapy.all import *; "
               "sendp([Ether(src=RandMAC(), dst='ff:ff:ff:ff:ff:ff')/IP(dst='10.91.0.255')/UDP()"
               " for _ in range(5000)], iface='eth0', verbose=0)\"", timeout=120)
    row = bridge_row(v)
    got = v.port_stats()["x"]["rx"]       # the kernel may drop some on the way
    assert got > 1000
    assert row["entries"] <= 500
    # RandMAC sets the multicast bit half the time: those are dropped
    mcast = sum(d["count"] for d in v.ctl("show", "stats", as_json=True)["drops"]
                if d["port"] == "x" and d["reason"] == "src_multicast")
    assert 0.3 * got < mcast < 0.7 * got
    assert row["fdb_full"] + mcast >= got * 0.95 - 300
    on_x = len(macs_on(v, "x"))
    assert 250 <= on_x <= 300, on_x        # x's own limit held
    # a and b are still known, still talk, and new stations still learn
    assert mac_of(lab, a) in macs_on(v, "a")
    assert mac_of(lab, b) in macs_on(v, "b")
    lab.run(a, "ping -c 3 -i 0.2 -W 2 10.91.0.2")
    tcp_transfer(lab, b, a, "10.91.0.1", size=2 << 20)
    v.stop()


def test_aging_and_flushes(lab):
    a, ha = lab.container("a", "10.92.0.1/24")
    b, hb = lab.container("b", "10.92.0.2/24")
    c, hc = lab.container("c", "10.92.0.3/24")
    for ns in (a, b, c):       # quiet containers: nothing refreshes the FDB
        lab.run(ns, "sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1")
    v = lab.vsw("[bridge br0]\nmac_aging = 2\n" +
                bridge_ini([("a", "afpacket", "iface", ha),
                            ("b", "afpacket", "iface", hb),
                            ("c", "afpacket", "iface", hc)]).replace("[bridge br0]\n", ""))
    lab.run(a, "ping -c 1 -W 2 10.92.0.2")
    assert mac_of(lab, a) in macs_on(v, "a")
    time.sleep(4.5)
    assert macs_on(v, "a") == set() and macs_on(v, "b") == set()
    assert bridge_row(v)["aged"] >= 2

    # fdb flush, by port and whole bridge
    lab.run(a, "ping -c 1 -W 2 10.92.0.2")
    lab.run(c, "ping -c 1 -W 2 10.92.0.2")
    r = v.ctl("fdb", "flush", "br0", "a")
    assert "flushed 1 learned entry" in r.stdout
    assert macs_on(v, "a") == set() and mac_of(lab, c) in macs_on(v, "c")
    assert "flushed" in v.ctl("fdb", "flush", "br0").stdout
    assert v.ctl("show", "fdb", as_json=True)["fdb"] == []
    r = v.ctl("fdb", "flush", "br0", "nope", check=False)
    assert r.returncode == 1 and "no port 'nope'" in r.stderr
    r = v.ctl("show", "fdb", "br9", check=False)
    assert r.returncode == 1 and "no bridge named 'br9'" in r.stderr

    # a port that goes down loses its entries at once
    lab.run(b, "ping -c 1 -W 2 10.92.0.3")
    assert mac_of(lab, b) in macs_on(v, "b")
    sh("ip link set %s down" % hb)
    deadline = time.time() + 5
    while time.time() < deadline and macs_on(v, "b"):
        time.sleep(0.2)
    assert macs_on(v, "b") == set()
    assert "port b is down" in v.text()
    sh("ip link set %s up" % hb)
    time.sleep(1.5)
    lab.run(b, "ping -c 1 -W 3 10.92.0.3")

    # vswctl port b down: as a link loss, and what b sends is counted
    assert mac_of(lab, b) in macs_on(v, "b")
    assert "port b is set down" in v.ctl("port", "b", "down").stdout
    assert macs_on(v, "b") == set()
    ports = {p["port"]: p for p in v.ctl("show", "ports", as_json=True)["ports"]}
    assert ports["b"]["link"] == "down (set)" and ports["a"]["link"] == "up"
    assert lab.run(b, "ping -c 2 -i 0.2 -W 1 10.92.0.3", check=False).returncode != 0
    assert lab.run(a, "ping -c 1 -W 1 10.92.0.2", check=False).returncode != 0
    drops = {(d["port"], d["reason"]): d["count"]
             for d in v.ctl("show", "stats", as_json=True)["drops"]}
    assert drops.get(("b", "port_down"), 0) >= 2
    assert "already down" in v.ctl("port", "b", "down").stdout
    for bad in (["port", "b"], ["port", "zz", "up"], ["port", "b", "sideways"]):
        r = v.ctl(*bad, check=False)
        assert r.returncode == 1, bad
    assert "port b is set up" in v.ctl("port", "b", "up").stdout
    lab.run(b, "ping -c 1 -W 3 10.92.0.3")
    assert mac_of(lab, b) in macs_on(v, "b")
    v.stop()


TRUNK_PROBE = r"""
import json, sys
from scapy.all import Ether, Dot1Q, ARP, IP, ICMP, srp1, conf
conf.verb = 0
me, vid, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
src_ip = target.rsplit(".", 1)[0] + ".9"
out = {}
r = srp1(Ether(src=me, dst="ff:ff:ff:ff:ff:ff") / Dot1Q(vlan=vid) /
         ARP(hwsrc=me, psrc=src_ip, pdst=target), iface="eth0", timeout=2)
out["arp"] = None if r is None or ARP not in r else {
    "mac": r[ARP].hwsrc, "vlan": r[Dot1Q].vlan if Dot1Q in r else None}
if out["arp"]:
    r = srp1(Ether(src=me, dst=out["arp"]["mac"]) / Dot1Q(vlan=vid) /
             IP(src=src_ip, dst=target) / ICMP(id=7, seq=1), iface="eth0", timeout=2)
    out["echo"] = r is not None and ICMP in r and r[ICMP].type == 0 and \
        Dot1Q in r and r[Dot1Q].vlan == vid
print(json.dumps(out))
"""


def test_vlans_between_containers(lab):
    """Access ports in VLANs 10, 20 and 30, and a container on a trunk
    (10, 20 tagged, native 30) that speaks tagged frames itself: the host
    end's kernel lifts each tag into packet metadata and vsw must put it
    back, and tag what it sends there."""
    import json
    a10, h10 = lab.container("a10", "10.93.10.1/24")
    a20, h20 = lab.container("a20", "10.93.20.1/24")
    n30, h30 = lab.container("n30", "10.93.30.1/24")
    t, ht = lab.container("t", "10.93.30.9/24")        # untagged: native 30
    tmac = mac_of(lab, t)
    for ns, net in ((a10, 10), (a20, 20)):            # replies go back tagged
        lab.run(ns, "ip neigh add 10.93.%d.9 lladdr %s dev eth0" % (net, tmac))
    v = lab.vsw("[bridge br0]\n"
                "[port a10]\nkind = afpacket\niface = %s\nbridge = br0\nvlan = 10\n"
                "[port a20]\nkind = afpacket\niface = %s\nbridge = br0\nvlan = 20\n"
                "[port n30]\nkind = afpacket\niface = %s\nbridge = br0\nvlan = 30\n"
                "[port t]\nkind = afpacket\niface = %s\nbridge = br0\n"
                "trunk = 10,20\nnative = 30\n" % (h10, h20, h30, ht))
    probe = lab.tmp / "probe.py"
    probe.write_text(TRUNK_PROBE)

    def ask(vid, target):
        return json.loads(lab.run(t, "/usr/bin/python3 %s %s %d %s" %
                                  (probe, tmac, vid, target), timeout=30).stdout)

    r = ask(10, "10.93.10.1")
    assert r["arp"] == {"mac": mac_of(lab, a10), "vlan": 10} and r["echo"], r
    r = ask(20, "10.93.20.1")
    assert r["arp"] == {"mac": mac_of(lab, a20), "vlan": 20} and r["echo"], r
    # untagged on the trunk is the native VLAN 30, plain kernel traffic
    lab.run(t, "ping -c 2 -i 0.2 -W 2 10.93.30.1")
    tcp_transfer(lab, n30, t, "10.93.30.9", size=2 << 20)
    # VLAN 20 cannot reach the VLAN 10 host, nor can an access port
    assert ask(20, "10.93.10.1")["arp"] is None
    lab.run(a20, "ip addr add 10.93.10.50/24 dev eth0")
    assert lab.run(a20, "ping -c 2 -i 0.2 -W 1 10.93.10.1", check=False).returncode != 0
    fdb = v.ctl("show", "fdb", as_json=True)["fdb"]
    assert {(e["port"], e["vlan"]) for e in fdb} >= {("a10", 10), ("t", 10), ("t", 20),
                                                    ("t", 30), ("a20", 20)}
    assert "10,20,30" in v.ctl("show", "bridges").stdout
    assert v.port_stats()["a20"]["drops"] == 0
    v.stop()


def test_jumbo_and_tagged_super_frames(lab):
    """MTU 9000, and a trunk between two vsw (this kernel has no VLAN
    devices: the second vsw tags): whole 9000-byte frames (offloads off)
    go through the rings' large slots and on in segments, super-frames
    (offloads on) are read straight into mbufs, and the trunk's tag, lifted
    by the host end's kernel, is put back on both paths. TCP both ways
    arrives whole, nothing is dropped and every mbuf comes back."""
    a, ha = lab.container("a", "10.94.10.1/24")
    t, ht = lab.container("t", "10.94.10.9/24")
    x, y = lab.veth_pair("x", "y")
    for host in (ha, ht, x, y):
        sh("ip link set %s mtu 9000" % host)
    for ns in (a, t):
        lab.run(ns, "ip link set eth0 mtu 9000")
    ini = ("[bridge br0]\n[port c]\nkind = afpacket\niface = %s\nbridge = br0\nvlan = 10\n"
           "[port up]\nkind = afpacket\niface = %s\nbridge = br0\ntrunk = 10\n")
    va = lab.vsw(ini % (ha, x), name="va")
    vb = lab.vsw(ini % (ht, y), name="vb")
    # the largest frame that fits, not fragmented, both ways
    lab.run(a, "ping -c 3 -i 0.2 -W 2 -M do -s 8972 10.94.10.9")
    lab.run(t, "ping -c 3 -i 0.2 -W 2 -M do -s 8972 10.94.10.1")
    # super-frames, tagged between the two
    tcp_transfer(lab, a, t, "10.94.10.9", size=4 << 20, port=5001)
    tcp_transfer(lab, t, a, "10.94.10.1", size=4 << 20, port=5002)
    # whole jumbo frames: no segmentation offload in either container
    for ns in (a, t):
        lab.run(ns, "ethtool -K eth0 tso off gso off")
    tcp_transfer(lab, a, t, "10.94.10.9", size=4 << 20, port=5003)
    tcp_transfer(lab, t, a, "10.94.10.1", size=4 << 20, port=5004)
    for v in (va, vb):
        st = v.port_stats()
        for p in ("c", "up"):
            # each port carried two 4 MiB transfers each way
            assert st[p]["rx_bytes"] >= 8 << 20 and st[p]["tx_bytes"] >= 8 << 20, st[p]
            assert st[p]["drops"] == 0, st[p]
    va.stop()
    vb.stop()
