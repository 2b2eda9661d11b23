/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "nat/csum.h"
#include "nat/napt.h"
#include "switch/loop.h"
#include "switch/neigh.h"
#include "switch/dns.h"
#include "switch/router.h"
#include "switch/vsw.h"

#define NEIGH_MAX 16384
#define FRAG_BUCKETS 1024
#define FRAG_PER_BUCKET 8
#define FRAG_TTL_NS 2000000000ull       /* an incomplete datagram waits 2 s */
#define FRAG_HELD_MAX 512               /* incomplete datagrams held at most */

/* ---- building --------------------------------------------------------------- */

static uint32_t
nh_alloc(struct router *r)
{
	uint32_t i;

	for (i = 0; i < r->n_nh; i++)
		if (!r->nh[i].used)
			return i;
	return i < RTE_DIM(r->nh) ? r->n_nh++ : UINT32_MAX;
}

static int
add_route(struct router *r, uint32_t prefix, uint8_t len, uint16_t l3if,
	  uint32_t gw_host, char *err, size_t errlen)
{
	uint32_t nh = nh_alloc(r);
	int rc;

	if (nh == UINT32_MAX) {
		snprintf(err, errlen, "no room for another next hop (%zu)", RTE_DIM(r->nh));
		return -ENOSPC;
	}
	r->nh[nh].l3if = l3if;
	r->nh[nh].used = true;
	r->nh[nh].gw = rte_cpu_to_be_32(gw_host);
	if (len == 0)   /* rte_lpm has no /0: the default is two /1 */
		rc = rte_lpm_add(r->lpm, 0, 1, nh) ?: rte_lpm_add(r->lpm, 1u << 31, 1, nh);
	else
		rc = rte_lpm_add(r->lpm, prefix, len, nh);
	if (rc != 0) {
		r->nh[nh].used = false;
		snprintf(err, errlen, "cannot add route %u.%u.%u.%u/%u: %s",
			 prefix >> 24, (prefix >> 16) & 255, (prefix >> 8) & 255,
			 prefix & 255, len, strerror(-rc));
	}
	return rc;
}

/* The lowest free interface slot, or -1. */
static int
if_slot(const struct router *r)
{
	unsigned i;

	for (i = 0; i < r->n_ifs; i++)
		if (!r->ifs[i].used)
			return (int)i;
	return r->n_ifs < L3_MAX_IFS ? (int)r->n_ifs : -1;
}

static void
update_min_mtu(struct router *r)
{
	unsigned i;

	r->min_mtu = 0;
	for (i = 0; i < r->n_ifs; i++)
		if (r->ifs[i].used && (r->min_mtu == 0 || r->ifs[i].mtu < r->min_mtu))
			r->min_mtu = r->ifs[i].mtu;
}

static void
add_if(struct router *r, struct l3if *f, uint32_t ip, uint8_t prefix,
       const uint8_t *mac, unsigned mtu)
{
	f->used = true;
	f->id = (uint16_t)(f - r->ifs);
	f->ip = rte_cpu_to_be_32(ip);
	f->prefix = prefix;
	f->mask = prefix ? ~0u << (32 - prefix) : 0;
	f->net = ip & f->mask;
	memcpy(f->mac.addr_bytes, mac, RTE_ETHER_ADDR_LEN);
	f->mtu = (uint16_t)(mtu ? mtu : RTE_ETHER_MTU);
	f->masq = -1;
	if (r->min_mtu == 0 || f->mtu < r->min_mtu)
		r->min_mtu = f->mtu;
	if (f->id >= r->n_ifs)
		r->n_ifs = f->id + 1u;
}

/* The gateway's MTU: the bridge's mtu, else the smallest of its ports'. */
static unsigned
gw_mtu(const struct vsw *sw, unsigned b)
{
	unsigned j, mtu = sw->run->bridges[b].mtu;

	if (mtu != 0)
		return mtu;
	for (j = 0; j < sw->n_ports; j++)
		if (sw->attach[j].bridge == (int)b && sw->ports[j].mtu != 0 &&
		    (mtu == 0 || sw->ports[j].mtu < mtu))
			mtu = sw->ports[j].mtu;
	return mtu;
}

/* The NAT table and its reassembly table, sized from [switch]. */
static int
nat_make(const struct vsw *sw, struct router_prep *p, char *err, size_t errlen)
{
	const struct topology *t = sw->run;
	struct napt_params np = {
		.sessions = t->sw.nat_sessions,
		.per_host = t->sw.nat_sessions_per_host,
		.port_lo = t->sw.nat_port_lo,
		.port_hi = t->sw.nat_port_hi,
		.filtering = t->sw.nat_filtering,
		.t_udp = t->sw.nat_timeout_udp,
		.t_tcp_est = t->sw.nat_timeout_tcp_established,
		.t_tcp_trans = t->sw.nat_timeout_tcp_transitory,
		.t_icmp = t->sw.nat_timeout_icmp,
		.socket = SOCKET_ID_ANY,
		/* replay: the same ports every run, on any machine */
		.seed = sw->replay ? 0x5eedull : 0,
	};
	/* incomplete datagrams hold at most a quarter of the pool, and no more
	 * than FRAG_HELD_MAX datagrams (the pool has room for ports added at
	 * run time, which is not room for fragments): a flood of fragments
	 * that never complete must not starve every port of mbufs (RFC 4787
	 * REQ-14a) */
	uint32_t frag_max = RTE_MIN(sw->pool->size / 4 / RTE_LIBRTE_IP_FRAG_MAX_FRAG,
				    (uint32_t)FRAG_HELD_MAX);

	p->napt = napt_create(&np, err, errlen);
	if (p->napt == NULL)
		return -ENOMEM;
	frag_max = RTE_MAX(frag_max, 16u);
	frag_max = RTE_MIN(frag_max, (uint32_t)(FRAG_BUCKETS * FRAG_PER_BUCKET));
	p->frag = rte_ip_frag_table_create(FRAG_BUCKETS, FRAG_PER_BUCKET, frag_max,
					   FRAG_TTL_NS, SOCKET_ID_ANY);
	if (p->frag == NULL) {
		napt_free(p->napt);
		p->napt = NULL;
		snprintf(err, errlen, "no memory for the reassembly table");
		return -ENOMEM;
	}
	return 0;
}

