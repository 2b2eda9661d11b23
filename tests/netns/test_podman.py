# SPDX-License-Identifier: BSD-3-Clause
"""vsw-cni (cni/vsw-cni.c) with the real Debian Podman (4.3, its CNI
backend): a podman of the test's own (its own containers.conf,
storage.conf, roots, lock files and events log, no registries), whose
cni_plugin_dirs hold only vsw-cni and tuning, so no cni-podman0 bridge
and no iptables rule is ever made; every `podman run` names the vsw
network. Containers run from a busybox-static rootfs (`--rootfs`, one
directory each, no image), and the outside is a namespace behind vsw's
uplink."""
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from conftest import BUILD, OUTSIDE, UPLINK, UPLINK_LAB, VSW, content_check, sh, wait_ping

VSW_CNI = BUILD / "vsw-cni"
CNI_DIR = "/usr/lib/cni"
CNI_CACHE = Path("/var/lib/cni")         # libcni's cache: Podman 4.3 gives no other
RUNTIME = shutil.which("runc") or shutil.which("crun")
NET = "pod"                              # the vsw network
GW = "10.63.0.1"
LAB = UPLINK_LAB + """
[bridge pod]
subnet = 10.63.0.0/24
gateway = 10.63.0.1
masquerade = uplink
"""

pytestmark = pytest.mark.skipif(shutil.which("podman") is None or RUNTIME is None or
                                not VSW_CNI.exists(),
                                reason="podman, runc/crun or vsw-cni is missing")


def lab_ini(lab, hup):
    """The lab's topology. Where vsw has a name service, it forwards no
    query upstream: the host's resolvers are outside the test's namespaces."""
    ini = LAB.format(up=hup)
    quiet = ini.replace("control = @SOCK@\n", "control = @SOCK@\ndns_upstream = none\n")
    probe = lab.tmp / "probe.ini"
    probe.write_text(quiet.replace("@SOCK@", str(lab.tmp / "probe.sock")))
    r = subprocess.run([str(VSW), "-c", str(probe), "--check"], capture_output=True, timeout=20)
    return quiet if r.returncode == 0 else ini


