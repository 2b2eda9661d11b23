# SPDX-License-Identifier: BSD-3-Clause
"""vsw as a Docker network plugin (docker/vsw-docker.c), with the real
Debian docker.io engine: a dockerd of the test's own (its own data and
exec roots and socket, no iptables, no forwarding, no masquerade, no
docker0), an image made with `docker import` of busybox-static, and the
outside a namespace behind vsw's uplink. The plugin's socket is
/run/docker/plugins/vswtTAG.sock, so the driver is `-d vswtTAG`."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from conftest import BUILD, OUTSIDE, UPLINK, UPLINK_LAB, content_check, sh, wait_ping

VSW_DOCKER = BUILD / "vsw-docker"
LAB = UPLINK_LAB

pytestmark = pytest.mark.skipif(shutil.which("dockerd") is None or not VSW_DOCKER.exists(),
                                reason="docker.io or vsw-docker is missing")


class Docker:
    """A dockerd of the test's own, and the vsw-docker plugin before it."""

    def __init__(self, lab, vsw):
        self.lab = lab
        self.proc = self.plugin = None
        # short: containerd's socket under the exec root must fit sun_path
        self.dir = Path(tempfile.mkdtemp(prefix="vd-%s-" % lab.tag, dir="/tmp"))
        self.sock = self.dir / "docker.sock"
        self.driver = "vswt%s" % lab.tag
        self.plugin_sock = "/run/docker/plugins/%s.sock" % self.driver
        self.plugin_log = open(self.dir / "plugin.log", "w")
        self.plugin = None
        self.start_plugin(vsw)
        self.log = open(self.dir / "dockerd.log", "w")
        # live restore: a dockerd stopped leaves its containers running
        self.restart()
        root = self.dir / "rootfs"
        (root / "bin").mkdir(parents=True)
        for d in ("etc", "tmp", "proc", "sys", "dev"):
            (root / d).mkdir()
        shutil.copy("/bin/busybox", root / "bin" / "busybox")
        applets = subprocess.run([str(root / "bin" / "busybox"), "--list"],
                                 capture_output=True, text=True, check=True).stdout.split()
        for a in applets:
            if a != "busybox":
                os.symlink("busybox", root / "bin" / a)
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "-H", "unix://%s" % self.sock, "import", "-", "vswtest:1"],
                       stdin=tar.stdout, check=True, capture_output=True)
        tar.wait()

    def restart(self, live_restore=True):
        self.proc = subprocess.Popen(
            ["dockerd", "--data-root", str(self.dir / "data"),
             "--exec-root", str(self.dir / "exec"), "-H", "unix://%s" % self.sock,
             "--pidfile", str(self.dir / "docker.pid"), "--iptables=false",
             "--ip-forward=false", "--ip-masq=false", "--bridge=none"] +
            (["--live-restore"] if live_restore else []),
            stdout=self.log, stderr=subprocess.STDOUT)
        end = time.time() + 60
        while self.cli("info", check=False).returncode != 0:
            if self.proc.poll() is not None or time.time() > end:
                raise AssertionError("dockerd did not start:\n%s" %
                                     (self.dir / "dockerd.log").read_text()[-3000:])
            time.sleep(0.2)

    def start_plugin(self, vsw):
        self.plugin = subprocess.Popen([str(VSW_DOCKER), "-s", vsw.sock, "-p", self.plugin_sock],
                                       stdout=self.plugin_log, stderr=subprocess.STDOUT)
        end = time.time() + 10
        while not os.path.exists(self.plugin_sock):
            assert self.plugin.poll() is None and time.time() < end, "vsw-docker did not start"
            time.sleep(0.05)

    def cli(self, *args, check=True, timeout=120):
        r = subprocess.run(["docker", "-H", "unix://%s" % self.sock] + list(args),
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("docker %s: %s%s\nplugin:\n%s" % (
                " ".join(args), r.stdout, r.stderr, (self.dir / "plugin.log").read_text()[-2000:]))
        return r

    def exec(self, c, cmd, check=True, timeout=60):
        return self.cli("exec", c, "sh", "-c", cmd, check=check, timeout=timeout)

    def run(self, name, net, *extra, cmd="sleep 100000"):
        return self.cli("run", "-d", "--name", name, "--network", net, *extra, "vswtest:1",
                        "sh", "-c", cmd)

    def ip_of(self, c, net):
        info = json.loads(self.cli("inspect", c).stdout)[0]
        return info["NetworkSettings"]["Networks"][net]["IPAddress"]

    def stop(self):
        if getattr(self, "proc", None) is not None and self.proc.poll() is None:
            ids = self.cli("ps", "-aq", check=False).stdout.split()
            if ids:
                self.cli("rm", "-f", *ids, check=False)
            self.cli("network", "prune", "-f", check=False)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "plugin", None) is not None and self.plugin.poll() is None:
            self.plugin.send_signal(signal.SIGTERM)
            self.plugin.wait(timeout=10)
        if getattr(self, "plugin_sock", None) and os.path.exists(self.plugin_sock):
            os.unlink(self.plugin_sock)
        if not hasattr(self, "dir"):
            return
        # what dockerd left mounted under its roots (netns files, overlays)
        with open("/proc/self/mounts") as f:
            mounts = [ln.split()[1] for ln in f if ln.split()[1].startswith(str(self.dir) + "/")]
        for m in sorted(mounts, key=len, reverse=True):
            sh("umount -l %s" % m, check=False)
        for f in (getattr(self, "log", None), getattr(self, "plugin_log", None)):
            if f is not None:
                f.close()
        # the logs stay with the test's own files
        for f in ("dockerd.log", "plugin.log"):
            if (self.dir / f).exists():
                shutil.copy(self.dir / f, self.lab.tmp / f)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def docker_lab(lab):
    out, hup = lab.container("out", "%s/24" % OUTSIDE)
    v = lab.vsw(LAB.format(up=hup))
    d = Docker.__new__(Docker)
    try:
        d.__init__(lab, v)
    except BaseException:
        d.stop()
        raise
    try:
        yield lab, v, d, out, hup
    finally:
        d.stop()


