/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_CTL_CAPTURE_H
#define VSW_CTL_CAPTURE_H

/*
 * vswctl capture's streams, the control thread's side.
 *
 *   capture PORT|NETWORK|all [--rx|--tx|--both] [--drops] [--snaplen N]
 *           [--count N] [--duration S] [--filter EXPR...]
 *
 * The request comes on the control socket like any other; the reply is
 * "ERR reason\n", or "OK\n" and then a pcapng stream on the same
 * connection: a section header, one interface block per port captured,
 * an enhanced packet block per frame (its direction in epb_flags, a drop's
 * reason in a comment), and at the end an interface statistics block per
 * port (frames seen, accepted by the filter, lost because the reader was
 * slow). The stream ends at --count frames, after --duration seconds,
 * when the client shuts down its side (vswctl on ^C), or when vsw stops.
 * --filter takes the rest of the request: libpcap's syntax, compiled by
 * pcap_compile() and run in the workers by DPDK's rte_bpf.
 *
 * The workers copy matching frames into a ring (switch/capture.h); a
 * timer here drains the rings into each stream's buffer, and writes it
 * without blocking. A reader slower than the traffic fills its buffer,
 * then its ring: the frames that find no room are counted as lost, and
 * forwarding never waits.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "switch/vsw.h"

#define CAPTURE_USAGE \
	"capture PORT|NETWORK|all [--rx|--tx|--both] [--drops] [--snaplen N] [--count N] [--duration S] [--filter EXPR...]"
/* epoll ids a capture_ctl uses: its timer, then a stream each */
#define CAPTURE_STREAMS 8
#define CAPTURE_EVENTS (1 + CAPTURE_STREAMS)

struct capture_ctl;

/* Ready to serve captures; its descriptors join 'epfd' with ids 'ev_id'
 * to ev_id + CAPTURE_EVENTS - 1. NULL with 'err' set. */
struct capture_ctl *capture_ctl_open(struct vsw *sw, int epfd, uint64_t ev_id,
				     char *err, size_t errlen);

/* Is this request (without its newline) a capture? */
bool capture_is_request(const char *req, size_t len);

/* Start a stream on 'fd' (owned from here: closed when the stream ends,
 * or at once after an ERR reply). */
void capture_ctl_start(struct capture_ctl *cc, int fd, const char *req, size_t len);

/* An event on one of cc's descriptors. */
void capture_ctl_event(struct capture_ctl *cc, uint64_t id);

/* End every stream (statistics written, connections closed) and free. */
void capture_ctl_close(struct capture_ctl *cc);

#endif
