/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_CTL_VSWCTL_H
#define VSW_CTL_VSWCTL_H

/*
 * The vswctl commands that do more than print one reply. Each gets the
 * control socket's path and the command's words (argv[0] is its first
 * word: "capture", "top", "show"); it returns vswctl's exit status: 0
 * done, 1 vsw refused, 2 cannot talk to vsw or bad arguments.
 */

/* capture: a pcapng stream from vsw, written to -w FILE or stdout, as
 * pcapng or (--format pcap) classic pcap (ctl/vswctl_capture.c). */
int vswctl_capture(const char *sock, int argc, char **argv);

/* top: a live view of the busiest ports (ctl/vswctl_top.c). */
int vswctl_top(const char *sock, int argc, char **argv);

/* show topology --format svg: vsw's DOT drawn by graphviz's dot
 * (ctl/vswctl_draw.c). */
int vswctl_topology_svg(const char *sock, int argc, char **argv);

#endif
