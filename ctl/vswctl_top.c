/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vswctl top: the busiest ports, live. Every interval it asks vsw for
 * `show stats --json` and prints what changed since the last answer, per
 * second: each port's received and sent packets and bits, what vsw
 * dropped there (DROP/s: every reason, the backend's own included, as
 * `show stats` counts them) and what the kernel lost before vsw saw it
 * (LOST/s: rx_kernel_drops), busiest first; then the drop reasons (port,
 * reason, rate, total) and the workers' share of polls that found frames.
 *
 * On a terminal it redraws in place, as top does, and 'q' or ^C ends it
 * with the terminal as it was. Elsewhere (a pipe, a test) it prints one
 * block an interval, without escape codes. Rates come from vsw's counters
 * and the time between two answers, so a slow answer stretches an
 * interval, it never skews a rate.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>                       /* isfinite, NAN: macros, no libm */
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl/client.h"
#include "ctl/vswctl.h"

#define TOP_NAME_MAX 64
#define TOP_INTERVAL_MIN 0.05           /* s: vsw's control thread answers
					 * each request; 20 a second is plenty */
#define TOP_INTERVAL_MAX 3600.0
#define TOP_DROP_ROWS_TTY 8             /* drop rows a full terminal keeps
					 * from the ports, at most */
#define TOP_NAME_COLS 31                /* vsw's names are shorter */
#define TOP_MIN(a, b) ((a) < (b) ? (a) : (b))

struct top_port {
	char name[TOP_NAME_MAX];
	uint64_t rx, rx_bytes, tx, tx_bytes, drops, lost;
};

struct top_drop {
	char port[TOP_NAME_MAX];
	char reason[TOP_NAME_MAX];
	char desc[128];
	uint64_t count;
};

struct top_worker {
	char id[16];
	uint64_t iterations, busy;
};

/* One answer of vsw's. */
struct top_sample {
	double t;                       /* CLOCK_MONOTONIC, s */
	size_t n_ports, n_drops, n_workers;
	struct top_port *ports;
	struct top_drop *drops;         /* sorted by port, reason */
	struct top_worker *workers;
};

/* A port's rates over one interval. */
struct top_row {
	const char *name;
	double rx, rx_bits, tx, tx_bits, drops, lost;
};

struct top_drop_row {
	const struct top_drop *d;
	double rate;
};

struct top_opts {
	double interval;
	unsigned long count;            /* 0: until q */
	unsigned long ports;            /* 0: what fits (all, off a terminal) */
};

static volatile sig_atomic_t top_quit;
static struct termios top_saved;
static bool top_raw;                    /* the terminal is in top_saved's stead */
static bool top_tty;                    /* stdout is a terminal: redraw in place */

static void
top_on_signal(int sig)
{
	(void)sig;
	top_quit = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: vswctl top [--interval S] [--count N] [--ports N]\n"
		"  --interval S, -d S   seconds between refreshes (default 1, fractions too: 0.5)\n"
		"  --count N, -n N      stop after N refreshes (default: until q or ^C)\n"
		"  --ports N, -p N      show the N busiest ports (default: what fits the terminal,\n"
		"                       all of them off a terminal)\n"
		"columns, per second: RX/TX packets and bits; DROP: dropped by vsw (every\n"
		"reason); LOST: lost by the kernel before vsw read them (rx_kernel_drops)\n");
}

static double
top_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- vsw's answer ---------------------------------------------------------- */

/* A counter of 'o': vsw prints counters as numbers, some ids as strings. */
static uint64_t
top_u64(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v) < 0 ? 0 : (uint64_t)json_integer_value(v);
	if (json_is_string(v))
		return strtoull(json_string_value(v), NULL, 10);
	return 0;
}

static void
top_str(char *out, size_t len, const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(out, len, "%s", s != NULL ? s : "?");
}

static int
top_drop_cmp(const void *a, const void *b)
{
	const struct top_drop *x = a, *y = b;
	int c = strcmp(x->port, y->port);

	return c != 0 ? c : strcmp(x->reason, y->reason);
}

