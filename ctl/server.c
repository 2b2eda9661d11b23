/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include "ctl/server.h"
#include "switch/apply.h"
#include "switch/model.h"
#include "nat/napt.h"
#include "switch/neigh.h"
#include "ctl/table.h"
#include "ctl/names.h"
#include "ctl/publish.h"
#include "ctl/connect.h"
#include "model/ipam.h"
#include "ctl/capture.h"
#include "ctl/draw.h"
#include "ctl/metrics.h"

#include <rte_common.h>
#include <rte_mempool.h>

#define REQ_MAX 4096
#define MAX_CLIENTS 32
/* epoll ids: 1 listen, 2 signals, 3 timer, 4 netlink, then these, then
 * 16 + i the clients */
#define CTL_EV_METRICS 5
#define CTL_EV_CAPTURE 6                /* .. + CAPTURE_EVENTS - 1 */
#define CLIENT_TIMEOUT_NS 2000000000ull
#define MAX_WORDS 40

struct client {
	int fd;
	bool denied;                    /* not root: refused once it has asked */
	size_t len;
	uint64_t since;
	char buf[REQ_MAX];
};

struct ctl {
	struct vsw *sw;
	int lfd;
	int epfd;
	int tfd;
	int nlfd;                       /* rtnetlink link events, -1 */
	char path[108];
	struct client clients[MAX_CLIENTS];
	struct metrics *metrics;        /* [switch] metrics; NULL: none */
	struct capture_ctl *capture;    /* vswctl capture's streams */
};

struct cmd {
	const char *words[3];           /* the command, NULL-terminated */
	int max_args;                   /* words after the command */
	const char *usage;
	const char *help;
	/* 0, or -1 with the reason put in 'err' */
	int (*run)(struct vsw *sw, struct reply *r, int argc, char **argv,
		   char *err, size_t errlen);
};

/* ---- commands ----------------------------------------------------------- */

/* Lower case, as ip link and docker print MACs. */
static void
fmt_mac(char *buf, size_t len, const struct rte_ether_addr *a)
{
	const uint8_t *b = a->addr_bytes;

	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2],
		 b[3], b[4], b[5]);
}

/* "bridge br0", "routed 192.0.2.1/24", "macvlan lan", "parent of lan,lan10" */
static void
port_role(const struct vsw *sw, const struct port *p, char *buf, size_t len)
{
	const struct attach *at = &sw->attach[p->id];
	const struct topo_port *tp = at->cfg;
	size_t off = 0;
	unsigned i;

	buf[0] = '\0';
	if (at->bridge >= 0) {
		snprintf(buf, len, "bridge %s", sw->bridges[at->bridge].name);
		return;
	}
	if (at->macvlan >= 0) {
		snprintf(buf, len, "macvlan %s", sw->macvlans[at->macvlan].name);
		return;
	}
	if (tp->prefix != 0) {
		struct in_addr a = { .s_addr = htonl(tp->address) };
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		off = (size_t)snprintf(buf, len, "routed %s/%u", ip, tp->prefix);
	}
	for (i = 0; i < sw->n_macvlans && off < len; i++) {
		const struct macvlan *mv = &sw->macvlans[i];

		if (mv->parent != p->id)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off == 0 ?
					"parent of " : strstr(buf, "parent") ? "," :
					", parent of ", mv->name);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
}

static int
cmd_show_ports(struct vsw *sw, struct reply *r, int argc, char **argv,
	       char *err, size_t errlen)
{
	static const char *const cols[] = { "port", "kind", "role", "worker",
					    "link", "mac", "offloads", "backend" };
	unsigned i;

	(void)argc; (void)argv; (void)err; (void)errlen;
	reply_table(r, "ports", NULL, RTE_DIM(cols), cols);
	for (i = 0; i < sw->n_ports; i++) {
		struct port *p = &sw->ports[i];
		char role[64], worker[16], mac[RTE_ETHER_ADDR_FMT_SIZE], off[64];
		bool up;

		if (p->ops == NULL)
			continue;       /* a free slot (switch/apply.h) */
		up = p->ops->link_up ? p->ops->link_up(p) : true;
		port_role(sw, p, role, sizeof(role));
		snprintf(worker, sizeof(worker), "%u", p->owner);
		fmt_mac(mac, sizeof(mac), &p->mac);
		snprintf(off, sizeof(off), "%s%s%s%s",
			 p->tx_offloads & PORT_OFF_L4_CSUM ? "csum," : "",
			 p->tx_offloads & PORT_OFF_TSO ? "tso," : "",
			 p->tx_offloads & PORT_OFF_USO ? "uso," : "",
			 p->tx_offloads & PORT_OFF_MULTISEG ? "multiseg," : "");
		if (off[0])
			off[strlen(off) - 1] = '\0';
		else
			snprintf(off, sizeof(off), "-");
		reply_row(r, p->name, p->ops->kind, role, worker,
			  p->admin_down ? "down (set)" : up ? "up" : "down",
			  mac, off, p->info);
	}
	return 0;
}

static int
cmd_show_stats(struct vsw *sw, struct reply *r, int argc, char **argv,
	       char *err, size_t errlen)
{
	static const char *const cols[] = { "port", "#rx", "#rx_bytes", "#tx",
					    "#tx_bytes", "#flood", "#drops",
					    "#rx_kernel_drops" };
	static const char *const dcols[] = { "port", "reason", "#count",
					     "description" };
	static const char *const wcols[] = { "worker", "lcore", "#iterations",
					     "#busy", "#sleeps", "#ports" };
	static const char *const pcols[] = { "owner", "pool", "#size", "#in_use" };
	char b[8][32];
	unsigned i, d;

	(void)argc; (void)argv; (void)err; (void)errlen;
	reply_table(r, "ports", NULL, RTE_DIM(cols), cols);
	for (i = 0; i < sw->n_ports; i++) {
		struct port *p = &sw->ports[i];
		struct port_backend_stats bs = { 0 };
		struct vsw_counters c;

		if (p->ops == NULL)
			continue;
		uint64_t drops = 0;

		vsw_port_counters(sw, (uint16_t)i, &c);
		if (p->ops->stats)
			p->ops->stats(p, &bs);
		for (d = 0; d < VSW_DROP_MAX; d++)
			drops += c.drops[d];
		drops += bs.rx_nombuf + bs.rx_errors + bs.rx_truncated +
			 bs.tx_errors;
		reply_row(r, p->name, fmt_u64(b[0], 32, c.rx),
			  fmt_u64(b[1], 32, c.rx_bytes), fmt_u64(b[2], 32, c.tx),
			  fmt_u64(b[3], 32, c.tx_bytes), fmt_u64(b[4], 32, c.flood),
			  fmt_u64(b[5], 32, drops), fmt_u64(b[6], 32, bs.rx_dropped));
	}

	reply_table(r, "drops", "drops by reason:", RTE_DIM(dcols), dcols);
	for (i = 0; i < sw->n_ports; i++) {
		struct port *p = &sw->ports[i];
		struct port_backend_stats bs = { 0 };
		struct vsw_counters c;

		if (p->ops == NULL)
			continue;
		unsigned k;

		vsw_port_counters(sw, (uint16_t)i, &c);
		if (p->ops->stats)
			p->ops->stats(p, &bs);
		for (d = 0; d < VSW_DROP_MAX; d++)
			if (c.drops[d])
				reply_row(r, p->name, vsw_drop_name[d],
					  fmt_u64(b[0], 32, c.drops[d]),
					  vsw_drop_desc[d]);
		{
			const struct { const char *name, *desc; uint64_t v; } be[] = {
				{ "rx_nombuf", "no mbuf for a received frame", bs.rx_nombuf },
				{ "rx_errors", "malformed at the port", bs.rx_errors },
				{ "rx_truncated", "larger than the port takes", bs.rx_truncated },
				{ "tx_errors", "the kernel or PMD refused it", bs.tx_errors },
			};

			for (k = 0; k < RTE_DIM(be); k++)
				if (be[k].v)
					reply_row(r, p->name, be[k].name,
						  fmt_u64(b[0], 32, be[k].v), be[k].desc);
		}
	}

	reply_table(r, "workers", "workers:", RTE_DIM(wcols), wcols);
	for (i = 0; i < sw->n_workers; i++) {
		struct worker *w = sw->workers[i];

		reply_row(r, fmt_u64(b[0], 32, w->id), fmt_u64(b[1], 32, w->lcore),
			  fmt_u64(b[2], 32, w->stats.iterations),
			  fmt_u64(b[3], 32, w->stats.busy),
			  fmt_u64(b[4], 32, w->stats.sleeps),
			  fmt_u64(b[5], 32, w->n_rx));
	}
	/* the pools as DPDK sees them, not as configured: [switch] mbufs and a
	 * dpdk port's mbufs are checked against these */
	reply_table(r, "pools", "mbuf pools:", RTE_DIM(pcols), pcols);
	reply_row(r, "vsw", sw->pool->name, fmt_u64(b[0], 32, sw->pool->size),
		  fmt_u64(b[1], 32, rte_mempool_in_use_count(sw->pool)));
	if (sw->big_pool != NULL)
		reply_row(r, "vsw", sw->big_pool->name, fmt_u64(b[0], 32, sw->big_pool->size),
			  fmt_u64(b[1], 32, rte_mempool_in_use_count(sw->big_pool)));
	{
		/* made at the first vswctl capture (switch/capture.h) */
		struct rte_mempool *cp = rte_mempool_lookup("vsw_capture");

		if (cp != NULL)
			reply_row(r, "capture", cp->name, fmt_u64(b[0], 32, cp->size),
				  fmt_u64(b[1], 32, rte_mempool_in_use_count(cp)));
	}
	for (i = 0; i < sw->n_ports; i++) {
		struct port *p = &sw->ports[i];

		if (p->own_pool != NULL)
			reply_row(r, p->name, p->own_pool->name,
				  fmt_u64(b[0], 32, p->own_pool->size),
				  fmt_u64(b[1], 32, rte_mempool_in_use_count(p->own_pool)));
	}
	/* afpacket: closed ports' ringed sockets kept for the next port add */
	{
		static const char *const ccols[] = { "#kept", "#limit", "#reused",
						     "#made" };
		uint64_t reused, made;
		unsigned kept;

		afpacket_cache_stats(&kept, &reused, &made);
		reply_table(r, "port_cache", "afpacket socket sets ([switch] port_cache):",
			    RTE_DIM(ccols), ccols);
		reply_row(r, fmt_u64(b[0], 32, kept), fmt_u64(b[1], 32, sw->run->sw.port_cache),
			  fmt_u64(b[2], 32, reused), fmt_u64(b[3], 32, made));
	}
	return 0;
}

/* The bridge named argv[0], or all of them (NULL) when argc == 0. */
static int
find_bridge(struct vsw *sw, int argc, char **argv, struct bridge **br,
	    char *err, size_t errlen)
{
	unsigned i;

	*br = NULL;
	if (argc == 0)
		return 0;
	for (i = 0; i < sw->n_bridges; i++)
		if (sw->bridges[i].fdb != NULL &&
		    strcmp(sw->bridges[i].name, argv[0]) == 0) {
			*br = &sw->bridges[i];
			return 0;
		}
	snprintf(err, errlen, "no bridge named '%s'", argv[0]);
	return -1;
}

