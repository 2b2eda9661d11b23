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
 * ctl_run() is the main lcore's loop: it serves the socket, watches the
 * signals that stop vsw and does the periodic control work, until
 * sw->stop is set.
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
