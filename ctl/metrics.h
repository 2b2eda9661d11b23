/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_CTL_METRICS_H
#define VSW_CTL_METRICS_H

/*
 * The Prometheus endpoint ([switch] metrics = 127.0.0.1:9417, or a unix
 * socket path): GET /metrics answers the text exposition format, built
 * from the same counters as `vswctl show stats`. libmicrohttpd serves it
 * from the control thread (no thread of its own): ctl_run polls
 * metrics_fd() and calls metrics_run() when it is readable, so a scrape
 * reads the model as a control command does, never beside a change.
 */

#include "switch/vsw.h"

struct metrics;

/* Listen on 'spec' (topo_listen_parse syntax). NULL with 'err' set. */
struct metrics *metrics_open(struct vsw *sw, const char *spec, char *err,
			     size_t errlen);

/* A descriptor that is readable when the endpoint has work. */
int metrics_fd(const struct metrics *m);

/* Serve what is waiting, without blocking. */
void metrics_run(struct metrics *m);

/* Stop listening (NULL: nothing). */
void metrics_close(struct metrics *m);

/* The exposition text of 'sw' now (malloc'ed, NUL-terminated; NULL when
 * out of memory): what GET /metrics answers. */
char *metrics_text(struct vsw *sw, size_t *len);

#endif