static void
vlan_list(const struct vsw *sw, const struct bridge *br, char *buf, size_t len)
{
	uint64_t seen[64] = { 0 };
	unsigned i, v, n = 0;
	size_t off = 0;

	for (i = 0; i < br->n_ports; i++) {
		const struct topo_port *c = sw->attach[br->ports[i]].cfg;

		if (c->vlan_mode == TOPO_VLAN_ACCESS)
			seen[c->pvid / 64] |= 1ull << (c->pvid % 64);
		else if (c->vlan_mode == TOPO_VLAN_TRUNK)
			for (v = 0; v < 64; v++)
				seen[v] |= c->trunk[v];
	}
	buf[0] = '\0';
	for (v = 1; v <= TOPO_VID_MAX && off < len; v++) {
		unsigned end = v;

		if (!(seen[v / 64] >> (v % 64) & 1))
			continue;
		while (end + 1 <= TOPO_VID_MAX && (seen[(end + 1) / 64] >> ((end + 1) % 64) & 1))
			end++;
		off += (size_t)snprintf(buf + off, len - off, "%s%u", n++ ? "," : "", v);
		if (end > v && off < len)
			off += (size_t)snprintf(buf + off, len - off, "-%u", end);
		v = end;
	}
	if (n == 0)
		snprintf(buf, len, "-");
}

static int
cmd_show_bridges(struct vsw *sw, struct reply *r, int argc, char **argv,
		 char *err, size_t errlen)
{
	static const char *const cols[] = { "bridge", "ports", "vlans", "#entries",
		"#static", "#mac_limit", "#mac_aging", "#learned", "#moved", "#aged",
		"#flushed", "#flooded", "#unicast", "#fdb_full", "#static_conflict" };
	struct bridge *only;
	char b[16][32];
	unsigned i, j;

	if (find_bridge(sw, argc, argv, &only, err, errlen) != 0)
		return -1;
	reply_table(r, "bridges", NULL, RTE_DIM(cols), cols);
	for (i = 0; i < sw->n_bridges; i++) {
		struct bridge *br = &sw->bridges[i];
		struct fdb *f = br->fdb;
		struct fdb_stats st;
		uint64_t flooded = 0, unicast = 0;
		uint32_t count, n_static;
		char ports[512] = "", vlans[256];
		size_t off = 0;

		if (f == NULL || (only != NULL && br != only))
			continue;
		for (j = 0; j < br->n_ports && off < sizeof(ports); j++)
			off += (size_t)snprintf(ports + off, sizeof(ports) - off, "%s%s",
						j ? "," : "", sw->ports[br->ports[j]].name);
		vlan_list(sw, br, vlans, sizeof(vlans));
		for (j = 0; j < sw->n_workers; j++) {
			flooded += sw->workers[j]->bcnt[i].flooded;
			unicast += sw->workers[j]->bcnt[i].unicast;
		}
		loop_barrier_sync(sw);
		st = f->st;
		count = f->count;
		n_static = f->n_static;
		loop_barrier_release(sw);
		reply_row(r, br->name, ports[0] ? ports : "-", vlans,
			  fmt_u64(b[0], 32, count + n_static), fmt_u64(b[1], 32, n_static),
			  fmt_u64(b[2], 32, f->limit), fmt_u64(b[3], 32, f->aging),
			  fmt_u64(b[4], 32, st.learned), fmt_u64(b[5], 32, st.moved),
			  fmt_u64(b[6], 32, st.aged), fmt_u64(b[7], 32, st.flushed),
			  fmt_u64(b[8], 32, flooded), fmt_u64(b[9], 32, unicast),
			  fmt_u64(b[10], 32, st.fdb_full),
			  fmt_u64(b[11], 32, st.static_conflict));
	}
	return 0;
}

/* ---- paging: big tables read a bounded piece at a time ------------------ */

#define PAGE_DEFAULT 10000      /* rows a page unless --limit says */
#define PAGE_HOLD_ROWS 256      /* rows copied out under one barrier hold */
#define PAGE_HOLD_SCAN 1024     /* table slots looked at under one hold */
#define PAGE_GAP_NS 100000ull   /* at most this long for the workers between holds */

struct page {
	uint64_t limit;         /* rows */
	uint64_t after;         /* the cursor: the position the walk starts at */
	uint64_t next;          /* the cursor of the next page */
	uint64_t shown;
	bool full;              /* 'limit' rows shown */
	bool more;              /* and there is at least one more */
};

/*
 * Take "--limit N" and "--after CURSOR" out of 'argv' (the other words
 * stay, in order, in '*argc'). -1 with 'err' set for a bad value.
 */
static int
page_opts(int *argc, char **argv, struct page *pg, const char *usage, char *err,
	  size_t errlen)
{
	int i, n = 0;

	pg->limit = PAGE_DEFAULT;
	for (i = 0; i < *argc; i++) {
		bool lim = strcmp(argv[i], "--limit") == 0;
		uint64_t *v = lim ? &pg->limit : &pg->after;
		char *end;

		if (!lim && strcmp(argv[i], "--after") != 0) {
			argv[n++] = argv[i];
			continue;
		}
		if (i + 1 == *argc || argv[i + 1][0] < '0' || argv[i + 1][0] > '9') {
			snprintf(err, errlen, "%s needs a number: %s", argv[i], usage);
			return -1;
		}
		errno = 0;
		*v = strtoull(argv[i + 1], &end, 10);
		if (*end != '\0' || errno != 0 || (lim && (*v == 0 || *v > UINT32_MAX))) {
			snprintf(err, errlen, "bad %s '%s': %s", argv[i], argv[i + 1], usage);
			return -1;
		}
		i++;
	}
	*argc = n;
	return 0;
}

/*
 * The workers stop for one piece of a walk only: after the release the
 * control thread waits until every worker has left the barrier and begun
 * an iteration of its loop (or PAGE_GAP_NS), which it finishes before it
 * looks at the barrier again: two holds never merge into one long stop,
 * and an idle worker going back to sleep costs no wait.
 */
static void
page_hold(struct vsw *sw)
{
	loop_barrier_sync(sw);
}

static void
page_release(struct vsw *sw)
{
	uint64_t seen[RTE_MAX_LCORE], until;
	unsigned i, left;

	for (i = 0; i < sw->n_workers && i < RTE_MAX_LCORE; i++)
		seen[i] = __atomic_load_n(&sw->workers[i]->stats.iterations, __ATOMIC_RELAXED);
	loop_barrier_release(sw);
	if (sw->n_workers == 0 || sw->replay)
		return;
	until = loop_clock_ns() + PAGE_GAP_NS;
	do {
		left = __atomic_load_n(&sw->barrier_parked, __ATOMIC_ACQUIRE);
		for (i = 0; i < sw->n_workers && i < RTE_MAX_LCORE; i++)
			if (__atomic_load_n(&sw->workers[i]->stats.iterations,
					    __ATOMIC_RELAXED) == seen[i])
				left++;
		if (left == 0)
			break;
		rte_pause();
	} while (!sw->stop && loop_clock_ns() < until);
}

/* A row has been read at cursor 'next_pos' (the position after it). */
static void
page_shown(struct page *pg, uint64_t next_pos)
{
	pg->shown++;
	if (pg->shown == pg->limit) {
		pg->full = true;
		pg->next = next_pos;
	}
}

/* The text note's tail and the JSON "next" member. */
static void
page_end(struct reply *r, const struct page *pg, const char *what)
{
	char c[24];

	if (!pg->more) {
		reply_note(r, "%s", what);
		return;
	}
	snprintf(c, sizeof(c), "%" PRIu64, pg->next);
	reply_field(r, "next", c);
	reply_note(r, "%s, more after this page: --after %s", what, c);
}

/*
 * show fdb [BRIDGE] [--limit N] [--after CURSOR]: the cursor is a position
 * in the bridges' tables one after the other, so a page goes on where the
 * previous one stopped whatever was learned or aged meanwhile.
 */
static int
cmd_show_fdb(struct vsw *sw, struct reply *r, int argc, char **argv,
	     char *err, size_t errlen)
{
	static const char *const cols[] = { "bridge", "mac", "#vlan", "port",
					    "#age", "type" };
	static const char usage[] = "usage: show fdb [BRIDGE] [--limit N] [--after CURSOR]";
	struct fdb_row rows[PAGE_HOLD_ROWS];
	struct page pg = { 0 };
	struct bridge *only;
	uint64_t base = 0;
	char what[64];
	unsigned i;

	if (page_opts(&argc, argv, &pg, usage, err, errlen) != 0)
		return -1;
	if (argc > 1) {
		snprintf(err, errlen, "%s", usage);
		return -1;
	}
	if (find_bridge(sw, argc, argv, &only, err, errlen) != 0)
		return -1;
	reply_table(r, "fdb", NULL, RTE_DIM(cols), cols);
	for (i = 0; i < sw->n_bridges && !pg.more; i++) {
		struct bridge *br = &sw->bridges[i];
		uint32_t slots = br->fdb != NULL ? fdb_slots(br->fdb) : 0, pos;

		base += slots;
		if (br->fdb == NULL || (only != NULL && br != only) || pg.after >= base)
			continue;
		pos = pg.after > base - slots ? (uint32_t)(pg.after - (base - slots)) : 0;
		while (pos < slots && !pg.more) {
			uint64_t want = pg.full ? 1 : RTE_MIN(pg.limit - pg.shown,
							     (uint64_t)PAGE_HOLD_ROWS);
			uint32_t now, n, k;

			page_hold(sw);
			now = sw->n_workers ? bridge_now(sw->workers[0]->now) : 0;
			n = fdb_read(br->fdb, now, &pos, PAGE_HOLD_SCAN, rows, (unsigned)want);
			page_release(sw);
			if (pg.full) {
				pg.more = n > 0;
				continue;
			}
			for (k = 0; k < n; k++) {
				struct rte_ether_addr mac;
				char m[RTE_ETHER_ADDR_FMT_SIZE], vid[8], a[16];

				fdb_key_mac(rows[k].key, &mac);
				fmt_mac(m, sizeof(m), &mac);
				snprintf(vid, sizeof(vid), "%u", fdb_key_vid(rows[k].key));
				snprintf(a, sizeof(a), "%u", rows[k].age);
				reply_row(r, br->name, m, vid, sw->ports[rows[k].port].name,
					  rows[k].is_static ? "" : a,
					  rows[k].is_static ? "static" : "learned");
				/* fdb_read() stopped right after the row that fills the page */
				page_shown(&pg, base - slots + pos);
			}
		}
	}
	snprintf(what, sizeof(what), "%" PRIu64 " entr%s (age in seconds)", pg.shown,
		 pg.shown == 1 ? "y" : "ies");
	page_end(r, &pg, what);
	return 0;
}

static int
cmd_fdb_flush(struct vsw *sw, struct reply *r, int argc, char **argv,
	      char *err, size_t errlen)
{
	struct bridge *only;
	uint64_t before = 0, after = 0;
	int port = -1;
	unsigned i;

	if (argc > 2) {
		snprintf(err, errlen, "usage: fdb flush [BRIDGE [PORT]]");
		return -1;
	}
	if (find_bridge(sw, argc, argv, &only, err, errlen) != 0)
		return -1;
	if (argc == 2) {
		for (i = 0; i < sw->n_ports; i++)
			if (strcmp(sw->ports[i].name, argv[1]) == 0)
				port = (int)i;
		if (port < 0 || sw->attach[port].bridge != only->id) {
			snprintf(err, errlen, "no port '%s' on bridge %s", argv[1],
				 only->name);
			return -1;
		}
	}
	loop_barrier_sync(sw);
	for (i = 0; i < sw->n_bridges; i++) {
		struct fdb *f = sw->bridges[i].fdb;

		if (f == NULL || (only != NULL && &sw->bridges[i] != only))
			continue;
		before += f->st.flushed;
		if (port >= 0)
			fdb_flush_port(f, (uint16_t)port);
		else
			fdb_flush(f);
		after += f->st.flushed;
	}
	loop_barrier_release(sw);
	reply_note(r, "flushed %llu learned entr%s", (unsigned long long)(after - before),
		   after - before == 1 ? "y" : "ies");
	return 0;
}

