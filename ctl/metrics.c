/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus endpoint (metrics.h).
 *
 * Event loop: libmicrohttpd runs with no thread of its own (MHD_USE_EPOLL,
 * external polling). What metrics_fd() gives the control thread is an
 * epoll set of our own holding
 *   - the listen socket: we accept and hand each connection to MHD
 *     (MHD_add_connection), so we own the socket and its unix path, and a
 *     unix peer's address is copied from a buffer its size;
 *   - MHD's epoll descriptor (its connections);
 *   - a timerfd armed from MHD_get_timeout() after every run: MHD must run
 *     by then for its idle timeouts and for connections it left work on;
 *   - a 1 s timerfd that samples the workers' loop counters for
 *     vsw_worker_busy_ratio.
 * Every socket is non-blocking and MHD_run() only does what is ready, so a
 * scrape costs the control thread the time it takes to format the text.
 *
 * Bad clients: at most METRICS_CONN_MAX connections (MHD closes the next
 * at once), each closed after METRICS_IDLE_S without a byte, with
 * METRICS_CONN_MEMORY for its request. A client that trickles a byte now
 * and then holds a slot until that memory is full; what it can deny is
 * other scrapes, never the control thread.
 *
 * Where the figures come from: the same words `vswctl show stats`, `show
 * bridges` and `show nat` print (vsw_port_counters, the FDB's and NAPT's
 * counters, the workers' loop stats, rte_mempool_in_use_count), read
 * without the worker barrier: each is one aligned word its one writer
 * updates, so each read is exact though the set is not one instant's. A
 * scrape every second never stops the workers.
 *
 * Series that come and go: a port's drops by reason appear, every reason
 * at once (0 for those not seen), from its first drop on. A port that never
 * dropped costs no series; one that did keeps all of them while it exists
 * (its counters only go back to 0 when the port is removed and its slot
 * reused), so a later reason's first drops are seen by rate(). NAT
 * metrics are there while the switch has a NAT table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>
#include <rte_common.h>
#include <rte_mempool.h>
#include <rte_version.h>

#include "ctl/metrics.h"
#include "nat/napt.h"
#include "nat/napt_port.h"

/* meson.build passes it; a build dir made before that did not */
#ifndef VSW_VERSION
#define VSW_VERSION "unknown"
#endif

#define METRICS_CONN_MAX 16             /* Prometheus servers and a curl or two */
#define METRICS_IDLE_S 10               /* > a 1 s scrape's keep-alive gap */
#define METRICS_CONN_MEMORY (16 * 1024) /* a scrape's request is ~300 bytes */
#define METRICS_ACCEPT_BATCH 16         /* accepts a run; the rest: the next */
#define METRICS_BACKLOG 16
#define BUSY_SAMPLES 11                 /* one a second: a 10 s window */

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The backend's own drops, named as `show stats` names them. */
#define BACKEND_DROPS 4
static const char *const backend_drop_name[BACKEND_DROPS] = {
	"rx_nombuf", "rx_errors", "rx_truncated", "tx_errors",
};

struct busy_sample {
	uint64_t iterations;
	uint64_t busy;
};

/* The workers' loop counters, a sample a second, the last BUSY_SAMPLES. */
struct busy_window {
	unsigned n;                     /* samples held */
	unsigned head;                  /* the next to write */
	struct busy_sample s[BUSY_SAMPLES][TOPO_MAX_WORKERS];
};

struct metrics {
	struct vsw *sw;
	struct MHD_Daemon *d;
	int lfd;
	int epfd;                       /* metrics_fd() */
	int mhd_tfd;                    /* MHD's next timeout */
	int tick_fd;                    /* 1 s: busy samples */
	bool accept_paused;             /* out of descriptors: see accept_some */
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* "": TCP */
	ino_t unix_ino;                 /* the socket file we made */
	double start_time;              /* Unix time vsw started */
	struct busy_window win;
};

/* The process's endpoint: metrics_text() takes only the switch, and the
 * busy window lives here. One vsw a process. */
static struct metrics *the_endpoint;

/* ---- the text ------------------------------------------------------------ */

struct port_snap {
	struct vsw_counters c;
	struct port_backend_stats bs;
	bool dropped;                   /* some reason is non-zero */
};

/* A label value: backslash, double quote and newline escaped. */
static void
put_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"') {
			fputc('\\', f);
			fputc(*v, f);
		} else if (*v == '\n') {
			fputs("\\n", f);
		} else {
			fputc(*v, f);
		}
	}
}

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k1="v1"[,k2="v2"]} without the value */
static void
series(FILE *f, const char *name, const char *k1, const char *v1,
       const char *k2, const char *v2)
{
	fputs(name, f);
	if (k1 == NULL)
		return;
	fprintf(f, "{%s=\"", k1);
	put_value(f, v1);
	if (k2 != NULL) {
		fprintf(f, "\",%s=\"", k2);
		put_value(f, v2);
	}
	fputs("\"}", f);
}

