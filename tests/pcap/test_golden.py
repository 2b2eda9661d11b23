# SPDX-License-Identifier: BSD-3-Clause
"""Golden packet tests: every case directory replayed through vsw.

tests/pcap/CASE/ holds topology.ini (every port a pcap port: replay mode),
in_PORT.pcap inputs, expect_PORT.pcap outputs and gen.py, the script that
made them. vsw must emit exactly the expected frames, in order, on every
port (a port with no expect file must emit nothing), exit 0 with every
mbuf returned, and produce byte-identical files when run twice. Where the
case has drops.txt, the drops vsw counts (port, reason, count) must be
exactly those.
"""
import filecmp
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
VSW = Path(os.environ.get("VSW_BUILD", HERE.parent.parent / "build")) / "vsw"
CASES = sorted(d for d in HERE.iterdir() if (d / "topology.ini").exists())


def read_pcap(path):
    """Frames of a pcap file (classic format, either byte order or precision)."""
    data = Path(path).read_bytes()
    if len(data) < 24:
        return []
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    frames, off = [], 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


def describe(frame):
    try:
        from scapy.all import Ether
        return Ether(frame).summary()
    except Exception:  # scapy missing or frame unparsable
        return frame[:32].hex()


def run_vsw(workdir):
    r = subprocess.run([str(VSW), "-c", str(workdir / "topology.ini")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, "vsw failed (%d):\n%s" % (r.returncode, r.stderr)
    assert "every mbuf back in its pool" in r.stderr, r.stderr
    return r.stderr


def ports_of(case):
    ports = []
    for line in (case / "topology.ini").read_text().splitlines():
        line = line.strip()
        if line.startswith("[port "):
            ports.append(line[6:].split("]")[0].strip())
    return ports


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case, tmp_path):
    work1, work2 = tmp_path / "run1", tmp_path / "run2"
    shutil.copytree(case, work1)
    shutil.copytree(case, work2)
    stderr = run_vsw(work1)
    for port in ports_of(case):
        out = work1 / ("out_%s.pcap" % port)
        exp = case / ("expect_%s.pcap" % port)
        got = read_pcap(out) if out.exists() else []
        want = read_pcap(exp) if exp.exists() else []
        lines = []
        for i in range(max(len(got), len(want))):
            g = got[i] if i < len(got) else None
            w = want[i] if i < len(want) else None
            if g != w:
                lines.append("  #%d got:  %s\n      want: %s" % (
                    i, describe(g) if g else "(nothing)",
                    describe(w) if w else "(nothing)"))
        assert not lines, "port %s: %d frames, %d expected\n%s" % (
            port, len(got), len(want), "\n".join(lines[:10]))
    drops = case / "drops.txt"
    if drops.exists():
        want = sorted(tuple(l.split()) for l in drops.read_text().splitlines()
                      if l.strip() and not l.startswith("#"))
        got = sorted(tuple(l.split()[2:]) for l in stderr.splitlines()
                     if l.startswith("vsw: drop "))
        assert got == want, "drops counted:\n  %s\nexpected:\n  %s" % (
            "\n  ".join(" ".join(g) for g in got) or "(none)",
            "\n  ".join(" ".join(w) for w in want) or "(none)")
    # replay is deterministic: a second run writes the same bytes
    run_vsw(work2)
    for out in sorted(work1.glob("out_*.pcap")):
        assert filecmp.cmp(out, work2 / out.name, shallow=False), \
            "%s differs between two runs" % out.name