def vsw_networks(v):
    return {n["network"]: n for n in v.ctl("network", "ls", as_json=True)["networks"]}


def test_docker_networks_containers_names_and_ports(docker_lab):
    lab, v, d, out, hup = docker_lab
    drv = d.driver
    d.cli("network", "create", "-d", drv, "--subnet", "10.71.0.0/24", "--gateway", "10.71.0.1",
          "-o", "vsw.masquerade=uplink", "n1")
    d.cli("network", "create", "-d", drv, "--subnet", "10.72.0.0/24", "n2")
    nets = vsw_networks(v)
    n1 = [n for n in nets.values() if n["subnet"] == "10.71.0.0/24"]
    assert len(n1) == 1 and n1[0]["masquerade"] == "uplink", nets
    d.run("c1", "n1")
    d.run("c2", "n1", "--network-alias", "web")
    d.run("c3", "n2")
    ip2, ip3 = d.ip_of("c2", "n1"), d.ip_of("c3", "n2")
    assert ip2.startswith("10.71.0.") and ip3.startswith("10.72.0.")
    # names between containers of one network (Docker's embedded DNS)
    wait_ping(d, "c1", "c2")
    content_check(d, "c1", "c2", "c2", 5000)
    d.exec("c1", "ping -c 1 -W 2 web")                 # --network-alias
    # the other network: neither its name nor its address, nor an alias
    assert d.exec("c3", "nslookup web 127.0.0.11", check=False).returncode != 0 or \
        ip2 not in d.exec("c3", "nslookup web 127.0.0.11", check=False).stdout
    assert d.exec("c1", "ping -c 1 -W 1 c3", check=False).returncode != 0
    assert d.exec("c1", "ping -c 1 -W 1 %s" % ip3, check=False).returncode != 0
    # docker network connect: c1 on both, it reaches both
    d.cli("network", "connect", "n2", "c1")
    d.exec("c1", "ping -c 2 -W 2 c3")
    d.exec("c1", "ping -c 1 -W 2 c2")
    # out through NAT, and the outside reaches -p 8080:80, the container
    # seeing the outside's own address
    d.exec("c2", "ping -c 1 -W 2 %s" % OUTSIDE)
    d.run("w1", "n1", "-p", "8080:80",
          cmd="while true; do echo hello-w1 | nc -l -p 80; done")
    time.sleep(0.5)
    got = lab.run(out, "nc -N -w 3 %s 8080 </dev/null" % UPLINK, check=False).stdout
    assert "hello-w1" in got, (got, v.ctl("show", "publish").stdout)
    held = lab.spawn(out, "sh -c 'sleep 3 | nc -w 5 %s 8080'" % UPLINK)
    time.sleep(0.8)
    seen = d.exec("w1", "netstat -tn").stdout
    assert "%s:" % OUTSIDE in seen, seen
    held.wait(timeout=15)
    # hairpin: another container of the network through the uplink address
    got = d.exec("c1", "nc -w 3 %s 8080 </dev/null" % UPLINK, check=False).stdout
    assert "hello-w1" in got, got
    # -P: vsw-docker picks a free host port (vswctl show publish says which)
    d.run("w3", "n1", "--expose", "80", "-P",
          cmd="while true; do echo hello-w3 | nc -l -p 80; done")
    ip_w3 = d.ip_of("w3", "n1")
    rules = [p for p in v.ctl("show", "publish", as_json=True)["publish"]
             if p["to"] == "%s:80" % ip_w3]
    assert len(rules) == 1, v.ctl("show", "publish").stdout
    hport = int(rules[0]["listen"])
    assert 49153 <= hport <= 65535, rules
    time.sleep(0.5)
    got = lab.run(out, "nc -N -w 3 %s %d </dev/null" % (UPLINK, hport), check=False).stdout
    assert "hello-w3" in got, (got, v.ctl("show", "publish").stdout)
    # a range of ports is one rule
    d.run("w2", "n1", "-p", "9000-9099:9000-9099", cmd="sleep 100000")
    rules = [p for p in v.ctl("show", "publish", as_json=True)["publish"]
             if p["listen"] == "9000-9099"]
    assert len(rules) == 1, v.ctl("show", "publish").stdout
    # --network container:c1 shares c1's vsw address; none and host work
    d.cli("run", "-d", "--name", "s1", "--network", "container:c1", "vswtest:1",
          "sleep", "100000")
    a = d.exec("s1", "ip -4 addr show").stdout
    assert "10.71.0." in a, a
    d.cli("run", "--rm", "--network", "none", "vswtest:1", "true")
    d.cli("run", "--rm", "--network", "host", "vswtest:1", "true")

    # internal: no way out
    d.cli("network", "create", "-d", drv, "--internal", "--subnet", "10.73.0.0/24", "n3")
    assert any(n["internal"] == "yes" and n["subnet"] == "10.73.0.0/24"
               for n in vsw_networks(v).values())
    d.run("i1", "n3")
    assert d.exec("i1", "ping -c 1 -W 1 %s" % OUTSIDE, check=False).returncode != 0

    # refused, with vsw's reason
    for args, why in [
            (("-o", "vsw.bogus=1", "--subnet", "10.74.0.0/24", "bad1"), "unknown option vsw.bogus"),
            (("--subnet", "10.71.0.0/25", "bad2"), "overlaps"),
            (("--internal", "-o", "vsw.masquerade=uplink", "--subnet", "10.75.0.0/24", "bad3"),
             "no way out"),
            (("-o", "vsw.masquerade=nosuch", "--subnet", "10.76.0.0/24", "bad4"), "nosuch")]:
        r = d.cli("network", "create", "-d", drv, *args, check=False)
        assert r.returncode != 0 and why in r.stderr, (args, r.stderr)

    # vsw killed and started again with the containers running: they
    # talk again within 2 s (its state file)
    v.proc.send_signal(signal.SIGKILL)
    v.proc.wait()
    v2 = lab.vsw(LAB.format(up=hup))
    t0 = time.time()
    while d.exec("c1", "ping -c 1 -W 1 %s" % ip2, check=False).returncode != 0:
        assert time.time() - t0 < 2, "c1 and c2 do not talk 2 s after vsw's restart"
    took = time.time() - t0
    print("talking again %.2f s after vsw's start" % took)
    assert took < 2
    got = lab.run(out, "nc -N -w 3 %s 8080 </dev/null" % UPLINK, check=False).stdout
    assert "hello-w1" in got, got

    # rm and prune leave nothing in vsw
    ids = d.cli("ps", "-aq").stdout.split()
    d.cli("rm", "-f", *ids)
    d.cli("network", "rm", "n1")
    d.cli("network", "prune", "-f")
    assert [n for n in vsw_networks(v2) if n.startswith("dk")] == [], vsw_networks(v2)
    ports = [p["port"] for p in v2.ctl("show", "ports", as_json=True)["ports"]]
    assert ports == ["uplink"], ports
    assert v2.ctl("show", "publish", as_json=True)["publish"] == []


