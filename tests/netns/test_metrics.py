# SPDX-License-Identifier: BSD-3-Clause
"""The Prometheus endpoint ([switch] metrics, ctl/metrics.c): the exposition
format as promtool checks it, counters that follow the traffic and `show
stats`, drops by reason, what other paths and methods get, bad clients, the
unix socket form, bad values and a port in use; and Debian's prometheus
server scraping it, whose rate() must match what was sent."""
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import VSW, sh
from test_foundation import bridge_ini

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def parse(text):
    """{(name, frozenset of (label, value)): float} of an exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        assert m, "not a sample line: %r" % line
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def series_of(samples, name):
    return {k[1]: v for k, v in samples.items() if k[0] == name}


def get(url, method="GET", data=None, timeout=5):
    """(status, headers, body) of one request, errors included."""
    req = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def scrape(base):
    status, headers, body = get(base + "/metrics")
    assert status == 200, (status, body)
    return body


def promtool_check(text):
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 0, "promtool: %s%s" % (r.stdout, r.stderr)


def metrics_ini(spec, ports):
    return "[switch]\ncontrol = @SOCK@\nmetrics = %s\n" % spec + bridge_ini(ports)


def two_ports(lab, spec, net="10.97.0"):
    a, ha = lab.container("a", "%s.1/24" % net)
    b, hb = lab.container("b", "%s.2/24" % net)
    v = lab.vsw(metrics_ini(spec, [("c1", "afpacket", "iface", ha),
                                   ("c2", "afpacket", "iface", hb)]))
    return a, b, v


# N minimum-size frames DST SRC (hex MACs) sent out of eth0, no answer
# expected (ethertype 0x88b5, local experimental)
SEND_FRAMES = (
    "/usr/bin/python3 -c \"import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); "
    "s.bind(('eth0', 0)); f = bytes.fromhex('%s%s88b5') + bytes(46); "
    "[s.send(f) for _ in range(%d)]\"")
UNKNOWN_DST = "020000000099"        # never learned: flooded to c2
SRC = "020000000001"
MCAST_SRC = "01005e000001"          # the bridge drops each (src_multicast)

# One way, paced: COUNT datagrams to DST:9999 at RATE a second, then print
# how many and in how long.
UDP_SENDER = (
    "/usr/bin/python3 -c \"import socket, time; s = socket.socket(socket.AF_INET, "
    "socket.SOCK_DGRAM); t0 = time.time(); n = 0\n"
    "while time.time() < t0 + %f:\n"
    "    s.sendto(bytes(100), ('%s', 9999)); n += 1\n"
    "    d = t0 + n / %f - time.time()\n"
    "    time.sleep(d) if d > 0 else None\n"
    "print(n, time.time() - t0)\"")
UDP_SINK = ("/usr/bin/python3 -c \"import socket; s = socket.socket(socket.AF_INET, "
            "socket.SOCK_DGRAM); s.bind(('', 9999))\n"
            "while True: s.recv(2048)\"")


def test_scrape_format_counters_drops_and_http(lab):
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    a, b, v = two_ports(lab, "127.0.0.1:%d" % port)

    text = scrape(base)
    promtool_check(text)
    s0 = parse(text)
    assert value(s0, "vsw_port_up", port="c1") == 1
    assert value(s0, "vsw_port_admin_up", port="c2") == 1
    assert value(s0, "vsw_bridge_ports", bridge="br0") == 2
    assert series_of(s0, "vsw_info"), text
    start = value(s0, "vsw_start_time_seconds")
    assert time.time() - 60 < start <= time.time(), start
    pools = series_of(s0, "vsw_mempool_mbufs")
    assert frozenset({("pool", "vsw_mbufs")}) in pools, pools
    # afpacket ports hold no mbufs at rest: every one is back
    assert value(s0, "vsw_mempool_mbufs", pool="vsw_mbufs") > 1000
    assert 0 <= value(s0, "vsw_mempool_mbufs_in_use", pool="vsw_mbufs") <= \
        value(s0, "vsw_mempool_mbufs", pool="vsw_mbufs")
    # no NAT table in this topology: no NAT series
    assert not series_of(s0, "vsw_nat_sessions")

    # the counters follow the traffic, one way: 50 frames in on c1, out on
    # c2 (the namespaces may add a frame or two of their own)
    lab.run(a, "ping -c 2 -i 0.2 -W 2 10.97.0.2")
    s0 = parse(scrape(base))
    lab.run(a, SEND_FRAMES % (UNKNOWN_DST, SRC, 50))
    time.sleep(0.3)
    s1 = parse(scrape(base))

    def grew(name, port):
        return value(s1, name, port=port) - value(s0, name, port=port)
    assert 50 <= grew("vsw_port_rx_packets_total", "c1") <= 53, (s0, s1)
    assert 50 * 60 <= grew("vsw_port_rx_bytes_total", "c1") <= 50 * 60 + 600
    assert 50 <= grew("vsw_port_tx_packets_total", "c2") <= 53
    assert 50 * 60 <= grew("vsw_port_tx_bytes_total", "c2") <= 50 * 60 + 600
    assert grew("vsw_port_tx_packets_total", "c1") <= 3
    assert grew("vsw_port_rx_packets_total", "c2") <= 3
    assert value(s1, "vsw_bridge_flooded_packets_total", bridge="br0") >= \
        value(s0, "vsw_bridge_flooded_packets_total", bridge="br0") + 50
    assert grew("vsw_port_tx_flood_packets_total", "c2") >= 50
    # and they agree with `show stats` at rest
    st = v.port_stats()
    for p in ("c1", "c2"):
        assert abs(st[p]["rx"] - value(s1, "vsw_port_rx_packets_total", port=p)) <= 3, st
        assert abs(st[p]["tx_bytes"] - value(s1, "vsw_port_tx_bytes_total", port=p)) <= 500
    assert value(s1, "vsw_bridge_fdb_entries", bridge="br0") >= 2
    assert value(s1, "vsw_bridge_fdb_learned_total", bridge="br0") >= 2
    assert value(s1, "vsw_bridge_fdb_full_total", bridge="br0") == 0
    ratio = value(s1, "vsw_worker_busy_ratio", worker="0")
    assert ratio is not None and 0 <= ratio <= 1
    assert value(s1, "vsw_worker_busy_iterations_total", worker="0") > 0
    assert value(s1, "vsw_worker_iterations_total", worker="0") >= \
        value(s1, "vsw_worker_busy_iterations_total", worker="0")

    # drops: none yet, then a port's every reason from its first drop on
    drops = series_of(s1, "vsw_port_drops_total")
    if st["c1"]["drops"] == 0:
        assert not [k for k in drops if ("port", "c1") in k], drops
    before = value(s1, "vsw_port_drops_total", port="c1", reason="src_multicast") or 0
    lab.run(a, SEND_FRAMES % ("ffffffffffff", MCAST_SRC, 7))
    time.sleep(0.3)
    s2 = parse(scrape(base))
    assert value(s2, "vsw_port_drops_total", port="c1", reason="src_multicast") == before + 7
    reasons = {dict(k)["reason"]: n for k, n in series_of(s2, "vsw_port_drops_total").items()
               if ("port", "c1") in k}
    assert len(reasons) > 40 and reasons["rx_runt"] == 0 and reasons["rx_nombuf"] == 0, reasons
    stats = v.ctl("show", "stats", as_json=True)
    mine = [d for d in stats["drops"] if d["port"] == "c1" and d["reason"] == "src_multicast"]
    assert mine and mine[0]["count"] == before + 7, stats["drops"]
    promtool_check(scrape(base))

    # other paths, other methods, HEAD
    status, _, body = get(base + "/other")
    assert status == 404 and "/metrics" in body
    status, _, _ = get(base + "/")
    assert status == 404
    status, headers, _ = get(base + "/metrics", method="POST", data=b"x=1")
    assert status == 405 and "GET" in headers["Allow"], (status, dict(headers))
    status, headers, _ = get(base + "/metrics", method="DELETE")
    assert status == 405
    status, headers, body = get(base + "/metrics", method="HEAD")
    assert status == 200 and body == ""
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert int(headers["Content-Length"]) > 1000
    status, _, body = get(base + "/metrics?x=1")
    assert status == 200 and "vsw_port_rx_packets_total" in body


NAT_LAB = """
[switch]
control = @SOCK@
metrics = 127.0.0.1:{port}
nat_ports = 20000-29999