static void
sample_u64(FILE *f, const char *name, const char *k1, const char *v1,
	   const char *k2, const char *v2, uint64_t x)
{
	series(f, name, k1, v1, k2, v2);
	fprintf(f, " %" PRIu64 "\n", x);
}

static uint64_t
load_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Per-port counters of struct vsw_counters, one family each. */
static const struct {
	const char *name;
	const char *help;
	size_t off;
} port_counter[] = {
	{ "vsw_port_rx_packets_total", "Frames received on the port.",
	  offsetof(struct vsw_counters, rx) },
	{ "vsw_port_rx_bytes_total", "Bytes of the frames received on the port.",
	  offsetof(struct vsw_counters, rx_bytes) },
	{ "vsw_port_tx_packets_total", "Frames sent on the port.",
	  offsetof(struct vsw_counters, tx) },
	{ "vsw_port_tx_bytes_total", "Bytes of the frames sent on the port.",
	  offsetof(struct vsw_counters, tx_bytes) },
	{ "vsw_port_tx_flood_packets_total",
	  "Frames sent on the port as flood copies (broadcast, multicast, unknown unicast).",
	  offsetof(struct vsw_counters, flood) },
};

static void
put_ports(FILE *f, struct vsw *sw, const struct port_snap *snap)
{
	unsigned i, k, d, live = 0, dropped = 0;

	for (i = 0; i < sw->n_ports; i++)
		if (sw->ports[i].ops != NULL) {
			live++;
			dropped += snap[i].dropped;
		}
	if (live == 0)
		return;

	family(f, "vsw_port_info", "gauge", "A port: its kind (backend). Always 1.");
	for (i = 0; i < sw->n_ports; i++) {
		const struct port *p = &sw->ports[i];

		if (p->ops != NULL)
			sample_u64(f, "vsw_port_info", "port", p->name, "kind",
				   p->ops->kind, 1);
	}
	family(f, "vsw_port_up", "gauge",
	       "1 when the port's link is up and it is not set down, as vsw floods to it.");
	for (i = 0; i < sw->n_ports; i++) {
		const struct port *p = &sw->ports[i];

		if (p->ops != NULL)
			sample_u64(f, "vsw_port_up", "port", p->name, NULL, NULL,
				   !p->link_down);
	}
	family(f, "vsw_port_admin_up", "gauge",
	       "0 when the port is set down (vswctl port NAME down), else 1.");
	for (i = 0; i < sw->n_ports; i++) {
		const struct port *p = &sw->ports[i];

		if (p->ops != NULL)
			sample_u64(f, "vsw_port_admin_up", "port", p->name, NULL, NULL,
				   !p->admin_down);
	}
	for (k = 0; k < RTE_DIM(port_counter); k++) {
		family(f, port_counter[k].name, "counter", port_counter[k].help);
		for (i = 0; i < sw->n_ports; i++) {
			const struct port *p = &sw->ports[i];
			const uint64_t *v;

			if (p->ops == NULL)
				continue;
			v = (const uint64_t *)((const char *)&snap[i].c + port_counter[k].off);
			sample_u64(f, port_counter[k].name, "port", p->name, NULL, NULL, *v);
		}
	}
	if (dropped > 0) {
		family(f, "vsw_port_drops_total", "counter",
		       "Frames dropped, by the port they came in on or were for and "
		       "the reason (vswctl show stats). Every reason of a port from "
		       "its first drop on.");
		for (i = 0; i < sw->n_ports; i++) {
			const struct port *p = &sw->ports[i];
			const struct port_backend_stats *bs = &snap[i].bs;
			const uint64_t be[BACKEND_DROPS] = {
				bs->rx_nombuf, bs->rx_errors, bs->rx_truncated,
				bs->tx_errors,
			};

			if (p->ops == NULL || !snap[i].dropped)
				continue;
			for (d = 0; d < VSW_DROP_MAX; d++)
				sample_u64(f, "vsw_port_drops_total", "port", p->name,
					   "reason", vsw_drop_name[d], snap[i].c.drops[d]);
			for (d = 0; d < BACKEND_DROPS; d++)
				sample_u64(f, "vsw_port_drops_total", "port", p->name,
					   "reason", backend_drop_name[d], be[d]);
		}
	}
	family(f, "vsw_port_rx_kernel_drops_total", "counter",
	       "Frames lost before vsw saw them (the kernel's or the NIC's ring was full).");
	for (i = 0; i < sw->n_ports; i++) {
		const struct port *p = &sw->ports[i];

		if (p->ops != NULL)
			sample_u64(f, "vsw_port_rx_kernel_drops_total", "port", p->name,
				   NULL, NULL, snap[i].bs.rx_dropped);
	}
}