int
router_init(struct vsw *sw, char *err, size_t errlen)
{
	const struct topology *t = sw->topo;
	struct rte_lpm_config lc = { .max_rules = 1024, .number_tbl8s = 256 };
	struct router *r;
	unsigned i;
	int rc;

	r = rte_zmalloc("router", sizeof(*r), RTE_CACHE_LINE_SIZE);
	if (r == NULL)
		goto nomem;
	sw->router = r;
	for (i = 0; i < TOPO_MAX_BRIDGES; i++)
		r->bridge_if[i] = -1;
	for (i = 0; i < TOPO_MAX_PORTS; i++)
		r->port_if[i] = -1;

	for (i = 0; i < t->n_bridges; i++) {
		const struct topo_bridge *b = &t->bridges[i];
		struct l3if *f = &r->ifs[r->n_ifs];

		if (b->prefix == 0)
			continue;
		f->is_bridge = true;
		f->bridge = (uint16_t)i;
		f->isolated = b->isolated;
		f->internal = b->internal;
		f->dns = b->dns;
		snprintf(f->name, sizeof(f->name), "%s", b->name);
		r->bridge_if[i] = (int)r->n_ifs;
		add_if(r, f, b->gateway, b->prefix, b->mac, gw_mtu(sw, i));
		sw->bridges[i].l3if = f->id;
		sw->bridges[i].gw_mac = f->mac;
		sw->bridges[i].gw_ip = f->ip;
	}
	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *tp = &t->ports[i];
		struct l3if *f = &r->ifs[r->n_ifs];

		if (tp->prefix == 0)
			continue;
		f->port = (uint16_t)i;
		snprintf(f->name, sizeof(f->name), "%s", tp->name);
		r->port_if[i] = (int)r->n_ifs;
		/* the topology's mtu, else the interface's */
		add_if(r, f, tp->address, tp->prefix, tp->mac,
		       tp->mtu ? tp->mtu : sw->ports[i].mtu);
		sw->attach[i].input = router_port_input;
		sw->attach[i].l3if = f->id;
	}
	for (i = 0; i < t->n_bridges; i++)
		if (r->bridge_if[i] >= 0 && t->bridges[i].masquerade >= 0) {
			r->ifs[r->bridge_if[i]].masq = r->port_if[t->bridges[i].masquerade];
			r->ifs[r->port_if[t->bridges[i].masquerade]].nat_outside = true;
		}
	for (i = 0; i < t->n_ports; i++)
		if (r->port_if[i] >= 0 && t->ports[i].masquerade >= 0) {
			r->ifs[r->port_if[i]].masq = r->port_if[t->ports[i].masquerade];
			r->ifs[r->port_if[t->ports[i].masquerade]].nat_outside = true;
		}

	r->lpm = rte_lpm_create("vsw_routes", SOCKET_ID_ANY, &lc);
	r->neigh = neigh_create(NEIGH_MAX, SOCKET_ID_ANY);
	if (r->lpm == NULL || r->neigh == NULL)
		goto nomem;
	for (i = 0; i < r->n_ifs; i++) {
		rc = add_route(r, r->ifs[i].net, r->ifs[i].prefix, (uint16_t)i, 0,
			       err, errlen);
		if (rc != 0)
			return rc;
	}
	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *tp = &t->ports[i];
		const uint8_t *gm = tp->gateway_mac;

		if (!tp->prefix || !tp->gateway)
			continue;
		rc = add_route(r, 0, 0, (uint16_t)r->port_if[i], tp->gateway, err, errlen);
		if (rc != 0)
			return rc;
		if (gm[0] | gm[1] | gm[2] | gm[3] | gm[4] | gm[5]) {
			/* a permanent entry: confirmed "now" and never aged */
			struct rte_ether_addr mac;
			uint32_t idx;

			memcpy(mac.addr_bytes, gm, 6);
			idx = neigh_learn(r->neigh, (uint16_t)r->port_if[i],
					  rte_cpu_to_be_32(tp->gateway), &mac, 0, true);
			if (idx != NEIGH_NONE)
				r->neigh->e[idx].permanent = true;
		}
	}
	for (i = 0; i < t->n_routes; i++)
		if ((rc = add_route(r, t->routes[i].prefix, t->routes[i].len,
				    (uint16_t)r->port_if[t->routes[i].port],
				    t->routes[i].via, err, errlen)) != 0)
			return rc;

	if (topo_has_nat(t)) {
		struct router_prep p = { 0 };

		rc = nat_make(sw, &p, err, errlen);
		if (rc != 0)
			return rc;
		r->napt = p.napt;
		r->frag = p.frag;
		for (i = 0; i < r->n_ifs; i++)
			if (r->ifs[i].nat_outside &&
			    napt_add_external(r->napt, r->ifs[i].ip) < 0)
				goto nomem;
		for (i = 0; i < t->n_publish; i++) {
			const struct topo_publish *u = &t->publish[i];
			unsigned k;

			for (k = 0; k <= (unsigned)(u->listen_hi - u->listen_lo); k++) {
				rc = napt_publish(r->napt, u->proto,
						  rte_cpu_to_be_32(t->ports[u->port].address),
						  (uint16_t)(u->listen_lo + k),
						  rte_cpu_to_be_32(u->to_ip),
						  (uint16_t)(u->to_lo + k));
				if (rc != 0) {
					snprintf(err, errlen, "[publish %s]: %s", u->name,
						 strerror(-rc));
					return rc;
				}
			}
		}
	}
	return 0;