def test_plugin_and_dockerd_restarts(docker_lab):
    """vsw-docker restarted: Docker's next calls reach the new one (it
    keeps no state). dockerd restarted with --live-restore: the
    containers stay connected through vsw, and new ones join."""
    lab, v, d, out, hup = docker_lab
    drv = d.driver
    d.cli("network", "create", "-d", drv, "--subnet", "10.81.0.0/24",
          "-o", "vsw.masquerade=uplink", "r1")
    d.run("a1", "r1", "--restart=no")
    d.run("a2", "r1")
    wait_ping(d, "a1", "a2")
    d.plugin.send_signal(signal.SIGTERM)
    d.plugin.wait(timeout=10)
    assert not os.path.exists(d.plugin_sock)
    d.start_plugin(v)
    d.run("a3", "r1")
    wait_ping(d, "a3", "a1")
    d.cli("rm", "-f", "a3")

    # dockerd again, with --live-restore: the running containers stay
    d.proc.send_signal(signal.SIGTERM)
    d.proc.wait(timeout=60)
    d.restart()
    d.exec("a1", "ping -c 1 -W 2 a2")
    d.exec("a2", "ping -c 1 -W 2 %s" % OUTSIDE)
    d.run("a4", "r1")
    wait_ping(d, "a4", "a1")
    nets = [n for n in vsw_networks(v).values() if n["network"].startswith("dk")]
    assert len(nets) == 1 and nets[0]["ports"] == 3, nets      # a1, a2, a4


