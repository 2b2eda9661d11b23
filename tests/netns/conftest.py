# SPDX-License-Identifier: BSD-3-Clause
"""Fixtures for the end-to-end tests: network namespaces, veth pairs and vsw.

Everything a test makes is named with a per-test tag and removed when the
test ends, pass or fail. Tests only attach vsw to interfaces they made.
"""
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
# absolute: tests/run passes a relative one, and symlinks (test_podman) need it whole
BUILD = Path(os.environ.get("VSW_BUILD", ROOT / "build")).resolve()
VSW = BUILD / "vsw"
VSWCTL = BUILD / "vswctl"


# The lab of the engine tests (Docker, CNI): vsw's uplink at UPLINK, the
# outside (a namespace) at OUTSIDE behind it; {up} is the uplink's host end.
UPLINK = "198.51.100.2"
OUTSIDE = "198.51.100.1"
UPLINK_LAB = """
[switch]
control = @SOCK@

[port uplink]
kind = afpacket
iface = {up}
address = 198.51.100.2/24
gateway = 198.51.100.1
"""


def sh(cmd, check=True, timeout=60, **kw):
    """Run a shell command; return CompletedProcess (text)."""
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True,
                       timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError("command failed (%d): %s\n%s%s" % (
            r.returncode, cmd, r.stdout, r.stderr))
    return r


# ---- what the engine tests (Docker, Podman) share: 'e' has exec(container,
# cmd, check) and cli(args...) ---------------------------------------------------

def wait_ping(e, c, dst, within=10):
    end = time.time() + within
    while e.exec(c, "ping -c 1 -W 1 %s" % dst, check=False).returncode != 0:
        assert time.time() < end, "%s does not reach %s" % (c, dst)


def content_check(e, src, dst, dst_host, port):
    """1 MB of random bytes over TCP from container src to dst, compared."""
    e.exec(src, "head -c 1000000 /dev/urandom > /tmp/tx; md5sum /tmp/tx | cut -d' ' -f1 "
           "> /tmp/tx.md5")
    # stdin held open: busybox nc ends the connection at its EOF
    e.cli("exec", "-d", dst, "sh", "-c", "sleep 20 | nc -l -p %d > /tmp/rx" % port)
    time.sleep(0.5)
    e.exec(src, "nc -w 3 %s %d < /tmp/tx" % (dst_host, port))
    a = e.exec(src, "cat /tmp/tx.md5").stdout.strip()
    end = time.time() + 10
    while True:         # until the receiving nc has all of it
        b = e.exec(dst, "md5sum /tmp/rx | cut -d' ' -f1").stdout.strip()
        if a == b or time.time() > end:
            break
        time.sleep(0.2)
    size = e.exec(dst, "wc -c < /tmp/rx").stdout.strip()
    assert a == b and len(a) == 32, (a, b, size)


