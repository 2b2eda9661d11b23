# SPDX-License-Identifier: BSD-3-Clause
"""vsw-cni (cni/vsw-cni.c) called as a runtime calls it: CNI_* in the
environment, the network configuration on stdin, the result or the
spec's error object on stdout. Namespaces of the test's own; the outside
is a namespace behind vsw's uplink."""
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BUILD, OUTSIDE, UPLINK, UPLINK_LAB, sh

VSW_CNI = BUILD / "vsw-cni"
CNI_DIR = "/usr/lib/cni"
LAB = UPLINK_LAB + """
[bridge lab]
subnet = 10.61.0.0/24
gateway = 10.61.0.1
masquerade = uplink

[bridge other]
subnet = 10.62.0.0/24
gateway = 10.62.0.1
"""

pytestmark = pytest.mark.skipif(not VSW_CNI.exists(), reason="vsw-cni is not built")


def cni(cmd, conf, netns=None, cid="c0ffee000001", ifname="eth0", args=None, env=None,
        raw=None):
    """Run vsw-cni; (exit status, parsed stdout or None, stderr)."""
    e = {"PATH": os.environ["PATH"], "CNI_COMMAND": cmd, "CNI_CONTAINERID": cid,
         "CNI_IFNAME": ifname, "CNI_PATH": CNI_DIR}
    if netns is not None:
        e["CNI_NETNS"] = netns if netns.startswith("/") else "/run/netns/%s" % netns
    if args is not None:
        e["CNI_ARGS"] = args
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    r = subprocess.run([str(VSW_CNI)], input=raw if raw is not None else json.dumps(conf),
                       capture_output=True, text=True, env=e, timeout=30)
    try:
        out = json.loads(r.stdout) if r.stdout.strip() else None
    except ValueError:
        raise AssertionError("not JSON on stdout: %r (%s)" % (r.stdout, r.stderr))
    return r.returncode, out, r.stderr


def ok(cmd, conf, **kw):
    rc, out, err = cni(cmd, conf, **kw)
    assert rc == 0, (cmd, out, err)
    return out


def error(code, cmd, conf, **kw):
    rc, out, err = cni(cmd, conf, **kw)
    assert rc != 0 and out is not None, (cmd, rc, out, err)
    assert out["code"] == code and out["msg"] and "cniVersion" in out, (code, out)
    return out["msg"]


@pytest.fixture
def cni_lab(lab):
    out, hup = lab.container("out", "%s/24" % OUTSIDE)
    v = lab.vsw(LAB.format(up=hup))
    conf = {"cniVersion": "1.0.0", "name": "lab", "type": "vsw-cni", "socket": v.sock}
    return lab, v, out, conf


