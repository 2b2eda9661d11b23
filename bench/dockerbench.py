# SPDX-License-Identifier: BSD-3-Clause
"""bench/run docker: vsw as Docker's network (vsw-docker) beside Docker's own
bridge driver, in one dockerd of the bench's own (its own roots and socket,
--iptables=false --ip-forward=false --ip-masq=false --bridge=none; the
bridge driver's user-defined network is the peer, bridge-nf-call-iptables 0
while it runs). The image is busybox-static and iperf3 (with its
libraries) brought in with `docker import`.

  first ping   time from `docker run -d` to the container's exit, whose
               command pings the network's gateway until one answer comes
               (`docker wait`): for 1 container, and for N started together
               (threads, one `docker run` each), the time until the last
  tcp          iperf3 -J between two containers of the network, 3 s
  publish      `docker run -p 30000-30999:30000-30999` (1000 ports): the time
               of the run, and the memory it costs: the resident size of
               every docker-proxy process it makes (bridge driver), vsw's and
               vsw-docker's growth (vsw); and the processes made
"""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import net
from net import BRIDGE_NF, SW_CPU, Lab, log, result, series, sh, start_vsw

VSW_DOCKER = net.BUILD / "vsw-docker"
VSW_INI = """poll = busy
cpus = %d
[port uplink]
kind = afpacket
iface = %s
address = 198.51.100.2/24
gateway = 198.51.100.1
"""
NETS = {"vsw": ("10.81.0.0/24", "10.81.0.1"), "Docker bridge": ("10.82.0.0/24", "10.82.0.1")}