/* What a family of the bridges reads from one bridge. */
enum bridge_fig {
	BR_PORTS, BR_ENTRIES, BR_STATIC, BR_LIMIT, BR_LEARNED, BR_MOVED, BR_AGED,
	BR_FLUSHED, BR_FULL, BR_CONFLICT, BR_FLOODED, BR_UNICAST,
};

static const struct {
	const char *name;
	const char *type;
	const char *help;
	enum bridge_fig fig;
} bridge_family[] = {
	{ "vsw_bridge_ports", "gauge", "Ports on the bridge.", BR_PORTS },
	{ "vsw_bridge_fdb_entries", "gauge",
	  "MAC table entries, learned and static.", BR_ENTRIES },
	{ "vsw_bridge_fdb_static_entries", "gauge", "Static MAC table entries.",
	  BR_STATIC },
	{ "vsw_bridge_fdb_limit", "gauge",
	  "Learned entries the MAC table takes (mac_limit); at it new MACs are flooded.",
	  BR_LIMIT },
	{ "vsw_bridge_fdb_learned_total", "counter", "MACs learned.", BR_LEARNED },
	{ "vsw_bridge_fdb_moved_total", "counter", "Learned MACs that moved to another port.",
	  BR_MOVED },
	{ "vsw_bridge_fdb_aged_total", "counter", "Learned MACs aged out.", BR_AGED },
	{ "vsw_bridge_fdb_flushed_total", "counter",
	  "Learned MACs flushed (a port went down or was removed, vswctl fdb flush).",
	  BR_FLUSHED },
	{ "vsw_bridge_fdb_full_total", "counter",
	  "New MACs not learned because the table or the port was at its limit.", BR_FULL },
	{ "vsw_bridge_fdb_static_conflict_total", "counter",
	  "Frames whose source is a static MAC of another port.", BR_CONFLICT },
	{ "vsw_bridge_flooded_packets_total", "counter",
	  "Frames flooded (counted once, not per copy).", BR_FLOODED },
	{ "vsw_bridge_unicast_packets_total", "counter",
	  "Frames sent to the one port their destination MAC is known on.", BR_UNICAST },
};