def test_version_and_add_del_check(cni_lab):
    lab, v, out, conf = cni_lab
    got = ok("VERSION", {"cniVersion": "0.4.0"})
    assert set(got["supportedVersions"]) == {"0.4.0", "1.0.0"}, got
    a, b = lab.netns("a"), lab.netns("b")
    ra = ok("ADD", conf, netns=a, cid="aaaa00000001", args="IgnoreUnknown=1;K8S_POD_NAME=pa")
    assert ra["cniVersion"] == "1.0.0"
    ifs = ra["interfaces"]
    assert len(ifs) == 2 and ifs[1]["name"] == "eth0" and ifs[1]["sandbox"] == "/run/netns/" + a
    assert "sandbox" not in ifs[0] and ifs[0]["name"].startswith("vsw"), ifs
    ip = ra["ips"][0]
    assert ip["address"].startswith("10.61.0.") and ip["address"].endswith("/24"), ip
    assert ip["gateway"] == "10.61.0.1" and ip["interface"] == 1 and "version" not in ip
    assert ra["routes"] == [{"dst": "0.0.0.0/0", "gw": "10.61.0.1"}], ra
    # what the result says is what the namespace has
    addr = ip["address"].split("/")[0]
    assert addr in lab.run(a, "ip -4 addr show dev eth0").stdout
    assert ifs[1]["mac"] in lab.run(a, "ip link show dev eth0").stdout
    assert "default via 10.61.0.1" in lab.run(a, "ip route").stdout
    # the pod's name is a name of the endpoint
    eps = v.ctl("network", "inspect", "lab", as_json=True)["endpoints"]
    mine = [e for e in eps if e["name"] == "aaaa00000001"]
    assert len(mine) == 1 and "pa" in mine[0]["aliases"], eps
    # 0.4.0: the same, ips with their version
    rb = ok("ADD", dict(conf, cniVersion="0.4.0"), netns=b, cid="bbbb00000002")
    assert rb["cniVersion"] == "0.4.0" and rb["ips"][0]["version"] == "4", rb
    addr_b = rb["ips"][0]["address"].split("/")[0]
    lab.run(a, "ping -c 1 -W 2 %s" % addr_b)
    lab.run(a, "ping -c 1 -W 2 %s" % OUTSIDE)       # out through the masquerade
    # TCP between the two, content checked (veth checksum offload)
    srv = lab.spawn(b, "sh -c 'nc -l -p 5000 > %s/rx'" % lab.tmp)
    time.sleep(0.3)
    sh("head -c 1000000 /dev/urandom > %s/tx" % lab.tmp)
    lab.run(a, "sh -c 'nc -N -w 3 %s 5000 < %s/tx'" % (addr_b, lab.tmp))
    srv.wait(timeout=10)
    assert sh("cmp %s/tx %s/rx" % (lab.tmp, lab.tmp), check=False).returncode == 0
    # ADD again (a runtime's retry): the same endpoint, the same address
    again = ok("ADD", conf, netns=a, cid="aaaa00000001", args="IgnoreUnknown=1;K8S_POD_NAME=pa")
    assert again["ips"][0]["address"] == ip["address"]
    # CHECK: with prevResult, as the runtime sends it
    ok("CHECK", dict(conf, prevResult=ra), netns=a, cid="aaaa00000001")
    wrong = json.loads(json.dumps(ra))
    wrong["ips"][0]["address"] = "10.61.0.250/24"
    assert "10.61.0.250" in error(102, "CHECK", dict(conf, prevResult=wrong), netns=a,
                                  cid="aaaa00000001")
    error(7, "CHECK", conf, netns=a, cid="aaaa00000001")           # no prevResult
    # DEL: gone from vsw, and again (idempotent)
    assert ok("DEL", conf, netns=a, cid="aaaa00000001") is None
    names = [e["name"] for e in v.ctl("network", "inspect", "lab", as_json=True)["endpoints"]]
    assert "aaaa00000001" not in names, names
    ok("DEL", conf, netns=a, cid="aaaa00000001")
    assert "not connected" in error(102, "CHECK", dict(conf, prevResult=ra), netns=a,
                                    cid="aaaa00000001")
    # DEL when the namespace is gone already, without CNI_NETNS
    sh("ip netns del %s" % b)
    ok("DEL", conf, cid="bbbb00000002")
    assert v.ctl("network", "inspect", "lab", as_json=True)["endpoints"] == []
    ports = [p["port"] for p in v.ctl("show", "ports", as_json=True)["ports"]]
    assert ports == ["uplink"], ports