def test_ipam_driver_shares_vsws_address_space(docker_lab):
    """--ipam-driver vsw: the pool comes from [switch] subnet_pool when
    none is given, and containers' addresses from the network's own IPAM,
    so an endpoint made with `vswctl connect` on the same network never
    gets one of theirs (and theirs never one of its)."""
    lab, v, d, out, hup = docker_lab
    drv = d.driver
    d.cli("network", "create", "-d", drv, "--ipam-driver", drv, "-o", "vsw.masquerade=uplink",
          "i1")
    net = [n for n in vsw_networks(v).values() if n["network"].startswith("dk")]
    assert len(net) == 1 and net[0]["subnet"] != "-", net
    name, subnet = net[0]["network"], net[0]["subnet"]
    info = json.loads(d.cli("network", "inspect", "i1").stdout)[0]
    assert info["IPAM"]["Config"][0]["Subnet"] == subnet, info["IPAM"]
    d.run("b1", "i1")
    ns = lab.netns("ep")
    mine = v.ctl("connect", name, "--netns", ns, "--name", "mine",
                 as_json=True)["endpoint"][0]["ip"].split("/")[0]
    d.run("b2", "i1")
    ips = {d.ip_of(c, "i1") for c in ("b1", "b2")}
    assert len(ips) == 2 and mine not in ips, (ips, mine)
    eps = v.ctl("network", "inspect", name, as_json=True)["endpoints"]
    held = [e["ip"].split("/")[0] for e in eps]
    assert len(held) == len(set(held)) == 3 and ips | {mine} == set(held), eps
    wait_ping(d, "b1", "b2")
    wait_ping(d, "b2", mine)           # one address space, one network
    d.exec("b1", "ping -c 1 -W 2 %s" % OUTSIDE)
    # a subnet given is taken as it is
    d.cli("network", "create", "-d", drv, "--ipam-driver", drv, "--subnet", "10.91.0.0/24", "i2")
    assert "10.91.0.0/24" in {n["subnet"] for n in vsw_networks(v).values()}
    d.run("b3", "i2")
    assert d.ip_of("b3", "i2").startswith("10.91.0.")
    # --ip-range: the network's window in vsw's IPAM; a container's
    # address comes from it, an --ip outside it is still taken (Docker's
    # rule: the range keeps dynamic addresses apart from static ones)
    d.cli("network", "create", "-d", drv, "--ipam-driver", drv, "--subnet", "10.92.0.0/24",
          "--ip-range", "10.92.0.128/25", "i3")
    n3 = [n for n in vsw_networks(v).values() if n["subnet"] == "10.92.0.0/24"]
    assert len(n3) == 1, vsw_networks(v)
    d.run("b4", "i3")
    d.run("b5", "i3", "--ip", "10.92.0.9")
    ip4 = d.ip_of("b4", "i3")
    assert ip4.startswith("10.92.0.") and int(ip4.split(".")[3]) >= 128, ip4
    assert d.ip_of("b5", "i3") == "10.92.0.9"
    wait_ping(d, "b4", "b5")
    insp = v.ctl("network", "inspect", n3[0]["network"], as_json=True)
    assert "10.92.0.128/25" in json.dumps(insp), insp
    # refused, saying why: a v6 pool from vsw's IPAM, a range outside the
    # subnet
    r = d.cli("network", "create", "-d", drv, "--ipam-driver", drv, "--ipv6", "--subnet",
              "10.93.0.0/24", "--subnet", "fd93::/64", "i4", check=False)
    assert r.returncode != 0 and "IPv4 only" in r.stderr, r.stderr
    r = d.cli("network", "create", "-d", drv, "--ipam-driver", drv, "--subnet", "10.94.0.0/24",
              "--ip-range", "10.95.0.0/25", "i5", check=False)
    assert r.returncode != 0 and "10.95.0.0/25" in r.stderr, r.stderr
    v.ctl("disconnect", name, "--name", "mine")
    d.cli("rm", "-f", "b1", "b2", "b3", "b4", "b5")
    d.cli("network", "rm", "i1", "i2", "i3")
    assert [n for n in vsw_networks(v) if n.startswith("dk")] == []