/*
 * port PORT up|down: the administrative state, as `ip link set` gives a
 * kernel interface. A port set down receives nothing (its frames are
 * drained and counted as port_down), is sent nothing (tx_link_down), and
 * what its bridge learned of it is forgotten, as on a link loss.
 */
static int
cmd_port(struct vsw *sw, struct reply *r, int argc, char **argv, char *err,
	 size_t errlen)
{
	struct port *p = NULL;
	bool down;
	unsigned i;

	if (argc != 2 || (strcmp(argv[1], "up") != 0 && strcmp(argv[1], "down") != 0)) {
		snprintf(err, errlen, "usage: port PORT up|down");
		return -1;
	}
	for (i = 0; i < sw->n_ports; i++)
		if (strcmp(sw->ports[i].name, argv[0]) == 0)
			p = &sw->ports[i];
	if (p == NULL) {
		snprintf(err, errlen, "no port '%s'", argv[0]);
		return -1;
	}
	down = argv[1][0] == 'd';
	if (p->admin_down == down) {
		reply_note(r, "port %s was already %s", p->name, argv[1]);
		return 0;
	}
	p->admin_down = down;
	vsw_poll_links(sw);
	reply_note(r, "port %s is set %s", p->name, argv[1]);
	return 0;
}

static const char *
ip4(rte_be32_t a, char *buf)
{
	struct in_addr in = { .s_addr = a };

	inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
	return buf;
}

static int
no_router(struct vsw *sw, char *err, size_t errlen)
{
	if (sw->router != NULL)
		return 0;
	snprintf(err, errlen, "nothing is routed (no bridge gateway, no routed port)");
	return -1;
}

static int
cmd_show_routes(struct vsw *sw, struct reply *r, int argc, char **argv,
		char *err, size_t errlen)
{
	static const char *const cols[] = { "prefix", "via", "interface", "kind" };
	static const char *const icols[] = { "interface", "address", "mac", "#mtu",
					     "nat", "isolated" };
	const struct topology *t = sw->topo;
	struct router *rt = sw->router;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], pfx[32], mac[RTE_ETHER_ADDR_FMT_SIZE];
	unsigned i;

	(void)argc; (void)argv;
	if (no_router(sw, err, errlen) != 0)
		return -1;
	reply_table(r, "interfaces", "interfaces:", RTE_DIM(icols), icols);
	for (i = 0; i < rt->n_ifs; i++) {
		const struct l3if *f = &rt->ifs[i];
		char mtu[8];

		if (!f->used)
			continue;
		snprintf(pfx, sizeof(pfx), "%s/%u", ip4(f->ip, a), f->prefix);
		fmt_mac(mac, sizeof(mac), &f->mac);
		snprintf(mtu, sizeof(mtu), "%u", f->mtu);
		reply_row(r, f->name, pfx, mac, mtu,
			  f->nat_outside ? "outside" : f->masq >= 0 ? "inside" : "-",
			  f->is_bridge ? (f->isolated ? "yes" : "no") : "-");
	}
	reply_table(r, "routes", "routes:", RTE_DIM(cols), cols);
	for (i = 0; i < rt->n_ifs; i++) {
		const struct l3if *f = &rt->ifs[i];

		if (!f->used)
			continue;
		snprintf(pfx, sizeof(pfx), "%s/%u", ip4(rte_cpu_to_be_32(f->net), a),
			 f->prefix);
		reply_row(r, pfx, "-", f->name, "connected");
	}
	for (i = 0; i < t->n_ports; i++)
		if (t->ports[i].prefix && t->ports[i].gateway)
			reply_row(r, "0.0.0.0/0", ip4(rte_cpu_to_be_32(t->ports[i].gateway), b),
				  t->ports[i].name, "default");
	for (i = 0; i < t->n_routes; i++) {
		const struct topo_route *ro = &t->routes[i];

		snprintf(pfx, sizeof(pfx), "%s/%u", ip4(rte_cpu_to_be_32(ro->prefix), a),
			 ro->len);
		reply_row(r, pfx, ip4(rte_cpu_to_be_32(ro->via), b),
			  t->ports[ro->port].name, ro->name);
	}
	return 0;
}

static int
cmd_show_neighbors(struct vsw *sw, struct reply *r, int argc, char **argv,
		   char *err, size_t errlen)
{
	static const char *const cols[] = { "interface", "address", "mac", "state",
					    "#age", "#queued" };
	static const char *const state[] = { "free", "incomplete", "reachable",
					     "failed" };
	struct neigh_table *nt;
	char a[INET_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE], age[16], q[8];
	uint64_t now;
	uint32_t i, rows = 0;

	(void)argc; (void)argv;
	if (no_router(sw, err, errlen) != 0)
		return -1;
	nt = sw->router->neigh;
	reply_table(r, "neighbors", NULL, RTE_DIM(cols), cols);
	loop_barrier_sync(sw);
	now = sw->workers[0]->now;
	for (i = 0; i < nt->n_max; i++) {
		const struct neigh *e = &nt->e[i];

		if (e->state == NEIGH_FREE)
			continue;
		fmt_mac(mac, sizeof(mac), &e->mac);
		snprintf(age, sizeof(age), "%llu", e->confirmed ?
			 (unsigned long long)((now - e->confirmed) / 1000000000ull) : 0ull);
		snprintf(q, sizeof(q), "%u", e->n_queued);
		reply_row(r, sw->router->ifs[e->l3if].name, ip4(e->ip, a),
			  e->state == NEIGH_REACHABLE ? mac : "-", state[e->state],
			  e->state == NEIGH_INCOMPLETE ? "" : age, q);
		rows++;
	}
	loop_barrier_release(sw);
	reply_note(r, "%u neighbour%s; learned %llu, updated %llu, failed %llu, queue drops %llu, claims on our addresses %llu",
		   rows, rows == 1 ? "" : "s", (unsigned long long)nt->st.learned,
		   (unsigned long long)nt->st.updated, (unsigned long long)nt->st.failed,
		   (unsigned long long)nt->st.queue_drops,
		   (unsigned long long)nt->st.own_claims);
	return 0;
}

static void
session_row(struct reply *r, const struct napt_session *s, uint32_t now)
{
	char in[40], out[40], rem[40], a[INET_ADDRSTRLEN], idle[16], exp[16],
	     po[24], pi[24];
	const char *proto = s->proto == IPPROTO_TCP ? "tcp" :
			    s->proto == IPPROTO_UDP ? "udp" : "icmp";

	snprintf(in, sizeof(in), "%s:%u", ip4(s->in_ip, a), rte_be_to_cpu_16(s->in_port));
	snprintf(out, sizeof(out), "%s:%u", ip4(s->ext_ip, a), rte_be_to_cpu_16(s->ext_port));
	snprintf(rem, sizeof(rem), "%s:%u", ip4(s->rem_ip, a), rte_be_to_cpu_16(s->rem_port));
	snprintf(idle, sizeof(idle), "%u", now - RTE_MAX(s->last_out, s->last_in));
	snprintf(exp, sizeof(exp), "%d", (int32_t)(s->expire - now));
	snprintf(po, sizeof(po), "%llu", (unsigned long long)s->pkts_out);
	snprintf(pi, sizeof(pi), "%llu", (unsigned long long)s->pkts_in);
	reply_row(r, proto, in, out, rem, napt_state_name(s), idle, exp, po, pi);
}

/* show sessions [MAX_ROWS] [--limit N] [--after CURSOR]: MAX_ROWS is the
 * old spelling of --limit; the cursor is a slot of the session table. */
static int
cmd_show_sessions(struct vsw *sw, struct reply *r, int argc, char **argv,
		  char *err, size_t errlen)
{
	static const char *const cols[] = { "proto", "inside", "outside", "remote",
		"state", "#idle", "#expires_in", "#pkts_out", "#pkts_in" };
	static const char usage[] =
		"usage: show sessions [MAX_ROWS] [--limit N] [--after CURSOR]";
	struct napt_session rows[PAGE_HOLD_ROWS];
	struct page pg = { 0 };
	struct napt *nt;
	uint32_t pos;
	char what[96], *end;

	if (no_router(sw, err, errlen) != 0 || sw->router->napt == NULL) {
		snprintf(err, errlen, "no NAT in this topology");
		return -1;
	}
	nt = sw->router->napt;
	if (page_opts(&argc, argv, &pg, usage, err, errlen) != 0)
		return -1;
	if (argc > 1) {
		snprintf(err, errlen, "%s", usage);
		return -1;
	}
	if (argc == 1) {
		unsigned long n;

		errno = 0;
		n = strtoul(argv[0], &end, 10);
		if (*end != '\0' || n == 0 || errno != 0 || n > UINT32_MAX ||
		    argv[0][0] < '0' || argv[0][0] > '9') {
			snprintf(err, errlen, "%s", usage);
			return -1;
		}
		pg.limit = n;
	}
	reply_table(r, "sessions", NULL, RTE_DIM(cols), cols);
	pos = pg.after < nt->p.sessions ? (uint32_t)pg.after : nt->p.sessions;
	while (pos < nt->p.sessions && !pg.more) {
		uint64_t want = pg.full ? 1 : RTE_MIN(pg.limit - pg.shown,
						     (uint64_t)PAGE_HOLD_ROWS);
		uint32_t now, n, k;

		page_hold(sw);
		now = bridge_now(sw->workers[0]->now);
		n = napt_read(nt, now, &pos, PAGE_HOLD_SCAN, rows, (unsigned)want);
		page_release(sw);
		if (pg.full) {
			pg.more = n > 0;
			continue;
		}
		for (k = 0; k < n; k++) {
			session_row(r, &rows[k], now);
			page_shown(&pg, pos);
		}
	}
	snprintf(what, sizeof(what), "%" PRIu64 " session%s (idle and expires_in in seconds)",
		 pg.shown, pg.shown == 1 ? "" : "s");
	page_end(r, &pg, what);
	return 0;
}

static int
cmd_show_nat(struct vsw *sw, struct reply *r, int argc, char **argv,
	     char *err, size_t errlen)
{
	static const char *const cols[] = { "counter", "#value" };
	static const char *const pcols[] = { "external", "proto", "#ports_in_use",
					     "range" };
	struct napt *n;
	struct napt_stats st;
	char b[32], a[INET_ADDRSTRLEN], range[24];
	unsigned i, j;

	(void)argc; (void)argv;
	if (no_router(sw, err, errlen) != 0 || sw->router->napt == NULL) {
		snprintf(err, errlen, "no NAT in this topology");
		return -1;
	}
	n = sw->router->napt;
	/* no barrier: every figure is one aligned word the worker writes,
	 * each read exact, the set not one instant's (as `show stats`), and
	 * the worker never stops for a look */
	st = n->st;
	{
		const struct { const char *name; uint64_t v; } rows[] = {
			{ "sessions", n->n_sessions },
			{ "sessions_max", n->p.sessions },
			{ "sessions_per_host_max", n->p.per_host },
			{ "mappings", n->n_mappings },
			{ "sessions_created", st.sessions_created },
			{ "sessions_expired", st.sessions_expired },
			{ "mappings_created", st.mappings_created },
			{ "mappings_freed", st.mappings_freed },
			{ "translated_out", st.translated_out },
			{ "translated_in", st.translated_in },
			{ "icmp_errors_translated", st.icmp_errors },
			{ "hairpin", st.hairpin },
			{ "bytes_per_session", sizeof(struct napt_session) },
		};

		reply_table(r, "nat", NULL, RTE_DIM(cols), cols);
		for (i = 0; i < RTE_DIM(rows); i++)
			reply_row(r, rows[i].name, fmt_u64(b, sizeof(b), rows[i].v));
	}
	reply_table(r, "ports", "external ports:", RTE_DIM(pcols), pcols);
	for (i = 0; i < n->n_ext; i++)
		for (j = 0; j < 3; j++) {
			const struct napt_ports *p = n->ext[i].ports[j];

			snprintf(range, sizeof(range), "%u-%u", p->lo, p->hi);
			reply_row(r, ip4(n->ext[i].ip, a), j == 0 ? "tcp" : j == 1 ? "udp" : "icmp",
				  fmt_u64(b, sizeof(b), p->in_use), range);
		}
	reply_note(r, "filtering %s; timeouts udp %u s, tcp established %u s, tcp transitory %u s, icmp %u s; drops by reason: show stats",
		   n->p.filtering == TOPO_NAT_EIF ? "endpoint-independent" :
		   n->p.filtering == TOPO_NAT_ADF ? "address-dependent" :
		   "address-port-dependent", n->p.t_udp, n->p.t_tcp_est,
		   n->p.t_tcp_trans, n->p.t_icmp);
	return 0;
}

