#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""vsw benchmarks, side by side with the switches a user would pick instead.

Every figure is the median of at least three runs, with min and max, and
every peer runs in the same invocation on the same inputs. Results go to
bench/results/ as JSON and markdown, with a chart (gnuplot PNG); the run
records the CPU model, core count, kernel, and every figure the vsw commit
it was measured at. PATHS below says what each scenario measures.

The pipeline scenarios give the switch one worker core (CPU 1; vsw's main
lcore, testpmd's and ovs-vswitchd's other threads on CPU 0) and in-memory
DPDK vdevs: net_pcap (infinite_rx) in, net_pcap's tx drop or net_null out.
vsw receives and sends bursts of 64 (LOOP_BURST); testpmd is given
--burst=64; OVS-DPDK's burst is NETDEV_MAX_BURST, 32, fixed when it is
compiled (said in the results' notes).

  pipeline-l2   hosts in pairs through a bridge, every destination learned
                (1k, 64k, 1M MACs); checked in the run: the FDB holds every
                MAC and nothing is flooded in the measured window, else the
                figure fails. Flooding (unknown unicast) is a case of its
                own. Peers: dpdk-testpmd io (the ceiling: no switching) and
                OVS-DPDK NORMAL with mac-table-size = vsw's mac_limit.
  pipeline-nat  masquerade both ways: containers' UDP / TCP (checksums
                set) out, the remotes' answers in on the uplink to the
                external ports; checked: every session exists, both
                directions are translated, nothing is dropped in the window.
                New sessions a second, each a new inside endpoint (a new
                mapping each). Peers: vsw through a docker0-like bridge,
                OVS-DPDK ct(commit,nat) / ct(nat).
  pipeline-macvlan  a parent port's frames demultiplexed to 16 / 30
                endpoints by destination MAC; beside vsw's own bridge doing
                the same job (static entries) and OVS-DPDK with dl_dst flows.

--smoke (CI, tests/run): the quick cases, vsw and the one peer the sanity
check needs, results in a temporary directory unless --out says where;
fails unless every system ran, every figure is positive and vsw's
known-unicast figure at 64k MACs is above OVS-DPDK NORMAL's (an order of
magnitude slower there). --compare OLD.json: each figure against an
earlier result file.

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
import socket
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

WORKER_CPU = 1          # the measured core
CTL_CPU = 0             # vsw's main lcore, testpmd's, ovs-vswitchd's other threads
BURST = 64              # vsw's LOOP_BURST (switch/loop.h); testpmd gets the same
OVS_BURST = 32          # OVS's NETDEV_MAX_BURST, fixed at compile time


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sh(cmd, check=True, **kw):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s%s" % (cmd, r.stdout, r.stderr))
    return r


# ---- the machine ------------------------------------------------------------

def vsw_commit():
    """The commit measured: git describe (a tag, or the short hash), with
    "+changes" when the tree differs from it outside bench/results."""
    c = sh("git -C %s describe --always --abbrev=12" % ROOT, check=False).stdout.strip()
    if not c:
        return "?"
    if sh("git -C %s status --porcelain -uno -- . ':!bench/results'" % ROOT,
          check=False).stdout.strip():
        c += "+changes"
    return c


