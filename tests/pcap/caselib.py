# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for the scripts that make golden pcap cases.

A case script builds a timeline of (time, port, frame) inputs and the frames
each port must emit, then calls write_case(). Expected frames are written by
the script from what the topology must do, never captured from vsw.
"""
import os
import sys

from scapy.all import Ether, wrpcap  # noqa: F401  (re-exported for scripts)

T0 = 1700000000.0   # a fixed epoch so files are stable


class Case:
    def __init__(self, directory):
        self.dir = directory
        self.inputs = {}     # port -> [(t, frame)]
        self.expect = {}     # port -> [frame]
        self.drops = None    # (port, reason) -> count, once drop() is used

    def send(self, t, port, frame):
        frame.time = T0 + t
        self.inputs.setdefault(port, []).append(frame)
        return frame

    def expect_on(self, port, frame):
        self.expect.setdefault(port, []).append(frame)

    def nothing_on(self, port):
        self.expect.setdefault(port, [])

    def drop(self, port, reason, n=1):
        """Expect vsw to count a drop of 'reason' (a drop.h name) on 'port'.
        Once a case uses this, the drops vsw counts must match exactly."""
        if self.drops is None:
            self.drops = {}
        self.drops[(port, reason)] = self.drops.get((port, reason), 0) + n

    def write(self):
        for port, frames in self.inputs.items():
            wrpcap(os.path.join(self.dir, "in_%s.pcap" % port), frames, linktype=1)
        for port, frames in self.expect.items():
            for f in frames:
                f.time = T0
            wrpcap(os.path.join(self.dir, "expect_%s.pcap" % port), frames,
                   linktype=1)
        if self.drops is not None:
            with open(os.path.join(self.dir, "drops.txt"), "w") as f:
                f.write("# port reason count: every drop vsw must count\n")
                for (port, reason), n in sorted(self.drops.items()):
                    f.write("%s %s %d\n" % (port, reason, n))


def case_here():
    return Case(os.path.dirname(os.path.abspath(sys.argv[0])))
