/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_CTL_DRAW_H
#define VSW_CTL_DRAW_H

/*
 * `show topology`: the running topology as a graphviz graph (DOT text,
 * config/topology_dot.h), which vswctl renders to svg with Debian's dot.
 */

#include "ctl/table.h"
#include "switch/vsw.h"

int ctl_show_topology(struct vsw *sw, struct reply *r, int argc, char **argv,
		      char *err, size_t errlen);

#endif