nomem:
	snprintf(err, errlen, "no memory for the router's tables");
	return -ENOMEM;
}

/* ---- gateways at run time (router.h) -------------------------------------- */

int
router_prepare(struct vsw *sw, bool nat, unsigned add, struct router_prep *p,
	       char *err, size_t errlen)
{
	struct router *r = sw->router;
	unsigned i, free_ifs = L3_MAX_IFS - r->n_ifs;

	for (i = 0; i < r->n_ifs; i++)
		free_ifs += !r->ifs[i].used;
	if (add > free_ifs) {
		snprintf(err, errlen, "no room for another routed interface (at most %d)",
			 L3_MAX_IFS);
		return -ENOSPC;
	}
	if (nat && r->napt == NULL)
		return nat_make(sw, p, err, errlen);
	return 0;
}

void
router_commit(struct vsw *sw, struct router_prep *p)
{
	struct router *r = sw->router;

	if (p->napt == NULL)
		return;
	r->napt = p->napt;
	r->frag = p->frag;
	p->napt = NULL;
	p->frag = NULL;
}

void
router_prep_free(struct router_prep *p)
{
	napt_free(p->napt);
	if (p->frag != NULL)
		rte_ip_frag_table_destroy(p->frag);
	p->napt = NULL;
	p->frag = NULL;
}

/* What an interface takes with it: next hops, neighbours (and the frames
 * they hold), held SYNs. */
static void
if_forget(struct router *r, const struct l3if *f)
{
	uint32_t i;

	for (i = 0; i < r->n_nh; i++)
		if (r->nh[i].used && r->nh[i].l3if == f->id)
			r->nh[i].used = false;
	for (i = 0; i < r->neigh->n_max; i++)
		if (r->neigh->e[i].state != NEIGH_FREE && r->neigh->e[i].l3if == f->id)
			neigh_delete(r->neigh, i);
	for (i = 0; i < ROUTER_SYN_HOLD; i++)
		if (r->held[i].m != NULL && r->held[i].l3if == f->id) {
			rte_pktmbuf_free(r->held[i].m);
			r->held[i].m = NULL;
			r->n_held--;
		}
}

int
router_gw_add(struct vsw *sw, unsigned b, char *err, size_t errlen)
{
	struct router *r = sw->router;
	const struct topo_bridge *tb = &sw->run->bridges[b];
	int i = if_slot(r), rc;
	struct l3if *f;

	if (i < 0) {
		snprintf(err, errlen, "no room for another routed interface");
		return -ENOSPC;
	}
	f = &r->ifs[i];
	memset(f, 0, sizeof(*f));
	f->is_bridge = true;
	f->bridge = (uint16_t)b;
	f->isolated = tb->isolated;
	f->internal = tb->internal;
	f->dns = tb->dns;
	snprintf(f->name, sizeof(f->name), "%s", tb->name);
	add_if(r, f, tb->gateway, tb->prefix, tb->mac, gw_mtu(sw, b));
	rc = add_route(r, f->net, f->prefix, f->id, 0, err, errlen);
	if (rc != 0) {
		f->used = false;
		update_min_mtu(r);
		return rc;
	}
	if (tb->masquerade >= 0 && r->port_if[tb->masquerade] >= 0) {
		struct l3if *up = &r->ifs[r->port_if[tb->masquerade]];

		f->masq = up->id;
		if (!up->nat_outside && r->napt != NULL &&
		    napt_add_external(r->napt, up->ip) >= 0)
			up->nat_outside = true;
	}
	r->bridge_if[b] = f->id;
	sw->bridges[b].gw_mac = f->mac;
	sw->bridges[b].gw_ip = f->ip;
	sw->bridges[b].l3if = f->id;
	r->last_nh_ip = 0;
	return 0;
}

void
router_gw_del(struct vsw *sw, unsigned b)
{
	struct router *r = sw->router;
	int id = r != NULL ? r->bridge_if[b] : -1;
	struct l3if *f;

	if (id < 0)
		return;
	f = &r->ifs[id];
	rte_lpm_delete(r->lpm, f->net, f->prefix);
	if_forget(r, f);
	if (f->masq >= 0 && r->napt != NULL)
		napt_flush_inside(r->napt, rte_cpu_to_be_32(f->net),
				  rte_cpu_to_be_32(f->mask), bridge_now(sw->workers[0]->now));
	sw->bridges[b].l3if = -1;
	r->bridge_if[b] = -1;
	memset(f, 0, sizeof(*f));
	update_min_mtu(r);
	r->last_nh_ip = 0;
}

