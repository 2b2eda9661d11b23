/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "ctl/capture.h"
#include "ctl/pcapng.h"
#include "switch/capture.h"
#include "switch/loop.h"

#define SNAPLEN_MAX 262144              /* tcpdump's default and ceiling */
/* A stream's buffer: frames wait here for a reader; past it, in the ring,
 * then they are lost. 8 MiB is about 60 ms of 1 Gbit/s. */
#define OUT_MAX (8u << 20)
#define TICK_NS 2000000                 /* the rings are drained every 2 ms */
#define DRAIN_BURST 256
#define END_WRITE_S 2                   /* the last bytes of a stream, blocking */
#define NO_IF 0xffff

struct stream {
	int fd;                         /* -1: a free slot */
	struct capture *cap;
	uint16_t ifid[TOPO_MAX_PORTS];  /* by port: its interface, NO_IF */
	uint16_t port[TOPO_MAX_PORTS];  /* by interface: the port */
	char name[TOPO_MAX_PORTS][TOPO_NAME_MAX]; /* by interface */
	uint64_t delivered[TOPO_MAX_PORTS]; /* by interface */
	unsigned n_if;
	uint64_t count;                 /* frames to write, 0: no limit */
	uint64_t written;
	uint64_t start_ns, until_ns;    /* loop_clock_ns(); until 0: no limit */
	int64_t real_offset;            /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	struct pcapng_buf out;
};

struct capture_ctl {
	struct vsw *sw;
	int epfd;
	uint64_t ev_id;
	int tfd;
	bool ticking;
	unsigned seq;                   /* ring names */
	struct stream st[CAPTURE_STREAMS];
};

bool
capture_is_request(const char *req, size_t len)
{
	while (len > 0 && *req == ' ') {
		req++;
		len--;
	}
	return len >= 7 && memcmp(req, "capture", 7) == 0 && (len == 7 || req[7] == ' ');
}

static uint64_t
realtime_offset(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec - loop_clock_ns();
}