static uint64_t
bridge_value(const struct vsw *sw, unsigned b, enum bridge_fig fig)
{
	const struct bridge *br = &sw->bridges[b];
	const struct fdb *fd = br->fdb;
	uint64_t sum = 0;
	unsigned w;

	switch (fig) {
	case BR_PORTS:
		return br->n_ports;
	case BR_ENTRIES:
		return (uint64_t)__atomic_load_n(&fd->count, __ATOMIC_RELAXED) + fd->n_static;
	case BR_STATIC:
		return fd->n_static;
	case BR_LIMIT:
		return fd->limit;
	case BR_LEARNED:
		return load_u64(&fd->st.learned);
	case BR_MOVED:
		return load_u64(&fd->st.moved);
	case BR_AGED:
		return load_u64(&fd->st.aged);
	case BR_FLUSHED:
		return load_u64(&fd->st.flushed);
	case BR_FULL:
		return load_u64(&fd->st.fdb_full);
	case BR_CONFLICT:
		return load_u64(&fd->st.static_conflict);
	case BR_FLOODED:
	case BR_UNICAST:
		for (w = 0; w < sw->n_workers; w++) {
			const struct bridge_counters *c = &sw->workers[w]->bcnt[b];

			sum += load_u64(fig == BR_FLOODED ? &c->flooded : &c->unicast);
		}
		return sum;
	}
	return 0;
}

static void
put_bridges(FILE *f, const struct vsw *sw)
{
	unsigned i, k, live = 0;

	for (i = 0; i < sw->n_bridges; i++)
		live += sw->bridges[i].fdb != NULL;
	if (live == 0)
		return;
	for (k = 0; k < RTE_DIM(bridge_family); k++) {
		family(f, bridge_family[k].name, bridge_family[k].type, bridge_family[k].help);
		for (i = 0; i < sw->n_bridges; i++)
			if (sw->bridges[i].fdb != NULL)
				sample_u64(f, bridge_family[k].name, "bridge",
					   sw->bridges[i].name, NULL, NULL,
					   bridge_value(sw, i, bridge_family[k].fig));
	}
}

static void
put_nat(FILE *f, const struct vsw *sw)
{
	static const char *const proto[3] = { "tcp", "udp", "icmp" };
	const struct napt *n;
	char a[INET_ADDRSTRLEN];
	unsigned i, j, k;

	if (sw->router == NULL || sw->router->napt == NULL)
		return;
	n = sw->router->napt;
	{
		const struct { const char *name, *type, *help; uint64_t v; } fig[] = {
			{ "vsw_nat_sessions", "gauge", "NAT sessions in the table.",
			  __atomic_load_n(&n->n_sessions, __ATOMIC_RELAXED) },
			{ "vsw_nat_sessions_max", "gauge",
			  "NAT sessions the table takes (nat_sessions).", n->p.sessions },
			{ "vsw_nat_mappings", "gauge",
			  "NAT mappings (inside endpoint to external port), published ones included.",
			  __atomic_load_n(&n->n_mappings, __ATOMIC_RELAXED) },
			{ "vsw_nat_sessions_created_total", "counter", "NAT sessions made.",
			  load_u64(&n->st.sessions_created) },
			{ "vsw_nat_sessions_expired_total", "counter",
			  "NAT sessions that timed out (not those ended with their network or uplink).",
			  load_u64(&n->st.sessions_expired) },
			{ "vsw_nat_mappings_created_total", "counter", "NAT mappings made.",
			  load_u64(&n->st.mappings_created) },
			{ "vsw_nat_mappings_freed_total", "counter", "NAT mappings freed.",
			  load_u64(&n->st.mappings_freed) },
			{ "vsw_nat_icmp_errors_translated_total", "counter",
			  "ICMP errors about a NAT session translated.",
			  load_u64(&n->st.icmp_errors) },
			{ "vsw_nat_hairpin_packets_total", "counter",
			  "Packets from inside to an external address and back in (hairpin).",
			  load_u64(&n->st.hairpin) },
		};

		for (k = 0; k < RTE_DIM(fig); k++) {
			family(f, fig[k].name, fig[k].type, fig[k].help);
			sample_u64(f, fig[k].name, NULL, NULL, NULL, NULL, fig[k].v);
		}
	}
	family(f, "vsw_nat_translated_packets_total", "counter",
	       "Packets translated, outbound (out) and inbound (in).");
	sample_u64(f, "vsw_nat_translated_packets_total", "direction", "out", NULL, NULL,
		   load_u64(&n->st.translated_out));
	sample_u64(f, "vsw_nat_translated_packets_total", "direction", "in", NULL, NULL,
		   load_u64(&n->st.translated_in));

	/* a slot given back by a removed uplink has address 0: not one */
	for (k = 0; k < 2; k++) {
		const char *name = k == 0 ? "vsw_nat_ports_in_use" : "vsw_nat_port_range_size";

		if (k == 0)
			family(f, name, "gauge",
			       "External ports (ICMP: identifiers) in use by mappings, "
			       "published ones included (not those held after use).");
		else
			family(f, name, "gauge",
			       "Ports of the dynamic range (nat_ports) of an external address and protocol.");
		for (i = 0; i < n->n_ext; i++) {
			struct in_addr ia = { .s_addr = n->ext[i].ip };

			if (n->ext[i].ip == 0)
				continue;
			inet_ntop(AF_INET, &ia, a, sizeof(a));
			for (j = 0; j < 3; j++) {
				const struct napt_ports *p = n->ext[i].ports[j];

				if (p == NULL)
					continue;
				sample_u64(f, name, "address", a, "proto", proto[j], k == 0 ?
					   __atomic_load_n(&p->in_use, __ATOMIC_RELAXED) :
					   (uint64_t)p->hi - p->lo + 1);
			}
		}
	}
}