def test_capabilities_ports_ips_mac_aliases(cni_lab):
    lab, v, out, conf = cni_lab
    conf = dict(conf, capabilities={"portMappings": True, "ips": True, "mac": True,
                                    "aliases": True})
    a = lab.netns("a")
    rc = {"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"},
                           {"hostPort": 9000, "containerPort": 9000, "protocol": "udp"},
                           {"hostPort": 9001, "containerPort": 9001, "protocol": "udp"}],
          "ips": ["10.61.0.77/24"], "mac": "02:00:00:61:00:77",
          "aliases": {"lab": ["web", "www"]}}
    r = ok("ADD", dict(conf, runtimeConfig=rc), netns=a, cid="cccc00000003")
    assert r["ips"][0]["address"] == "10.61.0.77/24", r
    assert r["interfaces"][1]["mac"] == "02:00:00:61:00:77", r
    eps = v.ctl("network", "inspect", "lab", as_json=True)["endpoints"]
    assert "web" in eps[0]["aliases"] and "www" in eps[0]["aliases"], eps
    rules = v.ctl("show", "publish", as_json=True)["publish"]
    assert sorted((p["proto"], p["listen"], p["to"]) for p in rules) == [
        ("tcp", "8080", "10.61.0.77:80"), ("udp", "9000-9001", "10.61.0.77:9000-9001")], rules
    srv = lab.spawn(a, "sh -c 'echo hello-cni | nc -N -l -p 80'")
    time.sleep(0.3)
    got = lab.run(out, "nc -w 3 %s 8080 </dev/null" % UPLINK, check=False).stdout
    srv.wait(timeout=10)
    assert "hello-cni" in got, (got, rules)
    ok("DEL", dict(conf, runtimeConfig=rc), netns=a, cid="cccc00000003")
    assert v.ctl("show", "publish", as_json=True)["publish"] == []
    # CNI_ARGS IP= and MAC= as the ips and mac capabilities
    r = ok("ADD", conf, netns=a, cid="cccc00000004", args="IP=10.61.0.78;MAC=02:00:00:61:00:78")
    assert r["ips"][0]["address"] == "10.61.0.78/24" and \
        r["interfaces"][1]["mac"] == "02:00:00:61:00:78", r
    ok("DEL", conf, netns=a, cid="cccc00000004")
    # a network without a way out publishes nothing: refused, nothing left
    o = dict(conf, name="other")
    msg = error(7, "ADD", dict(o, runtimeConfig={"portMappings": [
        {"hostPort": 8081, "containerPort": 80, "protocol": "tcp"}]}), netns=a, cid="dddd00000005")
    assert "masquerade" in msg
    assert v.ctl("network", "inspect", "other", as_json=True)["endpoints"] == []


def test_chain_and_delegated_ipam(cni_lab):
    """In a conflist chain: a prevResult's interfaces come first, and
    `tuning` from containernetworking-plugins runs after vsw-cni on its
    result. ipam host-local: the address from that plugin, given back at
    DEL."""
    lab, v, out, conf = cni_lab
    if not os.path.exists(CNI_DIR + "/tuning"):
        pytest.skip("containernetworking-plugins is missing")
    a = lab.netns("a")
    prev = {"cniVersion": "1.0.0", "interfaces": [{"name": "lo0"}], "ips": [], "routes": []}
    r = ok("ADD", dict(conf, prevResult=prev), netns=a, cid="eeee00000006")
    assert r["interfaces"][0] == {"name": "lo0"} and r["interfaces"][2]["name"] == "eth0"
    assert r["ips"][0]["interface"] == 2, r
    # tuning, next in the chain, on vsw-cni's result
    tconf = {"cniVersion": "1.0.0", "name": "lab", "type": "tuning",
             "sysctl": {"net.ipv4.conf.eth0.arp_filter": "1"}, "prevResult": r}
    e = dict(os.environ, CNI_COMMAND="ADD", CNI_CONTAINERID="eeee00000006",
             CNI_NETNS="/run/netns/" + a, CNI_IFNAME="eth0", CNI_PATH=CNI_DIR)
    t = subprocess.run([CNI_DIR + "/tuning"], input=json.dumps(tconf), capture_output=True,
                       text=True, env=e, timeout=30)
    assert t.returncode == 0, (t.stdout, t.stderr)
    assert json.loads(t.stdout)["ips"] == r["ips"]
    assert lab.run(a, "sysctl -n net.ipv4.conf.eth0.arp_filter").stdout.strip() == "1"
    ok("DEL", conf, netns=a, cid="eeee00000006")
    # host-local
    data = lab.tmp / "host-local"
    hl = dict(conf, ipam={"type": "host-local", "dataDir": str(data),
                          "ranges": [[{"subnet": "10.61.0.0/24", "rangeStart": "10.61.0.200",
                                       "rangeEnd": "10.61.0.210", "gateway": "10.61.0.1"}]]})
    r = ok("ADD", hl, netns=a, cid="ffff00000007")
    assert r["ips"][0]["address"] == "10.61.0.200/24", r
    assert (data / "lab" / "10.61.0.200").exists()
    ok("DEL", hl, netns=a, cid="ffff00000007")
    assert not (data / "lab" / "10.61.0.200").exists()