/* ---- routed ports at run time (router.h) ------------------------------------ */

int
router_port_add(struct vsw *sw, unsigned s, const struct topo_port *tp, char *err,
		size_t errlen)
{
	struct router *r = sw->router;
	int i = if_slot(r), rc;
	struct l3if *f;
	const uint8_t *gm = tp->gateway_mac;

	if (i < 0) {
		snprintf(err, errlen, "no room for another routed interface");
		return -ENOSPC;
	}
	f = &r->ifs[i];
	memset(f, 0, sizeof(*f));
	f->port = (uint16_t)s;
	snprintf(f->name, sizeof(f->name), "%s", tp->name);
	add_if(r, f, tp->address, tp->prefix, tp->mac, tp->mtu ? tp->mtu : sw->ports[s].mtu);
	rc = add_route(r, f->net, f->prefix, f->id, 0, err, errlen);
	if (rc == 0 && tp->gateway != 0) {
		rc = add_route(r, 0, 0, f->id, tp->gateway, err, errlen);
		if (rc != 0)
			rte_lpm_delete(r->lpm, f->net, f->prefix);
	}
	if (rc != 0) {
		uint32_t k;

		for (k = 0; k < r->n_nh; k++)
			if (r->nh[k].used && r->nh[k].l3if == f->id)
				r->nh[k].used = false;
		memset(f, 0, sizeof(*f));
		update_min_mtu(r);
		return rc;
	}
	if (tp->gateway != 0 && (gm[0] | gm[1] | gm[2] | gm[3] | gm[4] | gm[5])) {
		struct rte_ether_addr mac;
		uint32_t idx;

		memcpy(mac.addr_bytes, gm, 6);
		idx = neigh_learn(r->neigh, f->id, rte_cpu_to_be_32(tp->gateway), &mac, 0, true);
		if (idx != NEIGH_NONE)
			r->neigh->e[idx].permanent = true;
	}
	r->port_if[s] = f->id;
	r->last_nh_ip = 0;
	return 0;
}

void
router_port_del(struct vsw *sw, unsigned s, const struct topo_port *tp)
{
	struct router *r = sw->router;
	int id = r != NULL ? r->port_if[s] : -1;
	struct l3if *f;

	if (id < 0)
		return;
	f = &r->ifs[id];
	rte_lpm_delete(r->lpm, f->net, f->prefix);
	if (tp->gateway != 0) {
		rte_lpm_delete(r->lpm, 0, 1);
		rte_lpm_delete(r->lpm, 1u << 31, 1);
	}
	if_forget(r, f);
	if (f->nat_outside && r->napt != NULL)
		napt_del_external(r->napt, f->ip, bridge_now(sw->workers[0]->now));
	r->port_if[s] = -1;
	memset(f, 0, sizeof(*f));
	update_min_mtu(r);
	r->last_nh_ip = 0;
}

/* ---- routes at run time (router.h) ------------------------------------------ */

int
router_route_add(struct vsw *sw, const struct topo_route *rt, char *err, size_t errlen)
{
	struct router *r = sw->router;
	int up = r != NULL ? r->port_if[rt->port] : -1;

	if (up < 0) {
		snprintf(err, errlen, "[route %s]: port %s does not route", rt->name,
			 sw->run->ports[rt->port].name);
		return -EINVAL;
	}
	r->last_nh_ip = 0;
	return add_route(r, rt->prefix, rt->len, (uint16_t)up, rt->via, err, errlen);
}

void
router_route_del(struct vsw *sw, const struct topo_route *rt)
{
	struct router *r = sw->router;
	uint32_t nh;

	if (r == NULL)
		return;
	if (rt->len == 0) {     /* two /1 (add_route) */
		if (rte_lpm_is_rule_present(r->lpm, 0, 1, &nh) == 1 && nh < r->n_nh)
			r->nh[nh].used = false;
		rte_lpm_delete(r->lpm, 0, 1);
		rte_lpm_delete(r->lpm, 1u << 31, 1);
	} else {
		if (rte_lpm_is_rule_present(r->lpm, rt->prefix, rt->len, &nh) == 1 &&
		    nh < r->n_nh)
			r->nh[nh].used = false;
		rte_lpm_delete(r->lpm, rt->prefix, rt->len);
	}
	r->last_nh_ip = 0;
}

void
router_gw_update(struct vsw *sw, unsigned b)
{
	struct router *r = sw->router;
	const struct topo_bridge *tb = &sw->run->bridges[b];
	struct l3if *f;

	if (r == NULL || r->bridge_if[b] < 0)
		return;
	f = &r->ifs[r->bridge_if[b]];
	f->isolated = tb->isolated;
	f->internal = tb->internal;
	f->dns = tb->dns;
	f->mtu = (uint16_t)(gw_mtu(sw, b) ?: RTE_ETHER_MTU);
	update_min_mtu(r);
}

