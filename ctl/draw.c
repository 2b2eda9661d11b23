/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `show topology`: the running topology as DOT (or an outline), the
 * reply's body as it is. vsw does not run dot itself: a fork from the
 * control thread of a switch that holds hugepages and worker threads is
 * not worth a picture; vswctl runs it (ctl/vswctl_draw.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/topology_dot.h"
#include "ctl/draw.h"

int
ctl_show_topology(struct vsw *sw, struct reply *r, int argc, char **argv,
		  char *err, size_t errlen)
{
	bool dot = true;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (argc == 2 && strcmp(argv[0], "--format") == 0 &&
	    (strcmp(argv[1], "dot") == 0 || strcmp(argv[1], "text") == 0)) {
		dot = strcmp(argv[1], "dot") == 0;
	} else if (argc != 0) {
		snprintf(err, errlen, "usage: show topology [--format dot|text]%s",
			 argc == 2 && strcmp(argv[1], "svg") == 0 ?
			 " (vswctl makes svg from dot)" : "");
		return -1;
	}
	f = open_memstream(&text, &len);
	if (f == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = dot ? topo_dot(sw->run, f) : topo_outline(sw->run, f);
	if (fclose(f) != 0 || rc != 0) {
		free(text);
		snprintf(err, errlen, "show topology: cannot write the graph (out of memory)");
		return -1;
	}
	/* the text view ends a note with its own newline */
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	/* the same text both ways: as it is for people, one string for JSON */
	reply_note(r, "%s", text);
	reply_field(r, dot ? "dot" : "text", text);
	free(text);
	return 0;
}
