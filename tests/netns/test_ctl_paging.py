# SPDX-License-Identifier: BSD-3-Clause
"""show fdb and show sessions in pages through vswctl: --limit N and
--after CURSOR walk a table of a few thousand entries, every entry exactly
once, while the bridge keeps forwarding."""
import collections

from test_foundation import bridge_ini

N_MACS = 4000


def page_through(v, args, key, limit, json_mode=True):
    """Every row of every page (by 'key'), and the number of pages."""
    rows, pages, after = [], 0, None
    while True:
        cmd = list(args) + ["--limit", str(limit)]
        if after is not None:
            cmd += ["--after", after]
        if json_mode:
            page = v.ctl(*cmd, as_json=True)
            got = [key(e) for e in page[args[1]]]
            after = page.get("next")
        else:
            out = v.ctl(*cmd).stdout
            lines = out.splitlines()
            note = [ln for ln in lines if "more after this page: --after " in ln]
            # the table's rows sit between the header and the note
            got = [ln for ln in lines[1:] if ln and ln != "(none)" and not ln[0].isdigit()]
            after = note[0].rsplit(" ", 1)[1] if note else None
        pages += 1
        if after is not None:
            assert len(got) == limit, (pages, len(got))
        else:
            assert len(got) <= limit
        rows += got
        if after is None:
            return rows, pages
        assert pages < 1000


def test_fdb_pages_every_entry_once(lab):
    a, ha = lab.container("a", "10.93.0.1/24")
    b, hb = lab.container("b", "10.93.0.2/24")
    x, hx = lab.container("x", "10.93.0.66/24")
    # a table not much bigger than what it holds: slots next to each other full
    v = lab.vsw(bridge_ini([("a", "afpacket", "iface", ha),
                            ("b", "afpacket", "iface", hb),
                            ("x", "afpacket", "iface", hx)])
                .replace("[bridge br0]\n", "[bridge br0]\nmac_limit = 4100\n"))
    lab.run(a, "ping -c 1 -W 2 10.93.0.2")
    # N_MACS unicast source MACs from x
    lab.run(x, "/usr/bin/python3 -c \"from scapy.all import *; "
               "sendp([Ether(src='02:5a:00:00:%%02x:%%02x' %% (i >> 8, i & 255), "
               "dst='ff:ff:ff:ff:ff:ff')/IP(dst='10.93.0.255')/UDP() for i in range(%d)], "
               "iface='eth0', verbose=0)\"" % N_MACS, timeout=120)
    everything = v.ctl("show", "fdb", "--limit", "100000", as_json=True)
    assert "next" not in everything
    whole = {(e["mac"], e["vlan"]) for e in everything["fdb"]}
    learned = {m for m, _ in whole if m.startswith("02:5a:")}
    assert len(learned) > N_MACS * 0.9          # the kernel may drop a few
    entries = v.ctl("show", "bridges", as_json=True)["bridges"][0]["entries"]
    assert entries == len(whole)
    # a ping runs while the pages are read: forwarding goes on
    ping = lab.spawn(a, "ping -c 300 -i 0.01 -W 1 10.93.0.2")
    for limit in (1000, 333, 4096):
        rows, pages = page_through(v, ("show", "fdb"), lambda e: (e["mac"], e["vlan"]),
                                   limit)
        dup = [r for r, n in collections.Counter(rows).items() if n > 1]
        assert not dup, dup[:5]
        assert set(rows) == whole
        assert pages == len(whole) // limit + 1
    # text mode through vswctl: the cursor is in the note
    rows, pages = page_through(v, ("show", "fdb", "br0"), None, 700, json_mode=False)
    macs = [r.split()[1] for r in rows]
    assert len(macs) == len(set(macs)) == len(whole)
    assert pages == len(whole) // 700 + 1
    out, _ = ping.communicate(timeout=30)
    assert " 0% packet loss" in out, out
    v.stop()


def test_sessions_page_every_session_once(lab):
    c, hc = lab.container("c", "172.17.0.2/16", gw="172.17.0.1")
    o, ho = lab.container("o", "198.51.100.1/24")
    v = lab.vsw("[switch]\ncontrol = @SOCK@\nnat_sessions = 8192\n"
                "nat_sessions_per_host = 8192\n"
                "[bridge docker0]\nsubnet = 172.17.0.0/16\ngateway = 172.17.0.1\n"
                "masquerade = up\n"
                "[port c]\nkind = afpacket\niface = %s\nbridge = docker0\n"
                "[port up]\nkind = afpacket\niface = %s\naddress = 198.51.100.2/24\n"
                "gateway = 198.51.100.1\n" % (hc, ho))
    lab.run(c, "ping -c 1 -W 2 198.51.100.1")
    # 3000 UDP flows out: 3000 sessions
    lab.run(c, "/usr/bin/python3 -c \"import socket\n"
               "for i in range(3000):\n"
               "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
               "    s.bind(('172.17.0.2', 20000 + i))\n"
               "    s.sendto(b'x', ('198.51.100.1', 9))\n"
               "    s.close()\n\"", timeout=120)
    whole = {e["inside"] for e in v.ctl("show", "sessions", "--limit", "100000",
                                        as_json=True)["sessions"]
             if e["proto"] == "udp"}
    assert len(whole) > 2700
    rows, pages = page_through(v, ("show", "sessions"), lambda e: (e["proto"], e["inside"]),
                               250)
    udp = [r[1] for r in rows if r[0] == "udp"]
    assert len(udp) == len(set(udp))
    assert set(udp) == whole
    assert pages >= len(whole) // 250
    v.stop()