static int
cmd_show_macvlan(struct vsw *sw, struct reply *r, int argc, char **argv,
		 char *err, size_t errlen)
{
	static const char *const cols[] = { "macvlan", "parent", "mode", "endpoints",
		"#from_lan", "#to_lan", "#local", "#multicast", "#no_endpoint",
		"#reflected", "#private", "#spoofed" };
	static const char *const ecols[] = { "endpoint", "macvlan", "mac", "link",
		"#rx", "#tx", "#spoofed", "#drops" };
	const struct macvlan *only = NULL;
	char b[12][32];
	unsigned i, j, d;

	if (argc > 0) {
		for (i = 0; i < sw->n_macvlans; i++)
			if (strcmp(sw->macvlans[i].name, argv[0]) == 0)
				only = &sw->macvlans[i];
		if (only == NULL) {
			snprintf(err, errlen, "no macvlan network named '%s'", argv[0]);
			return -1;
		}
	}
	reply_table(r, "macvlan", NULL, RTE_DIM(cols), cols);
	for (i = 0; i < sw->n_macvlans; i++) {
		const struct macvlan *mv = &sw->macvlans[i];
		struct macvlan_counters c = { 0 };
		char parent[TOPO_NAME_MAX + 8], eps[512] = "";
		size_t off = 0;

		if (only != NULL && mv != only)
			continue;
		for (j = 0; j < sw->n_workers; j++) {
			const struct macvlan_counters *x = &sw->workers[j]->mvcnt[i];

			c.from_parent += x->from_parent;
			c.to_parent += x->to_parent;
			c.local += x->local;
			c.multicast += x->multicast;
			c.no_endpoint += x->no_endpoint;
			c.reflected += x->reflected;
			c.private_ += x->private_;
			c.spoofed += x->spoofed;
		}
		if (mv->vid != 0)
			snprintf(parent, sizeof(parent), "%s.%u",
				 sw->ports[mv->parent].name, mv->vid);
		else
			snprintf(parent, sizeof(parent), "%s", sw->ports[mv->parent].name);
		for (j = 0; j < mv->n_eps && off < sizeof(eps); j++)
			off += (size_t)snprintf(eps + off, sizeof(eps) - off, "%s%s",
						j ? "," : "", sw->ports[mv->eps[j]].name);
		reply_row(r, mv->name, parent, topo_macvlan_mode_name(mv->mode),
			  eps[0] ? eps : "-", fmt_u64(b[0], 32, c.from_parent),
			  fmt_u64(b[1], 32, c.to_parent), fmt_u64(b[2], 32, c.local),
			  fmt_u64(b[3], 32, c.multicast), fmt_u64(b[4], 32, c.no_endpoint),
			  fmt_u64(b[5], 32, c.reflected), fmt_u64(b[6], 32, c.private_),
			  fmt_u64(b[7], 32, c.spoofed));
	}
	reply_table(r, "endpoints", "endpoints:", RTE_DIM(ecols), ecols);
	for (i = 0; i < sw->n_macvlans; i++) {
		const struct macvlan *mv = &sw->macvlans[i];

		if (only != NULL && mv != only)
			continue;
		for (j = 0; j < mv->n_eps; j++) {
			struct port *p = &sw->ports[mv->eps[j]];
			bool up = p->ops->link_up ? p->ops->link_up(p) : true;
			struct vsw_counters c;
			uint64_t drops = 0;
			char mac[RTE_ETHER_ADDR_FMT_SIZE];

			vsw_port_counters(sw, p->id, &c);
			for (d = 0; d < VSW_DROP_MAX; d++)
				drops += c.drops[d];
			if (mv->mode == TOPO_MACVLAN_PASSTHRU) {
				snprintf(mac, sizeof(mac), "(any)");
			} else {
				struct rte_ether_addr a;

				memcpy(a.addr_bytes, sw->attach[p->id].cfg->mac, 6);
				fmt_mac(mac, sizeof(mac), &a);
			}
			reply_row(r, p->name, mv->name, mac, up ? "up" : "down",
				  fmt_u64(b[0], 32, c.rx), fmt_u64(b[1], 32, c.tx),
				  fmt_u64(b[2], 32, c.drops[VSW_DROP_MV_SPOOF]),
				  fmt_u64(b[3], 32, drops));
		}
	}
	return 0;
}

/* ---- run-time changes (switch/apply.h) ---------------------------------- */

/*
 * Parse 'text' (the running topology with the change made) as a topology
 * file named 'who' and apply it. A parser error is the reply's reason
 * without the synthetic file's line number; each change is a note and a
 * log line.
 */
static int
apply_text__(struct vsw *sw, struct reply *r, const char *who, const char *text,
	     char *err, size_t errlen)
{
	struct topology *t = malloc(sizeof(*t));
	char *msgs = NULL, *line, *save = NULL;
	size_t mlen = 0, wlen = strlen(who);
	FILE *m;
	int rc;

	if (t == NULL || text == NULL) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m = open_memstream(&msgs, &mlen);
	if (m == NULL) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = topo_load_string(t, who, text, m);
	fclose(m);
	if (rc != 0) {
		const char *why = msgs != NULL ? msgs : "invalid";

		/* "WHO:LINE: [port p] key: what": the line is the text's */
		if (strncmp(why, who, wlen) == 0 && why[wlen] == ':') {
			why += wlen + 1;
			while (*why >= '0' && *why <= '9')
				why++;
			if (why[0] == ':' && why[1] == ' ')
				why += 2;
		}
		snprintf(err, errlen, "%.*s", (int)strcspn(why, "\n"), why);
		free(msgs);
		free(t);
		return -1;
	}
	free(msgs);
	msgs = NULL;
	m = open_memstream(&msgs, &mlen);
	if (m == NULL) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = vsw_apply(sw, t, who, m, err, errlen);
	fclose(m);
	free(t);
	if (rc < 0) {
		free(msgs);
		return -1;
	}
	fputs(msgs, stderr);
	for (line = strtok_r(msgs, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *what = strstr(line, ": ");

		what = what != NULL ? strstr(what + 2, ": ") : NULL;
		reply_note(r, "%s", what != NULL ? what + 2 : line);
	}
	if (rc == 0)
		reply_note(r, "nothing to change");
	free(msgs);
	return 0;
}

/* apply_text__, taking 'text' (malloc'ed, or NULL when making it failed)
 * and freeing it on every path. */
int
apply_text(struct vsw *sw, struct reply *r, const char *who, char *text,
	   char *err, size_t errlen)
{
	int rc = apply_text__(sw, r, who, text, err, errlen);

	free(text);
	return rc;
}

/* Append "[KIND NAME]" and "key = value" lines to the running text. */
char *
text_with(char *base, const char *kind, const char *name, const char *keys)
{
	char *out = NULL;

	if (base == NULL)
		return NULL;
	if (asprintf(&out, "%s\n[%s %s]\n%s", base, kind, name, keys) < 0)
		out = NULL;
	free(base);
	return out;
}

/* KEY=VALUE words as "key = value" lines; -1 on a word without '='. */
static int
keys_text(int argc, char **argv, char *keys, size_t len, char *err,
	  size_t errlen)
{
	size_t off = 0;
	int i;

	keys[0] = '\0';
	for (i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		if (eq == NULL || eq == argv[i]) {
			snprintf(err, errlen, "'%s' is not KEY=VALUE (the keys of a [port] section)",
				 argv[i]);
			return -1;
		}
		off += (size_t)snprintf(keys + off, len - off, "%.*s = %s\n",
					(int)(eq - argv[i]), argv[i], eq + 1);
		if (off >= len) {
			snprintf(err, errlen, "too many keys");
			return -1;
		}
	}
	return 0;
}

/*
 * port add NAME KEY=VALUE...: the keys of a [port] section, as in the
 * file. Adding a port that exists with the same keys is OK (a plugin may
 * retry); with other keys it is refused.
 */
static int
cmd_port_add(struct vsw *sw, struct reply *r, int argc, char **argv,
	     char *err, size_t errlen)
{
	char keys[2048];
	int k;

	if (argc < 2) {
		snprintf(err, errlen, "usage: port add NAME kind=KIND [iface=IF] [bridge=BRIDGE] [KEY=VALUE]...");
		return -1;
	}
	if (keys_text(argc - 1, argv + 1, keys, sizeof(keys), err, errlen) != 0)
		return -1;
	k = topo_port_find(sw->run, argv[0]);
	if (k >= 0) {
		char *text = text_with(vsw_running_text(sw, argv[0], NULL), "port",
				       argv[0], keys);
		struct topology *t = malloc(sizeof(*t));
		bool same = false;

		if (t != NULL && text != NULL && topo_load_string(t, "port add", text, NULL) == 0)
			same = vsw_same_object(sw, t, TOPO_OBJ_PORT, argv[0]);
		free(t);
		free(text);
		if (!same) {
			snprintf(err, errlen, "port %s exists already, with other settings (port del it first)",
				 argv[0]);
			return -1;
		}
		reply_note(r, "port %s exists already with these settings", argv[0]);
		return 0;
	}
	return apply_text(sw, r, "port add", text_with(vsw_running_text(sw, NULL, NULL),
						       "port", argv[0], keys), err, errlen);
}

static int
cmd_port_del(struct vsw *sw, struct reply *r, int argc, char **argv,
	     char *err, size_t errlen)
{
	if (argc != 1) {
		snprintf(err, errlen, "usage: port del NAME");
		return -1;
	}
	if (topo_port_find(sw->run, argv[0]) < 0) {
		snprintf(err, errlen, "no port '%s'", argv[0]);
		return -1;
	}
	return apply_text(sw, r, "port del", vsw_running_text(sw, argv[0], NULL),
			  err, errlen);
}

/*
 * route add NAME prefix=CIDR via=IP port=PORT: a [route] section, applied
 * while traffic flows (the LPM changes under the barrier). The same route
 * again is OK; another with its name is refused.
 */
static int
cmd_route_add(struct vsw *sw, struct reply *r, int argc, char **argv,
	      char *err, size_t errlen)
{
	char keys[1024];

	if (argc < 2 || strchr(argv[0], '=') != NULL) {
		snprintf(err, errlen, "usage: route add NAME prefix=CIDR via=IP port=PORT");
		return -1;
	}
	if (keys_text(argc - 1, argv + 1, keys, sizeof(keys), err, errlen) != 0)
		return -1;
	if (vsw_route_find(sw->run, argv[0]) >= 0) {
		char *text = text_with(vsw_running_text_skip(sw, NULL, NULL, argv[0], NULL),
				       "route", argv[0], keys);
		struct topology *t = malloc(sizeof(*t));
		bool same = false;

		if (t != NULL && text != NULL && topo_load_string(t, "route add", text, NULL) == 0)
			same = vsw_same_object(sw, t, TOPO_OBJ_ROUTE, argv[0]);
		free(t);
		free(text);
		if (!same) {
			snprintf(err, errlen, "route %s exists already, with other settings (route del it first)",
				 argv[0]);
			return -1;
		}
		reply_note(r, "route %s exists already with these settings", argv[0]);
		return 0;
	}
	return apply_text(sw, r, "route add", text_with(vsw_running_text(sw, NULL, NULL),
							"route", argv[0], keys), err, errlen);
}

static int
cmd_route_del(struct vsw *sw, struct reply *r, int argc, char **argv,
	      char *err, size_t errlen)
{
	if (argc != 1) {
		snprintf(err, errlen, "usage: route del NAME");
		return -1;
	}
	if (vsw_route_find(sw->run, argv[0]) < 0) {
		snprintf(err, errlen, "no route '%s'", argv[0]);
		return -1;
	}
	return apply_text(sw, r, "route del", vsw_running_text_skip(sw, NULL, NULL, argv[0], NULL),
			  err, errlen);
}

/* What `network create` asks for, to build a [bridge] section and to
 * compare with a network that exists. */
struct net_ask {
	bool l2;                        /* --subnet none */
	bool have_subnet, have_gw, internal;
	struct cidr subnet, range;
	uint32_t gateway;               /* host order */
	const char *masq;
	unsigned mtu, mac_limit;
	const char *macvlan, *mode;     /* --macvlan PARENT[.VID] [--mode M] */
	unsigned gw_only;               /* --gateway: a macvlan's LAN router too */
	bool bridge_opts;               /* any option of a bridge given */
	int dns;                        /* --dns yes|no; -1: not given */
};

#define NETWORK_CREATE_USAGE "usage: network create NAME [--subnet CIDR|none] [--gateway IP] " \
	"[--ip-range CIDR] [--masquerade PORT] [--internal] [--mtu N] [--mac-limit N] " \
	"[--dns yes|no] | " \
	"network create NAME --macvlan PORT[.VID] [--mode bridge|private|vepa|passthru]"

static int
uint_opt(const char *name, const char *v, unsigned *out, char *err, size_t errlen)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || n > UINT32_MAX) {
		snprintf(err, errlen, "network create: %s '%s' is not a number", name, v);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int
net_ask_parse(int argc, char **argv, struct net_ask *q, char *err, size_t errlen)
{
	char why[160];
	int i;

	memset(q, 0, sizeof(*q));
	q->dns = -1;
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--internal") == 0) {
			q->internal = true;
			q->bridge_opts = true;
			continue;
		}
		if (v == NULL || strncmp(o, "--", 2) != 0) {
			snprintf(err, errlen, "network create: unknown option or missing value: '%s' (%s)",
				 o, NETWORK_CREATE_USAGE);
			return -1;
		}
		i++;
		if (strcmp(o, "--macvlan") == 0) {
			q->macvlan = v;
			continue;
		}
		if (strcmp(o, "--mode") == 0) {
			q->mode = v;
			continue;
		}
		q->bridge_opts = true;
		if (strcmp(o, "--subnet") == 0) {
			if (strcmp(v, "none") == 0)
				q->l2 = true;
			else if (cidr_parse(v, &q->subnet, why, sizeof(why)) != 0) {
				snprintf(err, errlen, "network create: --subnet %s: %s", v, why);
				return -1;
			} else
				q->have_subnet = true;
		} else if (strcmp(o, "--gateway") == 0) {
			if (ipam_addr_parse(v, &q->gateway, why, sizeof(why)) != 0) {
				snprintf(err, errlen, "network create: --gateway %s: %s", v, why);
				return -1;
			}
			q->have_gw = true;
			q->gw_only++;
		} else if (strcmp(o, "--ip-range") == 0) {
			if (cidr_parse(v, &q->range, why, sizeof(why)) != 0) {
				snprintf(err, errlen, "network create: --ip-range %s: %s", v, why);
				return -1;
			}
		} else if (strcmp(o, "--masquerade") == 0) {
			q->masq = v;
		} else if (strcmp(o, "--mtu") == 0) {
			if (uint_opt(o, v, &q->mtu, err, errlen) != 0)
				return -1;
		} else if (strcmp(o, "--mac-limit") == 0) {
			if (uint_opt(o, v, &q->mac_limit, err, errlen) != 0)
				return -1;
		} else if (strcmp(o, "--dns") == 0) {
			if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0) {
				snprintf(err, errlen, "network create: --dns '%s' is not yes or no", v);
				return -1;
			}
			q->dns = strcmp(v, "yes") == 0;
		} else {
			snprintf(err, errlen, "network create: unknown option '%s' (%s)", o,
				 NETWORK_CREATE_USAGE);
			return -1;
		}
	}
	if (q->macvlan != NULL && q->bridge_opts && !(q->gw_only && !q->have_subnet &&
							!q->l2 && !q->range.len && !q->masq &&
							!q->internal && !q->mtu && !q->mac_limit &&
							q->dns < 0)) {
		snprintf(err, errlen, "network create: a macvlan network takes --mode and --gateway only (its addresses are its LAN's)");
		return -1;
	}
	if (q->mode != NULL && q->macvlan == NULL) {
		snprintf(err, errlen, "network create: --mode is for a macvlan network (--macvlan PORT)");
		return -1;
	}
	if (q->l2 && (q->have_gw || q->range.len || q->masq)) {
		snprintf(err, errlen, "network create: --subnet none makes a network without a gateway: --gateway, --ip-range and --masquerade need a subnet");
		return -1;
	}
	if (q->internal && q->masq != NULL) {
		snprintf(err, errlen, "network create: an internal network has no way out: --internal and --masquerade do not go together");
		return -1;
	}
	return 0;
}