class Engine:
    def __init__(self, lab, vsw):
        self.lab = lab
        self.dir = Path(tempfile.mkdtemp(prefix="vdb-%s-" % lab.tag, dir="/tmp"))
        self.sock = self.dir / "docker.sock"
        self.driver = "vswbench%s" % lab.tag
        self.plugin_sock = "/run/docker/plugins/%s.sock" % self.driver
        self.plugin = subprocess.Popen([str(VSW_DOCKER), "-s", vsw.sock, "-p", self.plugin_sock],
                                       stdout=open(self.dir / "plugin.log", "w"),
                                       stderr=subprocess.STDOUT)
        self.proc = subprocess.Popen(
            ["dockerd", "--data-root", str(self.dir / "data"), "--exec-root",
             str(self.dir / "exec"), "-H", "unix://%s" % self.sock, "--pidfile",
             str(self.dir / "docker.pid"), "--iptables=false", "--ip-forward=false",
             "--ip-masq=false", "--bridge=none"],
            stdout=open(self.dir / "dockerd.log", "w"), stderr=subprocess.STDOUT)
        lab.undo.append(self.stop)
        end = time.time() + 60
        while self.cli("info", check=False).returncode != 0:
            if self.proc.poll() is not None or time.time() > end:
                raise RuntimeError("dockerd did not start: %s" %
                                   (self.dir / "dockerd.log").read_text()[-500:])
            time.sleep(0.2)
        self.image()

    def image(self):
        root = self.dir / "rootfs"
        for d in ("bin", "etc", "tmp", "proc", "sys", "dev", "lib", "lib64", "usr/lib"):
            (root / d).mkdir(parents=True, exist_ok=True)
        shutil.copy("/bin/busybox", root / "bin" / "busybox")
        for a in subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True,
                                check=True).stdout.split():
            if a != "busybox":
                os.symlink("busybox", root / "bin" / a)
        iperf = shutil.which("iperf3")
        if iperf:
            shutil.copy(iperf, root / "bin" / "iperf3")
            for ln in subprocess.run(["ldd", iperf], capture_output=True,
                                     text=True).stdout.splitlines():
                parts = [p for p in ln.split() if p.startswith("/")]
                if parts:
                    dst = root / parts[0].lstrip("/")
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(parts[0], dst)
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "-H", "unix://%s" % self.sock, "import", "-", "vswbench:1"],
                       stdin=tar.stdout, check=True, capture_output=True)
        tar.wait()

    def cli(self, *args, check=True, timeout=300):
        r = subprocess.run(["docker", "-H", "unix://%s" % self.sock] + list(args),
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError("docker %s: %s" % (" ".join(args[:4]), (r.stdout + r.stderr)[-400:]))
        return r

    def stop(self):
        if self.proc.poll() is None:
            ids = self.cli("ps", "-aq", check=False).stdout.split()
            if ids:
                self.cli("rm", "-f", *ids, check=False)
            self.cli("network", "prune", "-f", check=False)
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.plugin.poll() is None:
            self.plugin.terminate()
            self.plugin.wait(timeout=10)
        if os.path.exists(self.plugin_sock):
            os.unlink(self.plugin_sock)
        with open("/proc/self/mounts") as f:
            mounts = [ln.split()[1] for ln in f if ln.split()[1].startswith(str(self.dir) + "/")]
        for m in sorted(mounts, key=len, reverse=True):
            sh("umount -l %s" % m, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def rss_kb(pid):
    try:
        for ln in open("/proc/%d/status" % pid):
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    except OSError:
        pass
    return 0


def proxies():
    out = sh("pgrep -x docker-proxy", check=False).stdout.split()
    return [int(p) for p in out]


def first_ping(e, netname, gw, n):
    """Seconds from the first `docker run -d` to the last container's exit."""
    cmd = "until ping -c 1 -W 1 %s >/dev/null 2>&1; do :; done" % gw
    ids, errs = [], []

    def one():
        r = e.cli("run", "-d", "--network", netname, "vswbench:1", "sh", "-c", cmd, check=False)
        (ids if r.returncode == 0 else errs).append(r.stdout.strip() or r.stderr)

    t0 = time.time()
    ts = [threading.Thread(target=one) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errs:
        raise RuntimeError("docker run: %s" % errs[0][-300:])
    e.cli("wait", *ids, timeout=600)
    took = time.time() - t0
    e.cli("rm", "-f", *ids)
    return took


def tcp(e, netname):
    srv = e.cli("run", "-d", "--network", netname, "vswbench:1", "iperf3", "-s", "-1").stdout.strip()
    ip = json.loads(e.cli("inspect", srv).stdout)[0]["NetworkSettings"]["Networks"][netname]["IPAddress"]
    time.sleep(0.5)
    r = e.cli("run", "--rm", "--network", netname, "vswbench:1", "iperf3", "-c", ip, "-t", "3",
              "-J", timeout=60)
    e.cli("rm", "-f", srv)
    return json.loads(r.stdout)["end"]["sum_received"]["bits_per_second"]   # bits/s: result() shows Gbit/s


def publish(e, netname, system, v, ports):
    """(seconds, MiB, processes) of one `docker run -p` of 'ports' ports."""
    before_p = set(proxies())
    base = (rss_kb(v.proc.pid) + rss_kb(e.plugin.pid)) if system == "vsw" else 0
    rng = "30000-%d" % (30000 + ports - 1)
    t0 = time.time()
    cid = e.cli("run", "-d", "--network", netname, "-p", "%s:%s" % (rng, rng), "vswbench:1",
                "sleep", "100000", timeout=600).stdout.strip()
    took = time.time() - t0
    made = [p for p in proxies() if p not in before_p]
    if system == "vsw":
        mem = max(0, rss_kb(v.proc.pid) + rss_kb(e.plugin.pid) - base)
        rules = [p for p in v.ctl("show", "publish")["publish"]
                 if p["listen"] == rng]
        if len(rules) != 1:
            raise RuntimeError("vsw: %d publish rules for the range, not one" % len(rules))
    else:
        mem = sum(rss_kb(p) for p in made)
    e.cli("rm", "-f", cid)
    return took, mem / 1024.0, len(made)


def scenario_docker(args, tmp):
    if shutil.which("dockerd") is None or not VSW_DOCKER.exists():
        log("docker: dockerd or vsw-docker is missing: skipped")
        return []
    n_many, ports = (5, 10) if args.smoke else (20, 200) if args.quick else (50, 1000)
    systems = ["vsw"] if args.smoke else ["vsw", "Docker bridge"]
    runs = {s: {"one": [], "many": [], "tcp": [], "pub_s": [], "pub_mb": [], "pub_procs": []}
            for s in systems}
    lab = Lab(tmp)
    try:
        out, ho = lab.container("o", "198.51.100.1/24")
        v = start_vsw(lab, VSW_INI % (SW_CPU, ho))
        e = Engine(lab, v)
        lab.sysctl_file(BRIDGE_NF, 0)
        e.cli("network", "create", "-d", e.driver, "--subnet", NETS["vsw"][0],
              "-o", "vsw.masquerade=uplink", "bv")
        if "Docker bridge" in systems:
            e.cli("network", "create", "-d", "bridge", "--subnet", NETS["Docker bridge"][0],
                  "bb")
        names = {"vsw": "bv", "Docker bridge": "bb"}
        for _ in range(args.reps):
            for s in systems:
                n, gw = names[s], NETS[s][1]
                for key, fn in (("one", lambda: first_ping(e, n, gw, 1)),
                                ("many", lambda: first_ping(e, n, gw, n_many)),
                                ("tcp", lambda: tcp(e, n))):
                    try:
                        runs[s][key].append(fn())
                    except (RuntimeError, KeyError, ValueError, IndexError,
                            subprocess.SubprocessError) as ex:
                        log("docker %s %s: %s" % (s, key, ex))
                try:
                    t, mb, procs = publish(e, n, s, v, ports)
                    runs[s]["pub_s"].append(t)
                    runs[s]["pub_mb"].append(mb)
                    runs[s]["pub_procs"].append(procs)
                except (RuntimeError, subprocess.SubprocessError) as ex:
                    log("docker %s publish: %s" % (s, ex))
                log("docker %s: %s" % (s, {k: ["%.4g" % x for x in vs] for k, vs in runs[s].items()}))
    finally:
        lab.cleanup()
    out = []
    cases = [("one", "docker run to the first answered ping, 1 container (s)", "s"),
             ("many", "docker run to the first answered ping, %d containers (s)" % n_many, "s"),
             ("tcp", "TCP between two containers (Gbit/s)", "Gbit/s"),
             ("pub_s", "docker run -p of %d ports (s)" % ports, "s"),
             ("pub_mb", "memory for %d published ports (MiB)" % ports, "MiB"),
             ("pub_procs", "processes for %d published ports" % ports, "processes")]
    for s in systems:
        for key, case, unit in cases:
            out.append(result("docker", case, s, series(runs[s][key]), unit=unit))
    return out


PATHS = {"docker": (
    "One dockerd of the bench's own (--iptables=false --ip-forward=false --ip-masq=false "
    "--bridge=none), an image of busybox-static and iperf3 (docker import). vsw: a "
    "`docker network create -d vsw` network (vsw-docker, masquerade through vsw's uplink; "
    "vsw poll = busy, worker on CPU 1); Docker bridge: a user-defined bridge-driver network "
    "in the same dockerd (a Linux bridge, bridge-nf-call-iptables 0, its docker-proxy for "
    "each published port as Docker runs it here). First ping: from the first `docker run -d` "
    "until `docker wait` returns for every container, whose command pings the network's "
    "gateway until one answer comes (vsw's gateway; the bridge driver's is the host's "
    "address on its bridge). Publish: one `docker run -p 30000-30999:30000-30999`, its "
    "time and the resident memory of what it makes.")}
NOTES = {"docker": (
    "The containers start in the same dockerd one after the other for the two systems; "
    "docker run's own time (image, namespaces, the shim) is in both figures.")}
SCENARIOS = {"docker": (scenario_docker,
                        "Docker with vsw-docker against Docker's bridge driver: docker run to the "
                        "first ping (1 and 50 containers), TCP, a 1000-port -p")}
