# SPDX-License-Identifier: BSD-3-Clause
"""Published ports added and removed at run time (vswctl publish add|del,
show publish) while traffic flows: the NAT lab of test_router_nat.py
(containers c1 and c2 on docker0, masqueraded through the uplink; the
"outside" namespace holds the uplink's gateway and a remote server)."""
import hashlib
import os
import time

UPLINK_IP = "198.51.100.2"
OUT_IP = "198.51.100.1"
SERVER = "203.0.113.10"

LAB = """
[switch]
control = @SOCK@

[bridge docker0]
subnet = 172.17.0.0/16
gateway = 172.17.0.1
masquerade = uplink

[bridge plain]
subnet = 172.20.0.0/16
gateway = 172.20.0.1

[port c1]
kind = afpacket
iface = {c1}
bridge = docker0

[port c2]
kind = afpacket
iface = {c2}
bridge = docker0

[port spare]
kind = afpacket
iface = {sp}
bridge = docker0

[port uplink]
kind = afpacket
iface = {up}
address = 198.51.100.2/24
gateway = 198.51.100.1

[publish dns]
port = uplink
proto = udp
listen = 5353
to = 172.17.0.3:53
"""

# answers every GET with a fixed text and the client address it saw
WHOAMI = """
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("vsw-publish-test %s" % self.client_address[0]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
class S(http.server.ThreadingHTTPServer):
    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
s = S(("0.0.0.0", int(sys.argv[1])), H)
print("listening", flush=True)
s.serve_forever()
"""

# a paced TCP stream: 64 KiB every 50 ms, then waits for the peer to close
PACED = """
import socket, sys, time
d = open(sys.argv[3], "rb").read()
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
print("connected", flush=True)
for i in range(0, len(d), 65536):
    s.sendall(d[i:i + 65536])
    time.sleep(0.05)
s.shutdown(socket.SHUT_WR)
s.recv(1)
"""


def fetch(lab, ns, url, check):
    return lab.run(ns, "curl -s --max-time 2 %s" % url, check=check)


def rules(v):
    return {r["name"]: r for r in v.ctl("show", "publish", as_json=True)["publish"]}


def refused(v, *args):
    r = v.ctl(*args, check=False)
    assert r.returncode != 0, r.stdout
    return r.stdout + r.stderr


def test_publish_add_del_while_a_stream_flows(lab):
    c1, h1 = lab.container("c1", "172.17.0.2/16", gw="172.17.0.1")
    c2, h2 = lab.container("c2", "172.17.0.3/16", gw="172.17.0.1")
    out, hup = lab.container("out", "198.51.100.1/24")
    lab.run(out, "ip addr add %s/32 dev lo" % SERVER)
    _, hsp = lab.container("sp", "172.17.0.9/16")
    v = lab.vsw(LAB.format(c1=h1, c2=h2, sp=hsp, up=hup))
    # a slot removed at run time: the running topology has a hole
    v.ctl("port", "del", "spare")
    url = "http://%s:8080/" % UPLINK_IP

    script = lab.tmp / "whoami.py"
    script.write_text(WHOAMI)
    logf = lab.tmp / "whoami.log"
    lab.spawn(c1, "sh -c 'exec /usr/bin/python3 -u %s 8080 > %s 2>&1'" % (script, logf))
    for _ in range(50):
        if logf.exists() and "listening" in logf.read_text():
            break
        time.sleep(0.1)
    # before: the file's rule only, and port 8080 is not reachable
    assert list(rules(v)) == ["dns"]
    assert rules(v)["dns"]["to"] == "172.17.0.3:53"
    assert fetch(lab, out, url, check=False).returncode != 0

    # a stream from c2 to the outside through NAT, across add and del
    blob = os.urandom(240 * 65536)         # 12 s at the pace
    (lab.tmp / "tx.bin").write_bytes(blob)
    (lab.tmp / "paced.py").write_text(PACED)
    rx = lab.tmp / "rx.bin"
    server = lab.spawn(out, "sh -c 'nc -l -N %s 5002 > %s'" % (SERVER, rx))
    time.sleep(0.3)
    client = lab.spawn(c2, "/usr/bin/python3 %s %s 5002 %s" %
                       (lab.tmp / "paced.py", SERVER, lab.tmp / "tx.bin"))
    time.sleep(1)

    def stream_session():
        return [s for s in v.ctl("show", "sessions", as_json=True)["sessions"]
                if s["remote"] == "%s:5002" % SERVER]

    before = stream_session()
    assert len(before) == 1, before

    r = v.ctl("publish", "add", "web", "port=uplink", "proto=tcp", "listen=8080",
              "to=172.17.0.2:8080")
    assert "web" in r.stdout
    # reachable at once; the container sees the real client
    assert fetch(lab, out, url, check=True).stdout == "vsw-publish-test %s" % OUT_IP
    web = rules(v)["web"]
    assert (web["port"], web["proto"], web["listen"], web["to"]) == \
        ("uplink", "tcp", "8080", "172.17.0.2:8080")
    assert web["sessions"] >= 1
    # the same rule again: OK, idempotent; nothing else changes
    v.ctl("publish", "add", "web", "port=uplink", "proto=tcp", "listen=8080",
          "to=172.17.0.2:8080")

    # bad commands: refused with the reason, nothing changed
    table = rules(v)
    assert "unknown key" in refused(v, "publish", "add", "x", "port=uplink", "proto=tcp",
                                    "listen=9000", "to=172.17.0.2:80", "colour=red")
    assert "port c1 is not a routed port" in refused(
        v, "publish", "add", "x", "port=c1", "proto=tcp", "listen=9000", "to=172.17.0.2:80")
    assert "overlaps [publish web]" in refused(
        v, "publish", "add", "x", "port=uplink", "proto=tcp", "listen=8000-8100",
        "to=172.17.0.2:8000-8100")
    assert "in no network masqueraded through port uplink" in refused(
        v, "publish", "add", "x", "port=uplink", "proto=tcp", "listen=9000",
        "to=172.20.0.2:80")
    assert "publish web exists" in refused(
        v, "publish", "add", "web", "port=uplink", "proto=tcp", "listen=8081",
        "to=172.17.0.2:8080")
    assert "no publish rule named 'nope'" in refused(v, "publish", "del", "nope")
    assert rules(v) == table
    assert fetch(lab, out, url, check=True).stdout.startswith("vsw-publish-test")

    # del: unreachable again, its sessions gone, the stream's session stays
    assert client.poll() is None, "the stream ended before the del"
    r = v.ctl("publish", "del", "web")
    assert "removed" in r.stdout
    assert fetch(lab, out, url, check=False).returncode != 0
    sessions = v.ctl("show", "sessions", as_json=True)["sessions"]
    assert not [s for s in sessions if s["outside"] == "%s:8080" % UPLINK_IP], sessions
    after = stream_session()
    assert [s["outside"] for s in after] == [s["outside"] for s in before]
    assert list(rules(v)) == ["dns"]

    # re-add works, and the stream went through it all unharmed
    v.ctl("publish", "add", "web", "port=uplink", "proto=tcp", "listen=8080",
          "to=172.17.0.2:8080")
    assert fetch(lab, out, url, check=True).stdout == "vsw-publish-test %s" % OUT_IP
    client.wait(timeout=30)
    server.wait(timeout=10)
    assert client.returncode == 0
    got = rx.read_bytes()
    assert len(got) == len(blob)
    assert hashlib.sha256(got).digest() == hashlib.sha256(blob).digest()
    v.stop()