static void
top_sample_free(struct top_sample *s)
{
	free(s->ports);
	free(s->drops);
	free(s->workers);
	memset(s, 0, sizeof(*s));
}

/*
 * Ask vsw at 'sock' for its counters. 0; 1 vsw refused ('why' has its
 * reason); 2 vsw cannot be reached or did not answer ('why' says how).
 */
static int
top_fetch(const char *sock, struct top_sample *s, char *why, size_t whylen)
{
	static const char *const words[] = { "--json", "show", "stats", NULL };
	const json_t *ports, *drops, *workers, *o;
	struct vsw_reply r;
	json_error_t e;
	json_t *j;
	size_t i;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = vsw_request(sock, &r, words);
	if (rc != 0 || !r.ok) {
		snprintf(why, whylen, "%s", r.text != NULL ? r.text : "no reply from vsw");
		vsw_reply_free(&r);
		return rc != 0 ? 2 : 1;
	}
	s->t = top_now();
	j = json_loads(r.text, 0, &e);
	vsw_reply_free(&r);
	if (j == NULL) {
		/* a cut-off answer: vsw went away while it wrote it */
		snprintf(why, whylen, "vsw's reply is not JSON: %s", e.text);
		return 2;
	}
	ports = json_object_get(j, "ports");
	drops = json_object_get(j, "drops");
	workers = json_object_get(j, "workers");
	s->ports = calloc(json_array_size(ports) + 1, sizeof(*s->ports));
	s->drops = calloc(json_array_size(drops) + 1, sizeof(*s->drops));
	s->workers = calloc(json_array_size(workers) + 1, sizeof(*s->workers));
	if (s->ports == NULL || s->drops == NULL || s->workers == NULL) {
		json_decref(j);
		top_sample_free(s);
		snprintf(why, whylen, "out of memory");
		return 2;
	}
	json_array_foreach(ports, i, o) {
		struct top_port *p = &s->ports[s->n_ports++];

		top_str(p->name, sizeof(p->name), o, "port");
		p->rx = top_u64(o, "rx");
		p->rx_bytes = top_u64(o, "rx_bytes");
		p->tx = top_u64(o, "tx");
		p->tx_bytes = top_u64(o, "tx_bytes");
		p->drops = top_u64(o, "drops");
		p->lost = top_u64(o, "rx_kernel_drops");
	}
	json_array_foreach(drops, i, o) {
		struct top_drop *d = &s->drops[s->n_drops++];

		top_str(d->port, sizeof(d->port), o, "port");
		top_str(d->reason, sizeof(d->reason), o, "reason");
		top_str(d->desc, sizeof(d->desc), o, "description");
		d->count = top_u64(o, "count");
	}
	qsort(s->drops, s->n_drops, sizeof(*s->drops), top_drop_cmp);
	json_array_foreach(workers, i, o) {
		struct top_worker *w = &s->workers[s->n_workers++];

		top_str(w->id, sizeof(w->id), o, "worker");
		w->iterations = top_u64(o, "iterations");
		w->busy = top_u64(o, "busy");
	}
	json_decref(j);
	return 0;
}

/* ---- rates ----------------------------------------------------------------- */

/*
 * What 'cur' gained since 'prev', per second. A counter that went back
 * belongs to a port removed and added again in the interval (a new port
 * starts from zero), as does one with nothing before it: all of it is new.
 */
static double
top_rate(uint64_t cur, const uint64_t *prev, double dt)
{
	uint64_t d = prev == NULL || cur < *prev ? cur : cur - *prev;

	return (double)d / dt;
}

static const struct top_port *
top_find_port(const struct top_sample *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_ports; i++)
		if (strcmp(s->ports[i].name, name) == 0)
			return &s->ports[i];
	return NULL;
}

