/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vswctl capture: ask vsw for a capture (ctl/capture.h) and write the
 * pcapng stream it sends to -w FILE, or to stdout with -w - (so that
 * `vswctl capture c1 -w - | tshark -r -` shows frames as they come), as
 * pcapng or, with --format pcap (or a FILE ending in .pcap), as classic
 * pcap written by libpcap (nanosecond timestamps; the direction and a
 * drop's reason have no place in that format and are left out).
 *
 * ^C ends the capture cleanly: vswctl shuts down its side of the
 * connection, vsw sends what it still holds and the statistics, and
 * vswctl prints them as tcpdump does. A second ^C leaves at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "ctl/vswctl.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 1u
#define BT_ISB 5u
#define BT_EPB 6u
#define BLOCK_MAX (16u << 20)           /* a block larger than this is not vsw's */

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted++;
	if (interrupted > 1)
		_exit(130);
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: vswctl capture PORT|NETWORK|all [--rx|--tx|--both] [--drops]\n"
		"         [--filter EXPR] [--snaplen N] [--count N] [--duration S]\n"
		"         [--format pcapng|pcap] [-q] -w FILE|-\n"
		"  --rx, --tx, --both   directions (default both)\n"
		"  --drops              what vsw drops there, with the reason (alone: only drops)\n"
		"  --filter EXPR        libpcap's filter syntax, as tcpdump's (one argument)\n"
		"  --snaplen N          bytes kept of each frame (default 262144)\n"
		"  --count N, --duration S   stop after N frames, or S seconds\n"
		"  -w FILE|-            where to write (- = stdout)\n"
		"  --format pcapng|pcap pcapng (default; .pcap files: pcap)\n");
}

struct out {
	bool pcap;                      /* classic pcap through libpcap */
	FILE *f;
	pcap_t *dead;
	pcap_dumper_t *dumper;
	uint32_t snaplen;
	bool broken;                    /* the reader went away */
	uint64_t frames;
	uint64_t seen, accepted, lost, delivered;
	bool stats;                     /* statistics came */
};

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Options of a block from 'p' to 'end': the ISB's counters. */
static void
isb_options(struct out *o, const uint8_t *p, const uint8_t *end)
{
	while (p + 4 <= end) {
		uint16_t code, len;

		memcpy(&code, p, 2);
		memcpy(&len, p + 2, 2);
		p += 4;
		if (code == 0 || p + len > end)
			break;
		if (len == 8) {
			uint64_t v = get64(p);

			switch (code) {
			case 4: o->seen += v; break;
			case 5: o->lost += v; break;
			case 6: o->accepted += v; break;
			case 8: o->delivered += v; break;
			}
		}
		p += (len + 3u) & ~3u;
	}
}

static int
out_write(struct out *o, const uint8_t *b, uint32_t len)
{
	if (o->broken)
		return -1;
	if (fwrite(b, 1, len, o->f) != len) {
		o->broken = true;
		return -1;
	}
	return 0;
}

/* One whole block. -1: the output failed or the stream is not vsw's. */
static int
block(struct out *o, const uint8_t *b, uint32_t len)
{
	uint32_t type = get32(b);

	if (type == BT_ISB) {
		if (len >= 32)
			isb_options(o, b + 20, b + len - 4);
		o->stats = true;
	}
	if (type == BT_EPB)
		o->frames++;
	if (!o->pcap)
		return out_write(o, b, len);
	if (type == BT_IDB && o->dumper == NULL && len >= 20) {
		o->snaplen = get32(b + 12);
		o->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)o->snaplen,
							       PCAP_TSTAMP_PRECISION_NANO);
		o->dumper = o->dead ? pcap_dump_fopen(o->dead, o->f) : NULL;
		if (o->dumper == NULL) {
			fprintf(stderr, "vswctl: cannot write pcap: %s\n",
				o->dead ? pcap_geterr(o->dead) : "out of memory");
			o->broken = true;
			return -1;
		}
	}
	if (type == BT_EPB && o->dumper != NULL && len >= 32) {
		uint64_t ns = ((uint64_t)get32(b + 12) << 32) | get32(b + 16);
		struct pcap_pkthdr h = {
			.caplen = get32(b + 20),
			.len = get32(b + 24),
		};

		if (h.caplen > len - 32)
			return -1;
		/* a nanosecond-precision dumper takes nanoseconds in tv_usec */
		h.ts.tv_sec = (time_t)(ns / 1000000000ull);
		h.ts.tv_usec = (suseconds_t)(ns % 1000000000ull);
		pcap_dump((u_char *)o->dumper, &h, b + 28);
		if (ferror(o->f)) {
			o->broken = true;
			return -1;
		}
	}
	return 0;
}

