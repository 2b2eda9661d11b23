# SPDX-License-Identifier: BSD-3-Clause
"""vswctl top (ctl/vswctl_top.c) under real traffic, and vsw's /vsw/ commands
in DPDK telemetry (switch/telemetry.c) against vswctl's own figures.

Four containers on one bridge: c1 pings c2 and c3 (500 a second each), so
port c1 carries twice what any other port does; c4's port is set down and
c4 pings c1 at 100 a second (a static ARP entry: ICMP, not ARP retries),
every frame a port_down drop on port c4."""
import fcntl
import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import termios
import threading
import time
from pathlib import Path

import pytest
from conftest import VSWCTL, sh
from test_foundation import bridge_ini

NET = "10.97.0.%d"
PING_RATE = 500                 # per second, each of c1's two pings
DOWN_RATE = 100                 # c4's pings into its down port
ICMP_FRAME = 98                 # bytes: an echo of 56 bytes of data


# ---- helpers ------------------------------------------------------------------

def top(v, *args, timeout=30):
    return subprocess.run([str(VSWCTL), "-s", v.sock, "top"] + list(args),
                          capture_output=True, text=True, timeout=timeout)


SI = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def si(s):
    m = re.fullmatch(r"([0-9.]+)([kMGT]?)", s)
    assert m, "not a rate: %r" % s
    return float(m.group(1)) * SI[m.group(2)]


def blocks(out):
    """vswctl top's output off a terminal: [{"ports": [row...], "drops":
    [row...], "workers": line}], one a refresh."""
    res = []
    for chunk in out.split("vsw top ")[1:]:
        lines = chunk.splitlines()
        b = {"title": lines[0], "workers": lines[1], "ports": [], "drops": []}
        section = None
        for ln in lines[2:]:
            if ln.startswith("PORT ") and "RX pkt/s" in ln:
                section = "ports"
            elif ln.startswith("PORT ") and "REASON" in ln:
                section = "drops"
            elif not ln.strip() or ln.startswith("("):
                continue
            elif section == "ports":
                f = ln.split()
                b["ports"].append({"port": f[0], "rx": si(f[1]), "rx_bits": si(f[2]),
                                   "tx": si(f[3]), "tx_bits": si(f[4]),
                                   "drops": si(f[5]), "lost": si(f[6])})
            elif section == "drops":
                f = ln.split(None, 4)
                b["drops"].append({"port": f[0], "reason": f[1], "rate": si(f[2]),
                                   "total": int(f[3])})
        res.append(b)
    return res


def vsw_pid(v):
    """The pid of vsw itself (VSW_WRAP may run it under another program)."""
    todo = [v.proc.pid]
    while todo:
        pid = todo.pop(0)
        if os.path.exists("/var/run/dpdk/vsw-%d" % pid):
            return pid
        try:
            kids = Path("/proc/%d/task/%d/children" % (pid, pid)).read_text().split()
        except OSError:
            kids = []
        todo += [int(k) for k in kids]
    raise AssertionError("no DPDK runtime directory for vsw (pid %d)" % v.proc.pid)


def tel_path(v):
    return "/var/run/dpdk/vsw-%d/dpdk_telemetry.v2" % vsw_pid(v)