/* A free subnet from [switch] subnet_pool for a new network. */
static int
pick_subnet(const struct vsw *sw, struct cidr *out, char *err, size_t errlen)
{
	const struct topology *t = sw->run;
	struct cidr used[TOPO_MAX_BRIDGES + TOPO_MAX_PORTS], routes[TOPO_MAX_ROUTES];
	struct ipam_pool pool;
	unsigned i, n_used = 0, n_routes = 0;
	char why[256];

	if (ipam_pool_parse(&pool, t->sw.subnet_pool[0] ? t->sw.subnet_pool : IPAM_POOL_DEFAULT,
			    why, sizeof(why)) != 0) {
		snprintf(err, errlen, "network create: [switch] subnet_pool: %s", why);
		return -1;
	}
	for (i = 0; i < t->n_bridges; i++)
		if (t->bridges[i].name[0] && t->bridges[i].prefix)
			used[n_used++] = (struct cidr){ t->bridges[i].subnet, t->bridges[i].prefix };
	for (i = 0; i < t->n_ports; i++)
		if (t->ports[i].name[0] && t->ports[i].prefix)
			used[n_used++] = (struct cidr){ t->ports[i].address & cidr_mask(t->ports[i].prefix),
							t->ports[i].prefix };
	for (i = 0; i < t->n_routes; i++)
		routes[n_routes++] = (struct cidr){ t->routes[i].prefix, t->routes[i].len };
	if (ipam_pick_subnet(&pool, used, n_used, routes, n_routes, out, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "network create: no free subnet in the pool: %s (give --subnet)", why);
		return -1;
	}
	return 0;
}

/* The asked-for settings as [bridge] keys. */
static int
net_keys(const struct net_ask *q, char *keys, size_t len)
{
	char a[24], b[24];
	size_t off = 0;

#define K(...) off += (size_t)snprintf(keys + off, off < len ? len - off : 0, __VA_ARGS__)
	keys[0] = '\0';
	if (q->have_subnet) {
		K("subnet = %s\ngateway = %s\n", cidr_str(q->subnet, a, sizeof(a)),
		  ip4(rte_cpu_to_be_32(q->gateway), b));
		if (q->range.len)
			K("ip_range = %s\n", cidr_str(q->range, a, sizeof(a)));
		if (q->masq != NULL)
			K("masquerade = %s\n", q->masq);
	}
	if (q->internal)
		K("internal = yes\n");
	if (q->mtu)
		K("mtu = %u\n", q->mtu);
	if (q->mac_limit)
		K("mac_limit = %u\n", q->mac_limit);
	if (q->dns == 0)
		K("dns = no\n");
#undef K
	return off < len ? 0 : -1;
}

/* An existing network against what a retried create asks: "" when the
 * same, else what differs. */
static void
net_diff(const struct vsw *sw, const struct topo_bridge *tb, const struct net_ask *q,
	 char *out, size_t len)
{
	const char *masq = tb->masquerade >= 0 ? sw->run->ports[tb->masquerade].name : NULL;

	out[0] = '\0';
	if (q->l2 && tb->prefix)
		snprintf(out, len, "it has subnet, not none");
	else if (q->have_subnet && (tb->prefix != q->subnet.len || tb->subnet != q->subnet.net))
		snprintf(out, len, "its subnet differs");
	else if (q->have_gw && tb->gateway != q->gateway)
		snprintf(out, len, "its gateway differs");
	else if ((masq == NULL) != (q->masq == NULL) ||
		 (masq != NULL && strcmp(masq, q->masq) != 0))
		snprintf(out, len, "its masquerade is %s", masq ? masq : "none");
	else if (tb->internal != q->internal)
		snprintf(out, len, "it is %sinternal", tb->internal ? "" : "not ");
	else if (q->mtu && tb->mtu != q->mtu)
		snprintf(out, len, "its mtu is %u", tb->mtu ? tb->mtu : 1500);
	else if (q->mac_limit && tb->mac_limit != q->mac_limit)
		snprintf(out, len, "its mac_limit is %u", tb->mac_limit);
	else if (q->range.len && (tb->range_lo != q->range.net ||
				  tb->range_hi != cidr_last(q->range)))
		snprintf(out, len, "its ip_range differs");
	else if (q->dns >= 0 && tb->dns != (q->dns == 1))
		snprintf(out, len, "its dns is %s", tb->dns ? "yes" : "no");
}

/*
 * network create NAME --macvlan PORT[.VID] [--mode M]: a [macvlan]
 * section on a port that runs (a routed uplink, or a parent already).
 * The same again is OK; the name of another network is refused.
 */
static int
macvlan_create(struct vsw *sw, struct reply *r, const char *name,
	       const struct net_ask *q, char *err, size_t errlen)
{
	const char *mode = q->mode != NULL ? q->mode : "bridge";
	char keys[256];
	int m;

	if (topo_bridge_find(sw->run, name) >= 0) {
		snprintf(err, errlen, "network %s exists already, as a bridge network", name);
		return -1;
	}
	m = topo_macvlan_find(sw->run, name);
	if (m >= 0) {
		const struct topo_macvlan *tm = &sw->run->macvlans[m];
		char parent[TOPO_NAME_MAX + 8];

		if (tm->vid)
			snprintf(parent, sizeof(parent), "%s.%u", sw->run->ports[tm->parent].name,
				 tm->vid);
		else
			snprintf(parent, sizeof(parent), "%s", sw->run->ports[tm->parent].name);
		if (strcmp(parent, q->macvlan) != 0 ||
		    strcmp(topo_macvlan_mode_name(tm->mode), mode) != 0) {
			snprintf(err, errlen, "network %s exists already, with other settings: macvlan on %s, mode %s",
				 name, parent, topo_macvlan_mode_name(tm->mode));
			return -1;
		}
		reply_note(r, "network %s exists already with these settings", name);
		return 0;
	}
	snprintf(keys, sizeof(keys), "parent = %s\nmode = %s\n", q->macvlan, mode);
	if (q->have_gw) {
		char g[INET_ADDRSTRLEN];

		snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "gateway = %s\n",
			 ip4(rte_cpu_to_be_32(q->gateway), g));
	}
	return apply_text(sw, r, "network create",
			  text_with(vsw_running_text(sw, NULL, NULL), "macvlan", name, keys),
			  err, errlen);
}

