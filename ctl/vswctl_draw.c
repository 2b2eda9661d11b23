/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vswctl show topology --format svg [-o FILE]: vsw's DOT (ctl/draw.c)
 * drawn by Debian's graphviz (ctl/dot_run.h), to FILE or stdout. vsw
 * sends the DOT only: the drawing runs here, not in the switch.
 */
#include <stdio.h>
#include <string.h>

#include "ctl/client.h"
#include "ctl/dot_run.h"
#include "ctl/vswctl.h"

static int
usage(void)
{
	fprintf(stderr, "usage: vswctl show topology --format svg [-o FILE|-]\n");
	return 2;
}

int
vswctl_topology_svg(const char *sock, int argc, char **argv)
{
	static const char *const words[] = { "show", "topology", "--format", "dot", NULL };
	const char *out = NULL;
	struct vsw_reply r;
	char err[256];
	int i, rc;

	/* argv: "show" "topology" and the options, --format svg among them */
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
		    strcmp(argv[i + 1], "svg") == 0)
			i++;
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc && argv[i + 1][0] != '\0')
			out = argv[++i];
		else
			return usage();
	}
	if (out != NULL && strcmp(out, "-") == 0)
		out = NULL;
	if (vsw_request(sock, &r, words) != 0) {
		fprintf(stderr, "vswctl: %s\n", r.text ? r.text : "cannot reach vsw");
		vsw_reply_free(&r);
		return 2;
	}
	if (!r.ok) {
		fprintf(stderr, "vswctl: %s\n", r.text);
		vsw_reply_free(&r);
		return 1;
	}
	rc = dot_run(r.text, strlen(r.text), "svg", out, err, sizeof(err));
	vsw_reply_free(&r);
	if (rc != 0) {
		fprintf(stderr, "vswctl: %s\n", err);
		return 2;
	}
	return 0;
}