def telemetry(v, *cmds):
    """DPDK's telemetry protocol v2: a greeting, then a JSON reply a command."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    # blocking: DPDK listens with a backlog of one, and a connect with a
    # timeout (non-blocking) fails with EAGAIN while another client is
    # being accepted, where a blocking one waits its turn
    s.connect(tel_path(v))
    s.settimeout(5)
    try:
        hello = json.loads(s.recv(4096))
        out = []
        for c in cmds:
            s.send(c.encode())
            out.append(json.loads(s.recv(hello["max_output_len"])))
        return hello, out
    finally:
        s.close()


def tel(v, cmd):
    """The value of one command (None when it failed, DPDK's null)."""
    reply = telemetry(v, cmd)[1][0]
    return reply[cmd.split(",")[0]]


def stats(v):
    return v.ctl("show", "stats", as_json=True)


def wait_for(what, cond, within=10):
    end = time.time() + within
    while not cond():
        assert time.time() < end, what
        time.sleep(0.1)


@pytest.fixture
def busy(lab):
    """vsw with the four ports, c1's pings and c4's drops running."""
    cs, hosts = {}, {}
    for i in range(1, 5):
        cs[i], hosts[i] = lab.container("c%d" % i, (NET % i) + "/24")
        # no IPv6 chatter: at rest nothing but the test's frames moves
        lab.run(cs[i], "sysctl -qw net.ipv6.conf.all.disable_ipv6=1", check=False)
    v = lab.vsw(bridge_ini([("c%d" % i, "afpacket", "iface", hosts[i])
                            for i in range(1, 5)]))
    lab.run(cs[1], "ping -c 1 -W 2 %s" % (NET % 2))
    lab.run(cs[1], "ping -c 1 -W 2 %s" % (NET % 3))
    c1_mac = lab.run(cs[1], "cat /sys/class/net/eth0/address").stdout.strip()
    v.ctl("port", "c4", "down")
    lab.run(cs[4], "ip neigh replace %s lladdr %s dev eth0 nud permanent" % (NET % 1, c1_mac))
    pings = [lab.spawn(cs[1], "ping -q -i %g %s" % (1.0 / PING_RATE, NET % 2)),
             lab.spawn(cs[1], "ping -q -i %g %s" % (1.0 / PING_RATE, NET % 3)),
             lab.spawn(cs[4], "ping -q -i %g %s" % (1.0 / DOWN_RATE, NET % 1))]
    lab.cs = cs
    yield v, pings
    for p in pings:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)


def stop_pings(pings):
    for p in pings:
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=10)


# ---- vswctl top ---------------------------------------------------------------

def test_top_shows_the_busiest_port_its_rates_and_drop_reasons(busy):
    v, _ = busy
    wait_for("no port_down drops on c4",
             lambda: any(d["port"] == "c4" and d["reason"] == "port_down" and d["count"] > 0
                         for d in stats(v)["drops"]))
    counted = [d["count"] for d in stats(v)["drops"]
               if d["port"] == "c4" and d["reason"] == "port_down"][0]
    before = {p["port"]: p for p in stats(v)["ports"]}
    t0 = time.time()
    r = top(v, "--count", "3", "--interval", "0.5")
    took = time.time() - t0
    after = {p["port"]: p for p in stats(v)["ports"]}
    assert r.returncode == 0, r.stderr
    assert "\033" not in r.stdout, "escape codes off a terminal:\n" + r.stdout
    bs = blocks(r.stdout)
    assert len(bs) == 3, r.stdout
    # three refreshes half a second apart (and the first needs a baseline)
    assert 1.4 <= took < 10, took
    for b in bs:
        rows = b["ports"]
        assert sorted(p["port"] for p in rows) == ["c1", "c2", "c3", "c4"], r.stdout
        busiest = rows[0]
        # c1 carries both pings: requests out, replies in
        assert busiest["port"] == "c1", r.stdout
        assert busiest["rx"] + busiest["tx"] > rows[1]["rx"] + rows[1]["tx"], r.stdout
        # plausible: more than nothing, no more than the two pings send
        for d in ("rx", "tx"):
            assert 0 < busiest[d] < 2 * PING_RATE * 1.6, (d, r.stdout)
            bits_per_frame = busiest[d + "_bits"] / busiest[d]
            assert 8 * 60 < bits_per_frame < 8 * (ICMP_FRAME + 30), (d, r.stdout)
        c4 = [p for p in rows if p["port"] == "c4"][0]
        assert c4["tx"] == 0, r.stdout              # a down port sends nothing
        assert "workers busy" in b["workers"] and "%" in b["workers"], b["workers"]
    # the rates are per second: their mean is what the counters gained
    # over the whole run, per second of it
    for d in ("rx", "tx"):
        mean = sum(b["ports"][0][d] for b in bs) / len(bs)
        measured = (after["c1"][d] - before["c1"][d]) / took
        assert 0.75 * measured < mean < 1.3 * measured, (d, mean, measured, r.stdout)
    last = bs[-1]
    c4 = [p for p in last["ports"] if p["port"] == "c4"][0]
    assert 0 < c4["drops"] < DOWN_RATE * 1.6, r.stdout
    down = [d for d in last["drops"] if d["port"] == "c4" and d["reason"] == "port_down"]
    assert down, "no port_down row for c4:\n" + r.stdout
    assert 0 < down[0]["rate"] < DOWN_RATE * 1.6, r.stdout
    assert down[0]["total"] >= counted, (counted, r.stdout)
    # the busiest first: the drop reason that grows is listed before any other
    assert last["drops"][0]["rate"] == max(d["rate"] for d in last["drops"]), r.stdout
    # --ports N: the N busiest only
    r = top(v, "--count", "1", "--interval", "0.3", "--ports", "1")
    assert r.returncode == 0, r.stderr
    b = blocks(r.stdout)[0]
    assert [p["port"] for p in b["ports"]] == ["c1"], r.stdout
    assert "3 quieter ports not shown" in r.stdout, r.stdout
    v.stop()