class Lab:
    """Namespaces ("containers") wired by veth, all removed at the end."""

    def __init__(self, tmp_path):
        self.tag = secrets.token_hex(2)
        self.tmp = tmp_path
        self.namespaces = []
        self.links = []
        self.procs = []
        self.switches = []

    # names: interface names must fit in 15 characters
    def ifname(self, short):
        return "v%s%s" % (self.tag, short)

    def veth_pair(self, short_a, short_b):
        """A veth pair in the root namespace, both ends up and quiet (no
        IPv6, no ARP answers: switch ports, not host interfaces), removed
        with the lab. Returns the two names."""
        a, b = self.ifname(short_a), self.ifname(short_b)
        sh("ip link add %s type veth peer name %s" % (a, b))
        self.links.append(a)
        for i in (a, b):
            sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % i, check=False)
            sh("sysctl -qw net.ipv4.conf.%s.arp_ignore=8" % i, check=False)
            sh("ip link set %s up" % i)
        return a, b

    def nsname(self, short):
        return "vswt-%s-%s" % (self.tag, short)

    def netns(self, short):
        name = self.nsname(short)
        sh("ip netns add %s" % name)
        self.namespaces.append(name)
        sh("ip -n %s link set lo up" % name)
        return name

    def container(self, short, addr, mac=None, gw=None):
        """A namespace with eth0 = addr (CIDR), wired to a host veth end.

        Returns (namespace, host interface name)."""
        ns = self.netns(short)
        host = self.ifname(short)
        sh("ip link add %s type veth peer name eth0 netns %s" % (host, ns))
        self.links.append(host)
        if mac:
            sh("ip -n %s link set eth0 address %s" % (ns, mac))
        sh("ip -n %s addr add %s dev eth0" % (ns, addr))
        sh("ip -n %s link set eth0 up" % ns)
        # no IPv6 chatter on the host end: the switch port is not a host
        sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % host, check=False)
        # nor ARP answers from the host for its own addresses: the host end
        # is a switch port, not one of the host's interfaces
        sh("sysctl -qw net.ipv4.conf.%s.arp_ignore=8" % host, check=False)
        sh("ip link set %s up" % host)
        if gw:
            sh("ip -n %s route add default via %s" % (ns, gw))
        return ns, host

    def run(self, ns, cmd, check=True, timeout=60):
        return sh("ip netns exec %s %s" % (ns, cmd), check=check, timeout=timeout)

    def spawn(self, ns, cmd):
        p = subprocess.Popen("exec ip netns exec %s %s" % (ns, cmd), shell=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        self.procs.append(p)
        return p

    def vsw(self, ini, name="vsw", wait=True):
        v = Vsw(self, ini, name)
        self.switches.append(v)
        if wait:
            v.wait_running()
        return v

    def cleanup(self):
        for v in self.switches:
            v.kill()
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        for ns in self.namespaces:
            sh("ip netns pids %s | xargs -r kill -9" % ns, check=False)
            sh("ip netns del %s" % ns, check=False)
        for link in self.links:
            sh("ip link del %s" % link, check=False)
        # the veth pair a vsw killed with -9 had kept sockets parked on
        # (ports/afpacket.c; a vsw that stops deletes it itself)
        if os.path.exists("/sys/class/net/vswpark"):
            sh("ip link del vswpark", check=False)


class Vsw:
    """One vsw process on a topology written from 'ini'."""

    def __init__(self, lab, ini, name):
        self.lab = lab
        self.dir = lab.tmp / name
        self.dir.mkdir(exist_ok=True)
        self.sock = str(self.dir / "ctl.sock")
        ini = ini.replace("@SOCK@", self.sock).replace("@DIR@", str(self.dir))
        for line in ini.splitlines():
            if line.strip().startswith("control"):
                self.sock = line.split("=", 1)[1].split(";")[0].strip()
                break
        else:
            ini = "[switch]\ncontrol = %s\n" % self.sock + ini
        self.ini = self.dir / "topology.ini"
        self.ini.write_text(ini)
        self.log = self.dir / "vsw.log"
        self.logf = open(self.log, "w")
        wrap = os.environ.get("VSW_WRAP", "").split()
        self.proc = subprocess.Popen(wrap + [str(VSW), "-c", str(self.ini)],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        self.rc = None

    def text(self):
        return self.log.read_text()

    def wait_running(self, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise AssertionError("vsw exited with %d:\n%s" %
                                     (self.proc.returncode, self.text()))
            if "vsw: running" in self.text() and os.path.exists(self.sock):
                return
            time.sleep(0.05)
        raise AssertionError("vsw did not start:\n" + self.text())

    def wait_exit(self, timeout=20):
        self.rc = self.proc.wait(timeout=timeout)
        self.logf.close()
        return self.rc

    def ctl(self, *args, check=True, as_json=False):
        cmd = [str(VSWCTL), "-s", self.sock] + list(args)
        if as_json:
            cmd.append("--json")
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        if check and r.returncode != 0:
            raise AssertionError("vswctl %s: %d %s" % (" ".join(args),
                                                       r.returncode, r.stderr))
        return json.loads(r.stdout) if as_json and r.returncode == 0 else r

    def request(self, raw, timeout=5):
        """Send raw bytes to the control socket; return the reply bytes."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.sock)
        s.sendall(raw)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        s.close()
        return out

    def port_stats(self):
        return {p["port"]: p for p in self.ctl("show", "stats", as_json=True)["ports"]}

    def stop(self, sig=signal.SIGTERM):
        """Stop vsw; assert a clean exit with every mbuf returned."""
        self.proc.send_signal(sig)
        rc = self.wait_exit()
        log = self.text()
        assert rc == 0, "vsw exited with %d:\n%s" % (rc, log)
        assert "every mbuf back in its pool" in log, log
        assert not os.path.exists(self.sock), "control socket left behind"
        return log

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.logf.closed:
            self.logf.close()


@pytest.fixture
def lab(tmp_path):
    lab = Lab(tmp_path)
    try:
        yield lab
    finally:
        lab.cleanup()


def pytest_configure(config):
    if os.geteuid() != 0:
        raise pytest.UsageError("the netns tests need root")
    if not VSW.exists():
        raise pytest.UsageError("build vsw first (%s missing)" % VSW)
