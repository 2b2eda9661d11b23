# SPDX-License-Identifier: BSD-3-Clause
"""bench/run dns: vsw's name service (switch/dns.c) beside dnsmasq, queries
a second measured with dnsperf (Debian's) from a client namespace.

  table      A queries for 30 static names of the network, answered from
             vsw's table at the gateway / from dnsmasq's --host-record
  forwarded  A queries for names of another domain, forwarded to an
             upstream dnsmasq in a third namespace that answers them
             (--address); the peer dnsmasq runs with --cache-size=0 so that
             it forwards every query as vsw does (vsw keeps no cache)

The client reaches vsw's gateway through vsw (a vswctl connect endpoint)
and the peer dnsmasq over a veth of its own (no switch in its path: the
kernel's path only). dnsperf: 5 s (2 s --quick), 100 queries outstanding
(its default), one client socket.
"""
import re
import time

import net
from net import SW_CPU, Lab, log, result, series, start_vsw

VSW_INI = """poll = busy
cpus = %d
dns_upstream = 198.51.100.1
dns_netns = %s
[bridge dnsb]
subnet = 10.83.0.0/24
gateway = 10.83.0.1
"""
N_NAMES = 30


def dnsperf(lab, ns, server, qfile, secs):
    out = lab.run(ns, "dnsperf -s %s -d %s -l %d -t 2" % (server, qfile, secs),
                  timeout=secs + 30).stdout
    qps = re.search(r"Queries per second:\s+([0-9.]+)", out)
    lost = re.search(r"Queries lost:\s+(\d+)", out)
    if qps is None:
        raise RuntimeError("dnsperf: no figure: %s" % out[-300:])
    log("dnsperf %s %s: %s q/s, %s lost" % (server, qfile.name, qps.group(1),
                                           lost.group(1) if lost else "?"))
    return float(qps.group(1))


def scenario_dns(args, tmp):
    secs = 1 if args.smoke else 2 if args.quick else 5
    systems = ["vsw"] if args.smoke else ["vsw", "dnsmasq"]
    runs = {s: {"table": [], "forwarded": []} for s in systems}
    lab = Lab(tmp)
    try:
        up = lab.netns("up")
        lab.run(up, "ip addr add 198.51.100.1/32 dev lo")
        lab.spawn(["dnsmasq", "--keep-in-foreground", "--no-hosts", "--no-resolv",
                   "--listen-address=198.51.100.1", "--bind-interfaces", "--pid-file=",
                   "--address=/bench.example/203.0.113.5", "--log-facility=-"],
                  ns=up, name="upstream")
        v = start_vsw(lab, VSW_INI % (SW_CPU, up))
        c = lab.netns("c")
        v.ctl("connect", "dnsb", "--netns", c, "--name", "client")
        for i in range(N_NAMES):
            v.ctl("name", "add", "dnsb", "h%d" % i, "10.83.0.%d" % (100 + i))
        # the peer: dnsmasq on a veth of the client's, answering the same
        # names and forwarding the rest to the same upstream
        p = lab.netns("p")
        if "dnsmasq" in systems:
            lab.wire(c, "vp", p, "10.84.0.1/24")
            lab.run(c, "ip addr add 10.84.0.2/24 dev vp")
            # the upstream, from the peer's namespace: a veth of its own
            net.sh("ip -n %s link add vu type veth peer name eup netns %s" % (up, p))
            net.sh("ip -n %s link set vu up" % up)
            net.sh("ip -n %s link set eup up" % p)
            lab.run(up, "ip addr add 198.51.100.254/31 dev vu")
            lab.run(p, "ip addr add 198.51.100.255/31 dev eup")
            lab.run(p, "ip route add 198.51.100.1/32 via 198.51.100.254")
            hosts = ["--host-record=h%d.dnsb,h%d,10.83.0.%d" % (i, i, 100 + i)
                     for i in range(N_NAMES)]
            lab.spawn(["dnsmasq", "--keep-in-foreground", "--no-hosts", "--no-resolv",
                       "--listen-address=10.84.0.1", "--bind-interfaces", "--pid-file=",
                       "--cache-size=0", "--server=198.51.100.1", "--log-facility=-"] + hosts,
                      ns=p, name="peer")
        table = lab.dir / "table.q"
        table.write_text("".join("h%d A\n" % i for i in range(N_NAMES)))
        fwd = lab.dir / "fwd.q"
        fwd.write_text("".join("q%d.bench.example A\n" % i for i in range(1000)))
        servers = {"vsw": "10.83.0.1", "dnsmasq": "10.84.0.1"}
        time.sleep(0.5)
        for s in systems:
            if lab.run(c, "dig +short +tries=3 +time=1 @%s h1" % servers[s]).stdout.strip() != \
                    "10.83.0.101":
                raise RuntimeError("%s does not answer h1" % s)
            if lab.run(c, "dig +short +tries=3 +time=1 @%s q1.bench.example" %
                       servers[s]).stdout.strip() != "203.0.113.5":
                raise RuntimeError("%s does not forward" % s)
        for _ in range(args.reps):
            for s in systems:
                for key, qf in (("table", table), ("forwarded", fwd)):
                    try:
                        runs[s][key].append(dnsperf(lab, c, servers[s], qf, secs))
                    except RuntimeError as ex:
                        log("dns %s %s: %s" % (s, key, ex))
        st = {r["counter"]: r["value"] for r in v.ctl("show", "dns")["dns"]}
        log("vsw show dns: %s" % st)
    finally:
        lab.cleanup()
    out = []
    for s in systems:
        out.append(result("dns", "answered from the table (queries/s)", s,
                          series(runs[s]["table"]), unit="q/s"))
        out.append(result("dns", "forwarded upstream (queries/s)", s,
                          series(runs[s]["forwarded"]), unit="q/s"))
    return out


PATHS = {"dns": (
    "dnsperf (Debian 2.11) in a client namespace, 100 queries outstanding. vsw: the client "
    "is a `vswctl connect` endpoint of a network whose gateway answers (30 static names "
    "from `vswctl name add`); forwarded names go from vsw's dns thread to an upstream "
    "dnsmasq (--address) in a namespace of its own (dns_netns). vsw poll = busy, worker on "
    "CPU 1, dns thread unpinned. dnsmasq: on a veth of the client's (the kernel path, no "
    "switch), the same names as --host-record, --cache-size=0, forwarding to the same "
    "upstream over a veth; unpinned.")}
NOTES = {"dns": (
    "vsw's queries cross the switch (the worker's punt to the dns thread and back); "
    "dnsmasq's cross one veth. Both forward every query (no cache).")}
SCENARIOS = {"dns": (scenario_dns,
                     "the name service beside dnsmasq (dnsperf): answered from the table, "
                     "forwarded")}
