# SPDX-License-Identifier: BSD-3-Clause
"""A picture of the topology (config/topology_dot.h): `vsw --check --draw
FILE.svg|FILE.dot` for a file, `vswctl show topology [--format dot|svg|text]`
for a running vsw, drawn by Debian's graphviz."""
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

from conftest import VSW, sh

SVG_NS = "{http://www.w3.org/2000/svg}"

# two networks (one masqueraded out of the uplink), a publish rule, a
# macvlan network on the uplink; --check opens none of these interfaces.
# A tap name with a quote and a backslash: DOT must escape both.
ODD_IFACE = 'vt"q\\x'
FILE_INI = r"""
[switch]
control = /run/vsw/draw-test-unused.sock

[bridge docker0]
subnet = 172.17.0.0/16
gateway = 172.17.0.1
masquerade = uplink

[bridge backend]
subnet = 10.66.0.0/24
gateway = 10.66.0.1

[macvlan lan]
parent = uplink.10
mode = bridge

[port uplink]
kind = afpacket
iface = veth-up
address = 198.51.100.2/24
gateway = 198.51.100.1

[port web1]
kind = afpacket
iface = veth-web1
bridge = docker0

[port db1]
kind = tap
iface = %s
bridge = backend

[port mv1]
kind = afpacket
iface = veth-mv1
macvlan = lan
mac = 02:42:c6:33:64:0a

[publish www]
port = uplink
proto = tcp
listen = 8080
to = 172.17.0.2:80
""" % ODD_IFACE


def vsw_cmd(*args, env=None):
    return subprocess.run([str(VSW)] + list(args), capture_output=True, text=True,
                          timeout=30, env=env)


def svg_text(svg):
    """All the words of an SVG (graphviz puts a label's lines in <text>)."""
    root = ET.fromstring(svg)
    assert root.tag == SVG_NS + "svg", root.tag
    return "\n".join("".join(t.itertext()) for t in root.iter(SVG_NS + "text"))


def no_dot_env():
    """PATH without graphviz's dot (vsw and vswctl are run by full path)."""
    env = dict(os.environ)
    env["PATH"] = "/nonexistent"
    return env


def test_graphviz_is_installed():
    """The tests below need dot: say so plainly when it is missing."""
    assert shutil.which("dot"), "graphviz's dot not found: apt-get install graphviz"
    sh("dot -V")


def test_check_draw_svg_names_everything(tmp_path):
    ini = tmp_path / "lab.ini"
    ini.write_text(FILE_INI)
    pic = tmp_path / "lab.svg"
    r = vsw_cmd("--check", "--draw", str(pic), "-c", str(ini))
    assert r.returncode == 0, r.stderr
    assert "valid" in r.stdout and str(pic) in r.stdout, r.stdout
    words = svg_text(pic.read_text())          # valid XML, or this raises
    for w in ("docker0", "backend", "lan",                  # networks
              "uplink", "web1", "db1", "mv1",                # ports
              "172.17.0.1", "10.66.0.1",                     # gateways
              "198.51.100.2/24", "198.51.100.1",             # uplink, next hop
              "masquerade", "www", "tcp 8080 -> 172.17.0.2:80",
              "parent", "vlan 10", "mode bridge", ODD_IFACE):
        assert w in words, "%r not in the picture:\n%s" % (w, words)
    # nothing else made
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.ini", "lab.svg"]


def test_check_draw_dot_is_dot_that_graphviz_takes(tmp_path):
    ini = tmp_path / "lab.ini"
    ini.write_text(FILE_INI)
    pic = tmp_path / "lab.dot"
    r = vsw_cmd("--check", "--draw", str(pic), "-c", str(ini))
    assert r.returncode == 0, r.stderr
    text = pic.read_text()
    assert text.startswith("digraph "), text[:200]
    # the gateway's NAT out of the uplink is an edge, named
    assert '"gw:docker0" -> "port:uplink" [label="masquerade"' in text, text
    assert '"port:uplink" -> "port:web1"' not in text       # no endpoint has .2
    assert '"port:uplink" -> "addr:172.17.0.2"' in text, text
    # the odd name escaped: \" and a doubled backslash
    assert 'tap vt\\"q\\\\x' in text, text
    r = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert ODD_IFACE in svg_text(r.stdout)