def test_ipv6_network_is_bridged(docker_lab):
    """--ipv6 with Docker's IPAM: vsw bridges the v6 subnet; containers
    reach each other over IPv6 by address and by name (Docker's DNS gives
    AAAA), TCP content intact, and over IPv4 as before."""
    lab, v, d, out, hup = docker_lab
    drv = d.driver
    d.cli("network", "create", "-d", drv, "--ipv6", "--subnet", "10.96.0.0/24",
          "--subnet", "fd96::/64", "-o", "vsw.masquerade=uplink", "v6")
    d.run("s1", "v6")
    d.run("s2", "v6")
    info = json.loads(d.cli("inspect", "s2").stdout)[0]["NetworkSettings"]["Networks"]["v6"]
    ip6 = info["GlobalIPv6Address"]
    assert ip6.startswith("fd96::"), info
    a = d.exec("s2", "ip -6 addr show dev eth0").stdout
    assert ip6 in a, a
    end = time.time() + 10     # duplicate address detection first
    while d.exec("s1", "ping -6 -c 1 -W 1 %s" % ip6, check=False).returncode != 0:
        assert time.time() < end, d.exec("s1", "ip -6 addr; ip -6 neigh").stdout
    d.exec("s1", "ping -6 -c 1 -W 2 s2")
    content_check(d, "s1", "s2", ip6, 5006)
    d.exec("s1", "ping -c 1 -W 2 %s" % OUTSIDE)             # IPv4 out as before
    r = d.cli("network", "create", "-d", drv, "--ipv6", "-o", "vsw.macvlan=uplink",
              "--subnet", "198.51.100.0/24", "--subnet", "fd97::/64", "bad", check=False)
    assert r.returncode != 0 and "bridged only" in r.stderr, r.stderr
    d.cli("rm", "-f", "s1", "s2")
    d.cli("network", "rm", "v6")
    assert [n for n in vsw_networks(v) if n.startswith("dk")] == []


