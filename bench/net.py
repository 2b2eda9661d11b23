# SPDX-License-Identifier: BSD-3-Clause
"""vsw benchmarks over real interfaces: network namespaces, veth pairs, memif.

bench.py imports this file and adds its scenarios to its own; every figure
goes through bench.measure() (median of --reps runs, min and max) and
bench.result(). The switch under test gets CPU 1, the traffic source CPU 0.

  veth-pps  64-byte UDP frames from vswgen (net_af_xdp on eth0, as fast as it
            can, CPU 0) in namespace A, through the switch, to namespace B.
            The sink is B's own kernel: a UDP port nobody listens on, counted
            by B's eth0 rx_packets (the frames the veth handed to B's stack).
            It takes no CPU of its own (a sink busy-polling a third core would
            not fit on two), but its stack work runs on the CPU that sends
            into B's veth - the switch's. Systems: vsw (afpacket ports on the
            host ends, one bridge, poll = busy, cpus = 1), a Linux bridge
            (bridge-nf-call-iptables 0 while it runs), OVS userspace
            (datapath_type=netdev; the thread that forwards on CPU 1 - the
            PMD for afxdp ports, the main thread for system ports, which OVS
            polls from there - and its other threads on CPU 0, as vsw's
            worker and main lcore) with afxdp and with system (AF_PACKET) ports,
            dpdk-testpmd io forwarding between the host ends with net_af_xdp
            and net_af_packet (no switching: the ceiling of a user-space
            switch on this path), and the generator into a bare veth pair.
  tcp       iperf3 -J between two namespaces, sum_received: through vsw
            (afpacket, offloads on in the namespaces), vsw tap (vsw's own TAP
            devices moved into the namespaces as their eth0: no veth), a
            Linux bridge, and OVS
            userspace afxdp / system ports (with `ethtool -K eth0 tx off` in
            both namespaces, which OVS needs over veth without TSO), and OVS
            system ports with other_config:userspace-tso-enable=true and the
            namespaces' offloads left on (afxdp ports cannot do TSO in OVS
            3.1: TCP does not connect). Cases (vsw and the Linux bridge; OVS
            the first alone): "netns to netns" (1 stream, MTU 1500, IPv4),
            ", 8 streams" (iperf3 -P 8), ", MTU 9000" (both ends of both
            veths, set before the switch starts: vsw reads it at port open),
            ", 8 streams, MTU 9000", ", IPv6" (fd00:5c::1 and ::2, nodad,
            IPv6 on in the two namespaces only: the host ends in the root
            namespace keep disable_ipv6 = 1 and arp_ignore = 8; ping -6
            first). And through NAT: a container behind vsw's docker0-like
            masquerade to an "outside" namespace, against the kernel's
            docker0 (a Linux bridge in a "host" namespace, routing, nftables
            masquerade), both ways (out through masquerade, in through a
            published port). Placement: each case is "pinned" (iperf3 client
            and server -A 0: CPU 0, the switch worker on CPU 1; the case's
            plain name, the headline) and, full runs, " (unpinned)" (no -A,
            the scheduler's choice). Every run is iperf3 -O 1 -t N (the
            first second, slow start, not counted) with -C cubic (Linux's
            default, whatever the machine's is); the CPU is sampled inside
            it, from 0.15 s after the omitted second to 0.15 s before its
            end: /proc/stat (each CPU) and, for vsw, its worker thread
            rte-worker-1's schedstat (for OVS every ovs-vswitchd thread's).
            Beside each figure, the medians across its runs of cpu_cores
            (the whole machine's user + nice + system + irq + softirq time
            over the window; steal, the hypervisor's, apart as steal_cores),
            softirq_cores, switch_cores (vsw / OVS: its threads' CPU plus
            softirq_cores; the Linux bridge and docker0: softirq_cores
            alone), and gbps_per_core (median Gbit/s / median cpu_cores).
            softirq work is partly accounted as system time of the task that
            raised it (vsw's worker sending into a veth, iperf3's sends), so
            cpu_cores, the whole machine, is the figure to compare.
  memif     vswgen <-> vsw over two net_memif ports (vsw the server, vswgen
            the client, both busy polling: vswgen CPU 0, vsw CPU 1); Mpps
            received back by vswgen, and its latency p50 / p99 under that load
            (and, full runs, at 0.1 Mpps); dpdk-testpmd io between the same
            two memif ports is the ceiling.
  idle      CPU used by an idle vsw (all its threads, from
            /proc/PID/task/*/schedstat), poll = adaptive (the default) against
            poll = busy; the ping RTT between two namespaces through vsw after
            1 s of silence, and with pings 10 ms apart.
  churn     run-time changes while a constant-rate stream (vswpace, 20 kpps
            of small UDP datagrams, kernel-timestamped on arrival) crosses
            two other ports of the same bridge: port add/del (vsw over its
            control socket, from this process; the Linux bridge with one
            `ip -batch -` of `link set X master BR` / `nomaster`) and publish
            add/del (vsw; nftables dnat rules, one `nft -i`) a second, and
            the stream's largest gap in the churn and in a quiet window of
            the same length before it.

--quick: vsw and the one peer that matters most (the Linux bridge; memif
has vsw alone), short windows, the runs of a figure taken back to back in
one set-up; tcp: every netns case, pinned only, no NAT. --smoke: every vsw
case, one short run each (tcp: "netns to netns" and NAT out, pinned).

Everything made here (namespaces, veths, bridges, OVS daemons, processes)
carries a random tag, is removed in a finally block, and no machine
interface is touched; sysctls changed are restored.
"""
import json
import os
import re
import secrets
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
VSWGEN = BUILD / "bench" / "vswgen"
OVS_VSWITCHD = "/usr/sbin/ovs-vswitchd"   # the kernel/userspace build, not -dpdk

GEN_CPU = 0             # the traffic source
SW_CPU = 1              # the switch under test

MAC_A, MAC_B = "02:00:00:00:00:01", "02:00:00:00:00:02"    # vswgen's defaults
IP_A, IP_B = "10.0.0.1", "10.0.0.2"
BRIDGE_NF = Path("/proc/sys/net/bridge/bridge-nf-call-iptables")


def B():
    """The bench module: __main__ when bench.py runs, else import it."""
    m = sys.modules.get("__main__")
    if m is not None and hasattr(m, "measure") and hasattr(m, "Vsw"):
        return m
    import bench
    return bench


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sh(cmd, check=True, timeout=60, **kw):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True,
                       timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s%s" % (cmd, r.stdout.strip(), r.stderr.strip()))
    return r


def series(vals):
    """bench.measure() over values already taken (a run each)."""
    return B().measure(lambda: list(vals), 1) if vals else None


def result(scenario, case, system, m, unit="Mpps", **extra):
    r = B().result(scenario, case, system, m, unit=unit)
    # 0 % CPU is a figure, not a failure to forward
    if r.get("error") == "forwarded nothing" and unit not in ("Mpps", "Gbit/s"):
        del r["error"]
    if "error" not in r:
        r.update(extra)
    return r


# ---- the lab: namespaces, veths, processes; all undone at the end ------------

