# SPDX-License-Identifier: BSD-3-Clause
"""vswctl connect / disconnect: endpoints made in namespaces (veth, address
from vsw's IPAM, default route, MTU), traffic between them and out
through NAT, churn under traffic, the IPAM never handing out an address
twice, the state file across kill -9, and refused commands."""
import json
import os
import random
import signal
import subprocess
import time

LAB = """
[switch]
control = @SOCK@

[bridge net1]
subnet = 10.60.0.0/24
gateway = 10.60.0.1
masquerade = uplink
mtu = 1450

[bridge small]
subnet = 10.61.0.0/28
gateway = 10.61.0.1

[port uplink]
kind = afpacket
iface = {up}
address = 198.51.100.2/24
gateway = 198.51.100.1
"""
SERVER = "203.0.113.10"


def refused(v, *args):
    r = v.ctl(*args, check=False)
    assert r.returncode != 0, "accepted: %s\n%s" % (" ".join(args), r.stdout)
    return r.stdout + r.stderr


def endpoint(v, *args):
    return v.ctl("connect", *args, as_json=True)["endpoint"][0]


def addr_in(lab, ns, ifname="eth0"):
    out = lab.run(ns, "ip -j addr show dev %s" % ifname).stdout
    info = json.loads(out)[0]
    return [a["local"] + "/" + str(a["prefixlen"]) for a in info["addr_info"]
            if a["family"] == "inet"], info["mtu"], info["address"]


def test_connect_two_namespaces_and_out(lab):
    out, hup = lab.container("out", "198.51.100.1/24")
    lab.run(out, "ip addr add %s/32 dev lo" % SERVER)
    v = lab.vsw(LAB.format(up=hup))
    a = lab.netns("a")
    b = lab.netns("b")
    ea = endpoint(v, "net1", "--netns", a, "--name", "web", "--alias", "www")
    eb = endpoint(v, "net1", "--netns", b, "--ip", "10.60.0.50", "--mac", "02:42:0a:3c:00:32",
                  "--ifname", "eth1")
    assert ea["ip"] == "10.60.0.2/24" and ea["gateway"] == "10.60.0.1"
    assert ea["endpoint"] == "net1.web" and ea["name"] == "web"
    assert eb["ip"] == "10.60.0.50/24" and eb["ifname"] == "eth1"
    assert eb["mac"] == "02:42:0a:3c:00:32"
    # what the kernel has: address, MTU, MAC, default route
    assert addr_in(lab, a) [0] == ["10.60.0.2/24"]
    assert addr_in(lab, b, "eth1") == (["10.60.0.50/24"], 1450, "02:42:0a:3c:00:32")
    assert "default via 10.60.0.1" in lab.run(a, "ip route").stdout
    # the host end: a switch port, not a host interface
    assert open("/proc/sys/net/ipv4/conf/%s/arp_ignore" % ea["host_iface"]).read().strip() == "8"
    # the same connect again is OK; other asks are refused by name
    again = endpoint(v, "net1", "--netns", a, "--name", "web", "--alias", "www")
    assert again["endpoint"] == ea["endpoint"]
    assert "net1.web" in refused(v, "connect", "net1", "--netns", a, "--ip", "10.60.0.9")

    lab.run(a, "ping -c 2 -i 0.2 -W 2 10.60.0.50")
    lab.run(b, "ping -c 2 -i 0.2 -W 2 10.60.0.1")
    # TCP between them, and out through NAT (partial checksums on veth)
    for dst_ns, dst, port in ((b, "10.60.0.50", 5001), (out, SERVER, 5002)):
        blob = os.urandom(3 << 20)
        tx = lab.tmp / ("tx%d" % port)
        rx = lab.tmp / ("rx%d" % port)
        tx.write_bytes(blob)
        srv = lab.spawn(dst_ns, "sh -c 'nc -l -N %s %d > %s'" % (dst, port, rx))
        time.sleep(0.3)
        lab.run(a, "sh -c 'nc -N %s %d < %s'" % (dst, port, tx), timeout=30)
        srv.wait(timeout=30)
        assert rx.read_bytes() == blob, port

    ins = v.ctl("network", "inspect", "net1", as_json=True)
    eps = {e["endpoint"]: e for e in ins["endpoints"]}
    assert eps["net1.web"]["ip"] == "10.60.0.2/24" and eps["net1.web"]["aliases"] == "www"
    assert eps["net1.web"]["netns"] == a

    # disconnect: the port, the veth and the address go
    v.ctl("disconnect", "net1", "--name", "web")
    assert ea["host_iface"] not in lab.run(a, "ip link").stdout
    assert subprocess.run(["ip", "link", "show", ea["host_iface"]],
                          capture_output=True).returncode != 0
    assert "not connected" in refused(v, "disconnect", "net1", "--netns", a)
    # next-fit: the next address is not the one just freed
    ec = endpoint(v, "net1", "--netns", a)
    assert ec["ip"] == "10.60.0.3/24", ec
    v.stop()