def ctty():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_top_on_a_terminal_redraws_in_place_and_q_restores_it(busy):
    v, _ = busy
    for key in (b"q", b"\x03"):                 # q, and ^C as a terminal sends it
        master, slave = pty.openpty()
        before = termios.tcgetattr(slave)
        # the pty as vswctl's controlling terminal: ^C there is its SIGINT
        p = subprocess.Popen([str(VSWCTL), "-s", v.sock, "top", "--interval", "0.2"],
                             stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                             preexec_fn=ctty)
        out = b""
        end = time.time() + 10
        while out.count(b"vsw top") < 3 and time.time() < end:
            if select.select([master], [], [], 0.5)[0]:
                out += os.read(master, 65536)
        during = termios.tcgetattr(slave)
        os.write(master, key)
        rc = p.wait(timeout=5)
        after = termios.tcgetattr(slave)
        os.close(slave)
        os.close(master)
        assert rc == 0, (key, rc, out[-500:])
        assert out.count(b"vsw top") >= 3, out
        assert b"\033[H" in out and b"\033[K" in out, out[:300]
        assert b"(q quits)" in out
        assert during[3] & termios.ECHO == 0, "keys echoed while top runs"
        assert after == before, "terminal left changed after %r" % key


def test_top_says_when_vsw_goes_away(busy):
    v, _ = busy
    p = subprocess.Popen([str(VSWCTL), "-s", v.sock, "top", "--interval", "0.2",
                          "--count", "1000"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    v.stop()
    out, err = p.communicate(timeout=10)
    assert p.returncode == 2, (p.returncode, err)
    assert "vsw at %s went away" % v.sock in err, err
    assert len(blocks(out)) >= 2, out


def test_top_without_vsw_and_with_bad_arguments(tmp_path):
    missing = str(tmp_path / "nobody.sock")
    r = subprocess.run([str(VSWCTL), "-s", missing, "top", "--count", "1"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2, r
    assert "cannot reach vsw" in r.stderr and missing in r.stderr, r.stderr
    assert r.stdout == ""
    for bad in (["--interval", "0"], ["--interval", "-1"], ["--interval", "abc"],
                ["--interval", "nan"], ["--interval"], ["--count", "0"],
                ["--count", "1.5"], ["--count", "x"], ["--ports", "0"],
                ["--ports=-3"], ["--bogus"], ["extra"]):
        r = subprocess.run([str(VSWCTL), "-s", missing, "top"] + bad,
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 2, (bad, r)
        assert "usage: vswctl top" in r.stderr, (bad, r.stderr)
        # arguments are checked before vsw is asked
        assert "cannot reach" not in r.stderr, (bad, r.stderr)
    r = subprocess.run([str(VSWCTL), "-s", missing, "top", "--help"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and "usage: vswctl top" in r.stdout, r


# ---- telemetry ----------------------------------------------------------------

COUNTERS = ("rx", "rx_bytes", "tx", "tx_bytes", "flood", "drops", "rx_kernel_drops")


def test_telemetry_answers_vsw_commands_as_vswctl_counts(busy):
    v, pings = busy
    pid = vsw_pid(v)
    assert os.path.exists(tel_path(v))
    wait_for("no port_down drops", lambda: stats(v)["ports"][3]["drops"] > 0)

    # dpdk-telemetry.py, Debian's client, by vsw's file prefix
    r = sh("echo /vsw/ports | dpdk-telemetry.py -f vsw-%d" % pid, timeout=20)
    ports = json.loads(r.stdout.strip().splitlines()[-1])["/vsw/ports"]
    assert ports == ["c1", "c2", "c3", "c4"], r.stdout

    # while traffic flows, telemetry's figure lies between two of vswctl's
    hello, _ = telemetry(v)
    assert hello["pid"] == pid, hello
    for _ in range(3):
        s0 = {p["port"]: p for p in stats(v)["ports"]}
        t = {n: tel(v, "/vsw/port," + n) for n in ports}
        s1 = {p["port"]: p for p in stats(v)["ports"]}
        for n in ports:
            assert t[n]["port"] == n
            for k in COUNTERS:
                assert s0[n][k] <= t[n][k] <= s1[n][k], (n, k, s0[n], t[n], s1[n])
        assert t["c1"]["rx"] > 0 and t["c1"]["link"] == "up", t["c1"]
        assert t["c4"]["link"] == "down (set)", t["c4"]
        assert t["c4"]["drops_by_reason"]["port_down"] > 0, t["c4"]

    # at rest the figures are equal, drops by reason too
    stop_pings(pings)
    for _ in range(10):
        time.sleep(0.3)
        st = stats(v)
        t = {n: tel(v, "/vsw/port," + n) for n in ports}
        drops = tel(v, "/vsw/drops")
        if stats(v) == st:                      # nothing moved meanwhile
            break
    else:
        raise AssertionError("vsw's counters never came to rest")
    for p in st["ports"]:
        for k in COUNTERS:
            assert t[p["port"]][k] == p[k], (p, t[p["port"]])
    by_reason = {}
    for d in st["drops"]:
        assert t[d["port"]]["drops_by_reason"][d["reason"]] == d["count"], (d, t[d["port"]])
        by_reason[d["reason"]] = by_reason.get(d["reason"], 0) + d["count"]
    for n in ports:
        assert len(t[n]["drops_by_reason"]) == len([d for d in st["drops"]
                                                    if d["port"] == n]), t[n]
    for reason, n in by_reason.items():
        assert drops[reason] == n, (reason, drops)
    assert drops["total"] == sum(p["drops"] for p in st["ports"]), drops
    assert drops["port_down"] > 0 and drops["storm_limit"] == 0, drops

    info = tel(v, "/vsw/info")
    assert info["pid"] == pid and info["workers"] == 1 and info["ports"] == 4, info
    assert info["polling"] == "adaptive" and info["nat"] == "no", info
    assert re.fullmatch(r"\d+\.\d+\.\d+", info["version"]), info
    assert len(info["worker_busy"]) == 1 and info["worker_busy"][0] > 0, info
    assert info["worker_iterations"][0] >= info["worker_busy"][0], info

    assert tel(v, "/vsw/bridges") == ["br0"]
    br = tel(v, "/vsw/bridge,br0")
    show = v.ctl("show", "bridges", as_json=True)["bridges"][0]
    assert br["ports"] == ["c1", "c2", "c3", "c4"], br
    for k in ("entries", "learned", "mac_limit", "flooded", "unicast"):
        assert br[k] == show[k], (k, br, show)
    assert br["unicast"] > 0 and br["entries"] >= 3, br
    v.stop()


def test_telemetry_unknown_names_are_null_and_dpdk_commands_stay(busy):
    v, _ = busy
    pid = vsw_pid(v)
    _, replies = telemetry(v, "/vsw/port,nosuch", "/vsw/port", "/vsw/port,",
                           "/vsw/port," + "x" * 200, "/vsw/bridge,nosuch", "/vsw/bridge",
                           "/vsw/nat", "/vsw/port,c1")
    assert replies[:7] == [{"/vsw/port": None}] * 4 + [{"/vsw/bridge": None}] * 2 + \
        [{"/vsw/nat": None}], replies      # no NAT in this topology
    assert replies[7]["/vsw/port"]["port"] == "c1", replies[7]
    assert v.proc.poll() is None, "vsw died"
    # DPDK's own commands answer beside vsw's
    cmds = tel(v, "/")
    for c in ("/ethdev/list", "/mempool/list", "/vsw/info", "/vsw/ports", "/vsw/port",
              "/vsw/drops", "/vsw/bridges", "/vsw/bridge", "/vsw/nat"):
        assert c in cmds, (c, cmds)
    assert tel(v, "/ethdev/list") == []         # no DPDK ports here
    assert "vsw_mbufs" in tel(v, "/mempool/list")
    assert tel(v, "/mempool/info,vsw_mbufs")["name"] == "vsw_mbufs"
    assert "/vsw/port" in tel(v, "/help,/vsw/port")
    r = sh("echo /mempool/list | dpdk-telemetry.py -f vsw-%d" % pid, timeout=20)
    assert "vsw_mbufs" in r.stdout, r.stdout
    # many clients at once: each has its own telemetry thread, all take
    # the control lock while vswctl keeps the control thread at work
    errors = []

    def ask():
        try:
            for _ in range(20):
                assert tel(v, "/vsw/port,c1")["port"] == "c1"
        except Exception as e:      # noqa: BLE001 - reported below
            errors.append(e)
    ts = [threading.Thread(target=ask) for _ in range(4)]
    for t in ts:
        t.start()
    for _ in range(20):
        stats(v)
    for t in ts:
        t.join()
    assert not errors, errors[0]
    v.stop()


NAT_LAB = """
[bridge lan]
subnet = 172.29.0.0/24
gateway = 172.29.0.1
masquerade = uplink

[port c1]
kind = afpacket
iface = {c1}
bridge = lan

[port uplink]
kind = afpacket
iface = {up}
address = 198.51.100.2/24
gateway = 198.51.100.1
"""


def test_telemetry_nat_matches_show_nat(lab):
    c1, h1 = lab.container("c1", "172.29.0.2/24", gw="172.29.0.1")
    out, hup = lab.container("out", "198.51.100.1/24")
    v = lab.vsw(NAT_LAB.format(c1=h1, up=hup))
    lab.run(c1, "ping -c 3 -i 0.2 -W 2 198.51.100.1")
    nat = tel(v, "/vsw/nat")
    show = {r["counter"]: r["value"] for r in v.ctl("show", "nat", as_json=True)["nat"]}
    for k in ("sessions", "sessions_max", "mappings", "sessions_created",
              "translated_out", "translated_in"):
        assert nat[k] == show[k], (k, nat, show)
    assert nat["sessions"] >= 1 and nat["translated_out"] >= 3, nat
    assert nat["external"] == ["198.51.100.2"], nat
    in_use = {r["proto"]: r["ports_in_use"] for r in
              v.ctl("show", "nat", as_json=True)["ports"]}
    for proto in ("tcp", "udp", "icmp"):
        assert nat[proto + "_ports_in_use"] == [in_use[proto]], (proto, nat, in_use)
    assert in_use["icmp"] >= 1, in_use
    assert tel(v, "/vsw/info")["nat"] == "yes"
    v.stop()


def huge_free_mb():
    mb = 0
    for d in Path("/sys/kernel/mm/hugepages").glob("hugepages-*kB"):
        kb = int(d.name.split("-")[1][:-2])
        mb += int((d / "free_hugepages").read_text()) * kb // 1024
    return mb


def test_telemetry_socket_with_hugepages(lab):
    """EAL runs --in-memory on hugepages (switch/eal.c), --no-huge
    --no-shconf without: telemetry must be there either way. This machine
    has no hugepages reserved unless someone reserves them."""
    a, ha = lab.container("a", "10.98.0.1/24")
    ini = "[switch]\ncontrol = @SOCK@\nhugepages = yes\nmbufs = 4096\n" + \
        bridge_ini([("a", "afpacket", "iface", ha)])
    v = lab.vsw(ini, wait=False)
    try:
        v.wait_running()
    except AssertionError:
        if "hugepages = yes, but only" not in v.text():
            raise
        pytest.skip("not enough free hugepages here (%d MB)" % huge_free_mb())
    assert "--in-memory" in tel(v, "/eal/params"), tel(v, "/eal/params")
    assert tel(v, "/vsw/ports") == ["a"]
    v.stop()
