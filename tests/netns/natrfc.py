# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of test_rfc5382.py and test_rfc5508.py: a golden case replayed by
name (tests/pcap/rfc5382_* and rfc5508_*: virtual time makes the timers
testable), and a docker0-like lab for the checks that need real sockets or
a port vsw chose at random."""
import sys
import time
from pathlib import Path

import pytest

PCAP = Path(__file__).resolve().parent.parent / "pcap"
sys.path.insert(0, str(PCAP))
import test_golden as golden  # noqa: E402

UPLINK_IP = "198.51.100.2"
S1, S2 = "203.0.113.10", "203.0.113.11"

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
"""


def replay(case, tmp_path):
    """Replay golden case 'case' (its frames, drops and determinism)."""
    d = PCAP / case
    assert (d / "topology.ini").exists(), "no golden case %s" % case
    golden.test_golden(d, tmp_path)


@pytest.fixture
def nat_lab(lab):
    """c1 (172.17.0.2), c2 (.3) behind vsw; 'out' is the uplink's gateway
    and holds S1 and S2 on its loopback."""
    c1, h1 = lab.container("c1", "172.17.0.2/16", gw="172.17.0.1")
    c2, h2 = lab.container("c2", "172.17.0.3/16", gw="172.17.0.1")
    out, hup = lab.container("out", "198.51.100.1/24")
    for ip in (S1, S2):
        lab.run(out, "ip addr add %s/32 dev lo" % ip)
    v = lab.vsw(LAB.format(c1=h1, c2=h2, up=hup))
    lab.names = {"c1": c1, "c2": c2, "out": out}
    return lab, v


def scapy_send(lab, ns, pkts):
    """Send IP packets (scapy expressions) from namespace 'ns'."""
    lab.run(ns, "/usr/bin/python3 -c \"from scapy.all import *; conf.verb=0; "
                "s=conf.L3socket(); [s.send(p) for p in [%s]]\"" % ", ".join(pkts))


def capture(lab, ns, bpf, name):
    """Start tcpdump on eth0 of 'ns'; returns a function that stops it and
    gives the packets."""
    path = lab.tmp / name
    p = lab.spawn(ns, "tcpdump -i eth0 -n -U -w %s '%s'" % (path, bpf))
    for _ in range(50):
        if path.exists():
            break
        time.sleep(0.1)
    time.sleep(0.3)

    def stop(want=0):
        """'want': wait up to 5 s for that many packets (a first packet
        that waits for ARP may come a second late on a loaded machine)."""
        time.sleep(0.5)
        from scapy.all import rdpcap
        end = time.time() + 5
        while want and time.time() < end:
            try:
                if len(rdpcap(str(path))) >= want:
                    break
            except Exception:  # a record being written
                pass
            time.sleep(0.2)
        p.terminate()
        p.wait(timeout=10)
        from scapy.all import rdpcap
        return list(rdpcap(str(path)))
    return stop


def drops(v):
    return {(d["port"], d["reason"]): d["count"]
            for d in v.ctl("show", "stats", as_json=True)["drops"]}
