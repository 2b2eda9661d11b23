# SPDX-License-Identifier: BSD-3-Clause
"""End to end: vsw as docker0 - a gateway, masquerade and published ports.

Containers c1 and c2 sit on docker0 (172.17.0.0/16); the "outside" is a
namespace holding 198.51.100.1 (vsw's uplink gateway) and 203.0.113.10-11
(remote servers) on its loopback."""
import time

import pytest
from test_foundation import tcp_transfer

UPLINK_IP = "198.51.100.2"
OUT_IP = "198.51.100.1"
SERVER = "203.0.113.10"

LAB = """
[switch]
control = @SOCK@
nat_timeout_udp = 60

[bridge docker0]
subnet = 172.17.0.0/16
gateway = 172.17.0.1
masquerade = uplink

[bridge docker1]
subnet = 172.18.0.0/16
gateway = 172.18.0.1
masquerade = uplink

[port c1]
kind = afpacket
iface = {c1}
bridge = docker0

[port c2]
kind = afpacket
iface = {c2}
bridge = docker0

[port c3]
kind = afpacket
iface = {c3}
bridge = docker1

[port uplink]
kind = afpacket
iface = {up}
address = 198.51.100.2/24
gateway = 198.51.100.1

[publish web]
port = uplink
proto = tcp
listen = 8080
to = 172.17.0.2:80
"""


@pytest.fixture
def nat_lab(lab):
    c1, h1 = lab.container("c1", "172.17.0.2/16", gw="172.17.0.1")
    c2, h2 = lab.container("c2", "172.17.0.3/16", gw="172.17.0.1")
    c3, h3 = lab.container("c3", "172.18.0.2/16", gw="172.18.0.1")
    out, hup = lab.container("out", "198.51.100.1/24")
    for ip in ("203.0.113.10/32", "203.0.113.11/32"):
        lab.run(out, "ip addr add %s dev lo" % ip)
    v = lab.vsw(LAB.format(c1=h1, c2=h2, c3=h3, up=hup))
    lab.names = {"c1": c1, "c2": c2, "c3": c3, "out": out}
    return lab, v


HTTP_SERVER = """
import http.server, socketserver, sys
class Server(http.server.ThreadingHTTPServer):
    def server_bind(self):
        # no reverse DNS lookup of our own address (HTTPServer's getfqdn):
        # in a namespace with a default route it waits for a resolver
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
s = Server((sys.argv[1], int(sys.argv[2])), http.server.SimpleHTTPRequestHandler)
print("listening", flush=True)
s.serve_forever()
"""


def http_server(lab, ns, addr, port):
    """An HTTP server; its log lines (with client addresses) go to a file."""
    logf = lab.tmp / ("http-%s-%d.log" % (ns, port))
    script = lab.tmp / "http_server.py"
    script.write_text(HTTP_SERVER)
    p = lab.spawn(ns, "sh -c 'cd /tmp && exec /usr/bin/python3 -u %s %s %d > %s 2>&1'"
                  % (script, addr, port, logf))
    for _ in range(50):         # it prints a line once it listens
        if logf.exists() and logf.read_text():
            break
        time.sleep(0.1)
    return p, logf


def test_container_reaches_outside_through_masquerade(nat_lab):
    lab, v = nat_lab
    c1, out = lab.names["c1"], lab.names["out"]
    srv, logf = http_server(lab, out, SERVER, 8000)
    r = lab.run(c1, "curl -s -o /dev/null -w '%%{http_code}' --max-time 10 http://%s:8000/"
                % SERVER)
    assert r.stdout == "200"
    # the server saw the uplink address, not the container's
    assert UPLINK_IP in logf.read_text(), logf.read_text()
    assert "172.17.0.2" not in logf.read_text()
    # ping through NAT
    lab.run(c1, "ping -c 3 -i 0.2 -W 2 %s" % SERVER)
    # UDP request/response
    echo = lab.spawn(out, "/usr/bin/python3 -c \"import socket; s=socket.socket(socket.AF_INET,"
                     "socket.SOCK_DGRAM); s.bind(('%s', 7007)); d,a=s.recvfrom(100); "
                     "s.sendto(d.upper()+a[0].encode(), a)\"" % SERVER)
    time.sleep(0.5)
    r = lab.run(c1, "/usr/bin/python3 -c \"import socket; s=socket.socket(socket.AF_INET,"
                "socket.SOCK_DGRAM); s.settimeout(3); s.sendto(b'hello', ('%s', 7007)); "
                "print(s.recv(100).decode())\"" % SERVER)
    assert r.stdout.strip() == "HELLO" + UPLINK_IP
    echo.wait(timeout=5)
    # TCP with offloads on through NAT: partial checksums and super-frames
    tcp_transfer(lab, c1, out, SERVER, size=8 << 20, port=5001)
    sessions = v.ctl("show", "sessions", as_json=True)["sessions"]
    assert any(s["remote"] == "%s:8000" % SERVER and s["inside"].startswith("172.17.0.2:")
               and s["outside"].startswith(UPLINK_IP) for s in sessions), sessions
    nat = {row["counter"]: row["value"] for row in v.ctl("show", "nat", as_json=True)["nat"]}
    assert nat["translated_out"] > 0 and nat["translated_in"] > 0
    srv.kill()
    v.stop()