void
router_fini(struct vsw *sw)
{
	struct router *r = sw->router;
	unsigned i;

	if (r == NULL)
		return;
	for (i = 0; i < ROUTER_SYN_HOLD; i++)
		rte_pktmbuf_free(r->held[i].m);  /* held SYNs (REQ-4) */
	if (r->frag != NULL) {
		rte_ip_frag_free_death_row(&r->dr, 0);
		rte_ip_frag_table_destroy(r->frag);
	}
	napt_free(r->napt);
	neigh_free(r->neigh);
	rte_lpm_free(r->lpm);
	rte_free(r);
	sw->router = NULL;
}

const struct l3if *
router_if_by_addr(const struct router *r, rte_be32_t ip)
{
	unsigned i;

	for (i = 0; i < r->n_ifs; i++)
		if (r->ifs[i].used && r->ifs[i].ip == ip)
			return &r->ifs[i];
	return NULL;
}

/* ---- output -------------------------------------------------------------------- */

void
router_output(struct worker *w, const struct l3if *ifc, struct rte_mbuf *m)
{
	struct vsw *sw = w->sw;

	if (ifc->is_bridge) {
		bridge_output(w, &sw->bridges[ifc->bridge], m);
		return;
	}
	if (unlikely(ifc->macvlan)) {
		macvlan_l3_output(w, ifc->port, m);
		return;
	}
	if (unlikely(sw->ports[ifc->port].link_down)) {
		loop_drop(w, ifc->port, VSW_DROP_TX_LINK_DOWN, m);
		return;
	}
	loop_tx(w, ifc->port, m);
}

uint32_t
router_send(struct worker *w, const struct l3if *out, rte_be32_t nh,
	    struct rte_mbuf *m)
{
	struct router *r = w->sw->router;
	struct neigh_table *t = r->neigh;
	uint32_t idx;
	struct neigh *e;

	/* most routed traffic goes to one next hop (the uplink's gateway):
	 * remember the last one found */
	if (likely(r->last_nh_ip == nh && r->last_nh_if == out->id &&
		   r->last_nh_gen == t->gen))
		idx = r->last_nh;
	else {
		idx = neigh_find(t, out->id, nh);
		r->last_nh_ip = nh;
		r->last_nh_if = out->id;
		r->last_nh = idx;
		r->last_nh_gen = t->gen;
	}

	if (likely(idx != NEIGH_NONE && t->e[idx].state == NEIGH_REACHABLE)) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

		e = &t->e[idx];
		eh->dst_addr = e->mac;
		eh->src_addr = out->mac;
		eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		/* a stale entry is used while it is asked again */
		if (unlikely(w->now - e->confirmed > NEIGH_REACHABLE_S * 1000000000ull) &&
		    !e->permanent && w->now >= e->next_probe) {
			e->next_probe = w->now + 1000000000ull;
			arp_request(w, out, nh);
		}
		router_output(w, out, m);
		return idx;
	}
	if (idx == NEIGH_NONE)
		idx = neigh_get(t, out->id, nh);
	if (idx == NEIGH_NONE) {
		loop_drop(w, m->port, VSW_DROP_NEIGH_FULL, m);
		return NEIGH_NONE;
	}
	e = &t->e[idx];
	if (e->state == NEIGH_FAILED) {
		icmp_error(w, &r->ifs[w->l3_in], m, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
		loop_drop(w, m->port, VSW_DROP_NEIGH_FAILED, m);
		return NEIGH_NONE;
	}
	/* remember where it came in, for an unreachable if ARP gets no answer */
	m->hash.usr = w->l3_in;
	if (!neigh_enqueue(t, idx, m)) {
		loop_drop(w, m->port, VSW_DROP_NEIGH_QUEUE, m);
		return NEIGH_NONE;
	}
	if (w->now >= e->next_probe) {
		e->next_probe = w->now + 1000000000ull;
		e->probes++;
		arp_request(w, out, nh);
	}
	return NEIGH_NONE;
}

/* ---- forwarding ---------------------------------------------------------------- */

static inline bool
martian_src(uint32_t src)
{
	return src == 0 || (src >> 24) == 127 || (src >> 28) == 0xe ||
	       src == 0xffffffffu;
}

/* Is 'dst' (host order) inside a network that is masqueraded? */
static bool
masqueraded_inside(const struct router *r, uint32_t dst)
{
	unsigned i;

	for (i = 0; i < r->n_ifs; i++)
		if (r->ifs[i].used && r->ifs[i].masq >= 0 &&
		    (dst & r->ifs[i].mask) == r->ifs[i].net)
			return true;
	return false;
}

/* Put a reassembled or whole datagram through NAPT, or hand back the
 * first fragments to wait for the rest: NULL then. */
static struct rte_mbuf *
whole(struct worker *w, struct rte_mbuf *m)
{
	struct router *r = w->sw->router;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  m->l2_len);
	uint32_t held;
	uint16_t in;

	if (likely(!rte_ipv4_frag_pkt_is_fragmented(ip)))
		return m;
	/* a call may put RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1 mbufs on the death
	 * row, which has room for 32 such calls, not for a burst's 64: it
	 * does not check, it overflows */
	if (r->dr.cnt > RTE_IP_FRAG_DEATH_ROW_MBUF_LEN - RTE_LIBRTE_IP_FRAG_MAX_FRAG - 1)
		rte_ip_frag_free_death_row(&r->dr, 0);
	held = r->dr.cnt;
	in = m->port;
	m = rte_ipv4_frag_reassemble_packet(r->frag, &r->dr, m, w->now, ip);
	/* what went to the death row is dropped: this fragment (the table is
	 * full) or a datagram that timed out or was invalid */
	if (r->dr.cnt > held)
		w->cnt[in].drops[VSW_DROP_IP_FRAG] += r->dr.cnt - held;
	if (m != NULL) {
		r->st.reassembled++;
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
		/* the reassembled header carries the whole length, no MF */
		m->l3_len = rte_ipv4_hdr_len(ip);
	}
	return m;
}