static void
put_workers(FILE *f, const struct vsw *sw, const struct busy_window *win)
{
	unsigned i, old = 0;
	char id[16];

	if (sw->n_workers == 0)
		return;
	if (win != NULL && win->n == BUSY_SAMPLES)
		old = win->head;        /* the oldest, overwritten next */
	family(f, "vsw_worker_busy_ratio", "gauge",
	       "Share of the worker's poll-loop iterations that received a "
	       "frame, over about the last 10 s (of iterations, not of time).");
	for (i = 0; i < sw->n_workers; i++) {
		const struct worker *w = sw->workers[i];
		uint64_t it = load_u64(&w->stats.iterations);
		uint64_t busy = load_u64(&w->stats.busy);
		double r = 0;

		if (win != NULL && win->n > 0) {
			it -= win->s[old][i].iterations;
			busy -= win->s[old][i].busy;
		}
		if (it > 0)
			r = (double)busy / (double)it;
		snprintf(id, sizeof(id), "%u", w->id);
		series(f, "vsw_worker_busy_ratio", "worker", id, NULL, NULL);
		fprintf(f, " %.6f\n", r > 1 ? 1 : r);
	}
	{
		static const struct { const char *name, *help; size_t off; } fam[] = {
			{ "vsw_worker_iterations_total", "Poll-loop iterations of the worker.",
			  offsetof(struct worker_stats, iterations) },
			{ "vsw_worker_busy_iterations_total",
			  "Poll-loop iterations that received at least one frame.",
			  offsetof(struct worker_stats, busy) },
			{ "vsw_worker_sleeps_total",
			  "Times the worker slept waiting for frames (poll = adaptive).",
			  offsetof(struct worker_stats, sleeps) },
		};
		unsigned k;

		for (k = 0; k < RTE_DIM(fam); k++) {
			family(f, fam[k].name, "counter", fam[k].help);
			for (i = 0; i < sw->n_workers; i++) {
				const struct worker *w = sw->workers[i];

				snprintf(id, sizeof(id), "%u", w->id);
				sample_u64(f, fam[k].name, "worker", id, NULL, NULL,
					   load_u64((const uint64_t *)((const char *)&w->stats +
								       fam[k].off)));
			}
		}
	}
	family(f, "vsw_worker_ports", "gauge", "Ports whose receive side the worker polls.");
	for (i = 0; i < sw->n_workers; i++) {
		snprintf(id, sizeof(id), "%u", sw->workers[i]->id);
		sample_u64(f, "vsw_worker_ports", "worker", id, NULL, NULL,
			   sw->workers[i]->n_rx);
	}
}