/*
 * network create NAME [options]: a bridge, as a [bridge] section would
 * make it, with a gateway and a subnet (picked from [switch] subnet_pool
 * when none is given) unless --subnet none. The same create again is OK.
 */
static int
cmd_network_create(struct vsw *sw, struct reply *r, int argc, char **argv,
		   char *err, size_t errlen)
{
	struct net_ask q;
	char keys[512], diff[128];
	int b;

	if (argc < 1 || argv[0][0] == '-') {
		snprintf(err, errlen, NETWORK_CREATE_USAGE);
		return -1;
	}
	if (net_ask_parse(argc, argv, &q, err, errlen) != 0)
		return -1;
	if (q.macvlan != NULL)
		return macvlan_create(sw, r, argv[0], &q, err, errlen);
	if (topo_macvlan_find(sw->run, argv[0]) >= 0) {
		snprintf(err, errlen, "network %s exists already, as a macvlan network", argv[0]);
		return -1;
	}
	b = topo_bridge_find(sw->run, argv[0]);
	if (b >= 0) {
		net_diff(sw, &sw->run->bridges[b], &q, diff, sizeof(diff));
		if (diff[0]) {
			snprintf(err, errlen, "network %s exists already, with other settings: %s",
				 argv[0], diff);
			return -1;
		}
		reply_note(r, "network %s exists already with these settings", argv[0]);
		return 0;
	}
	if (!q.l2 && !q.have_subnet) {
		if (sw->router == NULL) {
			snprintf(err, errlen, "network %s: a subnet needs routing, which runs with one worker (this vsw runs %u): give --subnet none for a network without a gateway",
				 argv[0], sw->n_workers);
			return -1;
		}
		if (pick_subnet(sw, &q.subnet, err, errlen) != 0)
			return -1;
		q.have_subnet = true;
	}
	if (q.have_subnet && !q.have_gw)
		q.gateway = q.subnet.net + 1;   /* the first host */
	if (net_keys(&q, keys, sizeof(keys)) != 0) {
		snprintf(err, errlen, "network create: too many settings");
		return -1;
	}
	return apply_text(sw, r, "network create",
			  text_with(vsw_running_text(sw, NULL, NULL), "bridge", argv[0], keys),
			  err, errlen);
}

/*
 * ipam pick: a free subnet of [switch] subnet_pool (nothing held: the
 * network create that follows takes it). ipam hold NETWORK [--ip A]: an
 * address of the network's IPAM held for an endpoint to come (a
 * container engine's IPAM asks before the endpoint exists); connect --ip
 * A takes it over. ipam release NETWORK A gives a held one back.
 */
static int
cmd_ipam(struct vsw *sw, struct reply *r, int argc, char **argv, char *err, size_t errlen)
{
	static const char *const cols[] = { "network", "ip" };
	char why[200], a[INET_ADDRSTRLEN], c[32];
	uint32_t ip = 0;
	int b;

	if (argc == 1 && strcmp(argv[0], "pick") == 0) {
		static const char *const pcols[] = { "subnet", "gateway" };
		struct cidr sub;

		if (pick_subnet(sw, &sub, err, errlen) != 0)
			return -1;
		reply_table(r, "ipam", NULL, RTE_DIM(pcols), pcols);
		reply_row(r, cidr_str(sub, c, sizeof(c)), ip4(rte_cpu_to_be_32(sub.net + 1), a));
		return 0;
	}
	if (argc < 2 || (strcmp(argv[0], "hold") != 0 && strcmp(argv[0], "release") != 0)) {
		snprintf(err, errlen, "usage: ipam pick | ipam hold NETWORK [--ip A] | ipam release NETWORK A");
		return -1;
	}
	b = topo_bridge_find(sw->run, argv[1]);
	if (b < 0 || sw->ipam[b] == NULL) {
		snprintf(err, errlen, b < 0 ? "no network '%s'" : "network %s has no subnet",
			 argv[1]);
		return -1;
	}
	if (strcmp(argv[0], "release") == 0) {
		const char *owner;

		if (argc != 3 || ipam_addr_parse(argv[2], &ip, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "usage: ipam release NETWORK A");
			return -1;
		}
		owner = ipam_owner(sw->ipam[b], ip);
		reply_note(r, "%s %s", argv[2], owner == NULL ? "was free" :
			   strcmp(owner, VSW_IPAM_HOLD) == 0 ? "released" : "is an endpoint's: kept");
		if (owner != NULL && strcmp(owner, VSW_IPAM_HOLD) == 0)
			ipam_release(sw->ipam[b], ip, VSW_IPAM_HOLD, NULL, 0);
		return 0;
	}
	if (argc == 4 && strcmp(argv[2], "--ip") == 0) {
		if (ipam_addr_parse(argv[3], &ip, why, sizeof(why)) != 0 || ip == 0) {
			snprintf(err, errlen, "ipam hold: --ip %s: %s", argv[3], why);
			return -1;
		}
		if (ipam_request(sw->ipam[b], ip, VSW_IPAM_HOLD, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "network %s: %s", argv[1], why);
			return -1;
		}
	} else if (argc != 2) {
		snprintf(err, errlen, "usage: ipam hold NETWORK [--ip A]");
		return -1;
	} else if (ipam_alloc(sw->ipam[b], VSW_IPAM_HOLD, &ip, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "network %s: %s", argv[1], why);
		return -1;
	}
	reply_table(r, "ipam", NULL, RTE_DIM(cols), cols);
	reply_row(r, argv[1], ip4(rte_cpu_to_be_32(ip), a));
	return 0;
}

/* The one NAME argument of "network VERB NAME": its bridge slot, or -1
 * with the usage or "no network" in 'err'. */
static int
network_arg(const struct vsw *sw, const char *verb, int argc, char **argv,
	    char *err, size_t errlen)
{
	int b;

	if (argc != 1) {
		snprintf(err, errlen, "usage: network %s NAME", verb);
		return -1;
	}
	b = topo_bridge_find(sw->run, argv[0]);
	if (b < 0)
		snprintf(err, errlen, "no network '%s'", argv[0]);
	return b;
}

/* network rm NAME: like docker, a missing network is an error. */
static int
cmd_network_rm(struct vsw *sw, struct reply *r, int argc, char **argv,
	       char *err, size_t errlen)
{
	const struct bridge *br;
	char ports[256] = "";
	size_t off = 0;
	unsigned i;
	int b;

	if (argc == 1 && (b = topo_macvlan_find(sw->run, argv[0])) >= 0) {
		const struct macvlan *mv = &sw->macvlans[b];

		for (i = 0; i < mv->n_eps && off < sizeof(ports); i++)
			off += (size_t)snprintf(ports + off, sizeof(ports) - off, "%s%s",
						i ? ", " : "", sw->ports[mv->eps[i]].name);
		if (mv->n_eps > 0) {
			snprintf(err, errlen, "network %s has ports (%s): port del them first",
				 argv[0], ports);
			return -1;
		}
		return apply_text(sw, r, "network rm",
				  vsw_running_text_skip(sw, NULL, NULL, NULL, argv[0]), err, errlen);
	}
	b = network_arg(sw, "rm", argc, argv, err, errlen);
	if (b < 0)
		return -1;
	br = &sw->bridges[b];
	for (i = 0; i < br->n_ports && off < sizeof(ports); i++)
		off += (size_t)snprintf(ports + off, sizeof(ports) - off, "%s%s",
					i ? ", " : "", sw->ports[br->ports[i]].name);
	if (br->n_ports > 0) {
		snprintf(err, errlen, "network %s has ports (%s): port del them first",
			 argv[0], ports);
		return -1;
	}
	return apply_text(sw, r, "network rm", vsw_running_text(sw, NULL, argv[0]),
			  err, errlen);
}

/* An IPAM range (host order, inclusive) as a prefix when it is one,
 * else FIRST-LAST; "-" for none. */
static void
range_str(uint32_t lo, uint32_t hi, char *out, size_t len)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	uint32_t size = hi - lo + 1;

	if (lo == 0 && hi == 0)
		snprintf(out, len, "-");
	else if (size != 0 && (size & (size - 1)) == 0 && (lo & (size - 1)) == 0)
		snprintf(out, len, "%s/%d", ip4(rte_cpu_to_be_32(lo), a),
			 32 - __builtin_ctz(size));
	else
		snprintf(out, len, "%s-%s", ip4(rte_cpu_to_be_32(lo), a),
			 ip4(rte_cpu_to_be_32(hi), b));
}

static void
network_row(struct vsw *sw, struct reply *r, unsigned b)
{
	const struct topo_bridge *tb = &sw->run->bridges[b];
	const struct bridge *br = &sw->bridges[b];
	char n[16], lim[16], subnet[32] = "-", gw[INET_ADDRSTRLEN] = "-", a[INET_ADDRSTRLEN];
	char mtu[16], range[40];

	snprintf(n, sizeof(n), "%u", br->n_ports);
	snprintf(lim, sizeof(lim), "%u", tb->mac_limit);
	if (tb->prefix != 0) {
		snprintf(subnet, sizeof(subnet), "%s/%u", ip4(rte_cpu_to_be_32(tb->subnet), a),
			 tb->prefix);
		ip4(rte_cpu_to_be_32(tb->gateway), gw);
	}
	snprintf(mtu, sizeof(mtu), "%u", tb->mtu ? tb->mtu : 1500);
	range_str(tb->range_lo, tb->range_hi, range, sizeof(range));
	reply_row(r, tb->name, n, subnet, gw,
		  tb->masquerade >= 0 ? sw->run->ports[tb->masquerade].name : "-",
		  tb->internal ? "yes" : "no", mtu, lim, "bridge", "-", range,
		  tb->prefix != 0 && tb->dns && sw->dns != NULL ? "yes" : "no");
}

/* A macvlan network's row: its endpoints, its parent (PORT[.VID]) and mode. */
static void
macvlan_row(struct vsw *sw, struct reply *r, unsigned i)
{
	const struct topo_macvlan *tm = &sw->run->macvlans[i];
	char n[16], mtu[16], drv[32], parent[TOPO_NAME_MAX + 8];

	snprintf(n, sizeof(n), "%u", sw->macvlans[i].n_eps);
	snprintf(mtu, sizeof(mtu), "%u", sw->ports[tm->parent].mtu);
	snprintf(drv, sizeof(drv), "macvlan/%s", topo_macvlan_mode_name(tm->mode));
	if (tm->vid)
		snprintf(parent, sizeof(parent), "%s.%u", sw->run->ports[tm->parent].name, tm->vid);
	else
		snprintf(parent, sizeof(parent), "%s", sw->run->ports[tm->parent].name);
	{
		char gw[INET_ADDRSTRLEN] = "-";

		if (tm->gateway)
			ip4(rte_cpu_to_be_32(tm->gateway), gw);
		reply_row(r, tm->name, n, "-", gw, "-", "no", mtu, "0", drv, parent, "-", "no");
	}
}

static const char *const network_cols[] = { "network", "#ports", "subnet", "gateway",
					    "masquerade", "internal", "#mtu", "#mac_limit",
					    "driver", "parent", "ip_range", "dns" };