static int
top_row_cmp(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;
	double px = x->rx + x->tx, py = y->rx + y->tx;
	double bx = x->rx_bits + x->tx_bits, by = y->rx_bits + y->tx_bits;

	/* busiest: packets first (a switch's work is per packet), then
	 * bits, then what it drops */
	if (px != py)
		return px > py ? -1 : 1;
	if (bx != by)
		return bx > by ? -1 : 1;
	if (x->drops + x->lost != y->drops + y->lost)
		return x->drops + x->lost > y->drops + y->lost ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int
top_drop_row_cmp(const void *a, const void *b)
{
	const struct top_drop_row *x = a, *y = b;

	if (x->rate != y->rate)
		return x->rate > y->rate ? -1 : 1;
	if (x->d->count != y->d->count)
		return x->d->count > y->d->count ? -1 : 1;
	return top_drop_cmp(x->d, y->d);
}

/* ---- drawing --------------------------------------------------------------- */

/* 'v' in three digits with an SI prefix: 0, 12.5, 999, 1.23k, 45.6M. */
static const char *
top_si(char *buf, size_t len, double v)
{
	static const char prefix[] = " kMGTPE";
	unsigned u = 0;

	if (v <= 0.0) {
		snprintf(buf, len, "0");
		return buf;
	}
	while (v >= 999.5 && u + 1 < sizeof(prefix) - 1) {
		v /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.*f", v < 99.95 ? 1 : 0, v);
	else
		snprintf(buf, len, "%.*f%c", v < 9.995 ? 2 : v < 99.95 ? 1 : 0, v, prefix[u]);
	return buf;
}

struct top_screen {
	FILE *f;
	unsigned cols;                  /* cut lines to this (terminal); 0: don't */
};

/* One line: cut to the terminal's width (a wrapped line would push the
 * frame off the screen), the rest of the old frame's line erased. */
static void
top_line(struct top_screen *sc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
top_line(struct top_screen *sc, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (sc->cols > 0 && strlen(line) > sc->cols)
		line[sc->cols] = '\0';
	fprintf(sc->f, "%s%s\n", line, top_tty ? "\033[K" : "");
}

static void
top_term_size(unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

/* The frame for the change from 'prev' to 'cur', written to stdout whole. */
static int
top_draw(const struct top_sample *prev, const struct top_sample *cur,
	 const struct top_opts *o)
{
	double dt = cur->t - prev->t;
	struct top_row *rows = calloc(cur->n_ports + 1, sizeof(*rows));
	struct top_drop_row *drows = calloc(cur->n_drops + 1, sizeof(*drows));
	struct top_screen sc = { 0 };
	unsigned term_rows = 0, term_cols = 0;
	size_t i, k, n_show, d_show, dropping = 0, len = 0;
	char *buf = NULL, wl[512], tm[16], b[6][16];
	int width = 4, wlen;
	time_t now = time(NULL);

	if (rows == NULL || drows == NULL) {
		free(rows);
		free(drows);
		return -1;
	}
	if (dt <= 0)
		dt = 1e-6;
	for (i = 0; i < cur->n_ports; i++) {
		const struct top_port *c = &cur->ports[i], *p = top_find_port(prev, c->name);
		struct top_row *r = &rows[i];

		r->name = c->name;
		r->rx = top_rate(c->rx, p ? &p->rx : NULL, dt);
		r->rx_bits = 8 * top_rate(c->rx_bytes, p ? &p->rx_bytes : NULL, dt);
		r->tx = top_rate(c->tx, p ? &p->tx : NULL, dt);
		r->tx_bits = 8 * top_rate(c->tx_bytes, p ? &p->tx_bytes : NULL, dt);
		r->drops = top_rate(c->drops, p ? &p->drops : NULL, dt);
		r->lost = top_rate(c->lost, p ? &p->lost : NULL, dt);
		dropping += r->drops + r->lost > 0;
	}
	qsort(rows, cur->n_ports, sizeof(*rows), top_row_cmp);
	/* both lists sorted by port and reason: one walk pairs them */
	for (i = 0, k = 0; i < cur->n_drops; i++) {
		const struct top_drop *d = &cur->drops[i];
		const uint64_t *before = NULL;
		int c = 1;

		while (k < prev->n_drops && (c = top_drop_cmp(&prev->drops[k], d)) < 0)
			k++;
		if (k < prev->n_drops && c == 0)
			before = &prev->drops[k].count;
		drows[i].d = d;
		/* a reason not listed before had no drops (show stats lists
		 * the counts that are not 0): all of its count is new */
		drows[i].rate = top_rate(d->count, before, dt);
	}
	qsort(drows, cur->n_drops, sizeof(*drows), top_drop_row_cmp);

	n_show = cur->n_ports;
	d_show = cur->n_drops;
	if (top_tty) {
		size_t avail, dl, used;

		top_term_size(&term_rows, &term_cols);
		sc.cols = term_cols;
		/* title, workers, blank, column heads; the last row stays free
		 * so that the terminal never scrolls. A cut list takes a line
		 * to say so. */
		avail = term_rows > 6 ? term_rows - 5 : 1;
		dl = d_show ? 2 + TOP_MIN(d_show, TOP_DROP_ROWS_TTY) + (d_show > TOP_DROP_ROWS_TTY) : 0;
		if (o->ports != 0) {
			n_show = TOP_MIN(n_show, o->ports);
		} else if (n_show + dl > avail) {
			n_show = avail > dl + 2 ? avail - dl - 1 : 1;
			n_show = TOP_MIN(n_show, cur->n_ports);
		}
		used = n_show + (n_show < cur->n_ports);
		avail = avail > used ? avail - used : 0;
		if (avail < 3)
			d_show = 0;
		else if (d_show > avail - 2)
			d_show = avail - 3;     /* and a line for the rest */
	} else if (o->ports != 0) {
		n_show = TOP_MIN(n_show, o->ports);
	}
	for (i = 0; i < n_show; i++)
		if ((int)strlen(rows[i].name) > width)
			width = (int)strlen(rows[i].name);
	if (width > TOP_NAME_COLS)
		width = TOP_NAME_COLS;

	sc.f = open_memstream(&buf, &len);
	if (sc.f == NULL) {
		free(rows);
		free(drows);
		return -1;
	}
	if (top_tty)
		fputs("\033[H", sc.f);          /* home; each line erases its old tail */
	strftime(tm, sizeof(tm), "%H:%M:%S", localtime(&now));
	top_line(&sc, "vsw top  %s  every %g s  %zu port%s, %zu dropping%s", tm, o->interval,
		 cur->n_ports, cur->n_ports == 1 ? "" : "s", dropping,
		 top_tty ? "  (q quits)" : "");
	wlen = snprintf(wl, sizeof(wl), "workers busy (polls that found frames):");
	for (i = 0; i < cur->n_workers && wlen < (int)sizeof(wl) - 32; i++) {
		const struct top_worker *w = &cur->workers[i];
		const struct top_worker *pw = i < prev->n_workers &&
			strcmp(prev->workers[i].id, w->id) == 0 ? &prev->workers[i] : NULL;
		uint64_t it = pw && w->iterations >= pw->iterations ?
			      w->iterations - pw->iterations : 0;
		uint64_t busy = pw && w->busy >= pw->busy ? w->busy - pw->busy : 0;

		/* adaptive polling spins a while before it sleeps: light
		 * traffic is a small share, shown to two decimals */
		if (it > 0) {
			double pct = 100.0 * (double)busy / (double)it;

			wlen += snprintf(wl + wlen, sizeof(wl) - (size_t)wlen, "  %s: %.*f%%",
					 w->id, pct < 10 ? 2 : 1, pct);
		} else {
			wlen += snprintf(wl + wlen, sizeof(wl) - (size_t)wlen, "  %s: -", w->id);
		}
	}
	if (cur->n_workers == 0)
		snprintf(wl + wlen, sizeof(wl) - (size_t)wlen, " none");
	top_line(&sc, "%s", wl);
	top_line(&sc, "%s", "");
	top_line(&sc, "%-*s %9s %9s %9s %9s %8s %8s", width, "PORT", "RX pkt/s", "RX bit/s",
		 "TX pkt/s", "TX bit/s", "DROP/s", "LOST/s");
	for (i = 0; i < n_show; i++) {
		const struct top_row *r = &rows[i];

		top_line(&sc, "%-*.*s %9s %9s %9s %9s %8s %8s", width, TOP_NAME_COLS, r->name,
			 top_si(b[0], 16, r->rx), top_si(b[1], 16, r->rx_bits),
			 top_si(b[2], 16, r->tx), top_si(b[3], 16, r->tx_bits),
			 top_si(b[4], 16, r->drops), top_si(b[5], 16, r->lost));
	}
	if (n_show < cur->n_ports)
		top_line(&sc, "(%zu quieter port%s not shown)", cur->n_ports - n_show,
			 cur->n_ports - n_show == 1 ? "" : "s");
	if (d_show > 0) {
		int pw = 4, rw = 6;

		for (i = 0; i < d_show; i++) {
			if ((int)strlen(drows[i].d->port) > pw)
				pw = (int)strlen(drows[i].d->port);
			if ((int)strlen(drows[i].d->reason) > rw)
				rw = (int)strlen(drows[i].d->reason);
		}
		top_line(&sc, "%s", "");
		top_line(&sc, "%-*s %-*s %9s %12s  %s", pw, "PORT", rw, "REASON", "DROPS/s",
			 "TOTAL", "WHY");
		for (i = 0; i < d_show; i++) {
			const struct top_drop_row *r = &drows[i];

			top_line(&sc, "%-*s %-*s %9s %12" PRIu64 "  %s", pw, r->d->port, rw,
				 r->d->reason, top_si(b[0], 16, r->rate), r->d->count, r->d->desc);
		}
		if (d_show < cur->n_drops)
			top_line(&sc, "(%zu more drop reason%s)", cur->n_drops - d_show,
				 cur->n_drops - d_show == 1 ? "" : "s");
	}
	if (top_tty)
		fputs("\033[J", sc.f);          /* what the old frame had below */
	else
		fputs("\n", sc.f);
	fclose(sc.f);
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
	free(buf);
	free(rows);
	free(drows);
	return 0;
}

/* ---- the terminal ---------------------------------------------------------- */

static void
top_term_restore(void)
{
	if (top_raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &top_saved);
		top_raw = false;
	}
	if (top_tty) {
		fputs("\033[?25h", stdout);     /* the cursor back */
		fflush(stdout);
	}
}

/* Keys one at a time, unechoed; ^C stays a signal (ISIG). */
static void
top_term_raw(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &top_saved) != 0)
		return;
	t = top_saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
		top_raw = true;
}

/*
 * Wait until 'deadline' (top_now()'s clock). true: quit ('q', a signal);
 * false: the time came.
 */
static bool
top_wait(double deadline)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	while (!top_quit) {
		double left = deadline - top_now();
		int ms;

		if (left <= 0)
			return false;
		ms = (int)(left * 1000.0) + 1;
		if (poll(&pfd, top_raw ? 1 : 0, ms) > 0 && (pfd.revents & POLLIN)) {
			char c[32];
			ssize_t n = read(STDIN_FILENO, c, sizeof(c)), i;

			for (i = 0; i < n; i++)
				if (c[i] == 'q' || c[i] == 'Q')
					return true;
		}
	}
	return true;
}