def test_bad_connects_change_nothing(lab):
    out, hup = lab.container("out", "198.51.100.1/24")
    v = lab.vsw(LAB.format(up=hup))
    a = lab.netns("a")
    endpoint(v, "net1", "--netns", a)
    v.ctl("network", "create", "l2", "--subnet", "none")
    before = (v.ctl("show", "ports", as_json=True), v.ctl("network", "ls", as_json=True))
    links = lab.run(a, "ip -o link").stdout
    host_links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    c = lab.netns("c")
    for args, why in [
        (("connect", "nosuch", "--netns", c), "no network"),
        (("connect", "net1"), "--netns is missing"),
        (("connect", "net1", "--netns", "vsw-no-such-ns"), "vsw-no-such-ns"),
        (("connect", "net1", "--netns", c, "--ip", "10.60.0.1"), "gateway"),
        (("connect", "net1", "--netns", c, "--ip", "10.60.0.2"), "in use"),
        (("connect", "net1", "--netns", c, "--ip", "10.9.9.9"), "outside"),
        (("connect", "net1", "--netns", c, "--ip", "nonsense"), "--ip"),
        (("connect", "net1", "--netns", c, "--mac", "01:00:5e:00:00:01"), "unicast"),
        (("connect", "net1", "--netns", c, "--ifname", "a/b"), "a/b"),
        (("connect", "net1", "--netns", c, "--ifname", "x" * 20), "x" * 20),
        (("connect", "net1", "--netns", c, "--name", "-bad"), "name"),
        (("connect", "net1", "--netns", c, "--colour", "blue"), "unknown option"),
        (("connect", "net1", "--netns", c, "--alias") , "needs a value"),
        (("connect", "net1", "--netns", c) + ("--alias", "a") * 9, "more than 8"),
        (("connect", "l2", "--netns", c), "no subnet"),
        (("disconnect", "net1", "--netns", c), "not connected"),
        (("disconnect", "net1"), "usage"),
    ]:
        text = refused(v, *args)
        assert why in text, (args, text)
        assert (v.ctl("show", "ports", as_json=True),
                v.ctl("network", "ls", as_json=True)) == before, args
        assert lab.run(c, "ip -o link").stdout.count("\n") == 1, args   # lo only
    assert lab.run(a, "ip -o link").stdout == links
    now = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert now.count("\n") == host_links.count("\n")
    # a full network: /28 has 13 addresses after the gateway
    ns = [lab.netns("s%d" % i) for i in range(14)]
    for n in ns[:13]:
        endpoint(v, "small", "--netns", n)
    text = refused(v, "connect", "small", "--netns", ns[13])
    assert "small" in text
    v.stop()


def ping_loss(p):
    out, _ = p.communicate(timeout=60)
    sent = int(out.split(" packets transmitted")[0].split()[-1])
    got = int(out.split(" received")[0].split()[-1])
    return sent, got