static int
cmd_network_ls(struct vsw *sw, struct reply *r, int argc, char **argv,
	       char *err, size_t errlen)
{
	unsigned b;

	(void)argc; (void)argv; (void)err; (void)errlen;
	reply_table(r, "networks", NULL, RTE_DIM(network_cols), network_cols);
	for (b = 0; b < sw->n_bridges; b++)
		if (sw->bridges[b].fdb != NULL)
			network_row(sw, r, b);
	for (b = 0; b < sw->run->n_macvlans; b++)
		macvlan_row(sw, r, b);
	return 0;
}

static int
cmd_network_inspect(struct vsw *sw, struct reply *r, int argc, char **argv,
		    char *err, size_t errlen)
{
	static const char *const ecols[] = { "endpoint", "kind", "iface", "mac", "vlan",
					     "ip", "netns", "ifname", "peer_mac", "name",
					     "aliases" };
	static const char *const pcols[] = { "publish", "proto", "listen", "to" };
	const struct topology *t = sw->run;
	const struct topo_bridge *tb;
	const struct bridge *br;
	char a[INET_ADDRSTRLEN];
	unsigned i;
	int b;

	b = network_arg(sw, "inspect", argc, argv, err, errlen);
	if (b < 0)
		return -1;
	br = &sw->bridges[b];
	tb = &t->bridges[b];
	reply_table(r, "network", NULL, RTE_DIM(network_cols), network_cols);
	network_row(sw, r, (unsigned)b);
	reply_table(r, "endpoints", "endpoints:", RTE_DIM(ecols), ecols);
	for (i = 0; i < br->n_ports; i++) {
		const struct port *p = &sw->ports[br->ports[i]];
		const struct topo_port *tp = &t->ports[p->id];
		char mac[RTE_ETHER_ADDR_FMT_SIZE], pmac[24] = "-", vlan[16] = "-";
		char ip[24] = "-", al[TOPO_MAX_ALIASES * TOPO_DNS_NAME_MAX] = "";
		unsigned k;

		fmt_mac(mac, sizeof(mac), &p->mac);
		if (tp->vlan_mode == TOPO_VLAN_ACCESS)
			snprintf(vlan, sizeof(vlan), "%u", tp->pvid);
		else if (tp->vlan_mode == TOPO_VLAN_TRUNK)
			snprintf(vlan, sizeof(vlan), "trunk");
		if (tp->ip != 0)
			snprintf(ip, sizeof(ip), "%s/%u", ip4(rte_cpu_to_be_32(tp->ip), a),
				 tb->prefix);
		if (tp->peer_mac[0] | tp->peer_mac[1] | tp->peer_mac[2] | tp->peer_mac[3] |
		    tp->peer_mac[4] | tp->peer_mac[5])
			fmt_mac(pmac, sizeof(pmac), (const struct rte_ether_addr *)tp->peer_mac);
		for (k = 0; k < tp->n_aliases; k++)
			snprintf(al + strlen(al), sizeof(al) - strlen(al), "%s%s",
				 k ? "," : "", tp->aliases[k]);
		reply_row(r, p->name, p->ops->kind, tp->iface[0] ? tp->iface : "-", mac, vlan,
			  ip, tp->netns[0] ? tp->netns : "-", tp->ifname[0] ? tp->ifname : "-",
			  pmac, tp->ep_name[0] ? tp->ep_name : "-", al[0] ? al : "-");
	}
	reply_table(r, "publish", "published ports:", RTE_DIM(pcols), pcols);
	for (i = 0; tb->prefix && i < t->n_publish; i++) {
		const struct topo_publish *u = &t->publish[i];
		char lis[16], to[40];

		if (!topo_in_prefix(u->to_ip, tb->subnet, tb->prefix))
			continue;
		snprintf(lis, sizeof(lis), u->listen_lo == u->listen_hi ? "%u" : "%u-%u",
			 u->listen_lo, u->listen_hi);
		snprintf(to, sizeof(to), u->to_lo == u->to_hi ? "%s:%u" : "%s:%u-%u",
			 ip4(rte_cpu_to_be_32(u->to_ip), a), u->to_lo, u->to_hi);
		reply_row(r, u->name, u->proto == IPPROTO_TCP ? "tcp" : "udp", lis, to);
	}
	return 0;
}

/* network prune: every network without ports that the topology file does
 * not name, in one change. */
static int
cmd_network_prune(struct vsw *sw, struct reply *r, int argc, char **argv,
		  char *err, size_t errlen)
{
	const struct topology *t = sw->run;
	struct topo_subset *keep;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	unsigned i, gone = 0;
	int rc = -1;

	(void)argv;
	if (argc != 0) {
		snprintf(err, errlen, "usage: network prune");
		return -1;
	}
	keep = calloc(1, sizeof(*keep));
	if (keep == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	keep->sw = true;
	for (i = 0; i < t->n_bridges; i++) {
		keep->bridge[i] = t->bridges[i].name[0] != '\0';
		if (keep->bridge[i] && sw->bridges[i].n_ports == 0 && t->bridges[i].n_statics == 0 &&
		    (sw->file == NULL || topo_bridge_find(sw->file, t->bridges[i].name) < 0)) {
			keep->bridge[i] = false;
			reply_note(r, "removing network %s", t->bridges[i].name);
			gone++;
		}
	}
	if (gone == 0) {
		free(keep);
		reply_note(r, "no network to prune");
		return 0;
	}
	for (i = 0; i < t->n_ports; i++)
		keep->port[i] = t->ports[i].name[0] != '\0';
	for (i = 0; i < t->n_macvlans; i++)
		keep->macvlan[i] = true;
	for (i = 0; i < t->n_routes; i++)
		keep->route[i] = true;
	for (i = 0; i < t->n_publish; i++)
		keep->publish[i] = true;
	for (i = 0; i < t->n_statics; i++)
		keep->stat[i] = keep->bridge[t->statics[i].bridge] && keep->port[t->statics[i].port];
	f = open_memstream(&buf, &len);
	if (f != NULL) {
		rc = topo_write_set(f, t, keep, NULL);
		fclose(f);
	}
	free(keep);
	if (rc != 0) {
		free(buf);
		snprintf(err, errlen, "network prune: cannot write the running topology");
		return -1;
	}
	return apply_text(sw, r, "network prune", buf, err, errlen);
}

static int cmd_help(struct vsw *sw, struct reply *r, int argc, char **argv,
		    char *err, size_t errlen);

/* "capture" streams on its connection (client_read hands it over before
 * ctl_execute); through ctl_execute (the fuzzer, a test) it is refused. */
static int
cmd_capture_placeholder(struct vsw *sw, struct reply *r, int argc, char **argv,
			char *err, size_t errlen)
{
	(void)sw; (void)r; (void)argc; (void)argv;
	snprintf(err, errlen, "capture streams on its own connection (vswctl capture)");
	return -1;
}

static const struct cmd commands[] = {
	{ { "show", "ports", NULL }, 0, "show ports",
	  "ports: kind, role, link, offloads, backend", cmd_show_ports },
	{ { "show", "stats", NULL }, 0, "show stats",
	  "counters per port, drops by reason, workers", cmd_show_stats },
	{ { "show", "bridges", NULL }, 1, "show bridges [BRIDGE]",
	  "bridges: ports, VLANs, FDB entries, limits, counters", cmd_show_bridges },
	{ { "show", "fdb", NULL }, 5, "show fdb [BRIDGE] [--limit N] [--after CURSOR]",
	  "MAC table: MAC, VLAN, port, age, learned/static", cmd_show_fdb },
	{ { "fdb", "flush", NULL }, 2, "fdb flush [BRIDGE [PORT]]",
	  "forget learned MACs (static entries stay)", cmd_fdb_flush },
	{ { "port", "add", NULL }, MAX_WORDS, "port add NAME kind=K [iface=IF] [bridge=B] [KEY=VALUE]...",
	  "add a port (the keys of a [port] section) while vsw runs", cmd_port_add },
	{ { "ipam", NULL }, 4, "ipam pick | ipam hold NETWORK [--ip A] | ipam release NETWORK A",
	  "a free subnet; an address held for an engine's endpoint", cmd_ipam },
	{ { "route", "add", NULL }, 8, "route add NAME prefix=CIDR via=IP port=PORT",
	  "add a static route while traffic flows", cmd_route_add },
	{ { "route", "del", NULL }, 1, "route del NAME",
	  "remove a static route", cmd_route_del },
	{ { "port", "del", NULL }, 1, "port del NAME",
	  "remove a port while vsw runs", cmd_port_del },
	{ { "network", "create", NULL }, 16, "network create NAME [--subnet CIDR|none] [--gateway IP] [--ip-range CIDR] [--masquerade PORT] [--internal] [--mtu N] [--mac-limit N]",
	  "add a network (a bridge, with a gateway and a subnet unless --subnet none) while vsw runs",
	  cmd_network_create },
	{ { "connect", NULL }, 24,
	  "connect NETWORK --netns NS [--ifname IF] [--ip A] [--mac M] [--name N] [--alias A]...",
	  "make an endpoint: a veth into the namespace, its address, the port", ctl_connect },
	{ { "disconnect", NULL }, 3, "disconnect NETWORK --netns NS | --name N",
	  "remove an endpoint, its veth and its address", ctl_disconnect },
	{ { "network", "prune", NULL }, 0, "network prune",
	  "remove the networks with no ports that the topology file does not name",
	  cmd_network_prune },
	{ { "network", "rm", NULL }, 1, "network rm NAME",
	  "remove a network that has no ports", cmd_network_rm },
	{ { "network", "ls", NULL }, 0, "network ls",
	  "networks: ports, subnet, gateway, limits", cmd_network_ls },
	{ { "network", "inspect", NULL }, 1, "network inspect NAME",
	  "a network and its endpoints", cmd_network_inspect },
	{ { "port", NULL, NULL }, 2, "port PORT up|down",
	  "set a port administratively up or down", cmd_port },
	{ { "show", "routes", NULL }, 0, "show routes",
	  "L3 interfaces and routes", cmd_show_routes },
	{ { "show", "neighbors", NULL }, 0, "show neighbors",
	  "ARP table: address, MAC, state, age", cmd_show_neighbors },
	{ { "show", "sessions", NULL }, 5,
	  "show sessions [MAX_ROWS] [--limit N] [--after CURSOR]",
	  "NAT sessions: inside, outside, remote, protocol, state, idle", cmd_show_sessions },
	{ { "show", "nat", NULL }, 0, "show nat",
	  "NAT counters, table use, external ports", cmd_show_nat },
	{ { "show", "macvlan", NULL }, 1, "show macvlan [NETWORK]",
	  "macvlan networks: parent, mode, endpoints with MAC and counters",
	  cmd_show_macvlan },
	/* published ports at run time: ctl/publish.c */
	{ { "publish", "add", NULL }, 12,       /* extra keys: the parser names them */
	  "publish add NAME port=PORT proto=tcp|udp listen=N[-M] to=IP:P[-Q]",
	  "publish a port (or range) of a masquerading port to an inside address",
	  ctl_publish_add },
	{ { "publish", "del", NULL }, 1, "publish del NAME",
	  "remove a publish rule and its sessions (other sessions stay)", ctl_publish_del },
	{ { "show", "publish", NULL }, 0, "show publish",
	  "publish rules: port, protocol, listen, to, sessions", ctl_show_publish },
	/* the name service: ctl/names.c */
	{ { "name", "add", NULL }, 3, "name add NETWORK NAME IP",
	  "a static name answered at the network's gateway", ctl_name_add },
	{ { "name", "del", NULL }, 3, "name del NETWORK NAME [IP]",
	  "remove a static name (one address, or all of them)", ctl_name_del },
	{ { "name", "ls", NULL }, 1, "name ls [NETWORK]",
	  "the names answered: endpoints' names and aliases, static names", ctl_name_ls },
	{ { "show", "dns", NULL }, 0, "show dns",
	  "the name service: upstream servers, counters, networks", ctl_show_dns },
	/* seeing traffic: ctl/draw.c; capture streams: ctl/capture.c */
	{ { "show", "topology", NULL }, 2, "show topology [--format dot|text]",
	  "networks, ports, gateways, NAT and publish rules as a graph (vswctl draws svg)",
	  ctl_show_topology },
	{ { "capture", NULL, NULL }, MAX_WORDS, CAPTURE_USAGE,
	  "stream a port's or a network's frames as pcapng (vswctl writes the file)",
	  cmd_capture_placeholder },
	{ { "help", NULL, NULL }, 0, "help", "this list", cmd_help },
};

static int
cmd_help(struct vsw *sw, struct reply *r, int argc, char **argv, char *err,
	 size_t errlen)
{
	static const char *const cols[] = { "command", "what" };
	unsigned i;

	(void)sw; (void)argc; (void)argv; (void)err; (void)errlen;
	reply_table(r, "commands", NULL, RTE_DIM(cols), cols);
	for (i = 0; i < RTE_DIM(commands); i++)
		reply_row(r, commands[i].usage, commands[i].help);
	reply_note(r, "add --json to any command for JSON output");
	return 0;
}

/* ---- requests ------------------------------------------------------------ */

static char *
err_reply(const char *fmt, ...)
{
	char msg[512], *out = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (asprintf(&out, "ERR %s\n", msg) < 0)
		return NULL;
	return out;
}

char *
ctl_execute(struct vsw *sw, const char *request, size_t len)
{
	char buf[REQ_MAX], *words[MAX_WORDS], *tok, *save = NULL, err[256] = "";
	int n = 0, i, args = 0;
	bool json = false;
	const struct cmd *best = NULL;
	struct reply *r;
	char *body, *out = NULL;
	size_t blen;
	unsigned c;

	if (len >= sizeof(buf))
		return err_reply("request longer than %d bytes", REQ_MAX - 1);
	memcpy(buf, request, len);
	buf[len] = '\0';
	for (i = 0; i < (int)len; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\n' || ch == '\r' || ch == '\t')
			buf[i] = ' ';
		else if (ch < 0x20 || ch >= 0x7f)
			return err_reply("request holds a non-printable byte");
	}
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, "--json") == 0 || strcmp(tok, "-j") == 0) {
			json = true;
			continue;
		}
		if (n == MAX_WORDS)
			return err_reply("too many words (at most %d)", MAX_WORDS);
		words[n++] = tok;
	}
	if (n == 0)
		return err_reply("empty request (try: help)");

	for (c = 0; c < RTE_DIM(commands); c++) {
		int k;

		for (k = 0; commands[c].words[k] != NULL; k++)
			if (k >= n || strcmp(commands[c].words[k], words[k]) != 0)
				break;
		if (commands[c].words[k] == NULL) {
			best = &commands[c];
			args = k;
			break;
		}
	}
	if (best == NULL)
		return err_reply("unknown command '%s%s%s' (try: help)", words[0],
				 n > 1 ? " " : "", n > 1 ? words[1] : "");
	if (n - args > best->max_args)
		return err_reply("too many arguments: %s", best->usage);
	r = reply_new(json);
	if (r == NULL)
		return err_reply("out of memory");
	if (best->run(sw, r, n - args, words + args, err, sizeof(err)) != 0) {
		reply_free(r);
		return err_reply("%s", err[0] ? err : "failed");
	}
	body = reply_render(r, &blen);
	reply_free(r);
	if (body == NULL)
		return err_reply("out of memory");
	if (asprintf(&out, "OK\n%s", body) < 0)
		out = NULL;
	free(body);
	return out;
}