[bridge docker0]
subnet = 172.17.0.0/16
gateway = 172.17.0.1
masquerade = uplink

[port c1]
kind = afpacket
iface = {c1}
bridge = docker0

[port uplink]
kind = afpacket
iface = {up}
address = 198.51.100.2/24
gateway = 198.51.100.1
"""


def test_nat_sessions_and_ports(lab):
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    c1, h1 = lab.container("c1", "172.17.0.2/16", gw="172.17.0.1")
    out, hup = lab.container("out", "198.51.100.1/24")
    v = lab.vsw(NAT_LAB.format(port=port, c1=h1, up=hup))
    s0 = parse(scrape(base))
    assert value(s0, "vsw_nat_sessions") == 0
    assert value(s0, "vsw_nat_sessions_created_total") == 0
    assert value(s0, "vsw_nat_port_range_size", address="198.51.100.2", proto="udp") == 10000
    # three UDP flows from three source ports, one ICMP echo
    for sport in (4001, 4002, 4003):
        lab.run(c1, "/usr/bin/python3 -c \"import socket; s = socket.socket(socket.AF_INET, "
                "socket.SOCK_DGRAM); s.bind(('', %d)); s.sendto(b'x', ('198.51.100.1', 9))\""
                % sport)
    lab.run(c1, "ping -c 1 -W 2 198.51.100.1")
    time.sleep(0.2)
    text = scrape(base)
    promtool_check(text)
    s1 = parse(text)
    assert value(s1, "vsw_nat_sessions") == 4, text
    assert value(s1, "vsw_nat_mappings") == 4
    assert value(s1, "vsw_nat_sessions_created_total") == 4
    assert value(s1, "vsw_nat_ports_in_use", address="198.51.100.2", proto="udp") == 3
    assert value(s1, "vsw_nat_ports_in_use", address="198.51.100.2", proto="icmp") == 1
    assert value(s1, "vsw_nat_ports_in_use", address="198.51.100.2", proto="tcp") == 0
    assert value(s1, "vsw_nat_translated_packets_total", direction="out") >= 4
    assert value(s1, "vsw_nat_translated_packets_total", direction="in") >= 1
    nat = {r["counter"]: r["value"] for r in v.ctl("show", "nat", as_json=True)["nat"]}
    assert nat["sessions"] == value(s1, "vsw_nat_sessions")
    assert nat["sessions_created"] == value(s1, "vsw_nat_sessions_created_total")
    assert value(s1, "vsw_bridge_fdb_entries", bridge="docker0") >= 1


def test_bad_clients_cannot_hold_the_control_thread(lab):
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    a, b, v = two_ports(lab, "127.0.0.1:%d" % port, net="10.97.1")
    # clients that connect and say nothing, or half a request
    idle = []
    for i in range(16):
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        if i % 2:
            c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        idle.append(c)
    time.sleep(0.3)
    # over the connection limit: closed at once, not queued
    extra = socket.create_connection(("127.0.0.1", port), timeout=3)
    extra.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
    try:
        got = extra.recv(100)   # EOF, or a reset: closed with the request unread
    except ConnectionResetError:
        got = b""
    assert got == b"", "a 17th connection was served: %r" % got
    extra.close()
    # the control thread is not held by them
    t0 = time.time()
    v.ctl("show", "ports")
    assert time.time() - t0 < 2
    lab.run(a, "ping -c 2 -i 0.2 -W 2 10.97.1.2")
    for c in idle:
        c.close()
    time.sleep(0.3)
    t0 = time.time()
    promtool_check(scrape(base))
    assert time.time() - t0 < 2
    v.stop()


def test_prometheus_scrapes_and_rate_matches_traffic(lab, tmp_path):
    port, web = free_port(), free_port()
    a, b, v = two_ports(lab, "127.0.0.1:%d" % port, net="10.97.2")
    lab.run(a, "ping -c 1 -W 2 10.97.2.2")
    pdir = tmp_path / "prometheus"
    (pdir / "data").mkdir(parents=True)
    (pdir / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        "scrape_configs:\n  - job_name: vsw\n    static_configs:\n"
        "      - targets: ['127.0.0.1:%d']\n" % port)
    api = "http://127.0.0.1:%d/api/v1/query?query=" % web

    def query(q):
        status, _, body = get(api + urllib.parse.quote(q))
        assert status == 200, body
        return json.loads(body)["data"]["result"]

    prom = subprocess.Popen([PROMETHEUS, "--config.file=%s" % (pdir / "prometheus.yml"),
                             "--storage.tsdb.path=%s" % (pdir / "data"),
                             "--web.listen-address=127.0.0.1:%d" % web, "--log.level=warn"],
                            stdout=subprocess.DEVNULL, stderr=open(pdir / "log", "w"))
    try:
        end = time.time() + 20
        while True:             # ready, and vsw's target scraped and up
            assert prom.poll() is None, (pdir / "log").read_text()
            try:
                up = query('up{job="vsw"}')
                if up and up[0]["value"][1] == "1":
                    break
            except (urllib.error.URLError, ConnectionError, AssertionError):
                pass
            assert time.time() < end, "prometheus did not scrape vsw:\n" + \
                (pdir / "log").read_text()
            time.sleep(0.3)

        # 200 UDP datagrams a second for 7 s, one way: c1 receives each,
        # and sends next to nothing
        lab.spawn(b, UDP_SINK)
        time.sleep(0.3)
        sender = lab.spawn(a, UDP_SENDER % (7.0, "10.97.2.2", 200.0))
        time.sleep(6.5)
        result = query('rate(vsw_port_rx_packets_total{port="c1"}[5s])')
        back = query('rate(vsw_port_tx_packets_total{port="c1"}[5s])')
        busy = query('vsw_worker_busy_ratio{worker="0"}')
        out, err = sender.communicate(timeout=10)
        assert sender.returncode == 0, err
        n, secs = out.split()
        sent_rate = int(n) / float(secs)
        assert result and back, "no series for c1"
        rate = float(result[0]["value"][1])
        print("prometheus rate %.1f/s, sent %.1f/s" % (rate, sent_rate))
        assert rate > 0
        assert 0.75 * sent_rate <= rate <= 1.25 * sent_rate, (rate, sent_rate)
        assert float(back[0]["value"][1]) < 0.1 * rate, back
        assert busy and 0 < float(busy[0]["value"][1]) <= 1, busy
        # every family prometheus took is one vsw exports
        names = query('count by (__name__) ({job="vsw",__name__=~"vsw_.*"})')
        got = {r["metric"]["__name__"] for r in names}
        assert {"vsw_port_rx_packets_total", "vsw_port_tx_bytes_total",
                "vsw_bridge_fdb_entries", "vsw_worker_busy_ratio",
                "vsw_mempool_mbufs_in_use", "vsw_info"} <= got, got
    finally:
        prom.terminate()
        try:
            prom.wait(timeout=10)
        except subprocess.TimeoutExpired:
            prom.kill()
            prom.wait()
        shutil.rmtree(pdir, ignore_errors=True)


def test_ipv6_listen(lab):
    if not socket.has_ipv6 or sh("ip -6 addr show dev lo | grep -q '::1/128'",
                                 check=False).returncode != 0:
        pytest.skip("no ::1 on lo")
    port = free_port()
    a, b, v = two_ports(lab, "[::1]:%d" % port, net="10.97.5")
    lab.run(a, "ping -c 2 -i 0.2 -W 2 10.97.5.2")
    text = scrape("http://[::1]:%d" % port)
    promtool_check(text)
    assert value(parse(text), "vsw_port_rx_packets_total", port="c1") >= 2
    # IPv6 only: nothing on 127.0.0.1 at that port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def unix_get(path, request=b"GET /metrics HTTP/1.0\r\nHost: vsw\r\n\r\n"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(request)
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    head, _, body = out.decode().partition("\r\n\r\n")
    return head, body


def test_unix_socket(lab, tmp_path):
    path = str(tmp_path / "m.sock")
    # a stale socket of a vsw that was killed: nobody answers, it goes
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()
    a, ha = lab.container("a", "10.97.3.1/24")
    b, hb = lab.container("b", "10.97.3.2/24")
    ports = [("c1", "afpacket", "iface", ha), ("c2", "afpacket", "iface", hb)]
    v = lab.vsw(metrics_ini(path, ports))
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666
    lab.run(a, "ping -c 3 -i 0.2 -W 2 10.97.3.2")
    head, body = unix_get(path)
    assert head.startswith("HTTP/1.0 200") or head.startswith("HTTP/1.1 200"), head
    promtool_check(body)
    assert value(parse(body), "vsw_port_rx_packets_total", port="c1") >= 3
    head, _ = unix_get(path, b"GET /nope HTTP/1.0\r\n\r\n")
    assert " 404 " in head.splitlines()[0], head
    # a peer that bound a long name (abstract: 100 bytes, more than any IP
    # address): served like any other
    peer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    peer.bind("\0vsw-metrics-test-%d-" % os.getpid() + "p" * 70)
    peer.settimeout(5)
    peer.connect(path)
    peer.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
    assert peer.recv(12).startswith(b"HTTP/1."), "named peer not served"
    peer.close()
    r = sh("curl -sf --max-time 5 --unix-socket %s http://vsw/metrics" % path)
    assert "vsw_port_tx_packets_total{port=\"c2\"}" in r.stdout
    # "unix:" before the path is the same thing; a second vsw on a path in
    # use is refused, and leaves the first one's socket alone
    v2 = lab.vsw(metrics_ini("unix:" + path, []).replace("[bridge br0]\n", ""),
                 name="vsw2", wait=False)
    assert v2.wait_exit() == 1
    assert "in use by another process" in v2.text(), v2.text()
    assert unix_get(path)[0].split()[1] == "200"
    v.stop()
    assert not os.path.exists(path), "metrics socket left behind"

    # something at the path that is not a socket is not vsw's to remove
    with open(path, "w") as f:
        f.write("keep me")
    v3 = lab.vsw(metrics_ini(path, ports), name="vsw3", wait=False)
    assert v3.wait_exit() == 1
    assert "exists and is not a socket" in v3.text(), v3.text()
    assert open(path).read() == "keep me"


@pytest.mark.parametrize("bad,why", [
    ("300.1.1.1:9", "not a numeric IPv4 address"),
    ("127.0.0.1:0", "the port is not 1 to 65535"),
    ("127.0.0.1:65536", "the port is not 1 to 65535"),
    ("nonsense", "is not HOST:PORT"),
    ("::1:9417", "not a numeric IPv4 address"),
    ("relative/m.sock", "is not HOST:PORT"),
])
def test_bad_values_are_config_errors(tmp_path, bad, why):
    ini = tmp_path / "bad.ini"
    ini.write_text("[switch]\nmetrics = %s\n[bridge br0]\n" % bad)
    r = subprocess.run([str(VSW), "--check", "-c", str(ini)], capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "%s:2:" % ini in r.stderr and "metrics" in r.stderr and why in r.stderr, r.stderr
    ini.write_text("[switch]\nmetrics = 127.0.0.1:9417\n[bridge br0]\n")
    r = subprocess.run([str(VSW), "--check", "-c", str(ini)], capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 0, r.stderr


def test_port_in_use_refuses_to_start(lab):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        a, ha = lab.container("a", "10.97.4.1/24")
        v = lab.vsw(metrics_ini("127.0.0.1:%d" % port, [("c1", "afpacket", "iface", ha)]),
                    wait=False)
        assert v.wait_exit() == 1
        log = v.text()
        assert "vsw: cannot start: [switch] metrics = 127.0.0.1:%d: cannot listen: " \
            "Address already in use" % port in log, log
        assert not os.path.exists(v.sock), "control socket left behind"
    finally:
        holder.close()