static void fragment_one(struct worker *w, const struct l3if *out, rte_be32_t nh,
			 struct rte_mbuf *m);

void
router_send_fragmented(struct worker *w, const struct l3if *out, rte_be32_t nh,
		       struct rte_mbuf *m)
{
	struct rte_mbuf *done[OFFLOAD_MAX_SEGS];
	uint16_t in = m->port;
	int n, i;

	if (!(m->ol_flags & (OFFLOAD_CSUM_FLAGS | OFFLOAD_SEG_FLAGS))) {
		fragment_one(w, out, nh, m);
		return;
	}
	/* fragments carry a finished checksum */
	n = offload_finish(m, 0, w->sw->pool, done, RTE_DIM(done));
	if (n < 0) {                    /* 'm' is untouched */
		loop_drop(w, in, VSW_DROP_IP_FRAG, m);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(done[i],
			const struct rte_ipv4_hdr *, done[i]->l2_len);

		done[i]->port = in;
		if (rte_be_to_cpu_16(ip->total_length) > out->mtu)
			fragment_one(w, out, nh, done[i]);
		else
			router_send(w, out, nh, done[i]);
	}
}

/* Fragment one finished datagram for 'out' and send the fragments. */
static void
fragment_one(struct worker *w, const struct l3if *out, rte_be32_t nh,
	     struct rte_mbuf *m)
{
	struct rte_mbuf *frags[64];
	struct rte_ether_hdr eh = *rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint16_t in = m->port;
	int n, i;

	rte_pktmbuf_adj(m, m->l2_len);
	n = rte_ipv4_fragment_packet(m, frags, RTE_DIM(frags), out->mtu,
				     w->sw->pool, w->sw->pool);
	rte_pktmbuf_free(m);
	if (n < 0) {
		w->cnt[in].drops[VSW_DROP_IP_FRAG]++;
		return;
	}
	w->sw->router->st.fragmented++;
	for (i = 0; i < n; i++) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(frags[i], struct rte_ipv4_hdr *);
		struct rte_ether_hdr *feh;

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		feh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(frags[i], sizeof(eh));
		if (feh == NULL) {
			loop_drop(w, in, VSW_DROP_IP_FRAG, frags[i]);
			continue;
		}
		*feh = eh;
		frags[i]->l2_len = sizeof(eh);
		frags[i]->l3_len = sizeof(*ip);
		frags[i]->port = in;
		router_send(w, out, nh, frags[i]);
	}
}

/* ---- unsolicited inbound SYNs (RFC 5382 REQ-4) ------------------------------ */

static inline const struct rte_tcp_hdr *
tcp_of(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
				       m->l2_len + m->l3_len);
}

/* Is 'm' (parsed by NAPT already) a TCP SYN, without ACK, RST or FIN? */
static inline bool
pure_syn(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		const struct rte_ipv4_hdr *, m->l2_len);

	return ip->next_proto_id == IPPROTO_TCP &&
	       (tcp_of(m)->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG |
					RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG)) ==
	       RTE_TCP_SYN_FLAG;
}

/* Hold an inbound SYN that NAPT refused ('reason'): nothing answers it for
 * 6 s, in case the inside host's own SYN crosses it (simultaneous open).
 * It is counted as dropped for 'reason' now; at the cap it is dropped at
 * once, silently. Consumes 'm'. */
static void
syn_hold(struct worker *w, const struct l3if *in, struct rte_mbuf *m, int reason)
{
	struct router *r = w->sw->router;
	unsigned i;

	for (i = 0; i < ROUTER_SYN_HOLD; i++)
		if (r->held[i].m == NULL) {
			r->held[i] = (struct syn_hold){ .m = m, .l3if = in->id,
				.until = w->now + ROUTER_SYN_HOLD_NS };
			r->n_held++;
			w->cnt[m->port].drops[reason]++;
			return;
		}
	loop_drop(w, m->port, VSW_DROP_NAT_SYN_HOLD_FULL, m);
}

/* 'm' is an outbound SYN just translated: a held inbound SYN of the same
 * connection is dropped silently (the crossing SYNs make the connection). */
static void
syn_crossed(struct worker *w, const struct rte_mbuf *m)
{
	struct router *r = w->sw->router;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		const struct rte_ipv4_hdr *, m->l2_len);
	const struct rte_tcp_hdr *th = tcp_of(m);
	unsigned i;

	for (i = 0; i < ROUTER_SYN_HOLD && r->n_held > 0; i++) {
		struct syn_hold *h = &r->held[i];
		const struct rte_ipv4_hdr *hip;
		const struct rte_tcp_hdr *hth;

		if (h->m == NULL)
			continue;
		hip = rte_pktmbuf_mtod_offset(h->m, const struct rte_ipv4_hdr *,
					      h->m->l2_len);
		hth = tcp_of(h->m);
		if (hip->src_addr == ip->dst_addr && hip->dst_addr == ip->src_addr &&
		    hth->src_port == th->dst_port && hth->dst_port == th->src_port) {
			rte_pktmbuf_free(h->m);
			h->m = NULL;
			r->n_held--;
		}
	}
}