def machine():
    model, mhz = "?", 0.0
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name") and model == "?":
            model = line.split(":", 1)[1].strip()
        if line.startswith("cpu MHz") and not mhz:
            mhz = float(line.split(":", 1)[1])
    return {
        "cpu": model, "cores": os.cpu_count(), "cpu_mhz": round(mhz),
        "kernel": platform.release(), "vsw_commit": vsw_commit(),
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


class PathError(RuntimeError):
    """The run did not measure the path its case names (flooding in a
    known-unicast window, drops in a NAT window, ...): the figure fails
    with this reason."""


def measure(fn, reps):
    """Median, min and max of 'reps' runs of fn() (each returns pps or None;
    with WINDOWS > 1, one call returns a list of that many runs). When no
    run gives a figure because the path was not the one measured, returns
    {"error": why}."""
    vals, why, why_not = [], None, None
    for _ in range(1 if WINDOWS > 1 else reps):
        try:
            v = fn()
        except PathError as e:
            log("run failed the path check: %s" % e)
            why, v = str(e), None
        except (RuntimeError, OSError, ValueError, KeyError, AttributeError,
                IndexError, subprocess.SubprocessError) as e:
            # one system that cannot run must not cost the others' figures
            log("run failed: %s" % str(e)[-600:])
            why_not = " ".join(str(e).split())[-200:]
            v = None
        if isinstance(v, list):
            vals.extend(x for x in v if x is not None)
        elif v is not None:
            vals.append(v)
    if why:
        return {"error": why}       # one bad window spoils the figure
    if not vals:
        return {"error": "did not run: %s" % why_not} if why_not else None
    return {"median": statistics.median(vals), "min": min(vals),
            "max": max(vals), "runs": vals}


# ---- systems under test -------------------------------------------------------

class Vsw:
    """vsw in the background on a topology; counters through its control
    socket (the request vswctl would send, without a process per read)."""

    def __init__(self, tmp, ini, wait_step=0.1):
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
            time.sleep(wait_step)

    def ctl(self, *args):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(30)
            s.connect(self.sock)
            s.sendall((" ".join(args) + " --json\n").encode())
            buf = b""
            while True:
                b = s.recv(1 << 16)
                if not b:
                    break
                buf += b
        finally:
            s.close()
        if not buf.startswith(b"OK\n"):
            raise RuntimeError("vswctl %s: %s" % (" ".join(args), buf[:300]))
        return json.loads(buf[3:])

    def stats(self):
        """{port: its row of show stats} and {port: {reason: count}}."""
        d = self.ctl("show", "stats")
        ports = {p["port"]: p for p in d["ports"]}
        drops = {}
        for r in d.get("drops", []):
            drops.setdefault(r["port"], {})[r["reason"]] = r["count"]
        return ports, drops

    def tx(self, port):
        return self.stats()[0][port]["tx"]

    def bridge(self, name="br0"):
        return {b["bridge"]: b for b in self.ctl("show", "bridges")["bridges"]}[name]

    def nat(self):
        return {r["counter"]: r["value"] for r in self.ctl("show", "nat")["nat"]}

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


def rate(read, warmup, secs, check=None):
    """Packets per second of a counter read by read(), after a warm-up (a
    list of WINDOWS such figures, back to back, when WINDOWS > 1). check(),
    if given, returns a state; check(before, after) of each window raises
    PathError when the window did not measure the path."""
    time.sleep(min(warmup, 2) if WINDOWS > 1 else warmup)
    st = check() if check else None
    a, t0 = read(), time.time()
    out = []
    for _ in range(WINDOWS):
        time.sleep(secs)
        b, t1 = read(), time.time()
        if check:
            st2 = check()
            check(st, st2)
            st = st2
        out.append((b - a) / (t1 - t0))
        a, t0 = b, t1
    return out if WINDOWS > 1 else out[0]


def wait_for(what, fn, timeout=120):
    """Polls fn() until it is true; PathError 'what' after 'timeout' s."""
    deadline = time.time() + timeout
    while not fn():
        if time.time() > deadline:
            raise PathError(what)
        time.sleep(0.2)


def pcap_port(name, k, pcap, frames, extra=""):
    return ("[port %s]\nkind = dpdk\nmbufs = %d\n"
            "devargs = net_pcap%d,rx_pcap=%s,infinite_rx=1\n%s"
            % (name, frames + 65536, k, pcap, extra))


# vswctl capture while the pipeline runs (issue 15): every frame both
# ports receive, or a filter that matches none of them (the cost of
# running the filter over every frame, no copies)
CAPTURES = {
    "capture of every frame": [],
    "capture, a filter matching none": ["--filter", "ether proto 0x88b5"],
}


def vsw_l2_pairs(pa, pb, macs, secs, capture=None, extra=None):
    """Known unicast: ports a and b replay the two sides of the pairs
    (their tx is net_pcap's drop). The FDB is warm (every MAC learned)
    before the window; a window with any frame flooded, or an FDB without
    every MAC, fails the figure. 'capture': a key of CAPTURES, a vswctl
    capture of br0 --rx for the whole run, written to /dev/null by vswctl
    on the control core; what it captured and lost goes into 'extra'."""
    with tempfile.TemporaryDirectory(prefix="vsw-bench-") as d:
        ini = ("poll = busy\ncpus = %d\n[bridge br0]\nmac_limit = %d\n"
               % (WORKER_CPU, macs) +
               pcap_port("a", 0, pa, macs // 2, "bridge = br0\n") +
               pcap_port("b", 1, pb, macs // 2, "bridge = br0\n"))
        v = Vsw(Path(d), ini)
        cap = None
        try:
            wait_for("the FDB never held all %d MACs" % macs,
                     lambda: v.bridge()["entries"] >= macs, 60)
            if capture is not None:
                cap = subprocess.Popen(
                    ["taskset", "-c", str(CTL_CPU), str(BUILD / "vswctl"), "-s", v.sock,
                     "capture", "br0", "--rx", "-w", "/dev/null"] + CAPTURES[capture],
                    stderr=subprocess.PIPE, text=True)
                time.sleep(0.5)
                if cap.poll() is not None:
                    raise RuntimeError("vswctl capture: " + cap.stderr.read())

            def tx():
                p = v.stats()[0]
                return p["a"]["tx"] + p["b"]["tx"]

            def check(before=None, after=None):
                if before is None:
                    return v.bridge()
                if after["entries"] != macs:
                    raise PathError("the FDB holds %d entries, not the %d MACs"
                                    % (after["entries"], macs))
                fl = after["flooded"] - before["flooded"]
                uni = after["unicast"] - before["unicast"]
                if fl:
                    raise PathError("%d frames flooded in the window (%d unicast): "
                                    "not the known-unicast path" % (fl, uni))
                if uni <= 0:
                    raise PathError("no known unicast in the window")
                return None
            r = rate(tx, 2, secs, check)
            if cap is not None:
                cap.send_signal(signal.SIGINT)
                err = cap.communicate(timeout=60)[1]
                m = re.search(r"(\d+) packets captured, (\d+) seen, (\d+) accepted by the "
                              r"filter, (\d+) lost", err)
                if m is None:
                    raise RuntimeError("vswctl capture said: " + err[-500:])
                c, seen, acc, lost = (int(x) for x in m.groups())
                if extra is not None:
                    extra.update(capture_seen=seen, capture_accepted=acc,
                                 capture_written=c, capture_lost=lost)
                log("capture: %d seen, %d accepted, %d written, %d lost" % (seen, acc, c, lost))
                cap = None
            return r
        finally:
            if cap is not None:
                cap.kill()
                cap.wait()
            if v.stop() != 0:
                log("vsw exited with %s" % v.proc.returncode)


def vsw_l2_flood(pcap, frames, secs):
    """Flooding: every frame to a MAC that is never a source, out of the
    one other port (net_null). Checked: every frame flooded."""
    with tempfile.TemporaryDirectory(prefix="vsw-bench-") as d:
        ini = ("poll = busy\ncpus = %d\n[bridge br0]\nmac_limit = %d\n"
               % (WORKER_CPU, frames) + pcap_port("in", 0, pcap, frames, "bridge = br0\n") +
               "[port out]\nkind = dpdk\nbridge = br0\ndevargs = net_null0,no-rx=1\n")
        v = Vsw(Path(d), ini)
        try:
            def check(before=None, after=None):
                if before is None:
                    return v.bridge()
                if after["unicast"] != before["unicast"] or \
                        after["flooded"] <= before["flooded"]:
                    raise PathError("known unicast in a flood window")
                return None
            return rate(lambda: v.tx("out"), 3, secs, check)
        finally:
            if v.stop() != 0:
                log("vsw exited with %s" % v.proc.returncode)


NAT_UPLINK = ("address = 198.51.100.2/24\ngateway = 198.51.100.1\n"
              "gateway_mac = 02:00:00:00:01:01\n")


def nat_ini(pcap, frames, sessions, via_bridge, ret=None):
    """Masquerade from the pcap to the uplink: through a docker0 bridge, or
    with the pcap as a routed inside port (no L2 stage, as OVS ct nat). The
    uplink replays 'ret' (the answers), or is net_null."""
    head = ("poll = busy\ncpus = %d\nnat_sessions = %d\n" % (WORKER_CPU, sessions))
    if ret:
        up = pcap_port("uplink", 1, ret, frames, NAT_UPLINK)
    else:
        up = "[port uplink]\nkind = dpdk\ndevargs = net_null0,no-rx=1\n" + NAT_UPLINK
    if via_bridge:
        return head + ("[bridge docker0]\nsubnet = 172.17.0.0/16\ngateway = 172.17.0.1\n"
                       "masquerade = uplink\n" +
                       pcap_port("in", 0, pcap, frames, "bridge = docker0\n") + up)
    return head + pcap_port("in", 0, pcap, frames,
                            "address = 172.17.0.1/16\nmac = 02:42:ac:11:00:01\n"
                            "masquerade = uplink\n") + up


def vsw_nat_pipeline(pcap, ret, flows, frames, secs, via_bridge):
    """Both ways: 'in' replays the containers' flows, 'uplink' the remotes'
    answers. Warm when every session exists; each window must translate
    both ways and drop nothing."""
    sessions = max(flows + flows // 8, 65536)
    with tempfile.TemporaryDirectory(prefix="vsw-bench-") as d:
        v = Vsw(Path(d), nat_ini(pcap, frames, sessions, via_bridge, ret))
        try:
            wait_for("only some of the %d sessions were made" % flows,
                     lambda: v.nat()["sessions"] >= flows, 30)
            time.sleep(0.5)     # the uplink's early answers, dropped, are over

            def tx():
                p = v.stats()[0]
                return p["in"]["tx"] + p["uplink"]["tx"]

            def check(before=None, after=None):
                if before is None:
                    return v.nat(), v.stats()
                (n0, (p0, d0)), (n1, (p1, d1)) = before, after
                drops = {(port, why): c - d0.get(port, {}).get(why, 0)
                         for port, rs in d1.items() for why, c in rs.items()}
                drops = {k: c for k, c in drops.items() if c}
                if drops:
                    raise PathError("dropped in the window: %s" % ", ".join(
                        "%s %s %d" % (k[0], k[1], c) for k, c in sorted(drops.items())))
                out = n1["translated_out"] - n0["translated_out"]
                inn = n1["translated_in"] - n0["translated_in"]
                sent = (p1["in"]["tx"] + p1["uplink"]["tx"] -
                        p0["in"]["tx"] - p0["uplink"]["tx"])
                if out <= 0 or inn <= 0 or out + inn < 0.97 * sent:
                    raise PathError("not translated both ways: %d out, %d in of %d sent"
                                    % (out, inn, sent))
                if n1["sessions"] < flows:
                    raise PathError("%d sessions, not %d" % (n1["sessions"], flows))
                return None
            return rate(tx, 2, secs, check)
        finally:
            v.stop()


def vsw_new_sessions(pcap, frames):
    """New sessions a second, each a new inside endpoint (a new mapping):
    the slope of sessions_created while the first pass over a pcap of
    'frames' of them makes them, read from the control socket every
    millisecond or so (show nat does not stop the worker)."""
    with tempfile.TemporaryDirectory(prefix="vsw-bench-") as d:
        # the socket appears just before the workers start, and the pass
        # takes tens of ms: look for it every 0.2 ms, not every 100 ms (a
        # pass over before the first sample gave no figure in CI)
        v = Vsw(Path(d), nat_ini(pcap, frames, frames + frames // 8, False),
                wait_step=0.0002)
        samples = []
        try:
            end = time.time() + 30
            while time.time() < end:
                try:
                    n = v.nat()
                except ConnectionRefusedError:  # bound, not yet listening
                    continue
                samples.append((time.time(), n["sessions_created"]))
                if n["sessions_created"] >= frames:
                    break
                time.sleep(0.001)
            n = v.nat()
        finally:
            v.stop()
    if n["sessions_created"] < frames:
        raise PathError("only %d of %d sessions made" % (n["sessions_created"], frames))
    if n["mappings"] < frames:
        raise PathError("%d mappings for %d sessions" % (n["mappings"], frames))
    making = [s for s in samples if 0 < s[1] < frames]
    if len(making) >= 2 and making[-1][0] > making[0][0]:
        return (making[-1][1] - making[0][1]) / (making[-1][0] - making[0][0])
    before = [s for s in samples if s[1] == 0]
    after = [s for s in samples if s[1] >= frames]
    if before and after:
        log("new sessions: the pass took less than two samples; bracketing it")
        return frames / (after[0][0] - before[-1][0])
    if making and after:
        # one sample inside the pass: from it to the first one past the end,
        # a lower bound (the pass ended somewhere before that sample)
        log("new sessions: one sample inside the pass; a lower bound from it")
        return (frames - making[0][1]) / (after[0][0] - making[0][0])
    raise PathError("the pass was over before the first sample (%d samples)" % len(samples))


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


def testpmd_pipeline(pcaps, frames, secs):
    """dpdk-testpmd io forwarding: the vdevs with no switching at all. One
    pcap: to net_null; two (the pairs): each to the other, as vsw's bridge.
    Burst 64, as vsw's; packets/s sent by all ports."""
    vdevs = ["net_pcap%d,rx_pcap=%s,infinite_rx=1" % (k, p) for k, p in enumerate(pcaps)]
    if len(pcaps) == 1:
        vdevs.append("net_null0,no-rx=1")
    cmd = ["dpdk-testpmd", "--in-memory", "--no-pci", "--file-prefix=vswbench-tp",
           "-l", "%d,%d" % (CTL_CPU, WORKER_CPU), "--main-lcore", str(CTL_CPU),
           "--log-level=*:error"]
    for v in vdevs:
        cmd += ["--vdev", v]
    cmd += ["--", "--forward-mode=io", "--auto-start", "--burst=%d" % BURST,
            "--total-num-mbufs=%d" % (frames + 65536), "--stats-period", "1"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace")
    samples = []
    start = time.time()
    port, period = None, {}
    try:
        for line in p.stdout:
            m = re.search(r"statistics for port (\d+)", line)
            if m:
                port = int(m.group(1))
            m = re.search(r"Tx-pps:\s+(\d+)", line)
            if m and port is not None:
                period[port] = int(m.group(1))
                if port == 1:           # the last port of a period
                    if time.time() - start > (3 if WINDOWS > 1 else 8):
                        samples.append(sum(period.values()))
                    period = {}
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


def thread_cpus(pid):
    """{tid: (thread name, allowed CPUs)} of every thread of 'pid'."""
    out = {}
    for t in Path("/proc/%d/task" % pid).iterdir():
        try:
            name = (t / "comm").read_text().strip()
            cpus = [ln.split(":", 1)[1].strip() for ln in
                    (t / "status").read_text().splitlines()
                    if ln.startswith("Cpus_allowed_list")][0]
        except (OSError, IndexError):
            continue
        out[int(t.name)] = (name, cpus)
    return out


def check_ovs_placement(pid, fwd_cpu, other_cpu, main_forwards=False):
    """The threads that forward on fwd_cpu and every other thread of
    ovs-vswitchd on other_cpu, as vsw's worker and main lcore; raises if
    not. The forwarding threads are the PMDs, or, for ports OVS polls from
    its main thread (netdev-linux "system" ports), the main thread."""
    th = thread_cpus(pid)
    fwd = {t: v for t, v in th.items()
           if (t == pid if main_forwards else v[0].startswith("pmd"))}
    rest = {t: v for t, v in th.items() if t not in fwd}
    if not fwd or any(v[1] != str(fwd_cpu) for v in fwd.values()):
        raise RuntimeError("OVS's forwarding threads not on CPU %d alone: %s"
                           % (fwd_cpu, sorted(fwd.values())))
    bad = sorted(v for v in rest.values() if v[1] != str(other_cpu))
    if bad:
        raise RuntimeError("ovs-vswitchd threads off CPU %d: %s" % (other_cpu, bad))


class Ovs:
    """OVS-DPDK (Debian's openvswitch-switch-dpdk) in a private run dir: its
    PMD on the worker CPU (pmd-cpu-mask), the rest of ovs-vswitchd (main,
    handlers, revalidators, DPDK's own threads) on the other CPU (taskset),
    as vsw's main lcore."""

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
        self.run("taskset -c %d %s %s --pidfile=%s/vswitchd.pid --detach "
                 "--log-file=%s/vswitchd.log --unixctl=%s/ctl"
                 % (CTL_CPU, self.BIN, self.db, tmp, tmp, tmp))
        self.pid = int((tmp / "vswitchd.pid").read_text().strip())

    def run(self, cmd):
        return sh(cmd, env=self.env)

    def vsctl(self, args):
        return self.run("ovs-vsctl --db=%s %s" % (self.db, args))

    def appctl(self, args):
        return self.run("ovs-appctl -t %s/ctl %s" % (self.d, args)).stdout

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


def ovs_pipeline(pcaps, frames, secs, flows=None, outs=1, mac_table=None, check=None,
                 extra=None):
    """OVS-DPDK: p0.. the pcaps, then 'outs' net_null ports (none with two
    pcaps: they send to each other); packets/s sent by them all. check(o),
    if given, runs after the warm-up and may raise PathError; 'extra', a
    dict, gets what it records (FDB entries)."""
    socket_mem = max(1024, (frames * 3000) // (1 << 20) + 1024)
    if len(pcaps) > 1:
        outs = 0
    with tempfile.TemporaryDirectory(prefix="vsw-bench-ovs-") as d:
        tmp = Path(d)
        o = Ovs(tmp, socket_mem)
        try:
            br = o.br
            o.vsctl("add-br %s -- set bridge %s datapath_type=netdev" % (br, br))
            if mac_table:
                o.vsctl("set bridge %s other_config:mac-table-size=%d" % (br, mac_table))
            names = []
            for k, pcap in enumerate(pcaps):
                o.vsctl("add-port %s p%d -- set Interface p%d type=dpdk "
                        "\"options:dpdk-devargs=net_pcap%d,rx_pcap=%s,infinite_rx=1\" "
                        "ofport_request=%d" % (br, k, k, k, pcap, k + 1))
                names.append("p%d" % k)
            for k in range(len(pcaps), len(pcaps) + outs):
                o.vsctl("add-port %s p%d -- set Interface p%d type=dpdk "
                        "\"options:dpdk-devargs=net_null%d,no-rx=1\" "
                        "ofport_request=%d" % (br, k, k, k, k + 1))
                names.append("p%d" % k)
            for f in flows or []:
                o.run("ovs-ofctl %s %s \"%s\"" % ("add-flow" if f != "del" else "del-flows",
                                                  br, f if f != "del" else ""))
            for n in names:
                err = o.vsctl("get Interface %s error" % n).stdout.strip()
                if err not in ("[]", ""):
                    raise RuntimeError("OVS could not add port %s: %s" % (n, err))
            check_ovs_placement(o.pid, WORKER_CPU, CTL_CPU)
            counted = {str(k + 1) for k in range(len(names))} if len(pcaps) > 1 else \
                {str(k + 1) for k in range(len(pcaps), len(names))}

            def tx():
                # live datapath counters; the database's are 5 s stale
                out = o.run("ovs-ofctl --no-names dump-ports %s" % br).stdout
                return sum(int(n) for port, n in re.findall(
                    r"port\s+(\w+):\s*rx pkts=\S+.*?tx pkts=(\d+)", out, re.S)
                    if port in counted)
            time.sleep(5)
            if check:
                check(o, extra)
            return rate(tx, 1, secs)
        finally:
            o.stop()


def ovs_fdb_check(macs):
    """After the warm-up: how many MACs OVS learned (recorded; OVS is not
    failed for it, but the notes say so)."""
    def check(o, extra):
        out = o.appctl("fdb/stats-show %s" % o.br)
        m = re.search(r"Current/maximum MAC entries in the table:\s*(\d+)/(\d+)", out)
        if m and extra is not None:
            extra["fdb_entries"] = int(m.group(1))
            extra["mac_table_size"] = int(m.group(2))
            if int(m.group(1)) < macs:
                log("OVS learned %s of %d MACs" % (m.group(1), macs))
    return check


def ovs_nat_pipeline(pcap, flows, frames, secs, tmp, proto, extra):
    """OVS-DPDK ct nat both ways. Its SNAT picks its own external ports, so
    the answers are written after the outbound flows made the connections:
    p0 replays the containers' flows (ct(commit,nat) to p1, net_null), then
    p2 replays the remotes' answers to the ports in OVS's conntrack
    (ct(nat) back to p0, whose tx is net_pcap's drop). Checked: conntrack
    holds every flow before the answers start."""
    socket_mem = max(1024, (2 * frames * 3000) // (1 << 20) + 1024)
    with tempfile.TemporaryDirectory(prefix="vsw-bench-ovs-") as d:
        o = Ovs(Path(d), socket_mem)
        try:
            br = o.br
            o.vsctl("add-br %s -- set bridge %s datapath_type=netdev" % (br, br))
            o.vsctl("add-port %s p0 -- set Interface p0 type=dpdk "
                    "\"options:dpdk-devargs=net_pcap0,rx_pcap=%s,infinite_rx=1\" "
                    "ofport_request=1" % (br, pcap))
            o.vsctl("add-port %s p1 -- set Interface p1 type=dpdk "
                    "\"options:dpdk-devargs=net_null1,no-rx=1\" ofport_request=2" % br)
            for n in ("p0", "p1"):
                err = o.vsctl("get Interface %s error" % n).stdout.strip()
                if err not in ("[]", ""):
                    raise RuntimeError("OVS could not add port %s: %s" % (n, err))
            o.run("ovs-ofctl del-flows %s" % br)
            for f in ("table=0,priority=10,ip,in_port=p0,actions=ct(commit,zone=1,"
                      "nat(src=198.51.100.2:1024-65535)),output:p1",
                      "table=0,priority=10,ip,in_port=3,actions=ct(zone=1,nat),output:p0",
                      "table=0,priority=0,actions=drop"):
                o.run("ovs-ofctl add-flow %s \"%s\"" % (br, f))
            check_ovs_placement(o.pid, WORKER_CPU, CTL_CPU)
            conns = {}
            deadline = time.time() + 60
            while len(conns) < flows and time.time() < deadline:
                time.sleep(2)
                out = o.appctl("dpctl/dump-conntrack zone=1")
                conns = {}
                for m in re.finditer(
                        r"orig=\(src=([\d.]+),dst=([\d.]+),sport=(\d+),dport=(\d+)\),"
                        r"reply=\(src=[\d.]+,dst=([\d.]+),sport=\d+,dport=(\d+)\)", out):
                    conns[m.groups()[:4]] = (m.group(5), int(m.group(6)))
            extra["conntrack"] = len(conns)
            if len(conns) < flows:
                raise PathError("OVS conntrack holds %d of %d connections"
                                % (len(conns), flows))
            ret = Path(d) / "ret.pcap"
            w = mkpcap.Writer(str(ret))
            ip = lambda a: int.from_bytes(socket.inet_aton(a), "big")
            for (src, dst, sport, dport), (ext, eport) in conns.items():
                w.add(mkpcap.UPLINK_MAC + mkpcap.ROUTER_MAC + b"\x08\x00" +
                      mkpcap.ipv4_l4(ip(dst), ip(ext), proto, int(dport), eport, 64, 0))
            w.close()
            o.vsctl("add-port %s p2 -- set Interface p2 type=dpdk "
                    "\"options:dpdk-devargs=net_pcap2,rx_pcap=%s,infinite_rx=1\" "
                    "ofport_request=3" % (br, ret))
            for n in ("p0", "p1", "p2"):
                err = o.vsctl("get Interface %s error" % n).stdout.strip()
                if err not in ("[]", ""):
                    raise RuntimeError("OVS could not add port %s: %s" % (n, err))

            def tx():
                out = o.run("ovs-ofctl --no-names dump-ports %s" % br).stdout
                return sum(int(n) for port, n in re.findall(
                    r"port\s+(\w+):\s*rx pkts=\S+.*?tx pkts=(\d+)", out, re.S)
                    if port in ("1", "2"))
            time.sleep(3)
            before = o.appctl("dpctl/ct-stats-show zone=1")
            log("OVS conntrack: %s" % " ".join(before.split()))
            r = rate(tx, 0, secs)
            after = o.appctl("dpctl/ct-stats-show zone=1")
            total = lambda t: int(re.search(r"Total:\s*(\d+)", t).group(1))
            if total(after) > total(before) + flows // 100:
                raise PathError("OVS made new connections in the window (%s -> %s): "
                                "the answers missed theirs" % (total(before), total(after)))
            return r
        finally:
            o.stop()


# ---- scenarios --------------------------------------------------------------

def scenario_pipeline_nat(args, tmp):
    if args.quick:
        cases = [("UDP", 17, "1k", 1000), ("TCP", 6, "1k", 1000)]
    else:
        cases = [("UDP", 17, "1k", 1000), ("UDP", 17, "64k", 65536),
                 ("UDP", 17, "1M", 1000000), ("TCP", 6, "64k", 65536)]
    secs = 1 if args.quick else 5
    out = []
    with Hugepages(2048 if args.quick else 5120):
        for proto, num, label, n in cases:
            pcap, ret = tmp / ("nat-%s-%s.pcap" % (proto, label)), \
                tmp / ("nat-%s-%s.ret.pcap" % (proto, label))
            mkpcap.write_nat(str(pcap), n, 64, proto=num, ret=str(ret))
            frames = n + mkpcap.nat_hosts(n)
            case = "%s %s sessions, both ways" % (proto, label)
            systems = [
                ("vsw", lambda: vsw_nat_pipeline(pcap, ret, n, frames, secs, False)),
                ("vsw via docker0 bridge",
                 lambda: vsw_nat_pipeline(pcap, ret, n, frames, secs, True)),
                ("OVS-DPDK ct nat", lambda: ovs_nat_pipeline(
                    pcap, n, frames, secs, tmp, num, extra)),
            ]
            for name, fn in systems:
                if args.smoke and name != "vsw":
                    continue
                extra = {}
                log("pipeline-nat %s: %s" % (case, name))
                out.append(result("pipeline-nat", case, name, measure(fn, args.reps),
                                  cycles=True, **extra))
        n = 60000           # a new mapping each: at most the 64512 ports
        pcap = tmp / "nat-new.pcap"
        mkpcap.write_nat_new(str(pcap), n, 64)
        log("pipeline-nat: new sessions a second")
        out.append(result("pipeline-nat", "new sessions/s, a new mapping each", "vsw",
                          measure(lambda: vsw_new_sessions(pcap, n), args.reps),
                          unit="M sessions/s"))
    return out


# the smoke's sanity check: vsw above the peer an order of magnitude slower
SMOKE_L2_CASE = "known unicast, 64k MACs"
SMOKE_L2_PEER = "OVS-DPDK NORMAL"


def scenario_pipeline_l2(args, tmp):
    sizes = [("1k", 1000), ("64k", 65536)] if args.quick else \
        [("1k", 1000), ("64k", 65536), ("1M", 1000000)]
    floods = [] if args.quick else [("64k", 65536)]
    secs = 1 if args.quick else 5
    out = []
    pages = 2048 if args.quick else 5120
    with Hugepages(pages):
        for label, n in sizes:
            pa, pb = tmp / ("l2-%s.a.pcap" % label), tmp / ("l2-%s.b.pcap" % label)
            mkpcap.write_pairs(str(pa), str(pb), n // 2, 64)
            case = "known unicast, %s MACs" % label
            systems = [
                ("vsw", lambda: vsw_l2_pairs(pa, pb, n, secs)),
                ("testpmd io", lambda: testpmd_pipeline([pa, pb], n, secs)),
                ("OVS-DPDK NORMAL", lambda: ovs_pipeline(
                    [pa, pb], n, secs, mac_table=n, check=ovs_fdb_check(n), extra=extra)),
            ]
            for name, fn in systems:
                if args.smoke and name != "vsw" and \
                        (case, name) != (SMOKE_L2_CASE, SMOKE_L2_PEER):
                    continue
                extra = {}
                log("pipeline-l2 %s: %s" % (case, name))
                m = measure(fn, args.reps)
                out.append(result("pipeline-l2", case, name, m, cycles=True, **extra))
            # the price of looking (issue 15): the same path with a capture
            if label != "64k" or args.smoke:
                continue
            for cname in CAPTURES:
                extra = {}
                log("pipeline-l2 %s: vsw, %s" % (case, cname))
                m = measure(lambda: vsw_l2_pairs(pa, pb, n, secs, cname, extra), args.reps)
                out.append(result("pipeline-l2", case, "vsw, " + cname, m, cycles=True,
                                  **extra))
        for label, n in floods:
            pcap = tmp / ("l2-flood-%s.pcap" % label)
            mkpcap.write(str(pcap), n, 64, "unknown")
            case = "flood, unknown unicast, %s MACs" % label
            systems = [
                ("vsw", lambda: vsw_l2_flood(pcap, n, secs)),
                ("testpmd io", lambda: testpmd_pipeline([pcap], n, secs)),
                ("OVS-DPDK NORMAL", lambda: ovs_pipeline([pcap], n, secs, mac_table=n)),
            ]
            for name, fn in systems:
                if args.smoke and name != "vsw":
                    continue
                log("pipeline-l2 %s: %s" % (case, name))
                out.append(result("pipeline-l2", case, name, measure(fn, args.reps),
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
                ("OVS-DPDK dl_dst flows", lambda: ovs_pipeline([pcap], flows, secs,
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
                    "one core, net_pcap infinite_rx in and out, 64 B; hosts in pairs, "
                    "every destination learned, 1k/64k/1M MACs, and flooding; "
                    "vs testpmd io (ceiling) and OVS-DPDK NORMAL"),
    "pipeline-nat": (scenario_pipeline_nat,
                     "masquerade both ways (UDP and TCP, checksums set), 1k/64k/1M "
                     "sessions, and new sessions a second (a new mapping each); "
                     "vs vsw via a docker0 bridge and OVS-DPDK ct nat"),
    "pipeline-macvlan": (scenario_pipeline_macvlan,
                         "a parent's frames to 16/30 macvlan endpoints by MAC; "
                         "vs vsw's bridge (static FDB) and OVS-DPDK dl_dst flows"),
}

# What each scenario's figures are of: printed under its table.
PATHS = {
    "pipeline-l2": (
        "One worker core (CPU 1), in memory: two `net_pcap` ports replay the two "
        "sides of hosts talking in pairs (A_k to B_k and back, 64 B UDP), each "
        "sending out of the other (net_pcap's tx drop). Known unicast: the "
        "bridge's FDB holds every MAC (`mac_limit` = the MACs of the case) before "
        "the window, and the run fails the figure if the window floods anything or "
        "the FDB holds fewer. Flood: one `net_pcap` of frames to MACs that are "
        "never a source, flooded to a `net_null` port. testpmd io forwards the same "
        "input with no switching: the ceiling, not a peer. OVS-DPDK NORMAL gets "
        "`other_config:mac-table-size` = vsw's `mac_limit`, its PMD on CPU 1 and its "
        "other threads on CPU 0 (as vsw's main lcore); `fdb_entries` in the JSON is "
        "what it learned."),
    "pipeline-nat": (
        "One worker core, in memory, both ways at once: the inside `net_pcap` port "
        "replays containers' flows to the outside (UDP with checksums set, or TCP "
        "ACK segments; 64 B; at most 16000 inside endpoints on at most 256 hosts, "
        "each of which ARPs for the gateway once a pass), the uplink's `net_pcap` "
        "the remotes' answers to the external address and ports. The figure is "
        "what both ports send; the run checks that every session exists, both "
        "directions are translated and nothing is dropped in the window. vsw: the "
        "inside port routed (no L2 stage); via docker0 bridge: a bridge with a "
        "gateway in front. OVS-DPDK: `ct(commit,zone=1,nat(src=...))` out, "
        "`ct(zone=1,nat)` back, checked to hold every connection with the inside "
        "ports kept (so the answers find them). New sessions a second: one pass of "
        "60000 frames, each a new inside endpoint (a new mapping each), "
        "`sessions_created` read every millisecond."),
    "pipeline-macvlan": (
        "One worker core, in memory: a parent `net_pcap` port's frames to 16 or 30 "
        "`net_null` endpoints by destination MAC; vsw's macvlan network, vsw's bridge "
        "with the endpoints as static FDB entries, OVS-DPDK with one `dl_dst` flow "
        "per endpoint."),
}

NOTES = {
    "pipeline-l2": "Bursts: vsw 64 frames, testpmd `--burst=64`, OVS-DPDK 32 "
                   "(`NETDEV_MAX_BURST`, fixed when OVS is compiled).",
    "pipeline-nat": "Bursts: vsw 64 frames, OVS-DPDK 32 (`NETDEV_MAX_BURST`, fixed "
                    "when OVS is compiled). OVS-DPDK cannot run the 1M cases: its "
                    "mempool cannot hold a million-frame `net_pcap` input.",
    "pipeline-macvlan": "Bursts: vsw 64 frames, OVS-DPDK 32 (`NETDEV_MAX_BURST`).",
}


# Scenarios over real interfaces (namespaces, veth, memif) live in net.py
try:
    import net  # noqa: E402
    SCENARIOS.update(net.SCENARIOS)
    PATHS.update(getattr(net, "PATHS", {}))
    NOTES.update(getattr(net, "NOTES", {}))
except ImportError as e:
    if "net" not in str(e):
        raise
# ... and Docker's, beside its bridge driver, in dockerbench.py
try:
    import dockerbench  # noqa: E402
    SCENARIOS.update(dockerbench.SCENARIOS)
    PATHS.update(dockerbench.PATHS)
    NOTES.update(dockerbench.NOTES)
except ImportError as e:
    if "dockerbench" not in str(e) and "net" not in str(e):
        raise
# ... and the name service's, beside dnsmasq, in dnsbench.py
try:
    import dnsbench  # noqa: E402
    SCENARIOS.update(dnsbench.SCENARIOS)
    PATHS.update(dnsbench.PATHS)
    NOTES.update(dnsbench.NOTES)
except ImportError as e:
    if "dnsbench" not in str(e) and "net" not in str(e):
        raise


def result(scenario, case, system, m, cycles=False, unit="Mpps", **extra):
    r = {"scenario": scenario, "case": case, "system": system, "unit": unit}
    if m is None:
        r["error"] = "did not run (see the log)"
        return r
    if "error" in m:
        r["error"] = m["error"]
        return r
    scale = 1e6 if unit in ("Mpps", "M sessions/s") else \
        1e9 if unit == "Gbit/s" else 1
    r.update({k: round(m[k] / scale, 3) for k in ("median", "min", "max")})
    r["runs"] = [round(v / scale, 3) for v in m["runs"]]
    if m["median"] <= 0:
        r["error"] = "forwarded nothing"
        return r
    if cycles and MACHINE.get("cpu_mhz"):
        r["cycles_per_packet"] = round(MACHINE["cpu_mhz"] * 1e6 / m["median"])
    r.update(extra)
    return r


# ---- output -----------------------------------------------------------------

def is_vsw(system):
    return system.startswith("vsw")


def is_ceiling(system):
    """testpmd io and the bare veth switch nothing: ceilings, not peers."""
    return system.startswith("testpmd") or system == "bare veth"


def higher_is_better(unit):
    return unit not in ("us", "% CPU", "s", "MiB", "processes")


def fmt(r):
    if "error" in r:
        return "n/a"
    s = "%.2f" % r["median"]
    if r["max"] - r["min"] > 0.005:
        s += " (%.2f-%.2f)" % (r["min"], r["max"])
    if "cycles_per_packet" in r:
        s += ", %d cyc/pkt" % r["cycles_per_packet"]
    if "cpu_cores" in r:
        s += ", %.2f cores" % r["cpu_cores"]
    return s


def ok(r):
    return r is not None and "error" not in r and r.get("median", 0) > 0


def best_of(rows, systems, unit):
    """The strongest of 'systems' in a row (highest figure, or lowest where
    lower is better), or None."""
    have = [rows[s] for s in systems if ok(rows.get(s))]
    if not have:
        return None
    pick = max if higher_is_better(unit) else min
    return pick(have, key=lambda r: r["median"])


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
        units = list(dict.fromkeys(r["unit"] for r in rs))
        lines.append("**%s** (%s)" % (scn, ", ".join(units)))
        lines.append("")
        if PATHS.get(scn):
            lines += [PATHS[scn], ""]
        if rs[0].get("command", cmdline) != cmdline or \
                rs[0].get("vsw_commit", machine_info["vsw_commit"]) != machine_info["vsw_commit"]:
            lines.append("Measured %s with `%s`, vsw %s." % (
                rs[0]["date"], rs[0]["command"], rs[0]["vsw_commit"]))
            lines.append("")
        me = next((s for s in systems if is_vsw(s)), None)
        peers = [s for s in systems if not is_vsw(s) and not is_ceiling(s)]
        ceilings = [s for s in systems if is_ceiling(s)]
        # the strongest peer of each row, and how to read the ratio
        row_of = {c: {r["system"]: r for r in rs if r["case"] == c} for c in cases}
        strongest = {c: best_of(row_of[c], peers, row_of[c][next(iter(row_of[c]))]["unit"])
                     for c in cases}
        named = list(dict.fromkeys(b["system"] for b in strongest.values() if b))
        dirs = list(dict.fromkeys(higher_is_better(r["unit"]) for r in rs
                                  if r["case"] in [c for c in cases if strongest[c]]))
        hdr = "| case | " + " | ".join(systems)
        ratio = me and named
        if ratio:
            hdr += " | %s / %s (%s)" % (
                me, named[0] if len(named) == 1 else "strongest peer",
                ("higher is better" if dirs[0] else "lower is better") if len(dirs) == 1
                else "higher is better; lower for us, s, MiB, processes and % CPU")
        # vsw as a part of the ceiling: testpmd where it ran, else the bare veth
        ceil_name = next((s for s in ceilings if s.startswith("testpmd")),
                         ceilings[0] if ceilings else None)
        if me and ceil_name:
            hdr += " | %s %% of ceiling" % me
        lines.append(hdr + " |")
        lines.append("|" + "---|" * hdr.count("|"))
        for c in cases:
            row = row_of[c]
            unit = next(iter(row.values()))["unit"]
            cells = [fmt(row[s]) if s in row else "" for s in systems]
            line = "| %s | %s" % (c, " | ".join(cells))
            if ratio:
                a, b = row.get(me), strongest[c]
                cell = "n/a"
                if ok(a) and b:
                    cell = "%.2fx" % (a["median"] / b["median"])
                    if len(named) > 1:
                        cell += " (%s)" % b["system"]
                line += " | %s" % cell
            if me and ceil_name:
                a = row.get(me)
                best_ceil = best_of(row, [s for s in ceilings if s.startswith("testpmd")]
                                    or ceilings, unit)
                cell = ""
                if ok(a) and best_ceil and higher_is_better(unit):
                    cell = "%d%% of %s" % (round(100 * a["median"] / best_ceil["median"]),
                                           best_ceil["system"])
                # and each vsw of the ceiling on its own kind of port, where
                # it names one (veth-pps: testpmd io over the same PMD)
                for v in [s for s in systems if is_vsw(s)]:
                    same = row.get(row[v].get("ceiling", "")) if ok(row.get(v)) else None
                    if ok(same):
                        cell += "; %s %d%% of %s" % (
                            v, round(100 * row[v]["median"] / same["median"]), same["system"])
                line += " | %s" % cell
            lines.append(line + " |")
        lines.append("")
        failed = [r for r in rs if "error" in r and r["error"] != "did not run (see the log)"]
        for r in failed:
            lines.append("- %s, %s: no figure: %s" % (r["case"], r["system"], r["error"]))
        extra = [r for r in rs if "fdb_entries" in r or "conntrack" in r]
        for r in extra:
            if "fdb_entries" in r:
                lines.append("- %s, %s: learned %d MACs (mac-table-size %d)" % (
                    r["case"], r["system"], r["fdb_entries"], r.get("mac_table_size", 0)))
        if NOTES.get(scn):
            lines.append("- " + NOTES[scn])
        if failed or extra or NOTES.get(scn):
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
            "set xtics rotate by -20 font ',8'", "set bmargin 5",
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


def key(r):
    return (r["scenario"], r["case"], r["system"])


def compare(old_doc, new_doc):
    """Each figure of new_doc against the same (scenario, case, system) in
    old_doc: lines of a markdown table, the ratio new / old, and which way
    is better."""
    old = {key(r): r for r in old_doc["results"]}
    om, nm = old_doc.get("machine", {}), new_doc.get("machine", {})
    lines = ["Compared: vsw %s (%s) against the earlier vsw %s (%s)." % (
        nm.get("vsw_commit", "?"), nm.get("date", "?"),
        om.get("vsw_commit", "?"), om.get("date", "?")), "",
        "| scenario | case | system | earlier | now | now / earlier | |",
        "|---|---|---|---|---|---|---|"]
    seen = set()
    for r in new_doc["results"]:
        k = key(r)
        seen.add(k)
        o = old.get(k)
        up = higher_is_better(r["unit"])
        if not ok(r) or not ok(o):
            lines.append("| %s | %s | %s | %s | %s | n/a | %s |" % (
                k + (fmt(o) if o else "-", fmt(r),
                     "new figure" if o is None else "no figure to compare")))
            continue
        q = r["median"] / o["median"]
        worse = q < 0.95 if up else q > 1.05
        better = q > 1.05 if up else q < 0.95
        way = "higher is better" if up else "lower is better"
        verdict = ("SLOWER" if up else "WORSE") + " (%s)" % way if worse else \
            "better (%s)" % way if better else "same (within 5%)"
        lines.append("| %s | %s | %s | %.2f | %.2f | %.2fx | %s |" % (
            k + (o["median"], r["median"], q, verdict)))
    ran = {k[0] for k in seen}
    gone = [k for k in old if k not in seen and k[0] in ran]
    if gone:
        lines.append("")
        lines.append("Only in the earlier file (not run now, or renamed): " +
                     "; ".join("%s / %s / %s" % k for k in gone))
    return "\n".join(lines)


def smoke_check(results, names):
    """What the smoke asserts: every scenario asked for gave figures, every
    system that ran gave a positive figure (% CPU may be 0), and vsw's
    known-unicast pipeline figure is above the peer known to be an order of
    magnitude slower there (never a speed threshold). Returns the problems."""
    bad = []
    for n in names:
        if not any(r["scenario"] == n for r in results):
            bad.append("%s: no figure at all" % n)
    for r in results:
        if "error" in r:
            bad.append("%s / %s / %s: %s" % (key(r) + (r["error"],)))
        elif not r.get("median", 0) > 0 and not (r["unit"] in ("% CPU", "processes") and
                                                   r["median"] == 0):
            bad.append("%s / %s / %s: figure %r is not a positive number"
                       % (key(r) + (r.get("median"),)))
    if "pipeline-l2" in names:
        row = {r["system"]: r for r in results
               if r["scenario"] == "pipeline-l2" and r["case"] == SMOKE_L2_CASE}
        a, b = row.get("vsw"), row.get(SMOKE_L2_PEER)
        if not ok(a) or not ok(b):
            bad.append("pipeline-l2 / %s: vsw and %s must both give a figure"
                       % (SMOKE_L2_CASE, SMOKE_L2_PEER))
        elif a["median"] <= b["median"]:
            bad.append("pipeline-l2 / %s: vsw %.2f Mpps is not above %s %.2f Mpps "
                       "(an order of magnitude slower on a sound build)"
                       % (SMOKE_L2_CASE, a["median"], SMOKE_L2_PEER, b["median"]))
    return bad


def main():
    ap = argparse.ArgumentParser(
        description="vsw benchmarks beside their peers",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Scenarios:\n" + "\n".join("  %-17s %s" % (n, SCENARIOS[n][1])
                                          for n in SCENARIOS) +
        "\n\nComparing with an earlier result file (same scenario/case/system):\n"
        "  bench/run --compare OLD.json [SCENARIO...]   measure, then print each\n"
        "      figure's ratio to OLD.json's (now / earlier, SLOWER flagged past 5%)\n"
        "  bench/run --compare OLD.json --against NEW.json   no measuring: compare\n"
        "      two result files (e.g. bench/results/results.json of two commits)")
    ap.add_argument("scenarios", nargs="*", help="default: all (%s)" % ", ".join(SCENARIOS))
    ap.add_argument("--quick", action="store_true", help="small cases, short runs (< 4 min)")
    ap.add_argument("--smoke", action="store_true",
                    help="for CI: vsw (and the one peer the check needs), one run each, "
                    "results to a temporary directory; fails unless the figures are sane")
    ap.add_argument("--reps", type=int, default=3, help="runs per figure (>= 3)")
    ap.add_argument("--out", default=None,
                    help="where results go (default bench/results; --smoke: a "
                    "temporary directory)")
    ap.add_argument("--update", action="store_true",
                    help="keep the other scenarios' results already in --out")
    ap.add_argument("--compare", metavar="OLD.json",
                    help="print each figure's ratio to the same figure in OLD.json")
    ap.add_argument("--against", metavar="NEW.json",
                    help="with --compare: compare this result file, measure nothing")
    args = ap.parse_args()
    if args.against:
        if not args.compare:
            ap.error("--against needs --compare OLD.json")
        print(compare(json.loads(Path(args.compare).read_text()),
                      json.loads(Path(args.against).read_text())))
        return 0
    old_doc = json.loads(Path(args.compare).read_text()) if args.compare else None
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
        for r in results:
            r.update(command=cmdline, date=MACHINE["date"],
                     vsw_commit=MACHINE["vsw_commit"])
        # the smoke never writes the committed results
        out = Path(args.out) if args.out else Path(d) / "smoke" if args.smoke else RESULTS
        out.mkdir(parents=True, exist_ok=True)
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
        if not (args.smoke and not args.out):
            log("results in %s" % out)
    if old_doc:
        print()
        print(compare(old_doc, doc))
    if args.smoke:
        bad = smoke_check([r for r in results if r["scenario"] in names], names)
        if bad:
            print("\nbench smoke FAILED:\n  " + "\n  ".join(bad))
            return 1
        print("\nbench smoke: %d figures from %d scenarios, all sane; vsw above %s at %s"
              % (len(results), len(names), SMOKE_L2_PEER, SMOKE_L2_CASE)
              if "pipeline-l2" in names else
              "\nbench smoke: %d figures from %d scenarios, all sane" % (len(results), len(names)))
        return 0
    bad = [r for r in results if "error" in r and is_vsw(r["system"])]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