static void
put_pools(FILE *f, const struct vsw *sw)
{
	const struct rte_mempool *pools[TOPO_MAX_PORTS + 3];
	unsigned n = 0, i, k;

	if (sw->pool != NULL)
		pools[n++] = sw->pool;
	if (sw->big_pool != NULL)
		pools[n++] = sw->big_pool;
	/* made at the first vswctl capture (switch/capture.h) */
	pools[n] = rte_mempool_lookup("vsw_capture");
	if (pools[n] != NULL)
		n++;
	for (i = 0; i < sw->n_ports; i++)
		if (sw->ports[i].ops != NULL && sw->ports[i].own_pool != NULL)
			pools[n++] = sw->ports[i].own_pool;
	if (n == 0)
		return;
	for (k = 0; k < 2; k++) {
		const char *name = k == 0 ? "vsw_mempool_mbufs" : "vsw_mempool_mbufs_in_use";

		family(f, name, "gauge", k == 0 ? "mbufs in the pool." :
		       "mbufs of the pool in use (in rings, queues and tables; "
		       "the per-core caches count as free).");
		for (i = 0; i < n; i++)
			sample_u64(f, name, "pool", pools[i]->name, NULL, NULL, k == 0 ?
				   pools[i]->size : rte_mempool_in_use_count(pools[i]));
	}
}

/* The text; 'win' NULL: the busy ratio since the start. */
static char *
render(struct vsw *sw, double start_time, const struct busy_window *win, size_t *len)
{
	struct port_snap *snap = NULL;
	size_t size = 0, bytes;
	char *buf = NULL;
	unsigned i, d;
	FILE *f;

	/* vsw_counters is cache-line aligned: so must the copies be */
	bytes = (sw->n_ports ? sw->n_ports : 1) * sizeof(*snap);
	snap = aligned_alloc(RTE_CACHE_LINE_SIZE, bytes);
	f = open_memstream(&buf, &size);
	if (snap == NULL || f == NULL) {
		free(snap);
		if (f != NULL)
			fclose(f);
		free(buf);
		return NULL;
	}
	memset(snap, 0, bytes);
	for (i = 0; i < sw->n_ports; i++) {
		struct port *p = &sw->ports[i];
		const struct port_backend_stats *bs = &snap[i].bs;

		if (p->ops == NULL)
			continue;
		vsw_port_counters(sw, (uint16_t)i, &snap[i].c);
		if (p->ops->stats != NULL)
			p->ops->stats(p, &snap[i].bs);
		snap[i].dropped = bs->rx_nombuf || bs->rx_errors || bs->rx_truncated ||
				  bs->tx_errors;
		for (d = 0; d < VSW_DROP_MAX && !snap[i].dropped; d++)
			snap[i].dropped = snap[i].c.drops[d] != 0;
	}

	family(f, "vsw_info", "gauge", "vsw's version and DPDK's. Always 1.");
	series(f, "vsw_info", "version", VSW_VERSION, "dpdk", rte_version());
	fputs(" 1\n", f);
	family(f, "vsw_start_time_seconds", "gauge", "When vsw started, in seconds since the Unix epoch.");
	fprintf(f, "vsw_start_time_seconds %.3f\n", start_time);
	put_ports(f, sw, snap);
	put_bridges(f, sw);
	put_nat(f, sw);
	put_workers(f, sw, win);
	put_pools(f, sw);
	free(snap);

	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*len = size;
	return buf;
}

/* The wall-clock time of sw->started (the monotonic clock's). */
static double
start_time_of(const struct vsw *sw)
{
	struct timespec rt;
	uint64_t up = loop_clock_ns() - sw->started;

	clock_gettime(CLOCK_REALTIME, &rt);
	return (double)rt.tv_sec + (double)rt.tv_nsec / 1e9 - (double)up / 1e9;
}

char *
metrics_text(struct vsw *sw, size_t *len)
{
	const struct metrics *m = the_endpoint;

	if (m != NULL && m->sw == sw)
		return render(sw, m->start_time, &m->win, len);
	return render(sw, start_time_of(sw), NULL, len);
}

/* ---- HTTP ---------------------------------------------------------------- */

static enum MHD_Result
answer_static(struct MHD_Connection *c, unsigned status, const char *body)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body,
					    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * One request: answered at its first call, once its headers are in. A
 * request with a body (not GET or HEAD) gets its 405 before the body is
 * read; MHD then closes the connection.
 */
