/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_CTL_SERVER_H
#define VSW_CTL_SERVER_H

/*
 * The control socket: a UNIX stream socket (mode 0600, root only) that
 * vswctl talks to. One request per connection:
 *     request:  words separated by spaces, ending with '\n'
 *               ("show ports", "show stats --json")
 *     reply:    "OK\n" then the body, or "ERR <reason>\n"; then close.
 * Malformed, oversized or slow requests get an ERR reply (or are closed),
 * never a crash.
 *
 * Big tables are paged without stopping forwarding: show fdb and show
 * sessions take --limit N (rows a page, default 10000) and --after CURSOR
 * (the "next" a page ends with: a slot position in the tables, opaque to
 * the user). Neither table can be read without the worker barrier (the
 * FDB is written by the workers without a sequence count unless several
 * share it; the session table has no RCU), so the walk takes the barrier
 * for one bounded piece at a time (fdb_read(), napt_read(): at most 1024
 * slots looked at and 256 rows copied out), formats the rows after the
 * release, and lets every worker go round its loop before the next piece.
 * bench/micro_page, 1M entries: a piece holds the workers 1 us on average,
 * 41 us at worst (sessions), where the whole walk used to hold them 0.7 s
 * (show fdb, rows formatted under the barrier). Entries keep their slot
 * while they live, so an entry that lives through the paging shows
 * exactly once whatever is learned or removed between the pages.
 *
 * ctl_run() is the main lcore's loop: it serves the socket, watches the
 * signals (SIGINT, SIGTERM stop vsw; SIGHUP reloads the file through
 * vsw_reload) and does the periodic control work, until sw->stop is set.
 *
 * port add/del and network create/rm change the switch through the same
 * reconciler as SIGHUP (switch/apply.h): the running topology is written
 * out by name (vsw_running_text), the change made to that text, the
 * result checked by the topology parser as a file would be and applied.
 * A refused request changes nothing.
 */

#include "switch/vsw.h"

struct ctl;

/* Open the socket at 'path'. NULL with 'err' set on failure. */
struct ctl *ctl_open(struct vsw *sw, const char *path, char *err, size_t errlen);

/* Serve until a signal in 'sigfd' (a signalfd) or sw->stop. */
void ctl_run(struct ctl *c, int sigfd);

/* Close the socket and remove its file. */
void ctl_close(struct ctl *c);

/*
 * Run one request (for tests and the fuzzer, without a socket).
 * Returns a malloc'ed reply: "OK\n..." or "ERR ...\n".
 */
char *ctl_execute(struct vsw *sw, const char *request, size_t len);

#endif