def test_published_port_sees_real_client_and_hairpin(nat_lab):
    lab, v = nat_lab
    c1, c2, out = lab.names["c1"], lab.names["c2"], lab.names["out"]
    srv, logf = http_server(lab, c1, "0.0.0.0", 80)
    r = lab.run(out, "curl -s -o /dev/null -w '%%{http_code}' --max-time 10 "
                "http://%s:8080/" % UPLINK_IP)
    assert r.stdout == "200"
    # the container saw the real client, no proxy in between
    assert OUT_IP in logf.read_text(), logf.read_text()
    # hairpin: c2 uses the published address and gets the page too
    r = lab.run(c2, "curl -s -o /dev/null -w '%%{http_code}' --max-time 10 "
                "http://%s:8080/" % UPLINK_IP)
    assert r.stdout == "200"
    nat = {row["counter"]: row["value"] for row in v.ctl("show", "nat", as_json=True)["nat"]}
    assert nat["hairpin"] > 0
    # a bulk TCP stream in through the published port
    srv.kill()
    srv.wait()
    tcp_server = lab.spawn(c1, "sh -c 'nc -l -N 80 > %s'" % (lab.tmp / "pub.bin"))
    time.sleep(0.3)
    blob = lab.tmp / "pub-src.bin"
    blob.write_bytes(bytes(range(256)) * 16384)
    lab.run(out, "sh -c 'nc -N -w 10 %s 8080 < %s'" % (UPLINK_IP, blob))
    tcp_server.wait(timeout=20)
    assert (lab.tmp / "pub.bin").read_bytes() == blob.read_bytes()
    v.stop()


def test_what_must_not_pass(nat_lab):
    lab, v = nat_lab
    c1, c3, out = lab.names["c1"], lab.names["c3"], lab.names["out"]
    # TTL expiry: time exceeded from the gateway
    r = lab.run(c1, "ping -c 1 -t 1 -W 2 %s" % SERVER, check=False)
    assert "Time to live exceeded" in r.stdout and "172.17.0.1" in r.stdout, r.stdout
    # isolated bridges: docker0 and docker1 do not reach each other...
    assert lab.run(c1, "ping -c 2 -i 0.2 -W 1 172.18.0.2", check=False).returncode != 0
    # ...but both go out
    lab.run(c3, "ping -c 1 -W 2 %s" % SERVER)
    # the outside cannot reach a container's inside address, whatever its routes
    lab.run(out, "ip route add 172.17.0.0/16 via %s" % UPLINK_IP)
    assert lab.run(out, "ping -c 2 -i 0.2 -W 1 172.17.0.2", check=False).returncode != 0
    # nor reach unpublished ports
    assert lab.run(out, "curl -s --max-time 2 http://%s:9999/" % UPLINK_IP,
                   check=False).returncode != 0
    drops = {(d["port"], d["reason"]): d["count"]
             for d in v.ctl("show", "stats", as_json=True)["drops"]}
    assert drops.get(("uplink", "nat_direct_inside"), 0) >= 2
    assert drops.get(("c1", "ip_isolated"), 0) >= 2
    assert drops.get(("uplink", "nat_no_mapping"), 0) >= 1
    v.stop()


def test_endpoint_independent_mapping(nat_lab):
    """One inside port to two destinations leaves through one external port."""
    lab, v = nat_lab
    c1, out = lab.names["c1"], lab.names["out"]
    cap = lab.spawn(out, "tcpdump -i eth0 -n -w %s udp port 9" % (lab.tmp / "eim.pcap"))
    time.sleep(1)
    lab.run(c1, "/usr/bin/python3 -c \"from scapy.all import *; conf.verb=0; "
                "s=conf.L3socket(); "
                "[s.send(IP(dst=d)/UDP(sport=33333, dport=9)/Raw(b'x')) for d in "
                "('203.0.113.10','203.0.113.11','203.0.113.10')]\"")
    time.sleep(1)
    cap.terminate()
    cap.wait(timeout=10)
    from scapy.all import rdpcap, UDP, IP
    pkts = [p for p in rdpcap(str(lab.tmp / "eim.pcap")) if UDP in p]
    assert len(pkts) == 3
    assert {p[IP].dst for p in pkts} == {"203.0.113.10", "203.0.113.11"}
    assert {p[IP].src for p in pkts} == {UPLINK_IP}
    assert len({p[UDP].sport for p in pkts}) == 1, [p[UDP].sport for p in pkts]
    # and the port was kept, since it was free
    assert pkts[0][UDP].sport == 33333
    v.stop()


def test_vswctl_l3_views(nat_lab):
    lab, v = nat_lab
    c1 = lab.names["c1"]
    lab.run(c1, "ping -c 1 -W 2 %s" % SERVER)
    routes = v.ctl("show", "routes", as_json=True)
    assert {"prefix": "0.0.0.0/0", "via": OUT_IP, "interface": "uplink",
            "kind": "default"} in routes["routes"]
    ifs = {i["interface"]: i for i in routes["interfaces"]}
    assert ifs["docker0"]["address"] == "172.17.0.1/16" and ifs["uplink"]["nat"] == "outside"
    neigh = v.ctl("show", "neighbors", as_json=True)["neighbors"]
    assert any(n["address"] == OUT_IP and n["state"] == "reachable" for n in neigh)
    assert any(n["address"] == "172.17.0.2" for n in neigh)
    text = v.ctl("show", "sessions").stdout
    assert "icmp" in text and SERVER in text
    v.stop()
