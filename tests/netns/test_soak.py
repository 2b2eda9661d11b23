# SPDX-License-Identifier: BSD-3-Clause
"""Soak: generator traffic through a bridge, NAT and macvlan at once, with
port flaps and run-time commands, for VSW_SOAK_SECONDS (default 60; the full
soak is `sudo tests/soak`, ten minutes).

What must hold: vsw never stops forwarding, its memory stays flat, it
answers vswctl all along, and at the end every mbuf is back in its pool.

Traffic (vswgen on AF_PACKET in each sender's namespace, plus iperf3):
  c1 -> c2        bridge docker0, 20k frames/s of 500 flows (500 MACs)
  c1 -> outside   through masquerade, 20k frames/s of 500 flows
  outside -> m1   the LAN straight to a macvlan endpoint, 20k frames/s
  c2 -> outside   one TCP stream (iperf3) through NAT
Faults, in turn, every few seconds: a container's link down and up, the
macvlan endpoint's link down and up, `vswctl port c1|m1 down` and up again,
`vswctl fdb flush`, every show command.
"""
import os
import random
import re
import time

import pytest

from conftest import BUILD, sh

VSWGEN = BUILD / "bench" / "vswgen"
SECONDS = int(os.environ.get("VSW_SOAK_SECONDS", "60"))
UPLINK_IP, UPLINK_MAC = "198.51.100.2", "02:42:c6:33:64:02"
GW_MAC = "02:42:ac:11:00:01"
SERVER = "203.0.113.10"
M1_MAC = "02:42:c6:33:64:0b"

# Hugepages for the run: their memory is pinned and outside VmRSS, so RSS
# is vsw's own (heap, tables made at run time). Without them DPDK's memory
# is ordinary anonymous memory, faulted in as the pools are first used,
# and RSS grows for that reason alone.
HUGE = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
HUGE_PAGES = 1024

LAB = """
[switch]
control = @SOCK@
hugepages = yes

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

[macvlan lan]
parent = uplink

[port m1]
kind = afpacket
iface = {m1}
macvlan = lan
mac = {m1mac}

[publish web]
port = uplink
proto = tcp
listen = 8080
to = 172.17.0.2:80
"""


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def gen(lab, ns, seconds, *args):
    return lab.spawn(ns, "%s --tx net_af_packet0,iface=eth0 --no-rx --cpu 0 --rate 20000 "
                     "--duration %d %s" % (VSWGEN, seconds, " ".join(args)))


@pytest.fixture
def hugepages():
    with open(HUGE) as f:
        before = int(f.read())
    if before < HUGE_PAGES:
        with open(HUGE, "w") as f:
            f.write(str(HUGE_PAGES))
    yield
    with open(HUGE, "w") as f:
        f.write(str(before))


def test_soak(hugepages, lab):
    c1, h1 = lab.container("c1", "172.17.0.2/16", gw="172.17.0.1")
    c2, h2 = lab.container("c2", "172.17.0.3/16", gw="172.17.0.1")
    out, hup = lab.container("out", "198.51.100.1/24")
    m1, hm1 = lab.container("m1", "198.51.100.11/24", mac=M1_MAC)
    lab.run(out, "ip addr add %s/32 dev lo" % SERVER)
    v = lab.vsw(LAB.format(c1=h1, c2=h2, up=hup, m1=hm1, m1mac=M1_MAC))
    lab.run(c1, "ping -c 1 -W 2 %s" % SERVER)
    lab.run(c2, "ping -c 1 -W 2 172.17.0.2")
    lab.run(out, "ping -c 1 -W 2 198.51.100.11")
    c2_mac = lab.run(c2, "cat /sys/class/net/eth0/address").stdout.strip()
    secs = SECONDS + 5
    gens = [
        # sources off c2's subnet: its answers (port unreachable) go to its
        # gateway, not to 500 neighbours it would have to ARP for
        gen(lab, c1, secs, "--flows 500 --src-mac 02:42:ac:11:01:00 --src-ip 198.18.1.0",
            "--dst-mac", c2_mac, "--dst-ip 172.17.0.3"),
        gen(lab, c1, secs, "--flows 500 --src-ip 172.17.0.2 --sport 20000",
            "--dst-mac", GW_MAC, "--dst-ip", SERVER),
        gen(lab, out, secs, "--flows 500 --src-ip 198.51.100.100",
            "--dst-mac", M1_MAC, "--dst-ip 198.51.100.11"),
    ]
    iperf_srv = lab.spawn(out, "iperf3 -s -B %s -p 5201" % SERVER)
    time.sleep(0.5)
    # TCP across link flaps backs off; it is load here, not a pass mark
    iperf = lab.spawn(c2, "timeout %d iperf3 -c %s -p 5201 -t %d -b 200M" %
                      (secs + 30, SERVER, secs))
    time.sleep(3)                       # warm: pools, tables, caches
    rss0 = rss_kb(v.proc.pid)
    faults = [
        lambda: sh("ip link set %s down; sleep 0.3; ip link set %s up" % (h2, h2)),
        lambda: sh("ip link set %s down; sleep 0.3; ip link set %s up" % (hm1, hm1)),
        lambda: v.ctl("fdb", "flush"),
        # configuration changes: ports set down and up again by vswctl
        lambda: (v.ctl("port", "c1", "down"), time.sleep(0.3), v.ctl("port", "c1", "up")),
        lambda: (v.ctl("port", "m1", "down"), time.sleep(0.3), v.ctl("port", "m1", "up")),
        lambda: [v.ctl("show", w) for w in ("ports", "stats", "bridges", "fdb",
                                             "routes", "neighbors", "sessions",
                                             "nat", "macvlan")],
    ]
    rng = random.Random(7)
    end = time.time() + SECONDS
    last_tx, samples, rss_max = None, 0, rss0
    while time.time() < end:
        rng.choice(faults)()
        time.sleep(1.5)
        st = v.port_stats()
        tx = st["c2"]["tx"] + st["uplink"]["tx"] + st["m1"]["tx"]
        assert last_tx is None or tx > last_tx, "vsw stopped forwarding"
        last_tx = tx
        rss_max = max(rss_max, rss_kb(v.proc.pid))
        samples += 1
    for g in gens:
        g.wait(timeout=60)
        assert g.returncode == 0, g.stderr.read()[-500:]
    iperf.wait(timeout=90)
    iperf_srv.kill()
    # after all that, everything still works (-w: the kernels in the
    # namespaces may drop a first answer or two while they recover from
    # the flood of ICMP errors the generators provoked)
    lab.run(c2, "ping -c 1 -w 10 %s" % SERVER)
    lab.run(c1, "ping -c 1 -w 10 172.17.0.3")
    lab.run(out, "ping -c 1 -w 10 198.51.100.11")
    assert samples >= SECONDS // 3
    # memory flat: no more than 2 MB or 5 % above the warm figure
    assert rss_max <= rss0 + max(2048, rss0 // 20), (rss0, rss_max)
    nat = {r["counter"]: r["value"] for r in v.ctl("show", "nat", as_json=True)["nat"]}
    assert nat["translated_out"] > 10000
    log = v.stop()          # asserts a clean exit with every mbuf back
    assert "every mbuf back in its pool" in log
