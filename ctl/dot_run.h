/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_CTL_DOT_RUN_H
#define VSW_CTL_DOT_RUN_H

/*
 * Graphviz's dot (Debian's graphviz package) run on DOT text: what
 * `vsw --check --draw FILE.svg` and `vswctl show topology --format svg`
 * share. No DPDK here: vswctl links it alone.
 *
 * It forks: for short-lived processes (vsw --check, vswctl), never the
 * control thread of a running vsw.
 */

#include <stddef.h>

#define DOT_MISSING "graphviz's dot not found: apt-get install graphviz"

/*
 * Run "dot -T'format'" with 'text' ('len' bytes) on its stdin; its output
 * goes to 'path' (dot -o: nothing is left half-written by us) or, when
 * 'path' is NULL, to this process's stdout. dot's own messages go to
 * stderr. Returns 0; -ENOENT when dot is not installed ('err' is
 * DOT_MISSING); -EIO when dot failed ('err' says how); another -errno
 * when it could not be started.
 */
int dot_run(const char *text, size_t len, const char *format, const char *path,
	    char *err, size_t errlen);

#endif