/* ---- the command ----------------------------------------------------------- */

static int
top_number(const char *opt, const char *v, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = v != NULL ? strtod(v, &end) : NAN;
	if (v == NULL || *v == '\0' || *end != '\0' || errno != 0 || !isfinite(*out) ||
	    *out < lo || *out > hi) {
		fprintf(stderr, "vswctl top: %s needs a number from %.15g to %.15g%s%s%s\n", opt, lo, hi,
			v != NULL ? " (not '" : "", v != NULL ? v : "", v != NULL ? "')" : "");
		return -1;
	}
	return 0;
}

/* A count: 1 to 'hi', no fraction. */
static int
top_whole(const char *opt, const char *v, double hi, double *out)
{
	if (top_number(opt, v, 1, hi, out) != 0)
		return -1;
	if (*out != (double)(unsigned long)*out) {
		fprintf(stderr, "vswctl top: %s takes a whole number (not '%s')\n", opt, v);
		return -1;
	}
	return 0;
}

static int
top_args(int argc, char **argv, struct top_opts *o)
{
	int i;

	o->interval = 1.0;
	o->count = 0;
	o->ports = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		char opt[32];
		const char *v;
		double x;

		snprintf(opt, sizeof(opt), "%.*s", eq != NULL ? (int)(eq - a) : (int)strlen(a), a);
		if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
			usage(stdout);
			return 1;
		}
		v = eq != NULL ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (strcmp(opt, "--interval") == 0 || strcmp(opt, "-d") == 0) {
			if (top_number(opt, v, TOP_INTERVAL_MIN, TOP_INTERVAL_MAX, &x) != 0)
				return -1;
			o->interval = x;
		} else if (strcmp(opt, "--count") == 0 || strcmp(opt, "-n") == 0) {
			if (top_whole(opt, v, 1e9, &x) != 0)
				return -1;
			o->count = (unsigned long)x;
		} else if (strcmp(opt, "--ports") == 0 || strcmp(opt, "-p") == 0) {
			if (top_whole(opt, v, 1e6, &x) != 0)
				return -1;
			o->ports = (unsigned long)x;
		} else {
			fprintf(stderr, "vswctl top: unknown argument '%s'\n", a);
			return -1;
		}
	}
	return 0;
}

