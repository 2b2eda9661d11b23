/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vswctl: talk to a running vsw over its control socket.
 *
 *   vswctl [-s SOCKET] [--json] COMMAND...
 *
 * The socket is [switch] control of the topology (default
 * /run/vsw/vsw.sock); VSW_SOCKET in the environment sets it too.
 * Exit status: 0 done, 1 vsw refused the request, 2 cannot talk to vsw.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/vswctl.h"

#define DEFAULT_SOCKET "/run/vsw/vsw.sock"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: vswctl [-s SOCKET] [--json] COMMAND...\n"
		"  -s SOCKET   vsw's control socket (default %s, or $VSW_SOCKET)\n"
		"  --json      machine-readable output\n"
		"commands: show ports | show stats | help (ask vsw for the full list)\n"
		"  capture PORT|NETWORK|all [--rx|--tx|--both] [--drops] [--filter BPF]\n"
		"          [--snaplen N] [--count N] [--duration S] [--format pcapng|pcap] -w FILE|-\n"
		"  top [--interval S] [--count N]   the busiest ports, live\n"
		"  show topology [--format dot|svg|text]\n",
		DEFAULT_SOCKET);
}

int
main(int argc, char **argv)
{
	const char *path = getenv("VSW_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[4096] = "", buf[65536];
	size_t len = 0, total = 0;
	int i, fd, first = 1, status = -1;
	ssize_t r;

	if (path == NULL)
		path = DEFAULT_SOCKET;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			path = argv[++i];
			continue;
		}
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		/* the commands vswctl does more for than print the reply */
		if (len == 0 && strcmp(argv[i], "capture") == 0)
			return vswctl_capture(path, argc - i, argv + i);
		if (len == 0 && strcmp(argv[i], "top") == 0)
			return vswctl_top(path, argc - i, argv + i);
		if (len == 0 && strcmp(argv[i], "show") == 0 && i + 1 < argc &&
		    strcmp(argv[i + 1], "topology") == 0) {
			int j;

			for (j = i + 2; j + 1 < argc; j++)
				if (strcmp(argv[j], "--format") == 0 &&
				    strcmp(argv[j + 1], "svg") == 0)
					return vswctl_topology_svg(path, argc - i, argv + i);
		}
		if (len + strlen(argv[i]) + 2 >= sizeof(req)) {
			fprintf(stderr, "vswctl: request too long\n");
			return 2;
		}
		len += (size_t)snprintf(req + len, sizeof(req) - len, "%s%s",
					len ? " " : "", argv[i]);
	}
	if (len == 0) {
		usage(stderr);
		return 2;
	}
	req[len++] = '\n';
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vswctl: socket path too long\n");
		return 2;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "vswctl: cannot reach vsw at %s: %s\n", path,
			strerror(errno));
		return 2;
	}
	/* vsw may refuse before reading (permission): read its reply anyway */
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len && errno != EPIPE &&
	    errno != ECONNRESET) {
		fprintf(stderr, "vswctl: cannot send the request: %s\n",
			strerror(errno));
		return 2;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		char *p = buf;
		size_t n = (size_t)r;

		total += n;
		if (first) {
			first = 0;
			if (n >= 3 && memcmp(buf, "OK\n", 3) == 0) {
				status = 0;
				p += 3;
				n -= 3;
			} else if (n >= 4 && memcmp(buf, "ERR ", 4) == 0) {
				status = 1;
				fprintf(stderr, "vswctl: ");
				fwrite(buf + 4, 1, n - 4, stderr);
				continue;
			}
		}
		fwrite(p, 1, n, status == 1 ? stderr : stdout);
	}
	close(fd);
	if (status < 0) {
		fprintf(stderr, "vswctl: %s from vsw\n",
			total ? "malformed reply" : "no reply");
		return 2;
	}
	return status;
}