def test_error_paths(cni_lab):
    lab, v, out, conf = cni_lab
    a = lab.netns("a")
    assert "CNI_COMMAND" in error(4, "ADD", conf, netns=a, env={"CNI_COMMAND": None})
    assert "BOGUS" in error(4, "BOGUS", conf, netns=a)
    assert "CNI_NETNS" in error(4, "ADD", conf)
    assert "CNI_CONTAINERID" in error(4, "ADD", conf, netns=a, env={"CNI_CONTAINERID": None})
    assert "CNI_IFNAME" in error(4, "ADD", conf, netns=a, ifname="x" * 16)
    assert "not a JSON object" in error(6, "ADD", None, netns=a, raw="{not json")
    assert "0.2.0" in error(1, "ADD", dict(conf, cniVersion="0.2.0"), netns=a)
    assert "cniVersion" in error(7, "ADD", {"name": "lab"}, netns=a)
    no_name = dict(conf)
    del no_name["name"]
    assert "name" in error(7, "ADD", no_name, netns=a)
    assert "cannot reach" in error(100, "ADD", dict(conf, socket=str(lab.tmp / "no.sock")),
                                   netns=a)
    assert "cannot reach" in error(100, "DEL", dict(conf, socket=str(lab.tmp / "no.sock")),
                                   netns=a)
    assert "nosuch" in error(7, "ADD", dict(conf, network="nosuch"), netns=a)
    # vsw's own refusals, with its reason
    assert "10.9.9.9" in error(101, "ADD", dict(conf, runtimeConfig={"ips": ["10.9.9.9/24"]}),
                               netns=a)
    assert "no-such-ns" in error(101, "ADD", conf, netns="/run/netns/no-such-ns")
    # CNI_ARGS: an unknown key unless IgnoreUnknown=1
    assert "FOO" in error(4, "ADD", conf, netns=a, args="FOO=1")
    assert "KEY=VALUE" in error(4, "ADD", conf, netns=a, args="junk")
    assert "sctp" in error(7, "ADD", dict(conf, runtimeConfig={"portMappings": [
        {"hostPort": 1, "containerPort": 1, "protocol": "sctp"}]}), netns=a)
    assert "hostIP" in error(7, "ADD", dict(conf, runtimeConfig={"portMappings": [
        {"hostPort": 80, "containerPort": 80, "protocol": "tcp", "hostIP": "10.1.1.1"}]}), netns=a)
    assert "nosuchipam" in error(7, "ADD", dict(conf, ipam={"type": "nosuchipam"}), netns=a)
    assert "../x" in error(7, "ADD", dict(conf, ipam={"type": "../x"}), netns=a)
    # a failing delegated IPAM: its message passed on
    assert "host-local" in error(103, "ADD", dict(conf, ipam={"type": "host-local"}), netns=a)
    # nothing of all that is left in vsw
    assert v.ctl("network", "inspect", "lab", as_json=True)["endpoints"] == []
    assert v.ctl("show", "publish", as_json=True)["publish"] == []
    ok("ADD", conf, netns=a, args="IgnoreUnknown=1;FOO=1")
    ok("DEL", conf, netns=a)