class Lab:
    def __init__(self, tmp):
        self.tag = secrets.token_hex(2)
        self.dir = Path(tempfile.mkdtemp(prefix="lab-%s-" % self.tag, dir=str(tmp)))
        self.namespaces, self.links, self.procs, self.undo = [], [], [], []
        self.switches = []
        self.n = 0

    def check(self):
        """Raises if a vsw of this lab has died."""
        for v in self.switches:
            if v.proc.poll() is not None:
                raise RuntimeError("vsw died (exit status %d): %s" % (
                    v.proc.returncode, (v.dir / "vsw.log").read_text()[-300:].strip()))

    def ifname(self, short):
        name = "vb%s%s" % (self.tag, short)
        assert len(name) <= 15, name
        return name

    def netns(self, short):
        name = "vswb-%s-%s" % (self.tag, short)
        sh("ip netns add %s" % name)
        self.namespaces.append(name)
        sh("ip -n %s link set lo up" % name)
        return name

    def container(self, short, addr, mac=None, gw=None):
        """A namespace whose eth0 (addr) is a veth to a host end in the root
        namespace. Returns (namespace, host end)."""
        ns = self.netns(short)
        host = self.ifname(short)
        sh("ip link add %s type veth peer name eth0 netns %s" % (host, ns))
        self.links.append(host)
        self._eth0(ns, addr, mac, gw)
        # the host end is a switch port, not one of the host's interfaces: no
        # IPv6 on it, nor ARP answers from the host (as tests/netns/conftest.py)
        sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % host, check=False)
        sh("sysctl -qw net.ipv4.conf.%s.arp_ignore=8" % host, check=False)
        sh("ip link set %s up" % host)
        return ns, host

    def wire(self, ns1, name1, ns2, addr2=None, mac2=None, gw2=None):
        """A veth from 'name1' in ns1 to eth0 in ns2 (both namespaces ours)."""
        sh("ip -n %s link add %s type veth peer name eth0 netns %s" % (ns1, name1, ns2))
        self._eth0(ns2, addr2, mac2, gw2)
        sh("ip -n %s link set %s up" % (ns1, name1))

    def _eth0(self, ns, addr, mac, gw):
        sh("ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1" % ns,
           check=False)
        if mac:
            sh("ip -n %s link set eth0 address %s" % (ns, mac))
        if addr:
            sh("ip -n %s addr add %s dev eth0" % (ns, addr))
        sh("ip -n %s link set eth0 up" % ns)
        if gw:
            sh("ip -n %s route add default via %s" % (ns, gw))

    def bridge(self, ports):
        """A Linux bridge over host ends, in the root namespace."""
        br = self.ifname("br")
        sh("ip link add %s type bridge" % br)
        self.links.append(br)
        sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % br, check=False)
        for p in ports:
            sh("ip link set %s master %s" % (p, br))
        sh("ip link set %s up" % br)
        return br

    def sysctl_file(self, path, value):
        """Write a /proc/sys file; restored when the lab ends."""
        path = Path(path)
        if not path.exists():
            return
        old = path.read_text().strip()
        if old != str(value):
            path.write_text(str(value))
            self.undo.append(lambda: path.write_text(old))

    def run(self, ns, cmd, check=True, timeout=60):
        return sh("ip netns exec %s %s" % (ns, cmd), check=check, timeout=timeout)

    def spawn(self, argv, ns=None, name="proc", stdin=None):
        """A process in the background (in 'ns'), output to files in the lab."""
        self.n += 1
        base = self.dir / ("%s-%d" % (name, self.n))
        out, err = open(str(base) + ".out", "w"), open(str(base) + ".err", "w")
        if ns:
            argv = ["ip", "netns", "exec", ns] + argv
        p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=stdin)
        p.out_path, p.err_path = Path(out.name), Path(err.name)
        out.close()
        err.close()
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGINT, timeout=15):
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return p.returncode

    def cleanup(self):
        for p in reversed(self.procs):
            self.stop(p, signal.SIGTERM, 10)
        for fn in reversed(self.undo):
            try:
                fn()
            except Exception as e:      # keep undoing the rest
                log("cleanup: %s" % e)
        for ns in self.namespaces:
            sh("ip netns pids %s | xargs -r kill -9" % ns, check=False)
            sh("ip netns del %s" % ns, check=False)
        for link in reversed(self.links):
            if Path("/sys/class/net/%s" % link).exists():
                sh("ip link del %s" % link, check=False)
        if Path("/sys/class/net/vswpark").exists():    # ports/afpacket.c's
            sh("ip link del vswpark", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def link_stats(ns, dev):
    """The kernel's counters of 'dev' (in namespace 'ns', or the root one)."""
    cmd = "ip %s-j -s link show dev %s" % ("-n %s " % ns if ns else "", dev)
    return json.loads(sh(cmd).stdout)[0]["stats64"]


def ping_ok(lab, ns, dst, tries=20):
    for _ in range(tries):
        if lab.run(ns, "ping -c 1 -W 1 %s" % dst, check=False).returncode == 0:
            return True
        time.sleep(0.2)
    return False


# ---- the systems ----------------------------------------------------------------

def start_vsw(lab, ini):
    """vsw on 'ini' (the lines after [switch]'s control key); stopped with the lab."""
    lab.n += 1
    d = lab.dir / ("vsw-%d" % lab.n)
    d.mkdir()
    v = B().Vsw(d, ini)
    v.dir = d
    lab.switches.append(v)

    def stop():
        rc = v.stop()
        if rc != 0:
            log("vsw exited with %s: %s" % (rc, (d / "vsw.log").read_text()[-500:]))
            # a vsw that died leaves its EAL runtime directory behind
            shutil.rmtree("/var/run/dpdk/vsw-%d" % v.proc.pid, ignore_errors=True)
    lab.undo.append(stop)
    return v


def l2_ini(ports, poll="busy", extra=""):
    ini = "poll = %s\ncpus = %d\n[bridge br0]\n%s" % (poll, SW_CPU, extra)
    for name, iface in ports:
        ini += "[port %s]\nkind = afpacket\niface = %s\nbridge = br0\n" % (name, iface)
    return ini


class OvsNetdev:
    """OVS userspace (ovs-vswitchd, datapath_type=netdev, no DPDK) in a
    private run directory; stopped with the lab. Its PMD thread on the
    switch CPU (pmd-cpu-mask), its other threads (main, handlers,
    revalidators) on the other CPU (taskset), as vsw's worker and main
    lcore. tso: other_config:userspace-tso-enable=true."""

    def __init__(self, lab, tso=False):
        if not shutil.which(OVS_VSWITCHD) or not shutil.which("ovsdb-server"):
            raise RuntimeError("Open vSwitch is not installed (openvswitch-switch)")
        self.lab = lab
        self.d = d = lab.dir / "ovs"
        d.mkdir()
        self.env = dict(os.environ, OVS_RUNDIR=str(d), OVS_LOGDIR=str(d),
                        OVS_DBDIR=str(d))
        self.db = "unix:%s/db.sock" % d
        self.br = None
        # the netdev datapath's own tap has this fixed name: leave it as found
        self.had_tap = Path("/sys/class/net/ovs-netdev").exists()
        lab.undo.append(self.stop)
        self.run("ovsdb-tool create %s/conf.db /usr/share/openvswitch/vswitch.ovsschema" % d)
        self.run("ovsdb-server --remote=punix:%s/db.sock --pidfile=%s/ovsdb.pid "
                 "--detach --log-file=%s/ovsdb.log %s/conf.db" % (d, d, d, d))
        self.vsctl("--no-wait init")
        self.vsctl("--no-wait set Open_vSwitch . other_config:pmd-cpu-mask=%#x%s"
                   % (1 << SW_CPU, " other_config:userspace-tso-enable=true" if tso else ""))
        self.run("taskset -c %d %s %s --pidfile=%s/vswitchd.pid --detach "
                 "--log-file=%s/vswitchd.log --unixctl=%s/ctl"
                 % (GEN_CPU, OVS_VSWITCHD, self.db, d, d, d), timeout=60)
        self.pid = int((d / "vswitchd.pid").read_text().strip())

    def run(self, cmd, timeout=60):
        return sh(cmd, env=self.env, timeout=timeout)

    def vsctl(self, args):
        return self.run("ovs-vsctl --timeout=30 --db=%s %s" % (self.db, args))

    def bridge(self, ports, kind):
        self.br = self.lab.ifname("ov")          # OVS makes a tap of this name
        self.vsctl("add-br %s -- set bridge %s datapath_type=netdev" % (self.br, self.br))
        for p in ports:
            self.vsctl("add-port %s %s -- set Interface %s type=%s" % (self.br, p, p, kind))
        for p in ports:
            err = self.vsctl("get Interface %s error" % p).stdout.strip()
            ofport = self.vsctl("get Interface %s ofport" % p).stdout.strip()
            if err not in ("[]", "") or ofport in ("-1", "[]"):
                raise RuntimeError("OVS could not add %s port %s: %s" % (kind, p, err))
        if kind == "system":
            # OVS polls netdev-linux ports from its main thread: that one
            # forwards, so it goes to the switch CPU, the rest stays
            sh("taskset -p -c %d %d" % (SW_CPU, self.pid))
        B().check_ovs_placement(self.pid, SW_CPU, GEN_CPU, main_forwards=kind == "system")

    def stop(self):
        d = self.d
        if self.br:
            sh("ovs-vsctl --timeout=10 --db=%s del-br %s" % (self.db, self.br),
               check=False, env=self.env)
            self.br = None
        if (d / "vswitchd.pid").exists():
            sh("ovs-appctl --timeout=10 -t %s/ctl exit%s"
               % (d, "" if self.had_tap else " --cleanup"),
               check=False, env=self.env, timeout=20)
        for pidf in ("vswitchd.pid", "ovsdb.pid"):
            f = d / pidf
            if not f.exists():
                continue
            try:
                pid = int(f.read_text().strip())
            except ValueError:
                continue
            for sig in (signal.SIGTERM, signal.SIGTERM, signal.SIGKILL):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    break
                for _ in range(30):
                    if not Path("/proc/%d" % pid).exists():
                        break
                    time.sleep(0.1)
        if (d / "vswitchd.log").exists():
            bad = [ln for ln in (d / "vswitchd.log").read_text().splitlines()
                   if "|ERR|" in ln or "|EMER|" in ln]
            if bad:
                log("ovs-vswitchd: " + " / ".join(bad[-3:]))


def start_testpmd(lab, vdevs):
    """dpdk-testpmd io forwarding between two vdevs, main lcore on the
    generator CPU (it only waits), forwarding on the switch CPU."""
    argv = ["stdbuf", "-oL", "dpdk-testpmd", "--in-memory", "--no-pci",
            "--file-prefix=vswb-tp-%s" % lab.tag, "-l", "%d,%d" % (GEN_CPU, SW_CPU),
            "--main-lcore", str(GEN_CPU), "--log-level=*:error"]
    for v in vdevs:
        argv += ["--vdev", v]
    argv += ["--", "--forward-mode=io", "--auto-start", "--total-num-mbufs=32768"]
    # it reads stdin for "enter to exit": give it a pipe that stays open
    p = lab.spawn(argv, name="testpmd", stdin=subprocess.PIPE)
    deadline = time.time() + 30
    while "Press enter to exit" not in p.out_path.read_text():
        if p.poll() is not None or time.time() > deadline:
            raise RuntimeError("testpmd did not start: %s" %
                               (p.out_path.read_text() + p.err_path.read_text())[-600:])
        time.sleep(0.1)
    return p


# ---- veth-pps ---------------------------------------------------------------------

def gen_start(lab, ns, devargs):
    """vswgen sending 64-byte frames as fast as it can until stopped."""
    if not VSWGEN.exists():
        raise RuntimeError("%s is missing (ninja -C build)" % VSWGEN)
    return lab.spawn([str(VSWGEN), "--tx", devargs, "--no-rx", "--cpu", str(GEN_CPU),
                      "--duration", "3600", "--json"], ns=ns, name="vswgen")


def gen_stop(lab, p):
    lab.stop(p)
    try:
        return json.loads(p.out_path.read_text())
    except ValueError:
        log("vswgen: %s" % p.err_path.read_text()[-500:])
        return None


def veth_windows(lab, ns_a, ns_b, warmup, secs, n):
    """One generator run: 'n' measured windows of 'secs' after 'warmup'.
    Returns [(received pps, offered pps), ...]."""
    def rx():
        return link_stats(ns_b, "eth0")["rx"]["packets"]

    def offered():
        s = link_stats(ns_a, "eth0")["tx"]
        return s["packets"] + s["dropped"]
    r0 = rx()
    g = gen_start(lab, ns_a, "net_af_xdp0,iface=eth0")
    try:
        deadline = time.time() + 20
        while rx() < r0 + 1000:
            if g.poll() is not None:
                raise RuntimeError("vswgen stopped: %s" % g.err_path.read_text()[-500:])
            if time.time() > deadline:
                raise RuntimeError("nothing reaches the sink")
            time.sleep(0.05)
        time.sleep(warmup)
        out = []
        a, o, t = rx(), offered(), time.time()
        for _ in range(n):
            time.sleep(secs)
            a2, o2, t2 = rx(), offered(), time.time()
            out.append(((a2 - a) / (t2 - t), (o2 - o) / (t2 - t)))
            a, o, t = a2, o2, t2
        if g.poll() is not None:
            raise RuntimeError("vswgen stopped during the window")
        lab.check()
        return out
    finally:
        gen_stop(lab, g)


def veth_system(args, tmp, system):
    """Sets up 'system' between two fresh namespaces and measures it.
    Returns (measure dict or None, offered Mpps)."""
    quick = args.quick or args.smoke
    warmup, secs = (0.5, 1) if args.smoke else (1, 1) if args.quick else (2, 5)
    lab = Lab(tmp)
    try:
        if system == "bare veth":
            a, b = lab.netns("a"), lab.netns("b")
            sh("ip -n %s link add eth0 type veth peer name eth0 netns %s" % (a, b))
            lab._eth0(a, IP_A + "/24", MAC_A, None)
            lab._eth0(b, IP_B + "/24", MAC_B, None)
        else:
            a, ha = lab.container("a", IP_A + "/24", MAC_A)
            b, hb = lab.container("b", IP_B + "/24", MAC_B)
            if system == "vsw":
                start_vsw(lab, l2_ini([("a", ha), ("b", hb)]))
            elif system == "vsw af_xdp":
                # DPDK's net_af_xdp for both ports, as testpmd io af_xdp
                ini = "poll = busy\ncpus = %d\n[bridge br0]\n" % SW_CPU
                for i, (name, iface) in enumerate((("a", ha), ("b", hb))):
                    ini += ("[port %s]\nkind = dpdk\ndevargs = net_af_xdp%d,iface=%s\n"
                            "bridge = br0\n" % (name, i, iface))
                start_vsw(lab, ini)
            elif system == "Linux bridge":
                lab.sysctl_file(BRIDGE_NF, 0)
                lab.bridge([ha, hb])
            elif system.startswith("OVS"):
                OvsNetdev(lab).bridge([ha, hb], "afxdp" if "afxdp" in system else "system")
            elif system.startswith("testpmd"):
                if "af_xdp" in system:
                    vdevs = ["net_af_xdp0,iface=%s" % ha, "net_af_xdp1,iface=%s" % hb]
                else:
                    vdevs = ["net_af_packet0,iface=%s,qdisc_bypass=1" % ha,
                             "net_af_packet1,iface=%s,qdisc_bypass=1" % hb]
                start_testpmd(lab, vdevs)
        # both ends known to the switch (B's MAC learned: no flooding)
        if not ping_ok(lab, b, IP_A):
            raise RuntimeError("no ping from B to A through %s" % system)
        if quick:
            w = veth_windows(lab, a, b, warmup, secs, args.reps)
        else:
            w = [veth_windows(lab, a, b, warmup, secs, 1)[0] for _ in range(args.reps)]
        log("  received %s Mpps; offered %s" % (
            ", ".join("%.3f" % (x[0] / 1e6) for x in w),
            ", ".join("%.3f" % (x[1] / 1e6) for x in w)))
        offered = sorted(x[1] for x in w)[len(w) // 2]
        return series([x[0] for x in w]), round(offered / 1e6, 3)
    except Exception as e:
        log("veth-pps %s failed: %s" % (system, e))
        return None, None
    finally:
        lab.cleanup()


def scenario_veth_pps(args, tmp):
    if args.smoke:
        systems = ["vsw"]
    elif args.quick:
        systems = ["vsw", "Linux bridge"]
    else:
        systems = ["vsw", "vsw af_xdp", "Linux bridge", "OVS afxdp", "OVS AF_PACKET",
                   "testpmd io af_xdp", "testpmd io af_packet", "bare veth"]
    out = []
    with B().Hugepages(1024):
        for s in systems:
            log("veth-pps: %s" % s)
            m, offered = veth_system(args, tmp, s)
            # the ceiling on the same kind of port: testpmd io over it
            port = {"vsw": "af_packet", "vsw af_xdp": "af_xdp"}.get(s)
            extra = {"ceiling": "testpmd io " + port} if port else {}
            out.append(result("veth-pps", "64 B UDP, netns to netns", s, m,
                              offered_mpps=offered,
                              sink="rx_packets of eth0 in B (B's kernel drops them)",
                              **extra))
    return out


# ---- tcp ------------------------------------------------------------------------------

IPERF_OMIT = 1          # iperf3 -O: the first second (slow start) is not counted
# iperf3 -C: Linux's default congestion control, whatever this machine's
# default is (this VM's is bbr, whose pacing held every system below what
# cubic moves: vsw 10-11 against 15-16 Gbit/s, the Linux bridge 11-12
# against 21-23, issue 14)
TCP_CC = "cubic"
CPU_LEAD = 0.15         # the CPU window starts this long after the omitted second
CPU_TAIL = 0.15         # ... and ends this long before iperf3's own end
V6_A, V6_B = "fd00:5c::1", "fd00:5c::2"
UNPINNED = " (unpinned)"
# (case, iperf3 -P, MTU of both veths, IPv6); the first is the headline and
# the only one OVS runs (results history uses its name)
TCP_CASES = [
    ("netns to netns", 1, 1500, False),
    ("netns to netns, 8 streams", 8, 1500, False),
    ("netns to netns, MTU 9000", 1, 9000, False),
    ("netns to netns, 8 streams, MTU 9000", 8, 9000, False),
    ("netns to netns, IPv6", 1, 1500, True),
]
NAT_CASES = {"out": "NAT: container to outside", "in": "NAT: outside to published port"}
STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def proc_stat():
    """Each CPU's times from /proc/stat, in seconds: {"cpu0": {field: s}}."""
    hz = os.sysconf("SC_CLK_TCK")
    out = {}
    with open("/proc/stat") as f:
        for ln in f:
            if ln.startswith("cpu") and ln[3].isdigit():
                v = ln.split()
                out[v[0]] = {k: int(x) / hz for k, x in zip(STAT_FIELDS, v[1:9])}
    return out


def thread_ns(pid, name):
    """A function giving the CPU time (ns, schedstat) of the thread of 'pid'
    called 'name'; raises if there is none."""
    names = []
    for t in Path("/proc/%d/task" % pid).iterdir():
        try:
            comm = (t / "comm").read_text().strip()
        except OSError:
            continue
        if comm == name:
            path = t / "schedstat"
            return lambda: int(path.read_text().split()[0])
        names.append(comm)
    raise RuntimeError("no thread %s in process %d (%s)" % (name, pid, ", ".join(names)))


def cpu_sample(probe):
    return time.monotonic(), proc_stat(), probe() if probe else 0


def cpu_window(a, b):
    """Cores used between two cpu_sample()s: cpu_cores (every CPU's user,
    nice, system, irq and softirq time: not idle, iowait nor steal),
    softirq_cores, steal_cores (the hypervisor's, shown apart),
    worker_cores (the probe's threads) and switch_cores (worker +
    softirq)."""
    t = b[0] - a[0]
    busy = soft = steal = 0.0
    for cpu, now in b[1].items():
        d = {k: now[k] - a[1].get(cpu, now)[k] for k in STAT_FIELDS}
        busy += d["user"] + d["nice"] + d["system"] + d["irq"] + d["softirq"]
        soft += d["softirq"]
        steal += d["steal"]
    worker = (b[2] - a[2]) / 1e9
    return {"cpu_cores": busy / t, "softirq_cores": soft / t, "steal_cores": steal / t,
            "worker_cores": worker / t, "switch_cores": (worker + soft) / t,
            "window_s": t}


def wait_listen(lab, ns, port, srv, timeout=10):
    """Until something in 'ns' listens on TCP 'port' (the iperf3 server)."""
    deadline = time.time() + timeout
    while True:
        r = lab.run(ns, "ss -Hltn sport = :%d" % port, check=False)
        if r.stdout.strip():
            return
        if srv.poll() is not None or time.time() > deadline:
            raise RuntimeError("iperf3 -s is not listening: %s" % srv.err_path.read_text()[-300:])
        time.sleep(0.05)


def iperf_once(lab, argv, secs, probe):
    """One iperf3 client run (argv); the CPU sampled inside it, from just after
    the omitted second to just before its end. {"bps": sum_received, cpu...}."""
    for attempt in range(20):
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        w = None
        try:
            time.sleep(IPERF_OMIT + CPU_LEAD)
            if p.poll() is None:
                a = cpu_sample(probe)
                time.sleep(max(0.2, secs - CPU_LEAD - CPU_TAIL))
                if p.poll() is None:
                    w = cpu_window(a, cpu_sample(probe))
            out, err = p.communicate(timeout=secs + IPERF_OMIT + 20)
            try:
                d = json.loads(out)
            except ValueError:
                d = {"error": err.strip() or "no output"}
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            d = {"error": "iperf3 did not finish"}
        lab.check()
        if "error" in d and "connect" in d["error"] and attempt < 19:
            time.sleep(0.2)         # the server is not listening yet
            continue
        break
    if "error" in d:
        raise RuntimeError("iperf3: %s" % d["error"])
    if w is None:
        raise RuntimeError("iperf3 ended before its CPU window did")
    w["bps"] = d["end"]["sum_received"]["bits_per_second"]
    return w


def iperf(lab, client_ns, server_ns, server_ip, secs, reps, connect=None, port=5201,
          streams=1, v6=False, pinned=True, probe=None):
    """'reps' iperf3 runs from client_ns to a server in server_ns; pinned:
    client and server on the traffic CPU (-A), else where the scheduler
    puts them. probe: the switch's own CPU time (ns), or None. Returns a
    dict a run (bps and cpu_window()'s figures)."""
    aff = ["-A", str(GEN_CPU)] if pinned else []
    srv = lab.spawn(["iperf3", "-s", "-B", server_ip, "-p", str(port)] + aff,
                    ns=server_ns, name="iperf3-s")
    host, cport = connect or (server_ip, port)
    argv = ["ip", "netns", "exec", client_ns, "iperf3", "-c", host, "-p", str(cport),
            "-t", str(secs), "-O", str(IPERF_OMIT), "-C", TCP_CC, "-J",
            "--connect-timeout", "3000"]
    argv += (["-6"] if v6 else []) + (["-P", str(streams)] if streams > 1 else []) + aff
    try:
        wait_listen(lab, server_ns, port, srv)
        runs = [iperf_once(lab, argv, secs, probe) for _ in range(reps)]
    finally:
        lab.stop(srv)
    log("  %s Gbit/s; %s cores (softirq %s, switch %s)" % (
        ", ".join("%.2f" % (r["bps"] / 1e9) for r in runs),
        ", ".join("%.2f" % r["cpu_cores"] for r in runs),
        ", ".join("%.2f" % r["softirq_cores"] for r in runs),
        ", ".join("%.2f" % r["switch_cores"] for r in runs)))
    return runs


def tcp_result(case, system, runs, pinned, worker):
    """The figure (Gbit/s of the runs) with the medians of each CPU field
    across the runs; gbps_per_core = median Gbit/s / median cpu_cores.
    worker: what worker_cores is of (None: no process of its own)."""
    m = series([r["bps"] for r in runs]) if runs else None
    extra = {"placement": "pinned" if pinned else "unpinned"}
    if runs:
        med = {k: statistics.median(r[k] for r in runs)
               for k in ("cpu_cores", "softirq_cores", "steal_cores", "worker_cores",
                         "switch_cores")}
        extra.update({k: round(med[k], 3) for k in
                      ("cpu_cores", "softirq_cores", "switch_cores", "steal_cores")})
        if worker:
            extra["worker_cores"] = round(med["worker_cores"], 3)
            extra["worker"] = worker
        if med["cpu_cores"] > 0:
            extra["gbps_per_core"] = round(m["median"] / 1e9 / med["cpu_cores"], 2)
        extra["cpu_window_s"] = round(statistics.median(r["window_s"] for r in runs), 2)
    return result("tcp", case, system, m, unit="Gbit/s", **extra)


VSW_WORKER = "rte-worker-1"     # vsw's one worker lcore thread (cpus = 1)


def vsw_probe(v):
    return thread_ns(v.proc.pid, VSW_WORKER)


def enable_v6(lab, ns, addr):
    """IPv6 on in a container (its namespace only: the host ends in the root
    namespace keep disable_ipv6 = 1), 'addr' on eth0 without DAD."""
    for k in ("all", "default", "eth0", "lo"):
        lab.run(ns, "sysctl -qw net.ipv6.conf.%s.disable_ipv6=0" % k)
    lab.run(ns, "ip -6 addr add %s/64 dev eth0 nodad" % addr)


def tcp_bridge(args, tmp, system, secs, mtu, todo):
    """Two containers through 'system', both veths' ends at 'mtu' (set before
    the switch starts: vsw reads it when it opens a port); then each of
    'todo' (case, streams, IPv6, pinned). Returns {case: runs}."""
    lab = Lab(tmp)
    out = {}
    try:
        probe, worker = None, None
        if system == "vsw tap":
            # vsw's own TAP devices, moved into the containers as their eth0
            # (no veth: what a TAP port gives a container)
            a, b = lab.netns("a"), lab.netns("b")
            taps = [lab.ifname("a"), lab.ifname("b")]
            ini = "poll = busy\ncpus = %d\n[bridge br0]\n" % SW_CPU
            for n, t in zip("ab", taps):
                ini += "[port %s]\nkind = tap\niface = %s\nbridge = br0\n" % (n, t)
            v = start_vsw(lab, ini)
            probe, worker = vsw_probe(v), "vsw thread %s" % VSW_WORKER
            for ns, t, ip in ((a, taps[0], IP_A), (b, taps[1], IP_B)):
                sh("ip link set %s netns %s" % (t, ns))
                sh("ip -n %s link set %s name eth0" % (ns, t))
                sh("ip -n %s link set lo up" % ns)
                if mtu != 1500:
                    sh("ip -n %s link set eth0 mtu %d" % (ns, mtu))
                lab._eth0(ns, ip + "/24", None, None)
        else:
            a, ha = lab.container("a", IP_A + "/24")
            b, hb = lab.container("b", IP_B + "/24")
        if mtu != 1500 and system != "vsw tap":
            for ns, host in ((a, ha), (b, hb)):
                sh("ip link set %s mtu %d" % (host, mtu))
                lab.run(ns, "ip link set eth0 mtu %d" % mtu)
        if system == "vsw tap":
            pass
        elif system.startswith("vsw"):
            v = start_vsw(lab, l2_ini([("a", ha), ("b", hb)]))
            probe, worker = vsw_probe(v), "vsw thread %s" % VSW_WORKER
        elif system == "Linux bridge":
            lab.sysctl_file(BRIDGE_NF, 0)
            lab.bridge([ha, hb])
        elif system.startswith("OVS"):
            tso = "userspace TSO" in system
            if not tso:
                for ns in (a, b):
                    lab.run(ns, "ethtool -K eth0 tx off")
            ovs = OvsNetdev(lab, tso)
            ovs.bridge([ha, hb], "afxdp" if "afxdp" in system else "system")
            probe, worker = (lambda: cpu_ns(ovs.pid)), "every ovs-vswitchd thread"
        if not ping_ok(lab, a, IP_B):
            raise RuntimeError("no ping from A to B through %s" % system)
        v6 = False
        for case, streams, ipv6, pinned in todo:
            log("  %s" % case)
            try:
                if ipv6 and not v6:
                    enable_v6(lab, a, V6_A)
                    enable_v6(lab, b, V6_B)
                    if not ping_ok(lab, a, "-6 " + V6_B):
                        raise RuntimeError("no ping -6 from A to B through %s" % system)
                    v6 = True
                out[case] = (iperf(lab, a, b, V6_B if ipv6 else IP_B, secs, args.reps,
                                   streams=streams, v6=ipv6, pinned=pinned, probe=probe),
                             worker)
            except Exception as e:
                log("tcp %s, %s failed: %s" % (system, case, e))
        return out
    except Exception as e:
        log("tcp %s failed: %s" % (system, e))
        return out
    finally:
        lab.cleanup()


NAT_VSW = """poll = busy
cpus = %d
[bridge docker0]
subnet = 172.17.0.0/16
gateway = 172.17.0.1
masquerade = uplink
[port c1]
kind = afpacket
iface = %s
bridge = docker0
[port uplink]
kind = afpacket
iface = %s
address = 198.51.100.2/24
gateway = 198.51.100.1
[publish iperf]
port = uplink
proto = tcp
listen = 8080
to = 172.17.0.2:5201
"""

NAT_NFT = """table ip nat {
  chain post { type nat hook postrouting priority 100; ip saddr 172.17.0.0/16 oifname "up0" masquerade; }
  chain pre { type nat hook prerouting priority -100; iifname "up0" tcp dport 8080 dnat to 172.17.0.2:5201; }
}
"""


def have_nft():
    if shutil.which("nft"):
        return True
    log("installing nftables (for the docker0-like kernel NAT)")
    r = sh("apt-get install -y -qq nftables >/dev/null 2>&1 || "
           "(apt-get update -qq && apt-get install -y -qq nftables)",
           check=False, timeout=600, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    return r.returncode == 0 and shutil.which("nft") is not None


def tcp_nat(args, tmp, system, secs, todo):
    """A container (172.17.0.2) behind masquerade, an outside namespace
    (198.51.100.1); then each of 'todo' (case, direction "out" or "in",
    pinned). Returns {case: runs}."""
    lab = Lab(tmp)
    out = {}
    try:
        probe, worker = None, None
        if system == "vsw":
            c, hc = lab.container("c", "172.17.0.2/16", gw="172.17.0.1")
            o, ho = lab.container("o", "198.51.100.1/24")
            v = start_vsw(lab, NAT_VSW % (SW_CPU, hc, ho))
            probe, worker = vsw_probe(v), "vsw thread %s" % VSW_WORKER
        else:
            if not have_nft():
                raise RuntimeError("nftables is missing and could not be installed")
            h, c, o = lab.netns("h"), lab.netns("c"), lab.netns("o")
            sh("ip -n %s link add br0 type bridge" % h)
            sh("ip -n %s addr add 172.17.0.1/16 dev br0" % h)
            sh("ip -n %s link set br0 up" % h)
            lab.wire(h, "c1", c, "172.17.0.2/16", gw2="172.17.0.1")
            sh("ip -n %s link set c1 master br0" % h)
            lab.wire(h, "up0", o, "198.51.100.1/24")
            sh("ip -n %s addr add 198.51.100.2/24 dev up0" % h)
            lab.run(h, "sysctl -qw net.ipv4.ip_forward=1")
            nft = lab.dir / "nat.nft"
            nft.write_text(NAT_NFT)
            lab.run(h, "nft -f %s" % nft)
        if not ping_ok(lab, c, "198.51.100.1"):
            raise RuntimeError("no ping from the container to the outside")
        for case, d, pinned in todo:
            log("  %s" % case)
            try:
                if d == "out":
                    runs = iperf(lab, c, o, "198.51.100.1", secs, args.reps,
                                 pinned=pinned, probe=probe)
                else:
                    runs = iperf(lab, o, c, "172.17.0.2", secs, args.reps,
                                 connect=("198.51.100.2", 8080), pinned=pinned, probe=probe)
                out[case] = (runs, worker)
            except Exception as e:
                log("tcp NAT %s %s failed: %s" % (case, system, e))
        return out
    except Exception as e:
        log("tcp NAT %s failed: %s" % (system, e))
        return out
    finally:
        lab.cleanup()


def scenario_tcp(args, tmp):
    secs = 1 if args.smoke else 2 if args.quick else 10
    if args.smoke:
        systems, cases = ["vsw"], TCP_CASES[:1]
    elif args.quick:
        systems, cases = ["vsw", "vsw tap", "Linux bridge"], TCP_CASES
    else:
        systems = ["vsw", "vsw tap", "Linux bridge", "OVS afxdp (tx csum off)",
                   "OVS AF_PACKET (tx csum off)", "OVS AF_PACKET (userspace TSO)"]
        cases = TCP_CASES
    placements = [True] if args.quick or args.smoke else [True, False]
    name = lambda case, pinned: case if pinned else case + UNPINNED
    got, rows = {}, []          # {(case, system): (runs, worker)}; [(case, system, pinned)]
    for s in systems:
        for mtu in sorted({c[2] for c in cases}):
            todo = [(name(case, p), streams, v6, p)
                    for case, streams, m, v6 in cases if m == mtu
                    # OVS: the headline case alone, to keep time down
                    if not s.startswith("OVS") or case == TCP_CASES[0][0]
                    for p in placements]
            if not todo:
                continue
            rows += [(c, s, p) for c, _, _, p in todo]
            log("tcp between namespaces: %s, MTU %d" % (s, mtu))
            for c, r in tcp_bridge(args, tmp, s, secs, mtu, todo).items():
                got[(c, s)] = r
    # NAT: vsw's masquerade against the kernel's docker0; not in --quick
    if not args.quick or args.smoke:
        nat = [("vsw", ["out"] if args.smoke else ["out", "in"])]
        if not args.smoke:
            nat.append(("docker0 (kernel bridge + nft masquerade)", ["out", "in"]))
        for s, dirs in nat:
            todo = [(name(NAT_CASES[d], p), d, p) for d in dirs for p in placements]
            rows += [(c, s, p) for c, _, p in todo]
            log("tcp through NAT: %s" % s)
            for c, r in tcp_nat(args, tmp, s, secs, todo).items():
                got[(c, s)] = r
    # the rows: pinned cases first (the headline), then unpinned; each in
    # TCP_CASES' order, then NAT out and in, its systems in order
    order = [c[0] for c in TCP_CASES] + list(NAT_CASES.values())
    known = list(dict.fromkeys(s for _, s, _ in rows))
    rows.sort(key=lambda r: (not r[2], order.index(r[0].replace(UNPINNED, "")),
                             known.index(r[1])))
    out = []
    for c, s, p in rows:
        runs, worker = got.get((c, s), (None, None))
        out.append(tcp_result(c, s, runs, p, worker))
    return out


# ---- memif ----------------------------------------------------------------------------

def memif_devargs(i, role, sock):
    return "net_memif%d,role=%s,id=0,socket=%s,socket-abstract=no" % (i, role, sock)


def memif_system(args, tmp, system, rate=0):
    """vswgen -> memif0 -> system -> memif1 -> vswgen. Returns the runs'
    JSON reports."""
    warmup = 1.5            # vsw polls link states once a second
    secs = 1 if args.quick or args.smoke else 5
    lab = Lab(tmp)
    try:
        socks = [lab.dir / "m0.sock", lab.dir / "m1.sock"]
        vdevs = [memif_devargs(i, "server", s) for i, s in enumerate(socks)]
        if system == "vsw":
            ini = "poll = busy\ncpus = %d\n[bridge br0]\nstatic = %s@m1\n" % (SW_CPU, MAC_B)
            for i, v in enumerate(vdevs):
                ini += "[port m%d]\nkind = dpdk\nbridge = br0\ndevargs = %s\n" % (i, v)
            start_vsw(lab, ini)
        else:
            start_testpmd(lab, vdevs)
        runs = []
        for _ in range(args.reps):
            argv = [str(VSWGEN), "--tx", memif_devargs(0, "client", socks[0]),
                    "--rx", memif_devargs(1, "client", socks[1]), "--cpu", str(GEN_CPU),
                    "--warmup", str(warmup), "--duration", str(secs), "--json"]
            if rate:
                argv += ["--rate", str(rate)]
            p = lab.spawn(argv, name="vswgen")
            try:
                p.wait(timeout=warmup + secs + 60)
            except subprocess.TimeoutExpired:
                lab.stop(p)
            r = None
            try:
                r = json.loads(p.out_path.read_text())
            except ValueError:
                pass
            if r is None or p.returncode not in (0, 3):
                raise RuntimeError("vswgen failed (%s): %s" % (
                    p.returncode, p.err_path.read_text()[-600:]))
            if not r.get("rx_pkts"):
                raise RuntimeError("vswgen received nothing back: %s" % r)
            runs.append(r)
        log("  rx %s Mpps (tx %s); latency p50 %s, p99 %s us" % (
            ", ".join("%.3f" % (r["rx_pps"] / 1e6) for r in runs),
            ", ".join("%.3f" % (r["tx_pps"] / 1e6) for r in runs),
            ", ".join("%.1f" % r["latency_us"]["p50"] for r in runs),
            ", ".join("%.1f" % r["latency_us"]["p99"] for r in runs)))
        return runs
    except Exception as e:
        log("memif %s failed: %s" % (system, e))
        return None
    finally:
        lab.cleanup()


def scenario_memif(args, tmp):
    systems = ["vsw"] if args.quick or args.smoke else ["vsw", "testpmd io"]
    out = []
    with B().Hugepages(1024):
        for s in systems:
            log("memif: %s" % s)
            runs = memif_system(args, tmp, s)
            if runs is None:
                out.append(result("memif", "64 B, 1 flow", s, None))
                out.append(result("memif", "latency p50 at that load", s, None, unit="us"))
                out.append(result("memif", "latency p99 at that load", s, None, unit="us"))
                continue
            lat = lambda q: series([r["latency_us"][q] for r in runs])
            out.append(result("memif", "64 B, 1 flow", s,
                              series([r["rx_pps"] for r in runs]),
                              tx_mpps=round(sorted(r["tx_pps"] for r in runs)[len(runs) // 2]
                                            / 1e6, 3),
                              latency_p50_us=lat("p50")["median"],
                              latency_p99_us=lat("p99")["median"]))
            out.append(result("memif", "latency p50 at that load", s, lat("p50"), unit="us"))
            out.append(result("memif", "latency p99 at that load", s, lat("p99"), unit="us"))
            if not args.quick:
                log("memif: %s at 0.1 Mpps" % s)
                runs = memif_system(args, tmp, s, rate=100000)
                for q in ("p50", "p99"):
                    out.append(result("memif", "latency %s at 0.1 Mpps" % q, s,
                                      series([r["latency_us"][q] for r in runs])
                                      if runs else None, unit="us"))
    return out


# ---- idle -----------------------------------------------------------------------------

def cpu_ns(pid):
    """CPU time of every thread of 'pid', in ns (schedstat)."""
    total = 0
    for t in Path("/proc/%d/task" % pid).iterdir():
        try:
            total += int((t / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass            # a thread that just ended
    return total


def ping_rtts(lab, ns, dst, count, interval):
    """RTTs in us of 'count' pings 'interval' s apart (after one to warm ARP)."""
    r = lab.run(ns, "ping -n -c %d -i %s -W 1 %s" % (count + 1, interval, dst),
                check=False, timeout=count * interval + 30)
    rtts = {}
    for m in re.finditer(r"icmp_seq=(\d+) .*time=([\d.]+) ms", r.stdout):
        rtts[int(m.group(1))] = float(m.group(2)) * 1000
    vals = [v for k, v in sorted(rtts.items()) if k > 1]
    # a busy machine loses a ping now and then: the figure is of those that
    # came back, as long as most did
    if len(vals) < max(1, (count + 1) // 2):
        raise RuntimeError("only %d of %d pings came back" % (len(vals), count))
    if len(vals) < count:
        log("  %d of %d pings lost" % (count - len(vals), count))
    return vals


def idle_system(args, tmp, system):
    """{case: measure} for one system."""
    smoke, quick = args.smoke, args.quick
    cpu_secs = 1 if quick else 10
    # a busy machine loses a ping now and then: a few, even in the smoke
    n_ping = max(args.reps, 3) if quick else max(args.reps, 10)
    out = {}
    lab = Lab(tmp)
    try:
        a, ha = lab.container("a", IP_A + "/24")
        b, hb = lab.container("b", IP_B + "/24")
        if system == "Linux bridge":
            lab.sysctl_file(BRIDGE_NF, 0)
            lab.bridge([ha, hb])
        else:
            v = start_vsw(lab, l2_ini([("a", ha), ("b", hb)],
                                      poll="busy" if "busy" in system else "adaptive"))
        if not ping_ok(lab, a, IP_B):
            raise RuntimeError("no ping from A to B through %s" % system)
        if system != "Linux bridge":
            time.sleep(0.5 if smoke else 1)          # let start-up settle
            vals = []
            for _ in range(args.reps):
                c0, t0 = cpu_ns(v.proc.pid), time.time()
                time.sleep(cpu_secs)
                c1, t1 = cpu_ns(v.proc.pid), time.time()
                vals.append(100.0 * (c1 - c0) / 1e9 / (t1 - t0))
            log("  idle CPU %s %%" % ", ".join("%.2f" % x for x in vals))
            out["cpu"] = series(vals)
        vals = ping_rtts(lab, a, IP_B, n_ping, 1)
        log("  ping after 1 s idle: %s us" % ", ".join("%.0f" % x for x in vals))
        out["ping1s"] = series(vals)
        vals = ping_rtts(lab, a, IP_B, 10 if smoke else 20 if quick else 100, 0.01)
        log("  ping every 10 ms: median %.0f us" % sorted(vals)[len(vals) // 2])
        out["ping10ms"] = series(vals)
    except Exception as e:
        log("idle %s failed: %s" % (system, e))
    finally:
        lab.cleanup()
    return out


def scenario_idle(args, tmp):
    systems = ["vsw", "vsw poll=busy"]
    if not args.quick and not args.smoke:
        systems.append("Linux bridge")
    cases = [("cpu", "CPU when idle (% of a core)", "% CPU"),
             ("ping1s", "ping RTT after 1 s idle (us)", "us"),
             ("ping10ms", "ping RTT, pings 10 ms apart (us)", "us")]
    out = []
    for s in systems:
        log("idle: %s" % s)
        ms = idle_system(args, tmp, s)
        for key, case, unit in cases:
            if key == "cpu" and s == "Linux bridge":
                continue            # no process of its own
            out.append(result("idle", case, s, ms.get(key), unit=unit))
    return out


# What each scenario's figures are of (bench.py prints it under the table).
PATHS = {
    "veth-pps": (
        "vswgen (net_af_xdp, CPU 0) in namespace A sends 64 B UDP as fast as it can "
        "through the switch to namespace B's kernel (counted by B's eth0 rx_packets); "
        "the switch gets CPU 1, where B's stack work also runs. vsw: afpacket ports, "
        "one bridge, both MACs learned before the window; vsw af_xdp: the same with "
        "DPDK's net_af_xdp for both ports (each vsw is also given as a share of "
        "testpmd io over its own kind of port). OVS userspace: its "
        "forwarding thread on CPU 1 (the PMD for afxdp, the main thread for system "
        "ports), the other threads on CPU 0. testpmd io and the bare veth switch "
        "nothing: ceilings, not peers."),
    "tcp": (
        "iperf3 -J between two namespaces, sum_received (GSO super-frames from the "
        "veths). vsw (afpacket ports, poll = busy, worker on CPU 1) with the "
        "namespaces' offloads on; vsw tap: the same with vsw's own TAP devices "
        "moved into the namespaces as their eth0 (no veth); OVS userspace with TX checksum offload off in the "
        "namespaces (it needs that without TSO), or with `userspace-tso-enable=true` "
        "and offloads on (system ports; afxdp ports cannot carry TSO). Cases: 1 "
        "stream or 8 (`-P 8`), MTU 1500 or 9000 (both ends of both veths, set before "
        "the switch starts), IPv4 or IPv6 (fd00:5c::/64, nodad, in the namespaces "
        "only; the host ends keep IPv6 off); OVS in `netns to netns` alone. NAT: a "
        "container behind vsw's docker0-like masquerade and an outside namespace, "
        "against the kernel's docker0 (bridge, routing, nftables masquerade and "
        "DNAT), out and to a published port. Placement: the plain case is pinned "
        "(iperf3 client and server `-A 0`, CPU 0; the switch's worker on CPU 1), "
        "`(unpinned)` leaves iperf3 to the scheduler (full runs). Each run is `-O 1 "
        "-t N -C cubic` (slow start not counted; Linux's default congestion "
        "control, whatever the machine's default is), CPU sampled inside it (0.15 s after the "
        "omitted second to 0.15 s before the end): `cores` beside a figure is "
        "cpu_cores, the whole machine's busy time (user, nice, system, irq, softirq "
        "of both CPUs; not idle, iowait or steal) over the window, the median of the "
        "runs. The JSON also has softirq_cores, switch_cores (vsw: its worker "
        "thread `rte-worker-1`'s schedstat + softirq_cores; OVS: every ovs-vswitchd "
        "thread + softirq_cores; Linux bridge and docker0: softirq_cores alone), "
        "steal_cores and gbps_per_core (median Gbit/s / median cpu_cores)."),
    "memif": (
        "vswgen and the switch over two `net_memif` ports, both busy polling (vswgen "
        "CPU 0, switch CPU 1): what comes back, and the latency under that load and "
        "at 0.1 Mpps. testpmd io is the ceiling."),
    "idle": (
        "CPU of an idle vsw (every thread) with `poll = adaptive` against `busy`, and "
        "the ping RTT between two namespaces through it after 1 s of silence and "
        "with pings 10 ms apart; the Linux bridge is the peer for the RTT."),
}

SCENARIOS = {
    "veth-pps": (scenario_veth_pps,
                 "64 B UDP from vswgen (af_xdp) in a namespace through the switch to "
                 "another; vs Linux bridge, OVS afxdp/AF_PACKET, testpmd io, bare veth"),
    "tcp": (scenario_tcp,
            "iperf3 between namespaces (1/8 streams, MTU 1500/9000, IPv4/IPv6; iperf3 "
            "pinned to CPU 0 and unpinned) with the CPU it costs: vsw, Linux bridge, "
            "OVS userspace (tx csum off, or userspace TSO); and "
            "through NAT: vsw masquerade vs docker0-like kernel (bridge + nftables)"),
    "memif": (scenario_memif,
              "vswgen <-> vsw over two net_memif ports: Mpps and latency; vs testpmd io"),
    "idle": (scenario_idle,
             "CPU of an idle vsw (poll = adaptive vs busy) and ping RTT after 1 s idle"),
}


# ---- churn ----------------------------------------------------------------------------

VSWPACE = BUILD / "bench" / "vswpace"
CHURN_RATE = 20000          # the stream, datagrams a second
CHURN_UDP = 9000
CHURN_TO = "172.17.0.3:%d"  # rule i's destination: port 8000 + i (one mapping each)
CHURN_LISTEN = 20000        # the first published port (one a rule)

CHURN_VSW = """poll = busy
cpus = %d
mbufs = %d
port_cache = %d
[bridge br0]
[bridge docker0]
subnet = 172.17.0.0/16
gateway = 172.17.0.1
masquerade = uplink
[port a]
kind = afpacket
iface = %s
bridge = br0
[port b]
kind = afpacket
iface = %s
bridge = br0
[port uplink]
kind = afpacket
iface = %s
address = 198.51.100.2/24
gateway = 198.51.100.1
"""


class CtlConn:
    """Requests to vsw's control socket from this process, as vswctl sends
    them: one line, the reply up to vsw's end of the stream. vsw answers one
    request a connection (ctl/server.c closes after the reply), so each
    change is a connect, a send and a read - no process per change."""

    def __init__(self, path):
        self.path = path

    def req(self, line):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(30)
            s.connect(self.path)
            s.sendall(line.encode() + b"\n")
            buf = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                buf += b
        finally:
            s.close()
        if not buf.startswith(b"OK\n"):
            raise RuntimeError("vswctl %s: %s" % (line, buf[:300].decode(errors="replace")))
        return buf


def gaps(recs, t0, t1):
    """Of the stream's records (rx ns, tx ns, seq; by arrival) in the window
    [t0, t1] (time.time() s): the largest inter-arrival gap (us; a gap is
    counted in the windows it overlaps, so a stall across the window's end
    counts too), the largest one the sender did not make (rx gap minus the
    send gap of the same two datagrams), datagrams received and lost
    (sequence holes) in it. Raises when no datagram came after the window:
    the stream stopped, a failure and not a figure."""
    a, b = int(t0 * 1e9), int(t1 * 1e9)
    gap = own = 0
    got = lost = 0
    prev = None
    for rx, tx, seq in recs:
        if prev is not None and rx >= a and prev[0] <= b:
            gap = max(gap, rx - prev[0])
            own = max(own, (rx - prev[0]) - (tx - prev[1]))
            if rx <= b:
                got += 1
                if seq > prev[2] + 1:
                    lost += seq - prev[2] - 1
        if rx > b:
            break
        prev = (rx, tx, seq)
    else:
        raise RuntimeError("the stream stopped: no datagram after the window "
                           "(%d in it)" % got)
    return gap / 1e3, own / 1e3, got, lost


def read_records(path):
    import struct
    data = Path(path).read_bytes()
    recs = list(struct.iter_unpack("QQQ", data))
    recs.sort()
    return recs


def churn_veths(lab, k):
    """k veth pairs for the churn: host ends in the root namespace (IPv6
    off, arp_ignore 8, up), the other ends in a namespace of their own."""
    ns = lab.netns("ch")
    names = [lab.ifname("c%d" % i) for i in range(k)]
    batch = "".join("link add %s type veth peer name c%d netns %s\n" % (n, i, ns)
                    for i, n in enumerate(names))
    lab.links += names
    sh("ip -batch -", input=batch, timeout=300)
    for n in names:
        Path("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % n).write_text("1")
        Path("/proc/sys/net/ipv4/conf/%s/arp_ignore" % n).write_text("8")
    sh("ip -batch -", input="".join("link set %s up\n" % n for n in names), timeout=300)
    sh("ip -n %s -batch -" % ns, input="".join("link set c%d up\n" % i for i in range(k)),
       timeout=300)
    return names


def nft_next_handle(table, chain):
    """The handle nftables gives the next rule in our own table: handles
    come from one counter per table and are never reused, so a probe rule's
    handle + 1 (the probe deleted)."""
    r = sh("nft --echo --handle add rule ip %s %s counter" % (table, chain))
    m = re.search(r"# handle (\d+)", r.stdout)
    if not m:
        raise RuntimeError("nft gave no handle: %s" % r.stdout)
    h = int(m.group(1))
    sh("nft delete rule ip %s %s handle %d" % (table, chain, h))
    return h + 1


def churn_system(args, tmp, system, k, n, quiet_s):
    """One run on 'system' ("vsw" or "Linux"): the stream from a to b through
    the switch, a quiet window, then n port adds + n dels over k veths (rounds
    of k adds and k dels), then n publish adds + n dels of k rules. Returns
    {case: value}."""
    lab = Lab(tmp)
    out = {}
    try:
        if not VSWPACE.exists():
            raise RuntimeError("%s is missing (ninja -C build)" % VSWPACE)
        a, ha = lab.container("a", IP_A + "/24", MAC_A)
        b, hb = lab.container("b", IP_B + "/24", MAC_B)
        o, ho = lab.container("o", "198.51.100.1/24")
        veths = churn_veths(lab, k)
        if system == "vsw":
            # room for every port at once, sized at start: vsw refuses a
            # port add that would outgrow a pool it sized itself
            pool = 1
            while pool - 1 < 8192 + (k + 3) * 2048:
                pool <<= 1
            # a removed port's ringed sockets kept for the next add, one
            # set for each of the k veths (ports/afpacket.c)
            v = start_vsw(lab, CHURN_VSW % (SW_CPU, pool - 1, k, ha, hb, ho))
            ctl = CtlConn(v.sock)
        else:
            lab.sysctl_file(BRIDGE_NF, 0)
            br = lab.bridge([ha, hb])
            if not have_nft():
                raise RuntimeError("nftables is missing and could not be installed")
            table = "vswb%s" % lab.tag
            sh("nft -f -", input="table ip %s {\n chain pre { type nat hook prerouting "
               "priority -100; }\n}\n" % table)
            lab.undo.append(lambda: sh("nft delete table ip %s" % table, check=False))
        if not ping_ok(lab, b, IP_A) or not ping_ok(lab, a, IP_B):
            raise RuntimeError("no ping between A and B through %s" % system)
        sh("ip -n %s neigh replace %s lladdr %s dev eth0" % (a, IP_B, MAC_B))
        # the client that makes the changes (this process, and the ip and
        # nft it runs) on the sender's CPU, off the switch's: left to the
        # scheduler it lands on vsw's busy worker's CPU and takes its
        # time slices there (gaps of 30-80 ms, the client's, not vsw's)
        affinity = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {GEN_CPU})
        lab.undo.append(lambda: os.sched_setaffinity(0, affinity))
        recv_file = lab.dir / "stream.bin"
        rx = lab.spawn([str(VSWPACE), "recv", str(CHURN_UDP), "3600", str(recv_file)],
                       ns=b, name="vswpace-recv")
        deadline = time.time() + 10
        while "ready" not in rx.out_path.read_text():
            if rx.poll() is not None or time.time() > deadline:
                raise RuntimeError("vswpace recv did not start: %s" % rx.err_path.read_text())
            time.sleep(0.02)
        # the sender real-time on the CPU that is not the switch's: its
        # own stalls are the machine's, and the quiet window shows them
        tx = lab.spawn(["chrt", "-f", "50", "taskset", "-c", str(GEN_CPU), str(VSWPACE),
                        "send", IP_B, str(CHURN_UDP), str(CHURN_RATE), "3600"],
                       ns=a, name="vswpace-send")
        time.sleep(0.5)
        windows = {"quiet": (time.time(), None)}
        time.sleep(quiet_s)
        windows["quiet"] = (windows["quiet"][0], time.time())

        # ports: rounds of k adds and k dels, back to back
        t0 = time.time()
        if system == "vsw":
            for _ in range(n // k):
                for i, dev in enumerate(veths):
                    ctl.req("port add c%d kind=afpacket iface=%s bridge=br0" % (i, dev))
                for i in range(k):
                    ctl.req("port del c%d" % i)
        else:
            batch = "".join("".join("link set %s master %s\n" % (d, br) for d in veths) +
                            "".join("link set %s nomaster\n" % d for d in veths)
                            for _ in range(n // k))
            sh("ip -batch -", input=batch, timeout=600)
        t1 = time.time()
        windows["port"] = (t0, t1)
        out["port ops"] = 2 * (n // k) * k / (t1 - t0)
        lab.check()

        # published ports: rounds of k adds and k dels
        rules = [("p%d" % i, CHURN_LISTEN + i) for i in range(k)]
        if system == "vsw":
            t0 = time.time()
            for _ in range(n // k):
                for name, port in rules:
                    ctl.req("publish add %s port=uplink proto=tcp listen=%d to=%s"
                            % (name, port, CHURN_TO % (port - CHURN_LISTEN + 8000)))
                for name, _ in rules:
                    ctl.req("publish del %s" % name)
            t1 = time.time()
        else:
            h = nft_next_handle(table, "pre")
            lines = []
            for _ in range(n // k):
                hs = []
                for name, port in rules:
                    lines.append('add rule ip %s pre iifname "%s" tcp dport %d dnat to %s\n'
                                 % (table, br, port, CHURN_TO % (port - CHURN_LISTEN + 8000)))
                    hs.append(h)
                    h += 1
                lines += ["delete rule ip %s pre handle %d\n" % (table, x) for x in hs]
            # nft -i: a transaction a line, as vsw's one change a request
            t0 = time.time()
            r = sh("nft -i", input="".join(lines), check=False, timeout=600)
            t1 = time.time()
            left = sh("nft -a list chain ip %s pre" % table).stdout
            if r.returncode != 0 or "rror" in r.stderr + r.stdout or "dport" in left:
                raise RuntimeError("nft -i: %s %s" % ((r.stdout + r.stderr)[-400:], left[-200:]))
        windows["publish"] = (t0, t1)
        out["publish ops"] = 2 * (n // k) * k / (t1 - t0)
        time.sleep(0.2)
        lab.check()
        lab.stop(tx)
        lab.stop(rx)
        recs = read_records(recv_file)
        q0, q1 = windows["quiet"]
        for what in ("port", "publish"):
            c0, c1 = windows[what]
            # the quiet window as long as the churn one (its end), if it can be
            qs = max(q0, q1 - (c1 - c0))
            g, own, got, lost = gaps(recs, c0, c1)
            qg, qown, qgot, qlost = gaps(recs, qs, q1)
            out[what + " gap"], out[what + " own"] = g, own
            out[what + " quiet gap"], out[what + " quiet own"] = qg, qown
            log("  %s churn: %.0f changes/s over %.2f s; max gap %.0f us (%.0f us not the "
                "sender's), %d received, %d lost; quiet %.2f s before: %.0f us (%.0f), %d lost"
                % (what, out[what + " ops"], c1 - c0, g, own, got, lost, q1 - qs, qg, qown,
                   qlost))
            out[what + " lost"], out[what + " quiet lost"] = lost, qlost
        return out
    except Exception as e:
        log("churn %s failed: %s" % (system, e))
        return out
    finally:
        lab.cleanup()


CHURN_CASES = [
    ("port ops", "port add/del (changes/s)", "changes/s"),
    ("port gap", "port churn: largest gap of the stream (us)", "us"),
    ("port own", "port churn: largest gap the sender did not make (us)", "us"),
    ("port quiet gap", "quiet window before: largest gap (us)", "us"),
    ("port quiet own", "quiet window before: largest gap the sender did not make (us)", "us"),
    ("publish ops", "publish add/del (changes/s)", "changes/s"),
    ("publish gap", "publish churn: largest gap of the stream (us)", "us"),
    ("publish own", "publish churn: largest gap the sender did not make (us)", "us"),
]


def scenario_churn(args, tmp):
    k, n, quiet = (10, 50, 1) if args.smoke else (20, 100, 1) if args.quick else (100, 1000, 5)
    systems = ["vsw"] if args.smoke else ["vsw", "Linux"]
    names = {"vsw": {"port": "vsw", "publish": "vsw"},
             "Linux": {"port": "Linux bridge", "publish": "nftables"}}
    out = []
    for s in systems:
        log("churn: %s" % s)
        runs = [churn_system(args, tmp, s, k, n, quiet) for _ in range(args.reps)]
        for key, case, unit in CHURN_CASES:
            vals = [r[key] for r in runs if key in r]
            extra = {}
            if key.endswith("gap"):
                extra["lost"] = [r.get(key[:-3] + "lost") for r in runs if key in r]
            out.append(result("churn", case, names[s][key.split()[0]], series(vals),
                              unit=unit, **extra))
    return out


PATHS["churn"] = (
    "Changes at run time while a stream flows between two other ports of the same "
    "bridge: vswpace (bench/pace.c) sends %d small UDP datagrams a second from "
    "namespace A (SCHED_FIFO, CPU 0) to namespace B, whose kernel timestamps each "
    "arrival (SO_TIMESTAMPNS); the gap is the largest time between two arrivals in "
    "the window, and \"not the sender's\" subtracts the send gap of the same two "
    "datagrams (this VM stalls the sender itself for ms at times: the quiet window "
    "before the churn, as long as the churn, shows the machine's own). Ports: N = "
    "1000 adds and 1000 dels over 100 pre-made veths (rounds of 100 adds, 100 dels), "
    "on the stream's bridge. vsw: `port add cI kind=afpacket iface=X bridge=br0` / "
    "`port del cI` from one client back to back over the control socket (vsw answers "
    "one request a connection: a connection a change, no process); Linux: one `ip "
    "-batch -` with every `link set X master BR` / `nomaster` "
    "(bridge-nf-call-iptables 0). Published ports: 1000 adds and 1000 dels of 100 "
    "rules (`publish add pI port=uplink proto=tcp listen=P to=172.17.0.3:8000+I`); "
    "Linux: one `nft -i` with every dnat rule add and delete (by handle), a "
    "transaction a line. vsw: poll = busy, worker on CPU 1, `port_cache = 100` "
    "([switch]: up to 100 removed ports' ringed AF_PACKET sockets kept for the next "
    "add, about 10 MiB of kernel memory each; the first round makes them, later "
    "rounds reuse them). The client making the changes (bench.py, ip, nft) runs on "
    "CPU 0 with the sender." % CHURN_RATE)
NOTES = {"tcp": (
    "CPU: in this VM part of the kernel's packet work may be accounted as "
    "system time of the task that raised it (the veth receive a sender's "
    "transmit runs, vsw's worker sending into a veth, TCP's socket backlog "
    "processed by the reader) rather than as softirq, so softirq_cores and "
    "switch_cores are lower bounds and cpu_cores (the whole machine, other "
    "load included) is the figure to compare. "
    "vsw's worker busy-polls (poll = busy): it takes its core with or without "
    "traffic. Medians: the figure is the median of the runs' Gbit/s, each CPU "
    "field the median of the runs' values (not necessarily the same run's)."),
         "churn": (
    "vsw answers one request a connection (ctl/server.c closes after the reply): "
    "each vsw change is a connect, a request and a reply, one client, back to back. "
    "Linux changes are one `ip -batch -` / `nft -i` process for all of them (a "
    "netlink request, or an nftables transaction, a change). `lost` in the JSON: "
    "datagrams missing in each run's window (sequence holes).")}
SCENARIOS["churn"] = (scenario_churn,
                      "port add/del and publish add/del a second while a 20 kpps stream "
                      "crosses two other ports, and its largest gap; vs Linux bridge "
                      "(ip link set master/nomaster) and nftables dnat rules")