static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_size,
       void **req_cls)
{
	struct metrics *m = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *text;

	(void)version; (void)upload_data; (void)upload_size; (void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return answer_static(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				     "only GET and HEAD\n");
	if (strcmp(url, "/metrics") != 0)
		return answer_static(c, MHD_HTTP_NOT_FOUND, "not found: vsw's metrics are at /metrics\n");
	/* HEAD too: MHD sends the Content-Length of the body it leaves out */
	text = render(m->sw, m->start_time, &m->win, &len);
	if (text == NULL)
		return answer_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- the endpoint -------------------------------------------------------- */

static void
busy_sample(struct metrics *m)
{
	struct busy_window *b = &m->win;
	unsigned i;

	for (i = 0; i < m->sw->n_workers && i < TOPO_MAX_WORKERS; i++) {
		const struct worker *w = m->sw->workers[i];

		b->s[b->head][i].iterations = load_u64(&w->stats.iterations);
		b->s[b->head][i].busy = load_u64(&w->stats.busy);
	}
	b->head = (b->head + 1) % BUSY_SAMPLES;
	if (b->n < BUSY_SAMPLES)
		b->n++;
}

/* MHD must run again within what it says: its idle timeouts, and
 * connections it has data of left to process (0 ms). */
static void
arm_mhd_timer(struct metrics *m)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(m->d, &ms) == MHD_YES) {
		if (ms == 0) {
			its.it_value.tv_nsec = 1;       /* 0 would disarm it */
		} else {
			its.it_value.tv_sec = (time_t)(ms / 1000);
			its.it_value.tv_nsec = (long)(ms % 1000) * 1000000;
		}
	}
	timerfd_settime(m->mhd_tfd, 0, &its, NULL);
}

/*
 * Take waiting connections, a bounded number a run (the listen socket
 * stays readable for the rest). Out of descriptors, the one waiting
 * cannot be taken and the socket stays readable: it leaves the epoll set
 * until the next tick, or the control thread would spin on it.
 */
static void
accept_some(struct metrics *m)
{
	unsigned i;

	for (i = 0; i < METRICS_ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd;

		fd = accept4(m->lfd, (struct sockaddr *)&ss, &sl,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->lfd, NULL);
				m->accept_paused = true;
			}
			return;
		}
		/* MHD owns it from here, and closes it when over the limit */
		MHD_add_connection(m->d, fd, (struct sockaddr *)&ss, sl);
	}
}

static int
epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

void
metrics_run(struct metrics *m)
{
	uint64_t n;

	if (m == NULL)
		return;
	if (read(m->tick_fd, &n, sizeof(n)) == sizeof(n)) {
		busy_sample(m);
		if (m->accept_paused && epoll_add(m->epfd, m->lfd) == 0)
			m->accept_paused = false;
	}
	/* its expiry only says MHD_run is due: it runs now anyway */
	if (read(m->mhd_tfd, &n, sizeof(n)) < 0)
		n = 0;
	if (!m->accept_paused)
		accept_some(m);
	MHD_run(m->d);
	arm_mhd_timer(m);
}

int
metrics_fd(const struct metrics *m)
{
	return m->epfd;
}

/*
 * A unix socket at 'path'. A socket file nobody answers on is a stale one
 * (a vsw killed) and goes; one someone answers on is in use; anything
 * else at the path is not ours to remove.
 *
 * Mode 0666: Prometheus runs as its own user, and what connecting gives is
 * what 127.0.0.1:PORT gives any local user, read-only counters. Who may
 * reach it is the directory's to say (a 0750 directory of group
 * prometheus).
 */