def test_churn_and_ipam_under_traffic(lab):
    """connect/disconnect cycles while a ping flood and a TCP stream run
    between two other endpoints; random operations with no address ever
    held twice, checked against the namespaces themselves."""
    out, hup = lab.container("out", "198.51.100.1/24")
    v = lab.vsw(LAB.format(up=hup))
    x = lab.netns("x")
    y = lab.netns("y")
    endpoint(v, "net1", "--netns", x, "--ip", "10.60.0.200")
    endpoint(v, "net1", "--netns", y, "--ip", "10.60.0.201")
    lab.run(x, "ping -c 1 -W 2 10.60.0.201")
    blob = os.urandom(24 << 20)
    tx, rx = lab.tmp / "tx", lab.tmp / "rx"
    tx.write_bytes(blob)
    srv = lab.spawn(y, "sh -c 'nc -l -N 10.60.0.201 5003 > %s'" % rx)
    time.sleep(0.3)
    (lab.tmp / "paced.py").write_text(
        "import socket,sys,time\n"
        "d=open(sys.argv[1],'rb').read()\n"
        "s=socket.create_connection(('10.60.0.201',5003))\n"
        "for i in range(0,len(d),1<<16):\n"
        "    s.sendall(d[i:i+(1<<16)]); time.sleep(0.004)\n"
        "s.shutdown(socket.SHUT_WR); s.recv(1)\n")
    cl = lab.spawn(x, "/usr/bin/python3 %s %s" % (lab.tmp / "paced.py", tx))
    ping = lab.spawn(x, "ping -q -i 0.002 -W 2 10.60.0.201")

    cycles = int(os.environ.get("VSW_CONNECT_CYCLES", "1000"))
    pool = [lab.netns("p%d" % i) for i in range(8)]
    t0 = time.time()
    for i in range(cycles):
        n = pool[i % len(pool)]
        endpoint(v, "net1", "--netns", n)
        v.ctl("disconnect", "net1", "--netns", n)
    churn_s = time.time() - t0
    print("%d connect/disconnect cycles in %.1f s" % (cycles, churn_s))

    # random operations; an address is never held twice (issue 11 asks
    # for 10,000: the first 1000 under the flood and the stream, the rest
    # after them)
    rnd = random.Random(7)
    held = {}
    ops = int(os.environ.get("VSW_IPAM_OPS", "10000"))

    def random_ops(first, last):
        for k in range(first, last):
            n = rnd.choice(pool)
            if n in held:
                v.ctl("disconnect", "net1", "--netns", n)
                del held[n]
            else:
                held[n] = endpoint(v, "net1", "--netns", n)["ip"]
                assert list(held.values()).count(held[n]) == 1, (k, held)
            if k % 97 == 0:
                for m, ip in held.items():
                    assert addr_in(lab, m)[0] == [ip], (k, m)
        eps = v.ctl("network", "inspect", "net1", as_json=True)["endpoints"]
        ips = [e["ip"] for e in eps]
        assert len(ips) == len(set(ips))
        assert len(eps) == len(held) + 2

    random_ops(0, min(ops, 1000))

    assert cl.wait(timeout=120) == 0
    srv.wait(timeout=30)
    assert rx.read_bytes() == blob
    time.sleep(0.5)
    ping.send_signal(signal.SIGINT)
    sent, got = ping_loss(ping)
    # vsw loses none; the kernel may drop from a full AF_PACKET ring while
    # the worker waits for a CPU on this 2-core machine: counted there
    st = v.port_stats()
    kernel = sum(p["rx_kernel_drops"] for p in st.values())
    assert sent > 1000 and sent - got <= kernel, "lost %d of %d pings, %d kernel drops" % (
        sent - got, sent, kernel)
    t0 = time.time()
    random_ops(min(ops, 1000), ops)
    print("%d random connect/disconnect operations, %d after the traffic in %.1f s"
          % (ops, max(ops - 1000, 0), time.time() - t0))
    for n in list(held):
        v.ctl("disconnect", "net1", "--netns", n)
    v.stop()   # every mbuf back