def test_draw_errors(tmp_path):
    ini = tmp_path / "lab.ini"
    ini.write_text(FILE_INI)
    # an extension that is neither svg nor dot
    r = vsw_cmd("--check", "--draw", str(tmp_path / "x.png"), "-c", str(ini))
    assert r.returncode == 2, r
    assert ".svg" in r.stderr and ".dot" in r.stderr, r.stderr
    # --draw without --check: vsw would not draw a file it then runs
    r = vsw_cmd("--draw", str(tmp_path / "x.svg"), "-c", str(ini))
    assert r.returncode == 2, r
    assert "--check" in r.stderr, r.stderr
    # a bad file is not drawn
    bad = tmp_path / "bad.ini"
    bad.write_text(FILE_INI.replace("masquerade = uplink", "masquerade = nosuch"))
    r = vsw_cmd("--check", "--draw", str(tmp_path / "x.svg"), "-c", str(bad))
    assert r.returncode == 2 and "nosuch" in r.stderr, r
    # no graphviz: said how to get it
    r = vsw_cmd("--check", "--draw", str(tmp_path / "x.svg"), "-c", str(ini),
                env=no_dot_env())
    assert r.returncode == 2, r
    assert "graphviz's dot not found: apt-get install graphviz" in r.stderr, r.stderr
    assert not list(tmp_path.glob("x.*")), list(tmp_path.iterdir())
    # the dot text needs no graphviz
    r = vsw_cmd("--check", "--draw", str(tmp_path / "x.dot"), "-c", str(ini),
                env=no_dot_env())
    assert r.returncode == 0 and (tmp_path / "x.dot").exists(), r


def test_running_topology_dot_svg_text(lab, tmp_path):
    a, ha = lab.container("a", "10.67.0.2/24", gw="10.67.0.1")
    up, _peer = lab.veth_pair("u", "U")
    v = lab.vsw("""
[bridge br0]
subnet = 10.67.0.0/24
gateway = 10.67.0.1
masquerade = uplink

[port uplink]
kind = afpacket
iface = %s
address = 198.51.100.2/24
gateway = 198.51.100.1

[port a]
kind = afpacket
iface = %s
bridge = br0
""" % (up, ha))
    dot = v.ctl("show", "topology").stdout
    assert dot.startswith("digraph "), dot
    for w in ('"port:uplink"', '"port:a"', '"net:br0"', "10.67.0.1", up, ha,
              '"gw:br0" -> "port:uplink" [label="masquerade"'):
        assert w in dot, "%r not in:\n%s" % (w, dot)
    assert "web2" not in dot

    # a network made at run time is in the picture at once
    v.ctl("network", "create", "web2", "--subnet", "10.68.0.0/24",
          "--masquerade", "uplink")
    dot = v.ctl("show", "topology", "--format", "dot").stdout
    for w in ('"net:web2"', "network web2", "10.68.0.0/24", "10.68.0.1",
              '"gw:web2" -> "port:uplink" [label="masquerade"'):
        assert w in dot, "%r not in:\n%s" % (w, dot)
    r = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr

    # the same as JSON: one string
    j = v.ctl("show", "topology", as_json=True)
    assert j["dot"] == dot.rstrip("\n"), j

    # the outline
    text = v.ctl("show", "topology", "--format", "text").stdout
    assert "network web2: 10.68.0.0/24, gateway 10.68.0.1, masquerade out of uplink" in text, \
        text
    assert "routed port uplink" in text and "port a: afpacket %s" % ha in text, text

    # svg, drawn by vswctl: to stdout, and to -o FILE
    r = v.ctl("show", "topology", "--format", "svg")
    words = svg_text(r.stdout)
    for w in ("web2", "br0", "uplink", "10.68.0.1", "masquerade"):
        assert w in words, "%r not in the picture:\n%s" % (w, words)
    out = tmp_path / "running.svg"
    r = v.ctl("show", "topology", "--format", "svg", "-o", str(out))
    assert r.stdout == "", r.stdout
    assert "web2" in svg_text(out.read_text())

    # what is refused, and how
    r = v.ctl("show", "topology", "--format", "png", check=False)
    assert r.returncode == 1 and "usage: show topology" in r.stderr, r
    r = v.ctl("show", "topology", "--format", "svg", "--bogus", check=False)
    assert r.returncode == 2 and "usage" in r.stderr, r
    r = subprocess.run([str(VSW.parent / "vswctl"), "-s", v.sock, "show", "topology",
                        "--format", "svg"], capture_output=True, text=True, timeout=20,
                       env=no_dot_env())
    assert r.returncode == 2, r
    assert "graphviz's dot not found: apt-get install graphviz" in r.stderr, r.stderr
    r = subprocess.run([str(VSW.parent / "vswctl"), "-s", str(tmp_path / "none.sock"),
                        "show", "topology", "--format", "svg"], capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 2 and "cannot reach vsw" in r.stderr, r

    v.ctl("network", "rm", "web2")
    assert "web2" not in v.ctl("show", "topology").stdout
    v.stop()