static int
listen_unix(struct metrics *m, const struct sockaddr_un *su, const char *spec,
	    char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (lstat(su->sun_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "[switch] metrics = %s: the path exists and is not a socket",
				 spec);
			return -1;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (const struct sockaddr *)su, sizeof(*su)) == 0) {
			close(fd);
			snprintf(err, errlen, "[switch] metrics = %s: the socket is in use by another process",
				 spec);
			return -1;
		}
		if (fd >= 0)
			close(fd);
		unlink(su->sun_path);
	}
	m->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->lfd < 0 || bind(m->lfd, (const struct sockaddr *)su, sizeof(*su)) < 0) {
		snprintf(err, errlen, "[switch] metrics = %s: cannot listen: %s", spec,
			 strerror(errno));
		return -1;
	}
	snprintf(m->unix_path, sizeof(m->unix_path), "%s", su->sun_path);
	if (stat(m->unix_path, &st) == 0)
		m->unix_ino = st.st_ino;
	if (chmod(m->unix_path, 0666) < 0 || listen(m->lfd, METRICS_BACKLOG) < 0) {
		snprintf(err, errlen, "[switch] metrics = %s: cannot listen: %s", spec,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int
listen_inet(struct metrics *m, const struct sockaddr_storage *ss, const char *spec,
	    char *err, size_t errlen)
{
	socklen_t sl = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
		       sizeof(struct sockaddr_in6);
	int one = 1;

	m->lfd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* SO_REUSEADDR: a restart binds past the last one's TIME_WAIT
	 * connections; a port someone listens on is still refused */
	if (m->lfd < 0 ||
	    setsockopt(m->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(m->lfd, (const struct sockaddr *)ss, sl) < 0 ||
	    listen(m->lfd, METRICS_BACKLOG) < 0) {
		snprintf(err, errlen, "[switch] metrics = %s: cannot listen: %s%s", spec,
			 strerror(errno), errno == EADDRINUSE ?
			 " (another vsw or exporter on that port?)" : "");
		return -1;
	}
	return 0;
}

struct metrics *
metrics_open(struct vsw *sw, const char *spec, char *err, size_t errlen)
{
	struct itimerspec tick = { { 1, 0 }, { 1, 0 } };
	struct sockaddr_storage ss;
	struct metrics *m;
	char why[200];
	int rc, mfd;

	if (topo_listen_parse(spec, &ss, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "[switch] metrics: %s", why);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "[switch] metrics: out of memory");
		return NULL;
	}
	m->sw = sw;
	m->lfd = m->epfd = m->mhd_tfd = m->tick_fd = -1;
	m->start_time = start_time_of(sw);
	busy_sample(m);                 /* the window's start: vsw's */
	if (ss.ss_family == AF_UNIX)
		rc = listen_unix(m, (const struct sockaddr_un *)&ss, spec, err, errlen);
	else
		rc = listen_inet(m, &ss, spec, err, errlen);
	if (rc < 0)
		goto fail;

	m->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL,
				answer, m,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONN_MAX,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_IDLE_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_CONN_MEMORY,
				MHD_OPTION_END);
	if (m->d == NULL) {
		snprintf(err, errlen, "[switch] metrics = %s: libmicrohttpd did not start", spec);
		goto fail;
	}
	mfd = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD)->epoll_fd;
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	m->mhd_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	m->tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (m->epfd < 0 || m->mhd_tfd < 0 || m->tick_fd < 0 ||
	    timerfd_settime(m->tick_fd, 0, &tick, NULL) < 0 ||
	    epoll_add(m->epfd, m->lfd) < 0 || epoll_add(m->epfd, mfd) < 0 ||
	    epoll_add(m->epfd, m->mhd_tfd) < 0 || epoll_add(m->epfd, m->tick_fd) < 0) {
		snprintf(err, errlen, "[switch] metrics: %s", strerror(errno));
		goto fail;
	}
	the_endpoint = m;
	return m;

fail:
	metrics_close(m);
	return NULL;
}

void
metrics_close(struct metrics *m)
{
	struct stat st;

	if (m == NULL)
		return;
	if (the_endpoint == m)
		the_endpoint = NULL;
	if (m->d != NULL)
		MHD_stop_daemon(m->d);  /* closes its connections */
	if (m->lfd >= 0)
		close(m->lfd);
	/* only the file we made: not one a later process put there */
	if (m->unix_path[0] && stat(m->unix_path, &st) == 0 && st.st_ino == m->unix_ino)
		unlink(m->unix_path);
	if (m->epfd >= 0)
		close(m->epfd);
	if (m->mhd_tfd >= 0)
		close(m->mhd_tfd);
	if (m->tick_fd >= 0)
		close(m->tick_fd);
	free(m);
}