class Podman:
    """A podman of the test's own, on the vsw network through vsw-cni."""

    def __init__(self, lab, vsw):
        self.lab = lab
        self.n_roots = 0
        self.sandboxes = []                        # the namespaces podman made
        # short: overlay's paths under the graph root get long
        self.dir = Path(tempfile.mkdtemp(prefix="vp-", dir="/tmp"))
        self.net = "vsw%s" % lab.tag               # Podman's name of the network
        plugins = self.dir / "plugins"
        plugins.mkdir()
        os.symlink(VSW_CNI, plugins / "vsw-cni")
        if os.path.exists(CNI_DIR + "/tuning"):
            os.symlink(CNI_DIR + "/tuning", plugins / "tuning")
        (self.dir / "cni").mkdir()
        (self.dir / "containers.conf").write_text("""\
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[network]
network_backend = "cni"
cni_plugin_dirs = ["%(d)s/plugins"]
network_config_dir = "%(d)s/cni"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "%(d)s/events.log"
tmp_dir = "%(d)s/run"
lock_type = "file"
runtime = "%(rt)s"
""" % {"d": self.dir, "rt": os.path.basename(RUNTIME)})
        (self.dir / "storage.conf").write_text("""\
[storage]
driver = "overlay"
graphroot = "%(d)s/graph"
runroot = "%(d)s/runroot"
""" % {"d": self.dir})
        self.env = dict(os.environ, CONTAINERS_CONF=str(self.dir / "containers.conf"),
                        CONTAINERS_STORAGE_CONF=str(self.dir / "storage.conf"),
                        CONTAINERS_REGISTRIES_CONF="/dev/null")
        self.conflist = {
            "cniVersion": "1.0.0", "name": self.net,
            "plugins": [{"type": "vsw-cni", "network": NET, "socket": vsw.sock,
                         "capabilities": {"portMappings": True, "aliases": True, "ips": True,
                                          "mac": True}}]}
        if os.path.exists(CNI_DIR + "/tuning"):
            # next in the chain, on vsw-cni's result (its prevResult)
            self.conflist["plugins"].append(
                {"type": "tuning", "sysctl": {"net.ipv4.conf.eth0.arp_filter": "1"}})
        (self.dir / "cni" / ("%s.conflist" % self.net)).write_text(json.dumps(self.conflist))

    def cli(self, *args, check=True, timeout=120):
        r = subprocess.run(["podman"] + list(args), capture_output=True, text=True,
                           env=self.env, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("podman %s: %s%s" % (" ".join(args), r.stdout, r.stderr))
        return r

    def rootfs(self):
        """A busybox-static root of its own (Podman mounts over it)."""
        self.n_roots += 1
        root = self.dir / ("root%d" % self.n_roots)
        (root / "bin").mkdir(parents=True)
        for d in ("etc", "tmp", "proc", "sys", "dev", "run"):
            (root / d).mkdir()
        for f in ("hosts", "resolv.conf", "hostname"):
            (root / "etc" / f).write_text("")
        shutil.copy("/bin/busybox", root / "bin" / "busybox")
        applets = subprocess.run([str(root / "bin" / "busybox"), "--list"],
                                 capture_output=True, text=True, check=True).stdout.split()
        for a in applets:
            if a != "busybox":
                os.symlink("busybox", root / "bin" / a)
        return root

    def run(self, name, *extra, cmd="sleep 100000"):
        r = self.cli("run", "-d", "--network", self.net, "--name", name, *extra,
                     "--rootfs", str(self.rootfs()), "sh", "-c", cmd)
        self.sandboxes.append(self.inspect(name)["NetworkSettings"]["SandboxKey"])
        return r

    def exec(self, c, cmd, check=True, timeout=60):
        return self.cli("exec", c, "sh", "-c", cmd, check=check, timeout=timeout)

    def inspect(self, c):
        return json.loads(self.cli("inspect", c).stdout)[0]

    def id12(self, c):
        return self.inspect(c)["Id"][:12]

    def stop(self):
        if not hasattr(self, "dir"):
            return
        if hasattr(self, "env"):
            for c in self.cli("ps", "-aq", check=False).stdout.split():
                r = self.cli("inspect", c, check=False)
                if r.returncode == 0:
                    self.sandboxes.append(json.loads(r.stdout)[0]["NetworkSettings"]["SandboxKey"])
            self.cli("rm", "-a", "-f", "-t", "0", check=False)
        # conmon of this podman (its command line names our directory)
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if argv and os.path.basename(argv[0]) == b"conmon" and \
                    any(str(self.dir).encode() in a for a in argv):
                sh("kill -9 %s" % pid, check=False)
        # what podman left mounted under its roots (overlays, shm, netns)
        with open("/proc/self/mounts") as f:
            mounts = [ln.split()[1] for ln in f if ln.split()[1].startswith(str(self.dir) + "/")]
        for m in sorted(mounts, key=len, reverse=True):
            sh("umount -l %s" % m, check=False)
        # the namespaces podman made (/run/netns/netns-UUID), if it left any
        for ns in self.sandboxes:
            if ns.startswith("/run/netns/netns-") and os.path.exists(ns):
                sh("umount -l %s" % ns, check=False)
                sh("rm -f %s" % ns, check=False)
        # libcni's cached results of our network, and its directories when
        # nothing else is in them
        results = CNI_CACHE / "results"
        if results.is_dir():
            for f in results.iterdir():
                if f.name.startswith(self.net + "-"):
                    f.unlink()
        for d in (results, CNI_CACHE):
            try:
                d.rmdir()
            except OSError:
                pass
        if (self.dir / "events.log").exists():
            shutil.copy(self.dir / "events.log", self.lab.tmp / "podman-events.log")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def podman_lab(lab):
    out, hup = lab.container("out", "%s/24" % OUTSIDE)
    v = lab.vsw(lab_ini(lab, hup))
    p = Podman.__new__(Podman)
    try:
        p.__init__(lab, v)
    except BaseException:
        p.stop()
        raise
    try:
        yield lab, v, p, out
    finally:
        p.stop()


def endpoints(v):
    return v.ctl("network", "inspect", NET, as_json=True)["endpoints"]


def endpoint(v, p, c):
    mine = [e for e in endpoints(v) if e["name"] == p.id12(c)]
    assert len(mine) == 1, (c, endpoints(v))
    return mine[0]


def addr_of(v, p, c):
    return endpoint(v, p, c)["ip"].split("/")[0]


def test_network_listed_and_containers_talk(podman_lab):
    lab, v, p, out = podman_lab
    nets = {n["name"]: n for n in json.loads(p.cli("network", "ls", "--format", "json").stdout)}
    assert p.net in nets and nets[p.net]["driver"] == "vsw-cni", nets
    info = json.loads(p.cli("network", "inspect", p.net).stdout)[0]
    assert info["name"] == p.net and info["driver"] == "vsw-cni", info
    p.run("a")
    p.run("b")
    ip_a, ip_b = addr_of(v, p, "a"), addr_of(v, p, "b")
    assert ip_a.startswith("10.63.0.") and ip_b.startswith("10.63.0.") and ip_a != ip_b
    # the container has the address vsw's IPAM gave, and Podman knows it
    assert "inet %s/24" % ip_b in p.exec("b", "ip -4 addr show dev eth0").stdout
    assert "default via %s" % GW in p.exec("b", "ip route").stdout
    pn = p.inspect("a")["NetworkSettings"]["Networks"][p.net]
    assert pn["IPAddress"] == ip_a and pn["Gateway"] == GW, pn
    assert pn["MacAddress"] == endpoint(v, p, "a")["peer_mac"], (pn, endpoint(v, p, "a"))
    assert pn["MacAddress"] in p.exec("a", "ip link show dev eth0").stdout
    wait_ping(p, "a", ip_b)
    content_check(p, "a", "b", ip_b, 5000)          # TCP, content checked
    p.exec("b", "ping -c 1 -W 2 %s" % OUTSIDE)       # out through the masquerade
    # tuning, chained after vsw-cni in the conflist, on its result
    if len(p.conflist["plugins"]) > 1:
        got = p.exec("a", "cat /proc/sys/net/ipv4/conf/eth0/arp_filter").stdout.strip()
        assert got == "1", got
    # podman restart: DEL then ADD in a new namespace; a's endpoint again
    p.cli("restart", "-t", "0", "a")
    assert len(endpoints(v)) == 2, endpoints(v)
    wait_ping(p, "a", ip_b)
    wait_ping(p, "b", addr_of(v, p, "a"))
    # podman rm: vsw's endpoints and ports go with the containers
    p.cli("rm", "-f", "-t", "0", "a", "b")
    assert endpoints(v) == []
    assert [x["port"] for x in v.ctl("show", "ports", as_json=True)["ports"]] == ["uplink"]
    # and Podman made nothing of its own: no bridge, no conflist
    assert not os.path.exists("/sys/class/net/cni-podman0")
    assert [f.name for f in (p.dir / "cni").glob("*.conflist")] == ["%s.conflist" % p.net]


def test_published_port_reached_from_outside(podman_lab):
    lab, v, p, out = podman_lab
    p.run("w", "-p", "18080:80", cmd="while true; do echo hello-pod | nc -l -p 80; done")
    ip_w = addr_of(v, p, "w")
    rules = v.ctl("show", "publish", as_json=True)["publish"]
    assert [(r["proto"], r["listen"], r["to"]) for r in rules] == [
        ("tcp", "18080", "%s:80" % ip_w)], rules
    assert "18080" in v.ctl("network", "inspect", NET).stdout
    time.sleep(0.5)
    got = lab.run(out, "nc -N -w 3 %s 18080 </dev/null" % UPLINK, check=False).stdout
    assert "hello-pod" in got, (got, rules)
    # the server sees the outside's own address
    held = lab.spawn(out, "sh -c 'sleep 3 | nc -w 5 %s 18080'" % UPLINK)
    time.sleep(0.8)
    seen = p.exec("w", "netstat -tn").stdout
    assert "%s:" % OUTSIDE in seen, seen
    held.wait(timeout=15)
    # a range: Podman gives one mapping a port, vsw makes them one rule
    p.run("r", "-p", "19000-19009:9000-9009/udp")
    ip_r = addr_of(v, p, "r")
    rules = [x for x in v.ctl("show", "publish", as_json=True)["publish"] if ip_r in x["to"]]
    assert [(x["proto"], x["listen"], x["to"]) for x in rules] == [
        ("udp", "19000-19009", "%s:9000-9009" % ip_r)], rules
    p.cli("rm", "-f", "-t", "0", "w", "r")
    assert v.ctl("show", "publish", as_json=True)["publish"] == []
    assert endpoints(v) == []
    got = lab.run(out, "nc -N -w 2 %s 18080 </dev/null" % UPLINK, check=False).stdout
    assert "hello-pod" not in got


def test_names_through_vsws_name_service(podman_lab):
    """Podman's CNI backend has no name service of its own: the names are
    vsw's at the gateway, which vsw-cni's result names as the DNS server
    (the container's name, its short id and --network-alias)."""
    lab, v, p, out = podman_lab
    p.run("a")
    p.run("b", "--network-alias", "web")
    ip_b = addr_of(v, p, "b")
    aliases = endpoint(v, p, "b")["aliases"].split(",")
    assert "b" in aliases and "web" in aliases and p.id12("b") in aliases, aliases
    for name in ("b", "web", p.id12("b")):
        r = p.exec("a", "nslookup %s %s" % (name, GW), check=False)
        assert r.returncode == 0 and ip_b in r.stdout, (name, r.stdout, r.stderr)
    # the container's resolver asks the gateway first, in the network's domain
    conf = p.exec("a", "cat /etc/resolv.conf").stdout
    servers = [ln.split()[1] for ln in conf.splitlines() if ln.startswith("nameserver")]
    search = [w for ln in conf.splitlines() if ln.startswith("search") for w in ln.split()[1:]]
    assert servers and servers[0] == GW, conf
    assert NET in search, conf
    wait_ping(p, "a", "b")
    content_check(p, "a", "b", "web", 5001)


def test_requested_ip_and_mac(podman_lab):
    lab, v, p, out = podman_lab
    p.run("s", "--ip", "10.63.0.77", "--mac-address", "02:00:00:63:00:77")
    ep = endpoint(v, p, "s")
    assert ep["ip"] == "10.63.0.77/24", ep
    shown = p.exec("s", "ip addr show dev eth0").stdout
    assert "inet 10.63.0.77/24" in shown and "02:00:00:63:00:77" in shown, shown
    pn = p.inspect("s")["NetworkSettings"]["Networks"][p.net]
    assert pn["IPAddress"] == "10.63.0.77" and pn["MacAddress"] == "02:00:00:63:00:77", pn
    p.run("t")
    wait_ping(p, "t", "10.63.0.77")
    # an address vsw's IPAM holds already: refused, with vsw's reason, and
    # nothing of it left in vsw
    r = p.cli("run", "-d", "--network", p.net, "--name", "u", "--ip", "10.63.0.77",
              "--rootfs", str(p.rootfs()), "sleep", "1000", check=False)
    assert r.returncode != 0 and "10.63.0.77" in r.stderr, r.stderr
    assert len(endpoints(v)) == 2, endpoints(v)
    p.cli("rm", "-f", "-t", "0", "s", "t", "u", check=False)
    assert endpoints(v) == []