def test_state_survives_kill_9(lab):
    out, hup = lab.container("out", "198.51.100.1/24")
    lab.run(out, "ip addr add %s/32 dev lo" % SERVER)
    v = lab.vsw(LAB.format(up=hup), name="st")
    a, b, c = lab.netns("a"), lab.netns("b"), lab.netns("c")
    v.ctl("network", "create", "rt", "--subnet", "10.62.0.0/24", "--masquerade", "uplink")
    ea = endpoint(v, "rt", "--netns", a, "--name", "a1")
    eb = endpoint(v, "rt", "--netns", b)
    endpoint(v, "net1", "--netns", c)
    v.ctl("disconnect", "net1", "--netns", c)
    v.ctl("publish", "add", "web", "port=uplink", "proto=tcp", "listen=8080",
          "to=%s:80" % ea["ip"].split("/")[0])
    state = v.dir / "ctl.state"
    text = state.read_text()
    assert text.startswith("# vsw state 1") and text.rstrip().endswith("# end")
    assert "[bridge rt]" in text and "[port rt.a1]" in text and "net1." not in text
    assert "[publish web]" in text
    lab.run(a, "ping -c 1 -W 2 %s" % eb["ip"].split("/")[0])

    v.proc.send_signal(signal.SIGKILL)
    v.proc.wait()
    v2 = lab.vsw(LAB.format(up=hup), name="st")
    assert "rt" in {n["network"] for n in v2.ctl("network", "ls", as_json=True)["networks"]}
    eps = {e["endpoint"]: e for e in v2.ctl("network", "inspect", "rt", as_json=True)["endpoints"]}
    assert eps["rt.a1"]["ip"] == ea["ip"] and eps["rt.a1"]["netns"] == a
    lab.run(a, "ping -c 2 -i 0.2 -W 2 %s" % eb["ip"].split("/")[0])
    lab.run(b, "ping -c 1 -W 2 %s" % SERVER)   # out through NAT again
    pubs = v2.ctl("show", "publish", as_json=True)["publish"]
    assert [p["name"] for p in pubs] == ["web"], pubs
    srv = lab.spawn(a, "sh -c 'echo published | nc -l -N -q 1 0.0.0.0 80'")
    time.sleep(0.3)
    got = lab.run(out, "nc -N -w 3 198.51.100.2 8080 </dev/null", check=False).stdout
    srv.wait(timeout=10)
    assert "published" in got, got
    # a fresh connect never gets an address in use
    ec = endpoint(v2, "rt", "--netns", c)
    assert ec["ip"] not in (ea["ip"], eb["ip"])
    # a SIGHUP keeps what was made at run time
    v2.proc.send_signal(signal.SIGHUP)
    for _ in range(100):
        if "SIGHUP: " in v2.text() and "applied" in v2.text():
            break
        time.sleep(0.05)
    assert "applied: 0 changes" in v2.text(), v2.text()
    assert len(v2.ctl("network", "inspect", "rt", as_json=True)["endpoints"]) == 3
    v2.stop()

    # a namespace gone while vsw was down: its endpoint is dropped, said so
    lab.namespaces.remove(b)
    subprocess.run(["ip", "netns", "del", b], check=True)
    v3 = lab.vsw(LAB.format(up=hup), name="st")
    assert "endpoint rt.%s" % b.split("/")[-1] in v3.text() or "is gone" in v3.text()
    assert len(v3.ctl("network", "inspect", "rt", as_json=True)["endpoints"]) == 2
    v3.stop()

    # a state file cut short: vsw does not start, and says what to do
    text = state.read_text()
    state.write_text(text[: len(text) // 2])
    bad = lab.vsw(LAB.format(up=hup), name="st", wait=False)
    assert bad.wait_exit() != 0
    assert "move it away" in bad.text(), bad.text()