/* Held SYNs whose 6 s are over: ICMP port unreachable, then dropped. */
static void
syn_expire(struct worker *w)
{
	struct router *r = w->sw->router;
	unsigned i;

	for (i = 0; i < ROUTER_SYN_HOLD && r->n_held > 0; i++) {
		struct syn_hold *h = &r->held[i];

		if (h->m == NULL || w->now < h->until)
			continue;
		icmp_error(w, &r->ifs[h->l3if], h->m, ICMP_UNREACH,
			   ICMP_UNREACH_PORT, 0);
		rte_pktmbuf_free(h->m);
		h->m = NULL;
		r->n_held--;
	}
}

/* Route one IPv4 packet that is not for us. */
static void
forward(struct worker *w, const struct l3if *in, struct rte_mbuf *m,
	bool translated)
{
	struct vsw *sw = w->sw;
	struct router *r = sw->router;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  m->l2_len);
	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr), nhi;
	const struct l3if *out;
	uint16_t wire;
	rte_be32_t nh;
	int rc;

	if (!translated && in->nat_outside && masqueraded_inside(r, dst)) {
		/* from outside straight to a container, whatever the sender's
		 * routes (the class of moby#45610): only NAT may let it in */
		loop_drop(w, m->port, VSW_DROP_NAT_DIRECT_INSIDE, m);
		return;
	}
	if (rte_lpm_lookup(r->lpm, dst, &nhi) != 0) {
		icmp_error(w, in, m, ICMP_UNREACH, ICMP_UNREACH_NET, 0);
		loop_drop(w, m->port, VSW_DROP_IP_NO_ROUTE, m);
		return;
	}
	out = &r->ifs[r->nh[nhi].l3if];
	nh = r->nh[nhi].gw ? r->nh[nhi].gw : ip->dst_addr;
	/* a hairpin (translated here) went out and came back in through the
	 * external address: two hosts behind one NAT, isolated or not
	 * (RFC 4787 REQ-9) */
	if (!translated && in->is_bridge && out->is_bridge && in != out &&
	    (in->isolated || out->isolated)) {
		loop_drop(w, m->port, VSW_DROP_IP_ISOLATED, m);
		return;
	}
	if (unlikely(in->internal || out->internal)) {
		loop_drop(w, m->port, VSW_DROP_IP_INTERNAL, m);
		return;
	}
	if (ip->time_to_live <= 1) {
		icmp_error(w, in, m, ICMP_TIME_EXCEED, 0, 0);
		loop_drop(w, m->port, VSW_DROP_IP_TTL, m);
		return;
	}
	wire = router_wire_len(m, ip);
	if (unlikely(wire > out->mtu) &&
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG))) {
		icmp_error(w, in, m, ICMP_UNREACH, ICMP_UNREACH_FRAG, out->mtu);
		loop_drop(w, m->port, VSW_DROP_IP_FRAG_NEEDED, m);
		return;
	}
	if (in->masq == (int)out->id && !translated) {
		m = whole(w, m);
		if (m == NULL)
			return;         /* held until its datagram is complete */
		rc = napt_outbound(r->napt, m, out->ip, bridge_now(w->now));
		if (rc != 0) {
			/* no room for a new session: the table, the host's
			 * share or the ports (RFC 5508 REQ-8) */
			if ((rc == VSW_DROP_NAT_FULL || rc == VSW_DROP_NAT_HOST_LIMIT ||
			     rc == VSW_DROP_NAT_NO_PORT) && sw->topo->sw.nat_full_icmp)
				icmp_error(w, in, m, ICMP_UNREACH, ICMP_UNREACH_ADMIN, 0);
			loop_drop(w, m->port, (enum vsw_drop)rc, m);
			return;
		}
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
		wire = router_wire_len(m, ip);
		if (unlikely(r->n_held > 0) && pure_syn(m))
			syn_crossed(w, m);
	}
	/* TTL - 1 as one 16-bit store of the TTL/protocol word (a byte
	 * store and a word load would stall), the checksum following it */
	{
		uint8_t *ttl = &ip->time_to_live;
		uint16_t old = csum_ld(ttl);
		uint16_t new = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old) - 0x100));

		csum_st(ttl, new);
		csum_replace2((uint8_t *)ip + offsetof(struct rte_ipv4_hdr, hdr_checksum),
			      old, new);
	}
	r->st.forwarded++;
	if (unlikely(wire > out->mtu)) {
		router_send_fragmented(w, out, nh, m);
		return;
	}
	router_send(w, out, nh, m);
}