/* ---- the socket ------------------------------------------------------------ */

static int
mkdir_p(const char *path)
{
	char tmp[108], *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

struct ctl *
ctl_open(struct vsw *sw, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	struct ctl *c;
	unsigned i;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		return NULL;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* a socket someone answers on is another vsw's; one nobody does is stale */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		snprintf(err, errlen,
			 "control socket %s is in use by another vsw (set [switch] control)",
			 path);
		return NULL;
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
	mkdir_p(path);

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->sw = sw;
	c->epfd = c->tfd = c->nlfd = -1;
	for (i = 0; i < MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0 ||
	    bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0600) < 0 || listen(c->lfd, 16) < 0) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		ctl_close(c);
		return NULL;
	}
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->epfd < 0 || c->tfd < 0 ||
	    timerfd_settime(c->tfd, 0, &its, NULL) < 0) {
		snprintf(err, errlen, "control loop: %s", strerror(errno));
		ctl_close(c);
		return NULL;
	}
	ev.data.u64 = 1;
	epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->lfd, &ev);
	ev.data.u64 = 3;
	epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->tfd, &ev);
	/* link changes as they happen (a port flapping faster than the
	 * once-a-second look would otherwise stay down up to a second after it
	 * came back); the timer stays as the fallback */
	c->nlfd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 NETLINK_ROUTE);
	if (c->nlfd >= 0) {
		struct sockaddr_nl sn = { .nl_family = AF_NETLINK,
					  .nl_groups = RTMGRP_LINK };

		if (bind(c->nlfd, (struct sockaddr *)&sn, sizeof(sn)) < 0) {
			close(c->nlfd);
			c->nlfd = -1;
		} else {
			ev.data.u64 = 4;
			epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->nlfd, &ev);
		}
	}
	c->capture = capture_ctl_open(sw, c->epfd, CTL_EV_CAPTURE, err, errlen);
	if (c->capture == NULL) {
		ctl_close(c);
		return NULL;
	}
	if (sw->run->sw.metrics[0]) {
		c->metrics = metrics_open(sw, sw->run->sw.metrics, err, errlen);
		if (c->metrics == NULL) {
			ctl_close(c);
			return NULL;
		}
		ev.data.u64 = CTL_EV_METRICS;
		epoll_ctl(c->epfd, EPOLL_CTL_ADD, metrics_fd(c->metrics), &ev);
	}
	return c;
}

static void
client_drop(struct ctl *c, struct client *cl)
{
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	cl->fd = -1;
}

static void
client_reply(struct ctl *c, struct client *cl, const char *msg)
{
	struct timeval tv = { 5, 0 };
	size_t len = msg ? strlen(msg) : 0, off = 0;
	int flags = fcntl(cl->fd, F_GETFL);

	/* replies can be large (a big FDB): write them blocking, bounded */
	fcntl(cl->fd, F_SETFL, flags & ~O_NONBLOCK);
	setsockopt(cl->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (off < len) {
		ssize_t w = send(cl->fd, msg + off, len - off, MSG_NOSIGNAL);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	/* closing with unread input would reset the connection before the
	 * client reads the reply: say we are done, then discard what is left */
	shutdown(cl->fd, SHUT_WR);
	for (off = 0; off < (1u << 20); ) {
		ssize_t r = recv(cl->fd, cl->buf, sizeof(cl->buf), MSG_DONTWAIT);

		if (r <= 0)
			break;
		off += (size_t)r;
	}
	client_drop(c, cl);
}

static void
client_accept(struct ctl *c)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct client *cl = NULL;
	unsigned i;
	int fd;

	fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < MAX_CLIENTS; i++)
		if (c->clients[i].fd < 0) {
			cl = &c->clients[i];
			break;
		}
	if (cl == NULL) {
		close(fd);          /* too many at once: the client sees EOF */
		return;
	}
	cl->fd = fd;
	cl->len = 0;
	cl->since = loop_clock_ns();
	ev.data.u64 = 16 + i;
	epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev);
	cl->denied = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 ||
		     cred.uid != 0;
}

static void
client_read(struct ctl *c, struct client *cl)
{
	ssize_t r = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len, 0);
	char *nl, *out;

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		client_drop(c, cl);
		return;
	}
	if (r < 0)
		return;
	cl->len += (size_t)r;
	nl = memchr(cl->buf, '\n', cl->len);
	if (nl == NULL) {
		if (cl->len == sizeof(cl->buf)) {
			out = err_reply("request longer than %d bytes", REQ_MAX - 1);
			client_reply(c, cl, out);
			free(out);
		}
		return;
	}
	if (!cl->denied && c->capture != NULL &&
	    capture_is_request(cl->buf, (size_t)(nl - cl->buf))) {
		/* the stream owns the connection from here */
		epoll_ctl(c->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
		capture_ctl_start(c->capture, cl->fd, cl->buf, (size_t)(nl - cl->buf));
		cl->fd = -1;
		return;
	}
	if (cl->denied)
		out = err_reply("permission denied: vsw is controlled by root only");
	else
		out = ctl_execute(c->sw, cl->buf, (size_t)(nl - cl->buf));
	client_reply(c, cl, out ? out : "ERR out of memory\n");
	free(out);
}

static void
periodic(struct ctl *c)
{
	uint64_t now = loop_clock_ns(), junk;
	unsigned i;

	if (read(c->tfd, &junk, sizeof(junk)) < 0)
		return;
	vsw_poll_links(c->sw);
	for (i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = &c->clients[i];

		if (cl->fd >= 0 && now - cl->since > CLIENT_TIMEOUT_NS) {
			char *e = err_reply("request timed out (end it with a newline)");

			client_reply(c, cl, e);
			free(e);
		}
	}
}

void
ctl_run(struct ctl *c, int sigfd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 2 };
	struct epoll_event evs[16];
	int n, i;

	if (sigfd >= 0)
		epoll_ctl(c->epfd, EPOLL_CTL_ADD, sigfd, &ev);
	while (!c->sw->stop) {
		n = epoll_wait(c->epfd, evs, RTE_DIM(evs), 500);
		/* the telemetry thread's readers wait while the control thread
		 * works (vsw.h, ctl_lock) */
		pthread_mutex_lock(&c->sw->ctl_lock);
		for (i = 0; i < n; i++) {
			uint64_t id = evs[i].data.u64;

			if (id == CTL_EV_METRICS) {
				metrics_run(c->metrics);
			} else if (id >= CTL_EV_CAPTURE && id < CTL_EV_CAPTURE + CAPTURE_EVENTS) {
				capture_ctl_event(c->capture, id);
			} else if (id == 1) {
				client_accept(c);
			} else if (id == 2) {
				struct signalfd_siginfo si;

				/* SIGHUP reloads the file (apply.h); the others stop */
				if (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP)
						vsw_reload(c->sw, stderr);
					else
						c->sw->stop = true;
				}
			} else if (id == 3) {
				periodic(c);
			} else if (id == 4) {
				char buf[8192];

				while (recv(c->nlfd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
					;
				vsw_poll_links(c->sw);
			} else if (id >= 16 && id < 16 + MAX_CLIENTS &&
				   c->clients[id - 16].fd >= 0) {
				client_read(c, &c->clients[id - 16]);
			}
		}
		pthread_mutex_unlock(&c->sw->ctl_lock);
	}
	if (sigfd >= 0)
		epoll_ctl(c->epfd, EPOLL_CTL_DEL, sigfd, NULL);
}

void
ctl_close(struct ctl *c)
{
	unsigned i;

	if (c == NULL)
		return;
	capture_ctl_close(c->capture);  /* ends every stream, tells its client */
	metrics_close(c->metrics);
	for (i = 0; i < MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			close(c->clients[i].fd);
	if (c->lfd >= 0) {
		close(c->lfd);
		unlink(c->path);
	}
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->tfd >= 0)
		close(c->tfd);
	if (c->nlfd >= 0)
		close(c->nlfd);
	free(c);
}