static int
connect_to(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vswctl: socket path too long\n");
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "vswctl: cannot reach vsw at %s: %s\n", sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Append " word" to the request; -1 when it does not fit or is not a word. */
static int
req_add(char *req, size_t *len, size_t max, const char *w)
{
	int n;

	if (strpbrk(w, "\n\r") != NULL) {
		fprintf(stderr, "vswctl: a line break in an argument\n");
		return -1;
	}
	n = snprintf(req + *len, max - *len, "%s%s", *len ? " " : "", w);
	if (n < 0 || (size_t)n >= max - *len) {
		fprintf(stderr, "vswctl: request too long\n");
		return -1;
	}
	*len += (size_t)n;
	return 0;
}

int
vswctl_capture(const char *sock, int argc, char **argv)
{
	char req[4096];
	const char *path = NULL, *filter = NULL, *format = NULL;
	bool quiet = false, ended = false, got_ok = false;
	struct out o = { 0 };
	size_t len = 0, have = 0, cap = 1u << 20;
	uint8_t *buf;
	/* SA_RESTART: a write to a full pipe is not cut short by ^C */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	int i, fd, status = 0;

	if (req_add(req, &len, sizeof(req), "capture") < 0)
		return 2;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool takes = strcmp(a, "--snaplen") == 0 || strcmp(a, "--count") == 0 ||
			     strcmp(a, "--duration") == 0;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if ((strcmp(a, "-w") == 0 || strcmp(a, "--filter") == 0 ||
		     strcmp(a, "--format") == 0 || takes) && i + 1 >= argc) {
			fprintf(stderr, "vswctl: %s takes a value\n", a);
			usage(stderr);
			return 2;
		}
		if (strcmp(a, "-w") == 0) {
			path = argv[++i];
		} else if (strcmp(a, "--filter") == 0) {
			filter = argv[++i];
		} else if (strcmp(a, "--format") == 0) {
			format = argv[++i];
		} else if (strcmp(a, "-q") == 0) {
			quiet = true;
		} else if (takes) {
			if (req_add(req, &len, sizeof(req), a) < 0 ||
			    req_add(req, &len, sizeof(req), argv[++i]) < 0)
				return 2;
		} else if (req_add(req, &len, sizeof(req), a) < 0) {
			return 2;
		}
	}
	if (path == NULL) {
		fprintf(stderr, "vswctl: where to? -w FILE, or -w - for stdout\n");
		usage(stderr);
		return 2;
	}
	if (format == NULL) {
		size_t pl = strlen(path);

		format = pl > 5 && strcmp(path + pl - 5, ".pcap") == 0 ? "pcap" : "pcapng";
	}
	if (strcmp(format, "pcap") != 0 && strcmp(format, "pcapng") != 0) {
		fprintf(stderr, "vswctl: --format is pcapng or pcap, not %s\n", format);
		return 2;
	}
	o.pcap = strcmp(format, "pcap") == 0;
	/* the filter is the rest of the request (vsw takes every word after it) */
	if (filter != NULL) {
		if (filter[0] == '\0') {
			fprintf(stderr, "vswctl: --filter takes an expression\n");
			return 2;
		}
		if (req_add(req, &len, sizeof(req), "--filter") < 0 ||
		    req_add(req, &len, sizeof(req), filter) < 0)
			return 2;
	}
	if (len + 1 >= sizeof(req)) {
		fprintf(stderr, "vswctl: request too long\n");
		return 2;
	}
	req[len++] = '\n';

	fd = connect_to(sock);
	if (fd < 0)
		return 2;
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "vswctl: cannot send the request: %s\n", strerror(errno));
		close(fd);
		return 2;
	}
	buf = malloc(cap);
	if (buf == NULL) {
		fprintf(stderr, "vswctl: out of memory\n");
		close(fd);
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;
		size_t off = 0;

		if (interrupted && !ended) {
			/* vsw sends the rest and the statistics, then closes */
			shutdown(fd, SHUT_WR);
			ended = true;
		}
		if (poll(&pfd, 1, 200) < 0 && errno != EINTR)
			break;
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (have == cap) {
			uint8_t *nb = cap < BLOCK_MAX * 2 ? realloc(buf, cap * 2) : NULL;

			if (nb == NULL) {
				fprintf(stderr, "vswctl: a block larger than %u bytes: not a capture\n",
					BLOCK_MAX);
				status = 2;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		r = recv(fd, buf + have, cap - have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
		if (!got_ok) {
			uint8_t *nl = memchr(buf, '\n', have);

			if (nl == NULL)
				continue;
			if (have >= 4 && memcmp(buf, "ERR ", 4) == 0) {
				fprintf(stderr, "vswctl: %.*s\n", (int)(nl - buf - 4), buf + 4);
				status = 1;
				break;
			}
			if (nl - buf != 2 || memcmp(buf, "OK", 2) != 0) {
				fprintf(stderr, "vswctl: malformed reply from vsw\n");
				status = 2;
				break;
			}
			got_ok = true;
			off = 3;
			/* only now: a refused request leaves no file behind */
			if (strcmp(path, "-") == 0) {
				o.f = stdout;
			} else {
				o.f = fopen(path, "wb");
				if (o.f == NULL) {
					fprintf(stderr, "vswctl: %s: %s\n", path, strerror(errno));
					status = 2;
					break;
				}
			}
		}
		/* whole blocks */
		while (have - off >= 12) {
			uint32_t blen = get32(buf + off + 4);

			if (blen < 12 || blen % 4 != 0 || blen > BLOCK_MAX) {
				fprintf(stderr, "vswctl: malformed pcapng from vsw (a block of %u bytes)\n",
					blen);
				status = 2;
				goto done;
			}
			if (have - off < blen)
				break;
			if (block(&o, buf + off, blen) < 0 && o.broken)
				goto done;
			off += blen;
		}
		if (off > 0) {
			memmove(buf, buf + off, have - off);
			have -= off;
			if (o.f != NULL && fflush(o.f) != 0)
				o.broken = true;
			if (o.broken)
				break;
		}
	}
done:
	close(fd);
	free(buf);
	if (o.dumper != NULL)
		pcap_dump_flush(o.dumper);
	if (o.f != NULL && o.f != stdout) {
		if (o.dumper != NULL)
			pcap_dump_close(o.dumper);      /* closes o.f */
		else if (fclose(o.f) != 0 && status == 0)
			o.broken = true;
	} else if (o.f != NULL) {
		fflush(o.f);
	}
	if (o.dead != NULL)
		pcap_close(o.dead);
	if (status != 0)
		return status;
	if (!got_ok) {
		fprintf(stderr, "vswctl: no reply from vsw\n");
		return 2;
	}
	if (o.broken && o.f != stdout) {
		fprintf(stderr, "vswctl: cannot write %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (!quiet) {
		if (o.stats)
			fprintf(stderr,
				"vswctl: %" PRIu64 " packets captured, %" PRIu64 " seen, %" PRIu64
				" accepted by the filter, %" PRIu64 " lost%s\n",
				o.frames, o.seen, o.accepted, o.lost,
				o.lost ? " (the reader was slower than the traffic)" : "");
		else if (!o.broken)
			fprintf(stderr, "vswctl: %" PRIu64 " packets captured; the stream ended without its statistics (vsw went away?)\n",
				o.frames);
	}
	if (!o.stats && !o.broken)
		return 2;
	return 0;
}