/* An IPv4 packet for one of our addresses. */
static void
local_in(struct worker *w, const struct l3if *in, const struct l3if *me,
	 struct rte_mbuf *m)
{
	struct router *r = w->sw->router;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  m->l2_len);
	const uint8_t *l4 = (const uint8_t *)ip + m->l3_len;
	bool echo = ip->next_proto_id == IPPROTO_ICMP &&
		    rte_be_to_cpu_16(ip->total_length) >= m->l3_len + 8 && l4[0] == 8;
	int rc;

	if (r->napt != NULL && me->nat_outside && !echo) {
		m = whole(w, m);
		if (m == NULL)
			return;
		if (in->masq == (int)me->id) {
			/* hairpin: a container reaching a published port through
			 * the uplink address goes out and comes back in */
			rc = napt_outbound(r->napt, m, me->ip, bridge_now(w->now));
			if (rc == 0)
				r->napt->st.hairpin++;
		} else {
			rc = in->nat_outside ? 0 : VSW_DROP_IP_LOCAL;
		}
		if (rc == 0)
			rc = napt_inbound(r->napt, m, bridge_now(w->now));
		if ((rc == VSW_DROP_NAT_NO_MAPPING || rc == VSW_DROP_NAT_FILTERED) &&
		    in->nat_outside && pure_syn(m)) {
			syn_hold(w, in, m, rc);
			return;
		}
		if (rc != 0) {
			loop_drop(w, m->port, (enum vsw_drop)rc, m);
			return;
		}
		forward(w, in, m, true);
		return;
	}
	if (echo) {
		r->st.local++;
		icmp_echo_reply(w, in, m);
		return;
	}
	/* a name service query at the gateway of the network it came from */
	if (me == in && w->sw->dns != NULL && dns_punt(w, in, m))
		return;
	loop_drop(w, m->port, VSW_DROP_IP_LOCAL, m);
}

void
router_ipv4_input(struct worker *w, const struct l3if *in, struct rte_mbuf *m)
{
	struct router *r = w->sw->router;
	struct rte_ipv4_hdr *ip;
	const struct l3if *me;
	uint32_t ihl, len, src, dst;

	if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*ip)))
		goto bad;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	ihl = rte_ipv4_hdr_len(ip);
	len = rte_be_to_cpu_16(ip->total_length);
	if (unlikely((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || len < ihl ||
		     RTE_ETHER_HDR_LEN + ihl > rte_pktmbuf_data_len(m) ||
		     RTE_ETHER_HDR_LEN + len > m->pkt_len))
		goto bad;
	if (unlikely(ihl == sizeof(*ip) ? !csum_ipv4_hdr_ok(ip) :
		     rte_raw_cksum(ip, ihl) != 0xffff)) {
		loop_drop(w, m->port, VSW_DROP_IP_CSUM, m);
		return;
	}
	/* Ethernet padding stays out of everything from here on */
	if (m->pkt_len > RTE_ETHER_HDR_LEN + len)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - RTE_ETHER_HDR_LEN - len));
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = ihl;
	src = rte_be_to_cpu_32(ip->src_addr);
	dst = rte_be_to_cpu_32(ip->dst_addr);
	if (unlikely(martian_src(src) || dst == 0 || (dst >> 24) == 127)) {
		loop_drop(w, m->port, VSW_DROP_IP_MARTIAN, m);
		return;
	}
	if (unlikely((dst >> 28) == 0xe || dst == 0xffffffffu ||
		     (in->prefix < 31 && (dst & ~in->mask) == ~in->mask &&
		      (dst & in->mask) == in->net))) {
		/* multicast and broadcasts are not routed */
		loop_drop(w, m->port, VSW_DROP_IP_LOCAL, m);
		return;
	}
	me = router_if_by_addr(r, ip->dst_addr);
	if (me != NULL)
		local_in(w, in, me, m);
	else
		forward(w, in, m, false);
	return;
bad:
	loop_drop(w, m->port, VSW_DROP_IP_BAD, m);
}

void
router_input(struct worker *w, struct l3if *ifc, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	w->l3_in = ifc->id;
	if (w->sw->router->napt != NULL && (ifc->masq >= 0 || ifc->nat_outside))
		router_nat_burst(w, ifc, pkts, n);
	else
		for (i = 0; i < n; i++)
			router_input_one(w, ifc, pkts[i]);
	if (w->sw->router->frag != NULL)
		rte_ip_frag_free_death_row(&w->sw->router->dr, 0);
}

void
router_port_input(struct worker *w, struct port *in, struct rte_mbuf **pkts,
		  uint16_t n)
{
	struct router *r = w->sw->router;
	struct l3if *ifc = &r->ifs[w->sw->attach[in->id].l3if];
	uint16_t i, k = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh;

		if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN)) {
			loop_drop(w, in->id, VSW_DROP_RX_RUNT, m);
			continue;
		}
		eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		/* ours, or a broadcast (ARP); the rest is for others on the link */
		if (!rte_is_same_ether_addr(&eh->dst_addr, &ifc->mac) &&
		    !rte_is_broadcast_ether_addr(&eh->dst_addr)) {
			loop_drop(w, in->id, VSW_DROP_L3_NOT_MINE, m);
			continue;
		}
		m->port = in->id;
		pkts[k++] = m;
	}
	if (k > 0)
		router_input(w, ifc, pkts, k);
}

void
router_housekeeping(struct worker *w)
{
	struct router *r = w->sw->router;

	if (r == NULL)
		return;
	arp_housekeeping(w);
	if (r->n_held > 0)
		syn_expire(w);
	if (r->napt != NULL)
		napt_expire(r->napt, bridge_now(w->now), 4096);
	if (r->frag != NULL) {
		unsigned i;

		/* rte_ip_frag drops a timed-out datagram only when another
		 * fragment needs its slot: an incomplete one would hold its
		 * mbufs for good. Each call stops when the death row is full. */
		for (i = 0; i < 8; i++) {
			rte_ip_frag_table_del_expired_entries(r->frag, &r->dr, w->now);
			if (r->dr.cnt == 0)
				break;
			rte_ip_frag_free_death_row(&r->dr, 0);
		}
	}
}
