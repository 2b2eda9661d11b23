#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""vsw benchmarks, side by side with the switches a user would pick instead.

Every figure is the median of at least three runs, with min and max, and
every peer runs in the same invocation on the same inputs. Results go to
bench/results/ as JSON and markdown, with a chart (gnuplot PNG); the run
records the CPU model, core count, kernel and vsw commit.

Scenarios (bench/run lists them):
  pipeline-l2   one worker core, net_pcap (infinite_rx) -> switch -> net_null,
                64-byte frames, 1k / 64k / 1M source MACs.
                Peers: dpdk-testpmd io (the ceiling of the vdevs themselves,
                no switching) and OVS-DPDK with the NORMAL action.
  pipeline-nat  the same through masquerade (see SCENARIOS).
  pipeline-macvlan  a parent port's frames demultiplexed to 16 / 64
                endpoints by destination MAC; beside vsw's own bridge doing
                the same job (static entries) and OVS-DPDK with dl_dst flows.

This file is run by bench/run, which installs what it needs first.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("VSW_BUILD", ROOT / "build"))
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "bench"))
import mkpcap  # noqa: E402

WORKER_CPU = 1          # the measured core; the main/control thread gets 0


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sh(cmd, check=True, **kw):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s%s" % (cmd, r.stdout, r.stderr))
    return r


# ---- the machine ------------------------------------------------------------

def machine():
    model, mhz = "?", 0.0
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name") and model == "?":
            model = line.split(":", 1)[1].strip()
        if line.startswith("cpu MHz") and not mhz:
            mhz = float(line.split(":", 1)[1])
    commit = sh("git -C %s rev-parse --short HEAD" % ROOT, check=False).stdout.strip()
    if sh("git -C %s status --porcelain -uno -- . ':!bench/results'" % ROOT,
          check=False).stdout.strip():
        commit += "+changes"
    return {
        "cpu": model, "cores": os.cpu_count(), "cpu_mhz": round(mhz),
        "kernel": platform.release(), "vsw_commit": commit or "?",
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


class Hugepages:
    """Reserve 2 MiB pages for the run and give them back after."""

    PATH = Path("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")

    def __init__(self, pages):
        self.pages = pages
        self.before = None

    def __enter__(self):
        self.before = int(self.PATH.read_text())
        if self.before < self.pages:
            self.PATH.write_text(str(self.pages))
        got = int(self.PATH.read_text())
        if got < self.pages:
            log("only %d of %d hugepages could be reserved" % (got, self.pages))
        return self

    def __exit__(self, *exc):
        self.PATH.write_text(str(self.before))


# --quick: the runs of a figure are consecutive windows of one set-up (a
# system started once), not set-ups of their own; full runs start each run
# afresh. Set by main().
WINDOWS = 1


def measure(fn, reps):
    """Median, min and max of 'reps' runs of fn() (each returns pps or None;
    with WINDOWS > 1, one call returns a list of that many runs)."""
    vals = []
    for _ in range(1 if WINDOWS > 1 else reps):
        try:
            v = fn()
        except (RuntimeError, OSError, ValueError, KeyError) as e:
            # one system that cannot run must not cost the others' figures
            log("run failed: %s" % str(e)[-600:])
            v = None
        if isinstance(v, list):
            vals.extend(x for x in v if x is not None)
        elif v is not None:
            vals.append(v)
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals),
            "max": max(vals), "runs": vals}


# ---- systems under test -------------------------------------------------------