int
vswctl_top(const char *sock, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = top_on_signal };
	struct top_sample prev, cur;
	struct top_opts o;
	unsigned long shown = 0;
	char why[512];
	double next;
	int rc;

	rc = top_args(argc, argv, &o);
	if (rc != 0) {
		if (rc < 0)
			usage(stderr);
		return rc < 0 ? 2 : 0;
	}
	rc = top_fetch(sock, &prev, why, sizeof(why));
	if (rc != 0) {
		fprintf(stderr, "vswctl: %s\n", why);
		return rc;
	}
	/* no SA_RESTART: a signal ends the wait in poll() at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	top_tty = isatty(STDOUT_FILENO);
	if (top_tty) {
		if (isatty(STDIN_FILENO))
			top_term_raw();
		/* no cursor, a clean screen, and a word until the first
		 * interval has passed (rates need two answers) */
		printf("\033[?25l\033[H\033[2Jvsw top: first figures in %g s  (q quits)\033[K\n",
		       o.interval);
		fflush(stdout);
	}
	next = prev.t + o.interval;
	rc = 0;
	while (o.count == 0 || shown < o.count) {
		double now;

		if (top_wait(next))
			break;
		rc = top_fetch(sock, &cur, why, sizeof(why));
		if (rc != 0)
			break;
		if (top_draw(&prev, &cur, &o) != 0) {
			snprintf(why, sizeof(why), "out of memory");
			top_sample_free(&cur);
			rc = 2;
			break;
		}
		shown++;
		top_sample_free(&prev);
		prev = cur;
		/* on the interval's grid; after a slow answer, a whole one on */
		next += o.interval;
		now = top_now();
		if (next < now)
			next = now + o.interval;
	}
	top_term_restore();
	top_sample_free(&prev);
	if (rc == 2)
		fprintf(stderr, "vswctl: vsw at %s went away: %s\n", sock, why);
	else if (rc == 1)
		fprintf(stderr, "vswctl: %s\n", why);
	return rc;
}