def test_macvlan_network_through_docker(docker_lab):
    """-o vsw.macvlan=uplink: containers on the uplink's own LAN, each with
    its MAC, as Docker's macvlan driver does: they reach the LAN, vsw's own
    address and each other by name, and the LAN reaches them."""
    lab, v, d, out, hup = docker_lab
    drv = d.driver
    d.cli("network", "create", "-d", drv, "-o", "vsw.macvlan=uplink", "-o",
          "vsw.macvlan_mode=bridge", "--subnet", "198.51.100.0/24", "--gateway", OUTSIDE,
          "--ip-range", "198.51.100.128/25", "lan")
    nets = [n for n in vsw_networks(v).values() if n["network"].startswith("dk")]
    assert len(nets) == 1 and nets[0]["driver"] == "macvlan/bridge", nets
    assert nets[0]["gateway"] == OUTSIDE and nets[0]["parent"] == "uplink", nets
    d.run("m1", "lan")
    d.run("m2", "lan")
    ip1 = d.ip_of("m1", "lan")
    assert ip1.startswith("198.51.100.") and int(ip1.split(".")[3]) >= 128, ip1
    wait_ping(d, "m1", OUTSIDE)                        # the LAN
    d.exec("m1", "ping -c 1 -W 2 m2")                 # each other, by name
    d.exec("m2", "ping -c 1 -W 2 %s" % UPLINK)        # vsw's own address
    lab.run(out, "ping -c 1 -W 2 %s" % ip1)           # from the LAN
    mvs = v.ctl("show", "macvlan", as_json=True)
    assert len(mvs["endpoints"]) == 2, mvs
    for args, why in [(("-o", "vsw.macvlan=uplink", "-o", "vsw.masquerade=uplink",
                        "--subnet", "10.99.0.0/24", "bad"), "no vsw.masquerade"),
                      (("-o", "vsw.macvlan_mode=vepa", "--subnet", "10.77.0.0/24", "bad2"),
                       "goes with vsw.macvlan")]:
        r = d.cli("network", "create", "-d", drv, *args, check=False)
        assert r.returncode != 0 and why in r.stderr, (args, r.stderr)
    d.cli("rm", "-f", "m1", "m2")
    d.cli("network", "rm", "lan")
    assert [n for n in vsw_networks(v) if n.startswith("dk")] == []
    assert [p["port"] for p in v.ctl("show", "ports", as_json=True)["ports"]] == ["uplink"]
    lab.run(out, "ping -c 1 -W 2 %s" % UPLINK)        # the uplink routes again