class Vsw:
    """vsw in the background on a topology; counters through vswctl."""

    def __init__(self, tmp, ini):
        self.sock = str(tmp / "vsw.sock")
        self.ini = tmp / "bench.ini"
        self.ini.write_text("[switch]\ncontrol = %s\n" % self.sock + ini)
        self.log = open(tmp / "vsw.log", "w")
        self.proc = subprocess.Popen([str(BUILD / "vsw"), "-c", str(self.ini)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("vsw did not start: " +
                                   (tmp / "vsw.log").read_text()[-2000:])
            time.sleep(0.1)

    def ctl(self, *args):
        r = sh("%s -s %s %s --json" % (BUILD / "vswctl", self.sock, " ".join(args)))
        return json.loads(r.stdout)

    def tx(self, port):
        return {p["port"]: p for p in self.ctl("show", "stats")["ports"]}[port]["tx"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def rate(read, warmup, secs):
    """Packets per second of a counter read by read(), after a warm-up (a
    list of WINDOWS such figures, back to back, when WINDOWS > 1)."""
    time.sleep(min(warmup, 2) if WINDOWS > 1 else warmup)
    a, t0 = read(), time.time()
    out = []
    for _ in range(WINDOWS):
        time.sleep(secs)
        b, t1 = read(), time.time()
        out.append((b - a) / (t1 - t0))
        a, t0 = b, t1
    return out if WINDOWS > 1 else out[0]


def vsw_pipeline(pcap, frames, secs, extra=""):
    with tempfile.TemporaryDirectory(prefix="vsw-bench-") as d:
        tmp = Path(d)
        ini = ("poll = busy\ncpus = %d\n"
               "[bridge br0]\nmac_limit = %d\n%s"
               "[port in]\nkind = dpdk\nbridge = br0\nmbufs = %d\n"
               "devargs = net_pcap0,rx_pcap=%s,infinite_rx=1\n"
               "[port out]\nkind = dpdk\nbridge = br0\ndevargs = net_null0,no-rx=1\n"
               % (WORKER_CPU, max(2 * frames, 1024), extra, frames + 65536, pcap))
        v = Vsw(tmp, ini)
        try:
            return rate(lambda: v.tx("out"), 3, secs)
        finally:
            if v.stop() != 0:
                log("vsw exited with %s" % v.proc.returncode)


NAT_UPLINK = ("[port uplink]\nkind = dpdk\ndevargs = net_null0,no-rx=1\n"
              "address = 198.51.100.2/24\ngateway = 198.51.100.1\n"
              "gateway_mac = 02:00:00:00:01:01\n")


def nat_ini(pcap, frames, sessions, via_bridge):
    """Masquerade from the pcap to net_null: through a docker0 bridge, or
    with the pcap as a routed inside port (no L2 stage, as OVS ct nat)."""
    head = ("poll = busy\ncpus = %d\nnat_sessions = %d\n" % (WORKER_CPU, sessions))
    src = ("kind = dpdk\nmbufs = %d\ndevargs = net_pcap0,rx_pcap=%s,infinite_rx=1\n"
           % (frames + 65536, pcap))
    if via_bridge:
        return head + ("[bridge docker0]\nsubnet = 172.17.0.0/16\ngateway = 172.17.0.1\n"
                       "masquerade = uplink\n[port in]\nbridge = docker0\n" + src +
                       NAT_UPLINK)
    return head + ("[port in]\naddress = 172.17.0.1/16\nmac = 02:42:ac:11:00:01\n"
                   "masquerade = uplink\n" + src + NAT_UPLINK)


def vsw_nat_pipeline(pcap, frames, secs, via_bridge):
    sessions = max(frames + frames // 8, 65536)
    with tempfile.TemporaryDirectory(prefix="vsw-bench-") as d:
        v = Vsw(Path(d), nat_ini(pcap, frames, sessions, via_bridge))
        try:
            pps = rate(lambda: v.tx("uplink"), 4, secs)
            nat = {r["counter"]: r["value"] for r in v.ctl("show", "nat")["nat"]}
            if nat["sessions"] < frames * 0.99:
                log("only %d of %d sessions exist" % (nat["sessions"], frames))
                return None
            return pps
        finally:
            v.stop()


def vsw_new_sessions(pcap, frames):
    """New sessions a second: the slope of sessions_created while the first
    pass over a pcap of 'frames' different flows makes them, asked of vswctl
    every 20 ms; if the pass is over before two answers fall inside it, the
    rate is frames over the time from the last answer before it to the
    first after it (an underestimate, said in the log)."""
    with tempfile.TemporaryDirectory(prefix="vsw-bench-") as d:
        v = Vsw(Path(d), nat_ini(pcap, frames, frames + frames // 8, False))
        samples = []
        try:
            end = time.time() + 30
            while time.time() < end:
                n = {r["counter"]: r["value"] for r in v.ctl("show", "nat")["nat"]}
                samples.append((time.time(), n["sessions_created"]))
                if n["sessions_created"] >= frames:
                    break
                time.sleep(0.02)
        finally:
            v.stop()
    making = [s for s in samples if 0 < s[1] < frames]
    if len(making) >= 2 and making[-1][0] > making[0][0]:
        return (making[-1][1] - making[0][1]) / (making[-1][0] - making[0][0])
    before = [s for s in samples if s[1] == 0]
    after = [s for s in samples if s[1] >= frames]
    if before and after:
        log("new sessions: the pass took less than two samples; bracketing it")
        return frames / (after[0][0] - before[-1][0])
    return None


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def macvlan_ini(pcap, frames, endpoints, as_bridge):
    """The pcap is a parent port whose frames go to 'endpoints' net_null
    endpoints: a macvlan network, or the same job done by a bridge whose
    FDB has the endpoints' MACs as static entries."""
    head = "poll = busy\ncpus = %d\n" % WORKER_CPU
    parent = ("[port in]\nkind = dpdk\nmbufs = %d\n"
              "devargs = net_pcap0,rx_pcap=%s,infinite_rx=1\n" % (frames + 65536, pcap))
    eps = ""
    for k in range(endpoints):
        eps += ("[port e%d]\nkind = dpdk\nmbufs = 512\ndevargs = net_null%d,no-rx=1\n"
                % (k, k + 1))
        eps += ("bridge = br0\n" if as_bridge else
                "macvlan = lan\nmac = %s\n" % mac_str(mkpcap.endpoint_mac(k)))
    if as_bridge:
        statics = "".join("static = %s@e%d\n" % (mac_str(mkpcap.endpoint_mac(k)), k)
                          for k in range(endpoints))
        return (head + "[bridge br0]\nmac_limit = %d\n%s"
                % (max(2 * frames, 1024), statics) + parent + "bridge = br0\n" + eps)
    return head + "[macvlan lan]\nparent = in\nmode = bridge\n" + parent + eps


def vsw_macvlan_pipeline(pcap, frames, endpoints, secs, as_bridge):
    with tempfile.TemporaryDirectory(prefix="vsw-bench-") as d:
        v = Vsw(Path(d), macvlan_ini(pcap, frames, endpoints, as_bridge))

        def tx():
            ports = v.ctl("show", "stats")["ports"]
            return sum(p["tx"] for p in ports if p["port"] != "in")
        try:
            return rate(tx, 3, secs)
        finally:
            v.stop()


def testpmd_pipeline(pcap, frames, secs):
    """dpdk-testpmd io forwarding: the vdevs with no switching at all."""
    cmd = ["dpdk-testpmd", "--in-memory", "--no-pci", "--file-prefix=vswbench-tp",
           "-l", "0,%d" % WORKER_CPU, "--log-level=*:error",
           "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap,
           "--vdev", "net_null0,no-rx=1", "--", "--forward-mode=io",
           "--auto-start", "--total-num-mbufs=%d" % (frames + 65536),
           "--stats-period", "1"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace")
    samples = []
    start = time.time()
    port = None
    try:
        for line in p.stdout:
            m = re.search(r"statistics for port (\d+)", line)
            if m:
                port = int(m.group(1))
            m = re.search(r"Tx-pps:\s+(\d+)", line)
            if m and port == 1 and time.time() - start > (3 if WINDOWS > 1 else 8):
                samples.append(int(m.group(1)))
            if len(samples) >= max(secs, WINDOWS):
                break
            if time.time() - start > secs + 60:
                break
    finally:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if WINDOWS > 1:
        return samples[-WINDOWS:] or None
    return statistics.median(samples) if samples else None


class Ovs:
    """OVS-DPDK (Debian's openvswitch-switch-dpdk) in a private run dir."""

    BIN = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"

    def __init__(self, tmp, socket_mem):
        self.d = tmp
        # the netdev datapath makes persistent taps: one of the bridge's
        # name (unique here) and ovs-netdev; both go at stop, the latter only
        # if this run made it
        self.br = "vswb%04x" % (os.getpid() & 0xffff)
        self.had_tap = Path("/sys/class/net/ovs-netdev").exists()
        self.env = dict(os.environ, OVS_RUNDIR=str(tmp), OVS_LOGDIR=str(tmp),
                        OVS_DBDIR=str(tmp))
        self.db = "unix:%s/db.sock" % tmp
        self.run("ovsdb-tool create %s/conf.db /usr/share/openvswitch/vswitch.ovsschema" % tmp)
        self.run("ovsdb-server --remote=punix:%s/db.sock --pidfile=%s/ovsdb.pid "
                 "--detach --log-file=%s/ovsdb.log %s/conf.db" % (tmp, tmp, tmp, tmp))
        self.vsctl("--no-wait init")
        self.vsctl("--no-wait set Open_vSwitch . other_config:dpdk-init=true "
                   "other_config:dpdk-extra=\"--no-pci --in-memory\" "
                   "other_config:pmd-cpu-mask=%#x other_config:dpdk-socket-mem=%d"
                   % (1 << WORKER_CPU, socket_mem))
        self.run("%s %s --pidfile=%s/vswitchd.pid --detach --log-file=%s/vswitchd.log "
                 "--unixctl=%s/ctl" % (self.BIN, self.db, tmp, tmp, tmp))

    def run(self, cmd):
        return sh(cmd, env=self.env)

    def vsctl(self, args):
        return self.run("ovs-vsctl --db=%s %s" % (self.db, args))

    def stop(self):
        sh("ovs-vsctl --timeout=10 --db=%s --if-exists del-br %s" % (self.db, self.br),
           check=False, env=self.env)
        if (self.d / "vswitchd.pid").exists():
            sh("ovs-appctl --timeout=10 -t %s/ctl exit%s"
               % (self.d, "" if self.had_tap else " --cleanup"),
               check=False, env=self.env)
        for pidf in ("vswitchd.pid", "ovsdb.pid"):
            f = self.d / pidf
            if f.exists():
                sh("kill %s" % f.read_text().strip(), check=False)
        time.sleep(1)
        for tap in [self.br] + ([] if self.had_tap else ["ovs-netdev"]):
            if Path("/sys/class/net/%s" % tap).exists():
                sh("ip link del %s" % tap, check=False)


def ovs_pipeline(pcap, frames, secs, flows=None, outs=1):
    """OVS-DPDK: p0 the pcap, p1..p'outs' net_null; packets/s out of them all."""
    socket_mem = max(1024, (frames * 3000) // (1 << 20) + 1024)
    with tempfile.TemporaryDirectory(prefix="vsw-bench-ovs-") as d:
        tmp = Path(d)
        o = Ovs(tmp, socket_mem)
        try:
            br = o.br
            o.vsctl("add-br %s -- set bridge %s datapath_type=netdev" % (br, br))
            o.vsctl("add-port %s p0 -- set Interface p0 type=dpdk "
                    "\"options:dpdk-devargs=net_pcap0,rx_pcap=%s,infinite_rx=1\" "
                    "ofport_request=1" % (br, pcap))
            for k in range(1, outs + 1):
                o.vsctl("add-port %s p%d -- set Interface p%d type=dpdk "
                        "\"options:dpdk-devargs=net_null%d,no-rx=1\" "
                        "ofport_request=%d" % (br, k, k, k, k + 1))
            for f in flows or []:
                o.run("ovs-ofctl %s %s \"%s\"" % ("add-flow" if f != "del" else "del-flows",
                                                  br, f if f != "del" else ""))
            err = o.vsctl("get Interface p0 error", ).stdout.strip()
            if err not in ("[]", ""):
                log("OVS could not add the pcap port: %s" % err)
                return None

            def tx():
                # live datapath counters; the database's are 5 s stale
                out = o.run("ovs-ofctl --no-names dump-ports %s" % br).stdout
                return sum(int(n) for port, n in re.findall(
                    r"port\s+(\w+):\s*rx pkts=\S+.*?tx pkts=(\d+)", out, re.S)
                    if port not in ("1", "LOCAL"))   # p0 is OpenFlow port 1
            return rate(tx, 5, secs)
        except (RuntimeError, ValueError, AttributeError) as e:
            log("OVS run failed: %s" % e)
            return None
        finally:
            o.stop()


# ---- scenarios --------------------------------------------------------------

def scenario_pipeline_nat(args, tmp):
    sizes = [("1k", 1000)] if args.quick else \
        [("1k", 1000), ("64k", 65536), ("1M", 1000000)]
    secs = 1 if args.quick else 5
    out = []
    with Hugepages(2048 if args.quick else 5120):
        for label, n in sizes:
            pcap = tmp / ("nat-%s.pcap" % label)
            mkpcap.write_nat(str(pcap), n, 64)
            systems = [
                ("vsw", lambda: vsw_nat_pipeline(pcap, n, secs, False)),
                ("vsw via docker0 bridge", lambda: vsw_nat_pipeline(pcap, n, secs, True)),
                ("OVS-DPDK ct nat", lambda: ovs_pipeline(pcap, n, secs, flows=[
                    "del",
                    "table=0,priority=10,ip,in_port=p0,actions=ct(commit,zone=1,"
                    "nat(src=198.51.100.2:1024-65535)),output:p1",
                    "table=0,priority=0,actions=drop"])),
            ]
            for name, fn in systems:
                if args.smoke and name != "vsw":
                    continue
                log("pipeline-nat %s sessions: %s" % (label, name))
                out.append(result("pipeline-nat", "%s sessions" % label, name,
                                  measure(fn, args.reps), cycles=True))
        if not args.quick or args.smoke:
            n = 1000000 if not args.quick else 300000
            pcap = tmp / "nat-new.pcap"
            mkpcap.write_nat(str(pcap), n, 64)
            log("pipeline-nat: new sessions a second")
            out.append(result("pipeline-nat", "new sessions/s", "vsw",
                              measure(lambda: vsw_new_sessions(pcap, n), args.reps),
                              unit="M sessions/s"))
    return out


def scenario_pipeline_l2(args, tmp):
    sizes = [("1k", 1000)] if args.quick else \
        [("1k", 1000), ("64k", 65536), ("1M", 1000000)]
    secs = 1 if args.quick else 5
    out = []
    pages = 2048 if args.quick else 5120
    with Hugepages(pages):
        for label, n in sizes:
            pcap = tmp / ("l2-%s.pcap" % label)
            mkpcap.write(str(pcap), n, 64, "unknown")
            systems = [
                ("vsw", lambda: vsw_pipeline(pcap, n, secs)),
                ("testpmd io", lambda: testpmd_pipeline(pcap, n, secs)),
                ("OVS-DPDK NORMAL", lambda: ovs_pipeline(pcap, n, secs)),
            ]
            for name, fn in systems:
                if args.smoke and name != "vsw":
                    continue
                log("pipeline-l2 %s MACs: %s" % (label, name))
                m = measure(fn, args.reps)
                out.append(result("pipeline-l2", "%s MACs" % label, name, m,
                                   cycles=True))
    return out


def scenario_pipeline_macvlan(args, tmp):
    # Debian's DPDK has RTE_MAX_ETHPORTS 32: the parent and 30 endpoints
    counts = [16] if args.quick else [16, 30]
    secs = 1 if args.quick else 5
    flows = 1000
    out = []
    with Hugepages(2048 if args.quick else 4096):
        for e in counts:
            pcap = tmp / ("macvlan-%d.pcap" % e)
            mkpcap.write(str(pcap), flows, 64, e)
            flowmods = ["del"] + [
                "table=0,priority=10,in_port=p0,dl_dst=%s,actions=output:p%d"
                % (mac_str(mkpcap.endpoint_mac(k)), k + 1) for k in range(e)] + \
                ["table=0,priority=0,actions=drop"]
            systems = [
                ("vsw macvlan", lambda: vsw_macvlan_pipeline(pcap, flows, e, secs, False)),
                ("vsw bridge", lambda: vsw_macvlan_pipeline(pcap, flows, e, secs, True)),
                ("OVS-DPDK dl_dst flows", lambda: ovs_pipeline(pcap, flows, secs,
                                                              flows=flowmods, outs=e)),
            ]
            for name, fn in systems:
                if args.smoke and name != "vsw macvlan":
                    continue
                log("pipeline-macvlan %d endpoints: %s" % (e, name))
                out.append(result("pipeline-macvlan", "%d endpoints" % e, name,
                                  measure(fn, args.reps), cycles=True))
    return out


SCENARIOS = {
    "pipeline-l2": (scenario_pipeline_l2,
                    "one core, net_pcap infinite_rx -> switch -> net_null, 64 B; "
                    "1k/64k/1M MACs; vs testpmd io and OVS-DPDK NORMAL"),
    "pipeline-nat": (scenario_pipeline_nat,
                     "the same through masquerade, 1k/64k/1M sessions, and new "
                     "sessions a second; vs OVS-DPDK ct(commit,nat)"),
    "pipeline-macvlan": (scenario_pipeline_macvlan,
                         "a parent's frames to 16/30 macvlan endpoints by MAC; "
                         "vs vsw's bridge (static FDB) and OVS-DPDK dl_dst flows"),
}


# Scenarios over real interfaces (namespaces, veth, memif) live in net.py
try:
    import net  # noqa: E402
    SCENARIOS.update(net.SCENARIOS)
except ImportError as e:
    if "net" not in str(e):
        raise


def result(scenario, case, system, m, cycles=False, unit="Mpps"):
    r = {"scenario": scenario, "case": case, "system": system, "unit": unit}
    if m is None:
        r["error"] = "did not run (see the log)"
        return r
    scale = 1e6 if unit in ("Mpps", "M sessions/s") else \
        1e9 if unit == "Gbit/s" else 1
    r.update({k: round(m[k] / scale, 3) for k in ("median", "min", "max")})
    r["runs"] = [round(v / scale, 3) for v in m["runs"]]
    if m["median"] <= 0:
        r["error"] = "forwarded nothing"
        return r
    if cycles and MACHINE["cpu_mhz"]:
        r["cycles_per_packet"] = round(MACHINE["cpu_mhz"] * 1e6 / m["median"])
    return r


# ---- output -----------------------------------------------------------------

def fmt(r):
    if "error" in r:
        return "n/a"
    s = "%.2f" % r["median"]
    if r["max"] - r["min"] > 0.005:
        s += " (%.2f-%.2f)" % (r["min"], r["max"])
    if "cycles_per_packet" in r:
        s += ", %d cyc/pkt" % r["cycles_per_packet"]
    return s


def markdown(machine_info, results, cmdline, reps):
    lines = ["Measured %s on %s (%d cores, %d MHz), Linux %s, vsw %s." % (
        machine_info["date"], machine_info["cpu"], machine_info["cores"],
        machine_info["cpu_mhz"], machine_info["kernel"], machine_info["vsw_commit"]),
        "Command: `%s`. Each figure: median of %d runs (min-max)." % (cmdline, reps), ""]
    by_scn = {}
    for r in results:
        by_scn.setdefault(r["scenario"], []).append(r)
    for scn, rs in by_scn.items():
        systems = list(dict.fromkeys(r["system"] for r in rs))
        cases = list(dict.fromkeys(r["case"] for r in rs))
        unit = ", ".join(dict.fromkeys(r["unit"] for r in rs))
        lines.append("**%s** (%s)" % (scn, unit))
        lines.append("")
        if rs[0].get("command", cmdline) != cmdline:   # kept from an earlier run
            lines.append("Measured %s with `%s`, vsw %s." % (
                rs[0]["date"], rs[0]["command"], rs[0]["vsw_commit"]))
            lines.append("")
        hdr = "| case | " + " | ".join(systems)
        # vsw beside the peer a user would pick instead: OVS where it runs,
        # else the Linux bridge
        ratio_peer = next((s for s in systems if s.startswith("OVS")),
                          next((s for s in systems if s.startswith("Linux bridge")), None))
        me = next((s for s in systems if s.startswith("vsw")), None)
        if ratio_peer and me:
            hdr += " | %s / %s" % (me, ratio_peer)
        lines.append(hdr + " |")
        lines.append("|" + "---|" * (hdr.count("|")))
        for c in cases:
            row = {r["system"]: r for r in rs if r["case"] == c}
            cells = [fmt(row[s]) if s in row else "" for s in systems]
            line = "| %s | %s" % (c, " | ".join(cells))
            if ratio_peer and me:
                a, b = row.get(me), row.get(ratio_peer)
                line += " | %s" % ("%.1fx" % (a["median"] / b["median"])
                                   if a and b and "error" not in a and "error" not in b
                                   and b["median"] else "n/a")
            lines.append(line + " |")
        lines.append("")
    return "\n".join(lines)


CHART_COLORS = ["#1f5fbf", "#6fa8ff", "#2a9d8f", "#e76f51", "#f4a261", "#8d6e63",
                "#9c27b0", "#607d8b", "#c0ca33", "#455a64"]


def chart(results, path):
    """Bar charts of the medians (gnuplot): a panel per scenario in Mpps,
    vsw's systems first, each panel with its own systems and scale."""
    if not shutil.which("gnuplot"):
        log("no gnuplot: no chart")
        return False
    rows = [r for r in results if "error" not in r and r["unit"] == "Mpps"]
    scns = list(dict.fromkeys(r["scenario"] for r in rows))
    if not scns:
        return False
    cols = 2 if len(scns) > 1 else 1
    nrows = (len(scns) + cols - 1) // cols
    plot = ["set terminal pngcairo size %d,%d noenhanced font ',9'" % (560 * cols, 300 * nrows),
            "set output '%s'" % path,
            "set style data histograms", "set style histogram clustered gap 1",
            "set style fill solid 0.9 border -1", "set grid ytics", "set yrange [0:*]",
            "set key top right font ',8'", "set ylabel 'Mpps (median)'",
            "set offsets 0, 0, graph 0.4, 0",
            "set multiplot layout %d,%d" % (nrows, cols)]
    datas = []
    for k, scn in enumerate(scns):
        rs = [r for r in rows if r["scenario"] == scn]
        systems = list(dict.fromkeys(r["system"] for r in rs))
        cases = list(dict.fromkeys(r["case"] for r in rs))
        data = path.with_name("%s.%d.dat" % (path.stem, k))
        datas.append(data)
        with open(data, "w") as f:
            f.write("case " + " ".join('"%s"' % s for s in systems) + "\n")
            for c in cases:
                vals = []
                for s in systems:
                    m = [r["median"] for r in rs if r["case"] == c and r["system"] == s]
                    vals.append("%.3f" % m[0] if m else "0")
                f.write('"%s" %s\n' % (c, " ".join(vals)))
        plot.append("set title '%s'" % scn)
        plot.append("plot " + ", ".join(
            "'%s' using %d:xtic(1) title columnheader(%d) lc rgb '%s'"
            % (data, i + 2, i + 2, CHART_COLORS[i % len(CHART_COLORS)])
            for i in range(len(systems))))
    plot.append("unset multiplot")
    r = subprocess.run(["gnuplot"], input="\n".join(plot) + "\n", text=True,
                       capture_output=True)
    for d in datas:
        d.unlink()
    if r.returncode != 0:
        log("gnuplot: %s" % r.stderr)
    return r.returncode == 0


MACHINE = {}


def main():
    ap = argparse.ArgumentParser(description="vsw benchmarks beside their peers")
    ap.add_argument("scenarios", nargs="*", help="default: all (%s)" % ", ".join(SCENARIOS))
    ap.add_argument("--quick", action="store_true", help="small cases, short runs (< 3 min)")
    ap.add_argument("--smoke", action="store_true",
                    help="vsw only, for CI: checks the benchmarks run and give numbers")
    ap.add_argument("--reps", type=int, default=3, help="runs per figure (>= 3)")
    ap.add_argument("--out", default=str(RESULTS), help="where results go")
    ap.add_argument("--update", action="store_true",
                    help="keep the other scenarios' results already in --out")
    args = ap.parse_args()
    global WINDOWS
    if args.quick and not args.smoke:
        WINDOWS = args.reps
    if args.smoke:
        args.reps = max(1, min(args.reps, 1))
    elif args.reps < 3:
        ap.error("every figure is a median of at least 3 runs")
    names = args.scenarios or list(SCENARIOS)
    for n in names:
        if n not in SCENARIOS:
            ap.error("unknown scenario %s (known: %s)" % (n, ", ".join(SCENARIOS)))
    MACHINE.update(machine())
    results = []
    with tempfile.TemporaryDirectory(prefix="vsw-bench-") as d:
        for n in names:
            results += SCENARIOS[n][0](args, Path(d))
    cmdline = "bench/run " + " ".join(sys.argv[1:])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for r in results:
        r.update(command=cmdline, date=MACHINE["date"], vsw_commit=MACHINE["vsw_commit"])
    if args.update and (out / "results.json").exists():
        # the scenarios run now replace theirs; the others stay as they were
        old = json.loads((out / "results.json").read_text())
        ran = {r["scenario"] for r in results}
        order = list(dict.fromkeys([r["scenario"] for r in old["results"]] +
                                   [r["scenario"] for r in results]))
        kept = [dict(r, command=r.get("command", old["command"]),
                     date=r.get("date", old["machine"]["date"]),
                     vsw_commit=r.get("vsw_commit", old["machine"]["vsw_commit"]))
                for r in old["results"] if r["scenario"] not in ran]
        results = sorted(kept + results, key=lambda r: order.index(r["scenario"]))
    doc = {"machine": MACHINE, "command": cmdline, "results": results}
    (out / "results.json").write_text(json.dumps(doc, indent=1) + "\n")
    md = markdown(MACHINE, results, cmdline, args.reps)
    (out / "results.md").write_text(md + "\n")
    chart(results, out / "chart.png")
    print(md)
    bad = [r for r in results if "error" in r and r["system"].startswith("vsw")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