/* Write all of 'buf' to 'fd', blocking at most END_WRITE_S seconds. */
static void
write_bounded(int fd, const void *buf, size_t len)
{
	struct timeval tv = { END_WRITE_S, 0 };
	size_t off = 0;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (off < len) {
		ssize_t w = send(fd, (const char *)buf + off, len - off, MSG_NOSIGNAL);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

static void
refuse(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
refuse(int fd, const char *fmt, ...)
{
	char msg[600];
	int n;
	va_list ap;

	memcpy(msg, "ERR ", 4);
	va_start(ap, fmt);
	n = vsnprintf(msg + 4, sizeof(msg) - 6, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	n = (int)strlen(msg);
	msg[n++] = '\n';
	write_bounded(fd, msg, (size_t)n);
	shutdown(fd, SHUT_WR);
	close(fd);
}

/* ---- sessions -------------------------------------------------------------- */

static void
session_free(struct capture *c)
{
	struct rte_mbuf *m;

	if (c == NULL)
		return;
	if (c->ring != NULL) {
		while (rte_ring_sc_dequeue(c->ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(c->ring);
	}
	if (c->bpf != NULL)
		rte_bpf_destroy(c->bpf);
	free(c->stat);
	free(c);
}

/*
 * DPDK's converter (lib/bpf/bpf_convert.c, 22.11 and still in its latest
 * source) maps classic BPF's indexed loads, "ldb [x + 14]", as it maps
 * ALU instructions: the index register comes from BPF_SRC(code), which is
 * 0 for BPF_IND, so the load is indexed by A (eBPF R0) instead of X
 * (R7). Every filter past the IP header ("icmp[icmptype] ==
 * icmp-echoreply", "tcp port 80" on a fragment check, "tcp[13] & 2")
 * then matches nothing. Put X back in those loads.
 */
static void
fix_ind_loads(struct rte_bpf_prm *prm)
{
	uint32_t i;

	for (i = 0; i < prm->nb_ins; i++) {
		struct ebpf_insn *in = (struct ebpf_insn *)(uintptr_t)&prm->ins[i];

		if (BPF_CLASS(in->code) == BPF_LD && BPF_MODE(in->code) == BPF_IND)
			in->src_reg = EBPF_REG_7;       /* the converter's X */
	}
}

/* libpcap's compiler, DPDK's converter and loader: 0 or -1 with 'err'. */
static int
session_filter(struct capture *c, const char *expr, char *err, size_t errlen)
{
	struct bpf_program prog;
	struct rte_bpf_prm *prm;
	struct rte_bpf_jit jit = { 0 };
	pcap_t *pc = pcap_open_dead(DLT_EN10MB, (int)c->snaplen);

	if (pc == NULL) {
		snprintf(err, errlen, "libpcap: out of memory");
		return -1;
	}
	if (pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "filter '%s': %s", expr, pcap_geterr(pc));
		pcap_close(pc);
		return -1;
	}
	pcap_close(pc);
	prm = rte_bpf_convert(&prog);
	pcap_freecode(&prog);
	if (prm == NULL) {
		snprintf(err, errlen, "filter '%s': DPDK cannot convert it: %s", expr,
			 rte_strerror(rte_errno));
		return -1;
	}
	fix_ind_loads(prm);
	c->bpf = rte_bpf_load(prm);
	rte_free(prm);
	if (c->bpf == NULL) {
		snprintf(err, errlen, "filter '%s': DPDK cannot load it: %s", expr,
			 rte_strerror(rte_errno));
		return -1;
	}
	if (rte_bpf_get_jit(c->bpf, &jit) == 0 && jit.func != NULL)
		c->jit = jit.func;
	return 0;
}

/* Publish the set of sessions 'keep' plus 'add' (NULL: none) under the
 * barrier, then free the old set: no worker can hold it after release. */
static int
publish(struct capture_ctl *cc, struct capture *add, struct capture *del)
{
	struct vsw *sw = cc->sw;
	struct capture_set *old = sw->capture, *cs = calloc(1, sizeof(*cs));
	unsigned i, p;

	if (cs == NULL)
		return -ENOMEM;
	for (i = 0; old != NULL && i < old->n; i++)
		if (old->c[i] != del)
			cs->c[cs->n++] = old->c[i];
	if (add != NULL)
		cs->c[cs->n++] = add;
	for (i = 0; i < cs->n; i++)
		for (p = 0; p < TOPO_MAX_PORTS; p++) {
			cs->what[p] |= cs->c[i]->what[p];
			if (cs->c[i]->what[p] & CAPTURE_DROP)
				cs->drops = true;
		}
	if (cs->n == 0) {
		free(cs);
		cs = NULL;
	}
	loop_barrier_sync(sw);
	capture_publish(sw, cs);
	loop_barrier_release(sw);
	free(old);
	return 0;
}

/* ---- the request ------------------------------------------------------------ */

struct ask {
	const char *target;
	unsigned what;                  /* enum capture_what bits */
	uint32_t snaplen;
	uint64_t count;
	double duration;
	char filter[1024];
};

static int
parse_u64(const char *opt, const char *v, uint64_t lo, uint64_t hi, uint64_t *out,
	  char *err, size_t errlen)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = v ? strtoull(v, &end, 10) : 0;
	if (v == NULL || *v < '0' || *v > '9' || *end != '\0' || errno != 0 ||
	    n < lo || n > hi) {
		snprintf(err, errlen, "%s takes a number from %llu to %llu", opt,
			 (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	*out = n;
	return 0;
}

static int
parse_ask(int argc, char **argv, struct ask *q, char *err, size_t errlen)
{
	unsigned dirs = 0;
	uint64_t v;
	int i;

	memset(q, 0, sizeof(*q));
	q->snaplen = SNAPLEN_MAX;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--rx") == 0) {
			dirs |= CAPTURE_RX;
		} else if (strcmp(a, "--tx") == 0) {
			dirs |= CAPTURE_TX;
		} else if (strcmp(a, "--both") == 0) {
			dirs |= CAPTURE_RX | CAPTURE_TX;
		} else if (strcmp(a, "--drops") == 0) {
			q->what |= CAPTURE_DROP;
		} else if (strcmp(a, "--snaplen") == 0) {
			if (parse_u64(a, next, 64, SNAPLEN_MAX, &v, err, errlen) < 0)
				return -1;
			q->snaplen = (uint32_t)v;
			i++;
		} else if (strcmp(a, "--count") == 0) {
			if (parse_u64(a, next, 1, UINT32_MAX, &q->count, err, errlen) < 0)
				return -1;
			i++;
		} else if (strcmp(a, "--duration") == 0) {
			char *end;

			errno = 0;
			q->duration = next ? strtod(next, &end) : 0;
			if (next == NULL || *end != '\0' || errno != 0 || !isfinite(q->duration) ||
			    q->duration <= 0 || q->duration > 7 * 86400) {
				snprintf(err, errlen, "--duration takes seconds, more than 0 and at most a week");
				return -1;
			}
			i++;
		} else if (strcmp(a, "--filter") == 0) {
			size_t len = 0;

			/* the rest of the request is the expression */
			for (i++; i < argc; i++) {
				int n = snprintf(q->filter + len, sizeof(q->filter) - len, "%s%s",
						 len ? " " : "", argv[i]);

				if (n < 0 || (size_t)n >= sizeof(q->filter) - len) {
					snprintf(err, errlen, "the filter is longer than %zu bytes",
						 sizeof(q->filter) - 1);
					return -1;
				}
				len += (size_t)n;
			}
			if (len == 0) {
				snprintf(err, errlen, "--filter takes an expression (libpcap's syntax, as tcpdump's)");
				return -1;
			}
		} else if (a[0] == '-') {
			snprintf(err, errlen, "unknown option %s; usage: %s", a, CAPTURE_USAGE);
			return -1;
		} else if (q->target == NULL) {
			q->target = a;
		} else {
			snprintf(err, errlen, "one port or network to capture (%s and %s given)",
				 q->target, a);
			return -1;
		}
	}
	if (q->target == NULL) {
		snprintf(err, errlen, "which port or network? usage: %s", CAPTURE_USAGE);
		return -1;
	}
	/* --drops alone: only the drops; no direction at all: both */
	if (dirs == 0 && !(q->what & CAPTURE_DROP))
		dirs = CAPTURE_RX | CAPTURE_TX;
	q->what |= dirs;
	return 0;
}

/* The ports 'target' names into s->ifid/port/name. 0 or -1 with 'err'. */
static int
resolve(struct capture_ctl *cc, struct stream *s, const char *target, char *err,
	size_t errlen)
{
	struct vsw *sw = cc->sw;
	const struct topology *t = sw->run;
	int bridge = -1, macvlan = -1;
	bool all = strcmp(target, "all") == 0;
	unsigned i;

	for (i = 0; i < TOPO_MAX_PORTS; i++)
		s->ifid[i] = NO_IF;
	s->n_if = 0;
	for (i = 0; i < sw->n_bridges; i++)
		if (sw->bridges[i].fdb != NULL && strcmp(t->bridges[i].name, target) == 0)
			bridge = (int)i;
	for (i = 0; i < t->n_macvlans; i++)
		if (t->macvlans[i].name[0] && strcmp(t->macvlans[i].name, target) == 0)
			macvlan = (int)i;
	for (i = 0; i < sw->n_ports; i++) {
		const struct port *p = &sw->ports[i];
		bool in;

		if (p->ops == NULL)
			continue;
		in = all || strcmp(p->name, target) == 0 ||
		     (bridge >= 0 && t->ports[i].bridge == bridge) ||
		     (macvlan >= 0 && t->ports[i].macvlan == macvlan);
		if (!in)
			continue;
		s->ifid[i] = (uint16_t)s->n_if;
		s->port[s->n_if] = (uint16_t)i;
		snprintf(s->name[s->n_if], TOPO_NAME_MAX, "%s", p->name);
		s->n_if++;
	}
	if (s->n_if == 0) {
		if (bridge >= 0 || macvlan >= 0)
			snprintf(err, errlen, "network %s has no ports to capture", target);
		else
			snprintf(err, errlen, "no port or network %s (vswctl show ports, vswctl network ls)",
				 target);
		return -1;
	}
	return 0;
}

static void
tick_on(struct capture_ctl *cc, bool on)
{
	struct itimerspec its = { { 0, on ? TICK_NS : 0 }, { 0, on ? TICK_NS : 0 } };

	if (cc->ticking == on)
		return;
	timerfd_settime(cc->tfd, 0, &its, NULL);
	cc->ticking = on;
}

void
capture_ctl_start(struct capture_ctl *cc, int fd, const char *req, size_t len)
{
	char buf[4096], *words[512], *tok, *save = NULL, err[512] = "", desc[256];
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct vsw *sw = cc->sw;
	struct stream *s = NULL;
	struct capture *c = NULL;
	struct utsname un;
	struct ask q;
	int argc = 0;
	unsigned i;

	if (len >= sizeof(buf)) {
		refuse(fd, "request too long");
		return;
	}
	memcpy(buf, req, len);
	buf[len] = '\0';
	for (tok = strtok_r(buf, " \t\r", &save); tok && argc < (int)RTE_DIM(words);
	     tok = strtok_r(NULL, " \t\r", &save))
		words[argc++] = tok;
	if (parse_ask(argc, words, &q, err, sizeof(err)) < 0) {
		refuse(fd, "%s", err);
		return;
	}
	for (i = 0; i < CAPTURE_STREAMS; i++)
		if (cc->st[i].fd < 0) {
			s = &cc->st[i];
			break;
		}
	if (s == NULL) {
		refuse(fd, "%d captures run already (vsw takes no more at once)", CAPTURE_STREAMS);
		return;
	}
	if (resolve(cc, s, q.target, err, sizeof(err)) < 0) {
		refuse(fd, "%s", err);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c != NULL) {
		c->n_workers = sw->n_workers ? sw->n_workers : 1;
		c->stat = calloc((size_t)c->n_workers * TOPO_MAX_PORTS, sizeof(*c->stat));
	}
	if (c == NULL || c->stat == NULL) {
		if (c != NULL)
			free(c);
		refuse(fd, "out of memory");
		return;
	}
	c->snaplen = q.snaplen;
	for (i = 0; i < s->n_if; i++)
		c->what[s->port[i]] = (uint8_t)q.what;
	if (q.filter[0] && session_filter(c, q.filter, err, sizeof(err)) < 0) {
		session_free(c);
		refuse(fd, "%s", err);
		return;
	}
	c->pool = capture_pool();
	if (c->pool == NULL) {
		session_free(c);
		refuse(fd, "no memory for the capture pool: %s", rte_strerror(rte_errno));
		return;
	}
	snprintf(desc, sizeof(desc), "vsw_cap%u", cc->seq++);
	c->ring = rte_ring_create(desc, CAPTURE_RING, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (c->ring == NULL) {
		session_free(c);
		refuse(fd, "no capture ring: %s", rte_strerror(rte_errno));
		return;
	}

	/* the stream: OK, the section, an interface a port */
	memset(&s->out, 0, sizeof(s->out));
	s->out.max = OUT_MAX;
	memset(s->delivered, 0, sizeof(s->delivered));
	s->count = q.count;
	s->written = 0;
	s->start_ns = loop_clock_ns();
	s->until_ns = q.duration > 0 ? s->start_ns + (uint64_t)(q.duration * 1e9) : 0;
	s->real_offset = (int64_t)realtime_offset();
	if (uname(&un) == 0)
		snprintf(desc, sizeof(desc), "%s %s", un.sysname, un.release);
	else
		snprintf(desc, sizeof(desc), "Linux");
	if (pcapng_shb(&s->out, NULL, desc, "vsw " VSW_VERSION) < 0) {
		session_free(c);
		refuse(fd, "out of memory");
		return;
	}
	for (i = 0; i < s->n_if; i++) {
		const struct port *p = &sw->ports[s->port[i]];
		const struct topo_port *tp = &sw->run->ports[s->port[i]];
		char d[TOPO_PATH_MAX + 128];

		snprintf(d, sizeof(d), "vsw port %s: %s%s%s%s%s", p->name, p->ops->kind,
			 tp->iface[0] ? " " : "", tp->iface, tp->devargs[0] ? " " : "",
			 tp->devargs);
		if (pcapng_idb(&s->out, p->name, d, c->snaplen) < 0) {
			session_free(c);
			pcapng_free(&s->out);
			refuse(fd, "out of memory");
			return;
		}
	}
	if (publish(cc, c, NULL) < 0) {
		session_free(c);
		pcapng_free(&s->out);
		refuse(fd, "out of memory");
		return;
	}
	s->cap = c;
	s->fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	/* "OK\n" before the section: vswctl's reply line */
	if (send(fd, "OK\n", 3, MSG_NOSIGNAL) != 3) {
		/* the client left already: the stream ends at the next tick */
	}
	ev.data.u64 = cc->ev_id + 1 + (uint64_t)(s - cc->st);
	epoll_ctl(cc->epfd, EPOLL_CTL_ADD, fd, &ev);
	tick_on(cc, true);
}

/* ---- the stream ------------------------------------------------------------- */

static uint32_t
drop_flags(enum vsw_drop why)
{
	switch (why) {
	case VSW_DROP_TX_FULL:
	case VSW_DROP_TX_OFFLOAD:
	case VSW_DROP_TX_LINK_DOWN:
		return PCAPNG_OUTBOUND;
	default:
		return PCAPNG_INBOUND;
	}
}

/* Copies from the ring into the buffer, while it has room. */
static void
drain(struct stream *s)
{
	struct rte_mbuf *m[DRAIN_BURST];
	unsigned n, i;

	while (s->out.len + DRAIN_BURST * 256 < s->out.max) {
		n = rte_ring_sc_dequeue_burst(s->cap->ring, (void **)m, DRAIN_BURST, NULL);
		for (i = 0; i < n; i++) {
			const struct capture_meta *meta = capture_meta(m[i]);
			uint16_t ifid = meta->port < TOPO_MAX_PORTS ? s->ifid[meta->port] : NO_IF;
			uint32_t flags = meta->what == CAPTURE_TX ? PCAPNG_OUTBOUND :
					 meta->what == CAPTURE_RX ? PCAPNG_INBOUND :
					 drop_flags((enum vsw_drop)meta->reason);
			char comment[200];
			uint8_t *data;

			if (ifid == NO_IF || (s->count && s->written >= s->count)) {
				rte_pktmbuf_free(m[i]);
				continue;
			}
			if (meta->what == CAPTURE_DROP && meta->reason < VSW_DROP_MAX)
				snprintf(comment, sizeof(comment), "vsw drop %s: %s",
					 vsw_drop_name[meta->reason], vsw_drop_desc[meta->reason]);
			data = pcapng_epb(&s->out, ifid, meta->ns + (uint64_t)s->real_offset,
					  m[i]->pkt_len, meta->orig_len, flags,
					  meta->what == CAPTURE_DROP ? comment : NULL);
			if (data != NULL) {
				const void *src = rte_pktmbuf_read(m[i], 0, m[i]->pkt_len, data);

				if (src != data)
					memcpy(data, src, m[i]->pkt_len);
				s->written++;
				s->delivered[ifid]++;
			}
			/* no room (cannot happen below the margin): the copy goes */
			rte_pktmbuf_free(m[i]);
		}
		if (n < DRAIN_BURST)
			break;
	}
}

/* Send what the buffer holds without blocking; -1 when the reader left. */
static int
flush(struct stream *s)
{
	while (s->out.len > 0) {
		ssize_t w = send(s->fd, s->out.data, s->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		pcapng_consume(&s->out, (size_t)w);
	}
	return 0;
}

/* End 's': the session leaves the workers, the rest of its ring and the
 * statistics are written ('tell': the reader is still there), then the
 * connection closes. 'live': the workers run (the barrier is needed). */
static void
stream_end(struct capture_ctl *cc, struct stream *s, bool tell, bool live)
{
	struct capture *c = s->cap;
	uint64_t now;
	unsigned i, w;

	if (live) {
		publish(cc, NULL, c);
	} else {
		/* the workers have stopped: no barrier to take */
		struct capture_set *old = cc->sw->capture;

		if (old != NULL) {
			unsigned k, j = 0;

			for (k = 0; k < old->n; k++)
				if (old->c[k] != c)
					old->c[j++] = old->c[k];
			old->n = j;
			if (j == 0) {
				capture_publish(cc->sw, NULL);
				free(old);
			}
		}
	}
	epoll_ctl(cc->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	if (tell) {
		now = loop_clock_ns();
		s->out.max = SIZE_MAX;  /* the last of it, whatever it takes */
		drain(s);
		for (i = 0; i < s->n_if; i++) {
			uint64_t seen = 0, acc = 0, lost = 0;

			for (w = 0; w < c->n_workers; w++) {
				const struct capture_wstat *st = capture_stat(c, w, s->port[i]);

				seen += st->seen;
				acc += st->accepted;
				lost += st->lost;
			}
			pcapng_isb(&s->out, i, s->start_ns + (uint64_t)s->real_offset,
				   now + (uint64_t)s->real_offset, seen, acc, lost,
				   s->delivered[i]);
		}
		write_bounded(s->fd, s->out.data, s->out.len);
		shutdown(s->fd, SHUT_WR);
	}
	close(s->fd);
	s->fd = -1;
	s->cap = NULL;
	session_free(c);
	pcapng_free(&s->out);
	for (i = 0; i < CAPTURE_STREAMS; i++)
		if (cc->st[i].fd >= 0)
			return;
	tick_on(cc, false);
}

/* Ports removed while they are captured: their slot may come back as
 * another port, which this capture did not ask for. */
static void
check_ports(struct capture_ctl *cc, struct stream *s)
{
	unsigned i;

	for (i = 0; i < s->n_if; i++) {
		const struct port *p = &cc->sw->ports[s->port[i]];

		if (s->cap->what[s->port[i]] &&
		    (p->ops == NULL || strcmp(p->name, s->name[i]) != 0))
			/* one byte a worker reads: it sees either value */
			__atomic_store_n(&s->cap->what[s->port[i]], 0, __ATOMIC_RELAXED);
	}
}

static void
tick(struct capture_ctl *cc)
{
	uint64_t junk, now = loop_clock_ns();
	unsigned i;

	if (read(cc->tfd, &junk, sizeof(junk)) < 0 && errno != EAGAIN)
		return;
	for (i = 0; i < CAPTURE_STREAMS; i++) {
		struct stream *s = &cc->st[i];

		if (s->fd < 0)
			continue;
		check_ports(cc, s);
		drain(s);
		if (flush(s) < 0) {
			stream_end(cc, s, false, true);
			continue;
		}
		if ((s->count && s->written >= s->count) ||
		    (s->until_ns && now >= s->until_ns))
			stream_end(cc, s, true, true);
	}
}

void
capture_ctl_event(struct capture_ctl *cc, uint64_t id)
{
	struct stream *s;
	char junk[256];
	ssize_t r;

	if (id == cc->ev_id) {
		tick(cc);
		return;
	}
	if (id <= cc->ev_id || id > cc->ev_id + CAPTURE_STREAMS)
		return;
	s = &cc->st[id - cc->ev_id - 1];
	if (s->fd < 0)
		return;
	/* the client says nothing more: its end of the connection closing
	 * (vswctl on ^C shuts down its side, and reads the statistics), or
	 * going (it exited) */
	r = recv(s->fd, junk, sizeof(junk), MSG_DONTWAIT);
	if (r > 0 || (r < 0 && (errno == EAGAIN || errno == EINTR)))
		return;
	stream_end(cc, s, r == 0, true);
}

struct capture_ctl *
capture_ctl_open(struct vsw *sw, int epfd, uint64_t ev_id, char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ev_id };
	struct capture_ctl *cc = calloc(1, sizeof(*cc));
	unsigned i;

	if (cc == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cc->sw = sw;
	cc->epfd = epfd;
	cc->ev_id = ev_id;
	for (i = 0; i < CAPTURE_STREAMS; i++)
		cc->st[i].fd = -1;
	cc->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (cc->tfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, cc->tfd, &ev) < 0) {
		snprintf(err, errlen, "capture timer: %s", strerror(errno));
		if (cc->tfd >= 0)
			close(cc->tfd);
		free(cc);
		return NULL;
	}
	return cc;
}

void
capture_ctl_close(struct capture_ctl *cc)
{
	unsigned i;

	if (cc == NULL)
		return;
	/* vsw is stopping: the workers are gone (main.c waits for them before
	 * ctl_close), each stream gets the rest and its statistics */
	for (i = 0; i < CAPTURE_STREAMS; i++)
		if (cc->st[i].fd >= 0)
			stream_end(cc, &cc->st[i], true, false);
	epoll_ctl(cc->epfd, EPOLL_CTL_DEL, cc->tfd, NULL);
	close(cc->tfd);
	free(cc);
}
