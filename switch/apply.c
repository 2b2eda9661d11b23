/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mempool.h>

#include "nat/napt.h"
#include "switch/apply.h"
#include "switch/macvlan.h"
#include "switch/bridge.h"
#include "switch/model.h"
#include "switch/router.h"
#include "switch/vsw.h"

struct plan {
	struct topology next;           /* the running topology after it */
	bool del_port[TOPO_MAX_PORTS];  /* by slot */
	bool add_port[TOPO_MAX_PORTS];
	bool move_port[TOPO_MAX_PORTS]; /* re-attached in place */
	bool del_bridge[TOPO_MAX_BRIDGES];
	bool add_bridge[TOPO_MAX_BRIDGES];
	int port_slot[TOPO_MAX_PORTS];  /* desired index -> slot */
	int bridge_slot[TOPO_MAX_BRIDGES];
	bool upd_bridge[TOPO_MAX_BRIDGES]; /* settings changed in place */
	struct bridge br[TOPO_MAX_BRIDGES]; /* new ones, then removed ones */
	struct router_prep rp;          /* the NAT table a new gateway needs */
	bool del_pub[TOPO_MAX_PUBLISH];  /* by index of the running rules */
	bool add_pub[TOPO_MAX_PUBLISH];  /* by index of next.publish */
	unsigned n_pub_added;            /* installed so far in this change */
	char rm_pub[TOPO_MAX_PUBLISH][TOPO_NAME_MAX]; /* names, for the log */
	bool del_route[TOPO_MAX_ROUTES]; /* by index of the running routes */
	bool add_route[TOPO_MAX_ROUTES]; /* by index of next.routes */
	char rm_route[TOPO_MAX_ROUTES][TOPO_NAME_MAX];
	struct macvlan_prep mp;          /* the networks built again */
	bool mv;                         /* ... when any are, or were */
	unsigned mv_changes;             /* networks added or removed */
	char mv_log[2 * TOPO_MAX_MACVLANS][TOPO_NAME_MAX + 24];
};

static bool
macvlan_named(const struct topology *t, const char *name)
{
	return topo_macvlan_find(t, name) >= 0;
}

/* For the log after the release: "macvlan NAME added|removed". */
static void
mv_note(struct plan *pl, const char *name, const char *what)
{
	char line[sizeof(pl->mv_log[0])];

	snprintf(line, sizeof(line), "macvlan %s %s", name, what);
	memcpy(pl->mv_log[pl->mv_changes++], line, sizeof(line));
}

static char *
obj_text(const struct topology *t, enum topo_object kind, unsigned i)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL)
		return NULL;
	rc = topo_write_object(f, t, kind, i, NULL);
	fclose(f);
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Same section text (names, not indices: slots may differ)? */
static bool
same_obj(const struct topology *a, unsigned ia, const struct topology *b,
	 unsigned ib, enum topo_object kind)
{
	char *x = obj_text(a, kind, ia), *y = obj_text(b, kind, ib);
	bool same = x != NULL && y != NULL && strcmp(x, y) == 0;

	free(x);
	free(y);
	return same;
}

static bool
plain_bridge_port(const struct topo_port *tp)
{
	return tp->bridge >= 0 && tp->prefix == 0 && tp->macvlan < 0 &&
	       !tp->macvlan_parent && tp->masquerade < 0;
}

/* What may come and go at run time: a bridge port, a macvlan endpoint or
 * parent, a routed port that is no NAT inside port itself. */
static bool
runtime_port(const struct topo_port *tp)
{
	return plain_bridge_port(tp) ||
	       (tp->bridge < 0 && tp->prefix == 0 && tp->masquerade < 0 &&
		(tp->macvlan >= 0 || tp->macvlan_parent)) ||
	       (tp->bridge < 0 && tp->prefix != 0 && tp->masquerade < 0);
}

static bool
routed(const struct topo_port *tp)
{
	return tp->name[0] != '\0' && tp->prefix != 0;
}

static bool
bridge_has_gw(const struct topo_bridge *tb)
{
	return tb->prefix != 0 || tb->masquerade >= 0;
}

/* The keys a port's backend is opened from. */
static bool
backend_same(const struct topo_port *a, const struct topo_port *b)
{
	return a->kind == b->kind && strcmp(a->iface, b->iface) == 0 &&
	       strcmp(a->devargs, b->devargs) == 0 && strcmp(a->rx, b->rx) == 0 &&
	       strcmp(a->tx, b->tx) == 0 && a->mbufs == b->mbufs &&
	       a->mtu == b->mtu && memcmp(a->mac, b->mac, 6) == 0;
}

static void
clear_port(struct topo_port *tp)
{
	memset(tp, 0, sizeof(*tp));
	tp->bridge = tp->macvlan = tp->masquerade = -1;
}

static void
clear_bridge(struct topo_bridge *tb)
{
	memset(tb, 0, sizeof(*tb));
	tb->masquerade = -1;
}

/* [switch]: fixed while vsw runs. */
static int
check_fixed(const struct topology *r, const struct topology *d, char *err,
	    size_t errlen)
{
	if (!same_obj(r, 0, d, 0, TOPO_OBJ_SWITCH)) {
		snprintf(err, errlen, "[switch] cannot change at run time yet (restart vsw)");
		return -EPERM;
	}
	return 0;
}

/* Does a static entry of a bridge that stays name port 'slot'? */
static const struct topo_static *
static_on(const struct topology *r, const struct plan *pl, unsigned slot)
{
	unsigned i;

	for (i = 0; i < r->n_statics; i++)
		if (r->statics[i].port == (int)slot && !pl->del_bridge[r->statics[i].bridge])
			return &r->statics[i];
	return NULL;
}

/* The settings of a bridge that change in place. */
static void
copy_mutable(struct topo_bridge *to, const struct topo_bridge *from)
{
	to->mac_aging = from->mac_aging;
	to->mac_limit = from->mac_limit;
	to->mtu = from->mtu;
	to->range_lo = from->range_lo;
	to->range_hi = from->range_hi;
	to->isolated = from->isolated;
	to->internal = from->internal;
	to->dns = from->dns;
	to->n_hosts = from->n_hosts;
	memcpy(to->hosts, from->hosts, sizeof(to->hosts));
}

/*
 * A kept bridge whose section differs: what can change in place does
 * (mac_aging, mac_limit within the table's room, mtu, ip_range, isolated,
 * internal, dns and its static names); the rest (subnet, gateway, mac, masquerade, statics) is
 * refused. The plan's copy takes the new values.
 */
static int
plan_bridge_change(const struct vsw *sw, struct plan *pl, unsigned b,
		   const struct topology *d, unsigned k, char *err, size_t errlen)
{
	struct topo_bridge *nb = &pl->next.bridges[b];
	const struct topo_bridge *db = &d->bridges[k];
	const struct fdb *f = sw->bridges[b].fdb;

	copy_mutable(nb, db);
	if (!same_obj(&pl->next, b, d, k, TOPO_OBJ_BRIDGE)) {
		snprintf(err, errlen, "bridge %s: its subnet, gateway, mac, masquerade and static entries cannot change at run time (remove the network and create it again)",
			 nb->name);
		return -EPERM;
	}
	if (f != NULL && db->mac_limit > (f->mask + 1u) * 2) {
		snprintf(err, errlen, "bridge %s: mac_limit %u is more than its table was made for (%u): remove the network and create it again",
			 nb->name, db->mac_limit, (f->mask + 1u) * 2);
		return -EPERM;
	}
	pl->upd_bridge[b] = true;
	return 0;
}

static int
plan_bridges(const struct vsw *sw, struct plan *pl, const struct topology *d,
	     char *err, size_t errlen)
{
	const struct topology *r = sw->run;
	struct topology *n = &pl->next;
	unsigned b, j;
	int k, rc;

	for (b = 0; b < r->n_bridges; b++) {
		const struct topo_bridge *rb = &r->bridges[b];

		if (rb->name[0] == '\0')
			continue;
		k = topo_bridge_find(d, rb->name);
		if (k < 0) {
			pl->del_bridge[b] = true;
			clear_bridge(&n->bridges[b]);
			continue;
		}
		pl->bridge_slot[k] = (int)b;
		if (same_obj(r, b, d, (unsigned)k, TOPO_OBJ_BRIDGE))
			continue;
		rc = plan_bridge_change(sw, pl, b, d, (unsigned)k, err, errlen);
		if (rc != 0)
			return rc;
	}
	for (j = 0; j < d->n_bridges; j++) {
		if (pl->bridge_slot[j] >= 0)
			continue;
		if (sw->live && bridge_has_gw(&d->bridges[j]) && sw->router == NULL) {
			snprintf(err, errlen, "bridge %s: a gateway needs routing, which runs with one worker (this vsw runs %u: [switch] workers = 1 and a restart)",
				 d->bridges[j].name, sw->n_workers);
			return -EPERM;
		}
		/* the lowest slot free now: one being freed by this change is
		 * still in use until it commits */
		for (b = 0; b < TOPO_MAX_BRIDGES; b++)
			if (b >= r->n_bridges ? !pl->add_bridge[b] :
			    r->bridges[b].name[0] == '\0' && !pl->add_bridge[b])
				break;
		if (b == TOPO_MAX_BRIDGES) {
			snprintf(err, errlen, "bridge %s: no free bridge slot (at most %d bridges)",
				 d->bridges[j].name, TOPO_MAX_BRIDGES);
			return -ENOSPC;
		}
		pl->add_bridge[b] = true;
		pl->bridge_slot[j] = (int)b;
		n->bridges[b] = d->bridges[j];
		if (b >= n->n_bridges)
			n->n_bridges = b + 1;
	}
	return 0;
}

static int
refuse_role(const char *name, char *err, size_t errlen)
{
	snprintf(err, errlen, "port %s: a NAT inside port (masquerade = on a port) cannot be added, removed or changed at run time yet (restart vsw)",
		 name);
	return -EPERM;
}

static int
plan_ports(const struct vsw *sw, struct plan *pl, const struct topology *d,
	   char *err, size_t errlen)
{
	const struct topology *r = sw->run;
	struct topology *n = &pl->next;
	const struct topo_static *st;
	unsigned i, j, s;
	int k;

	for (i = 0; i < r->n_ports; i++) {
		const struct topo_port *rp = &r->ports[i];

		if (rp->name[0] == '\0')
			continue;
		k = topo_port_find(d, rp->name);
		/* the same text names the same bridge, which stays (a changed
		 * bridge is refused) */
		if (k >= 0 && same_obj(r, i, d, (unsigned)k, TOPO_OBJ_PORT)) {
			pl->port_slot[k] = (int)i;
			continue;
		}
		if (sw->live && (!runtime_port(rp) ||
				 (k >= 0 && !runtime_port(&d->ports[k]))))
			return refuse_role(rp->name, err, errlen);
		/* re-attached in place: bridge to bridge only */
		if (k >= 0 && backend_same(rp, &d->ports[k]) && rp->bridge >= 0 &&
		    d->ports[k].bridge >= 0) {
			pl->move_port[i] = true;
			pl->port_slot[k] = (int)i;
			continue;
		}
		st = static_on(r, pl, i);
		if (st != NULL) {
			snprintf(err, errlen, "port %s: a static FDB entry of bridge %s names it; it cannot be removed or re-made at run time yet",
				 rp->name, r->bridges[st->bridge].name);
			return -EPERM;
		}
		pl->del_port[i] = true;
		clear_port(&n->ports[i]);
	}
	for (j = 0; j < d->n_ports; j++) {
		const struct topo_port *dp = &d->ports[j];

		if (pl->port_slot[j] >= 0)
			continue;
		if (sw->live && !runtime_port(dp))
			return refuse_role(dp->name, err, errlen);
		if (sw->live && dp->kind == TOPO_PORT_DPDK) {
			snprintf(err, errlen, "port %s: a dpdk port cannot be added at run time yet (its memory is sized at start)",
				 dp->name);
			return -EPERM;
		}
		for (s = 0; s < TOPO_MAX_PORTS; s++)
			if (s >= r->n_ports ? !pl->add_port[s] :
			    r->ports[s].name[0] == '\0' && !pl->add_port[s])
				break;
		if (s == TOPO_MAX_PORTS) {
			snprintf(err, errlen, "port %s: no free port slot (at most %d ports)",
				 dp->name, TOPO_MAX_PORTS);
			return -ENOSPC;
		}
		pl->add_port[s] = true;
		pl->port_slot[j] = (int)s;
		if (s >= n->n_ports)
			n->n_ports = s + 1;
	}
	/* the new and re-attached ports, their indices made slots */
	for (j = 0; j < d->n_ports; j++) {
		const struct topo_port *dp = &d->ports[j];
		struct topo_port *np;

		s = (unsigned)pl->port_slot[j];
		if (!pl->add_port[s] && !pl->move_port[s])
			continue;
		np = &n->ports[s];
		*np = *dp;
		np->bridge = dp->bridge >= 0 ? pl->bridge_slot[dp->bridge] : -1;
		np->masquerade = dp->masquerade >= 0 ? pl->port_slot[dp->masquerade] : -1;
	}
	for (j = 0; j < d->n_bridges; j++) {
		unsigned b = (unsigned)pl->bridge_slot[j];

		if (pl->add_bridge[b] && d->bridges[j].masquerade >= 0)
			n->bridges[b].masquerade = pl->port_slot[d->bridges[j].masquerade];
	}
	/* macvlan networks by the desired order (dense, as the file's), so a
	 * kept port's network index and parent flag are the desired ones */
	for (j = 0; j < d->n_ports; j++) {
		s = (unsigned)pl->port_slot[j];
		n->ports[s].macvlan = d->ports[j].macvlan;
		n->ports[s].macvlan_parent = d->ports[j].macvlan_parent;
	}
	if (sw->live) {
		for (j = 0; j < d->n_macvlans; j++) {
			n->macvlans[j] = d->macvlans[j];
			n->macvlans[j].parent = pl->port_slot[d->macvlans[j].parent];
		}
		n->n_macvlans = d->n_macvlans;
	}
	return 0;
}

/* Statics: a kept bridge's stay, a removed one's go, a new one's come. */
static int
plan_statics(struct plan *pl, const struct topology *r, const struct topology *d,
	     char *err, size_t errlen)
{
	struct topology *n = &pl->next;
	unsigned i, k = 0;

	for (i = 0; i < r->n_statics; i++)
		if (!pl->del_bridge[r->statics[i].bridge])
			n->statics[k++] = r->statics[i];
	for (i = 0; i < d->n_statics; i++) {
		const struct topo_static *st = &d->statics[i];
		int b = pl->bridge_slot[st->bridge];

		if (!pl->add_bridge[b])
			continue;
		if (k == TOPO_MAX_STATICS) {
			snprintf(err, errlen, "more than %d static FDB entries", TOPO_MAX_STATICS);
			return -ENOSPC;
		}
		n->statics[k] = *st;
		n->statics[k].bridge = b;
		n->statics[k].port = pl->port_slot[st->port];
		k++;
	}
	n->n_statics = k;
	return 0;
}

/* Two rules the same, their uplinks by name? */
static bool
same_rule(const struct topology *a, const struct topo_publish *x,
	  const struct topology *b, const struct topo_publish *y)
{
	return strcmp(x->name, y->name) == 0 && x->proto == y->proto &&
	       x->listen_lo == y->listen_lo && x->listen_hi == y->listen_hi &&
	       x->to_ip == y->to_ip && x->to_lo == y->to_lo && x->to_hi == y->to_hi &&
	       strcmp(a->ports[x->port].name, b->ports[y->port].name) == 0;
}

/* [publish]: by name; a changed rule goes and comes again. */
static void
plan_publish(struct plan *pl, const struct topology *r, const struct topology *d)
{
	struct topology *n = &pl->next;
	unsigned i, j;

	for (i = 0; i < r->n_publish; i++) {
		for (j = 0; j < d->n_publish; j++)
			if (same_rule(r, &r->publish[i], d, &d->publish[j]))
				break;
		pl->del_pub[i] = j == d->n_publish;
	}
	n->n_publish = d->n_publish;
	for (j = 0; j < d->n_publish; j++) {
		n->publish[j] = d->publish[j];
		n->publish[j].port = pl->port_slot[d->publish[j].port];
		for (i = 0; i < r->n_publish; i++)
			if (same_rule(r, &r->publish[i], d, &d->publish[j]))
				break;
		pl->add_pub[j] = i == r->n_publish;
	}
}

int
vsw_route_find(const struct topology *t, const char *name)
{
	unsigned i;

	for (i = 0; i < t->n_routes; i++)
		if (strcmp(t->routes[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Two routes the same, their ports by name? */
static bool
same_route(const struct topology *a, const struct topo_route *x,
	   const struct topology *b, const struct topo_route *y)
{
	return strcmp(x->name, y->name) == 0 && x->prefix == y->prefix &&
	       x->len == y->len && x->via == y->via &&
	       strcmp(a->ports[x->port].name, b->ports[y->port].name) == 0;
}

/* [route]: by name; a changed route goes and comes again. Its routed
 * port is one that runs (routed ports do not change at run time yet). */
static int
plan_routes(const struct vsw *sw, struct plan *pl, const struct topology *d,
	    char *err, size_t errlen)
{
	const struct topology *r = sw->run;
	struct topology *n = &pl->next;
	unsigned i, j;

	for (i = 0; i < r->n_routes; i++) {
		for (j = 0; j < d->n_routes; j++)
			if (same_route(r, &r->routes[i], d, &d->routes[j]))
				break;
		pl->del_route[i] = j == d->n_routes;
	}
	n->n_routes = d->n_routes;
	for (j = 0; j < d->n_routes; j++) {
		int slot = pl->port_slot[d->routes[j].port];

		n->routes[j] = d->routes[j];
		if (slot < 0 || sw->router == NULL || sw->router->port_if[slot] < 0) {
			snprintf(err, errlen, "[route %s]: port %s does not route",
				 d->routes[j].name, d->ports[d->routes[j].port].name);
			return -EINVAL;
		}
		n->routes[j].port = slot;
		for (i = 0; i < r->n_routes; i++)
			if (same_route(r, &r->routes[i], d, &d->routes[j]))
				break;
		pl->add_route[j] = i == r->n_routes;
	}
	return 0;
}

/* Under the barrier: the removed routes go, the new ones come; on a
 * failure (the LPM full) the new ones go again and the old ones come
 * back, and nothing has changed. 0 or -errno. */
static int
routes_commit(struct vsw *sw, struct plan *pl, char *err, size_t errlen)
{
	const struct topology *r = sw->run, *n = &pl->next;
	char why[256];
	unsigned i, k;
	int rc;

	for (i = 0; i < r->n_routes; i++)
		if (pl->del_route[i]) {
			snprintf(pl->rm_route[i], TOPO_NAME_MAX, "%s", r->routes[i].name);
			router_route_del(sw, &r->routes[i]);
		}
	for (i = 0; i < n->n_routes; i++) {
		if (!pl->add_route[i])
			continue;
		rc = router_route_add(sw, &n->routes[i], err, errlen);
		if (rc == 0)
			continue;
		for (k = 0; k < i; k++)
			if (pl->add_route[k])
				router_route_del(sw, &n->routes[k]);
		for (k = 0; k < r->n_routes; k++)
			if (pl->del_route[k] &&
			    router_route_add(sw, &r->routes[k], why, sizeof(why)) != 0)
				fprintf(stderr, "vsw: [route %s] not put back: %s\n",
					r->routes[k].name, why);
		return rc;
	}
	return 0;
}

static int
publish_op(struct vsw *sw, const struct topology *t, const struct topo_publish *u,
	   bool add, char *err, size_t errlen)
{
	struct router *rt = sw->router;
	char why[200] = "";
	int up = rt != NULL ? rt->port_if[u->port] : -1, rc;

	if (up < 0 || rt->napt == NULL) {
		snprintf(err, errlen, "publish %s: port %s does not route with NAT", u->name,
			 t->ports[u->port].name);
		return -EINVAL;
	}
	if (add) {
		if (!rt->ifs[up].nat_outside) {
			/* a masquerade network of this change makes it an uplink */
			if (napt_add_external(rt->napt, rt->ifs[up].ip) < 0) {
				snprintf(err, errlen, "publish %s: too many NAT addresses", u->name);
				return -ENOSPC;
			}
			rt->ifs[up].nat_outside = true;
		}
		rc = napt_publish_add(rt->napt, u->proto, rt->ifs[up].ip, u->listen_lo,
				      u->listen_hi, rte_cpu_to_be_32(u->to_ip), u->to_lo,
				      why, sizeof(why));
	} else {
		rc = napt_publish_del(rt->napt, u->proto, rt->ifs[up].ip, u->listen_lo,
				      u->listen_hi, rte_cpu_to_be_32(u->to_ip), u->to_lo,
				      bridge_now(sw->workers[0]->now), NULL, why, sizeof(why));
	}
	if (rc != 0)
		snprintf(err, errlen, "publish %s: %s", u->name, why);
	return rc;
}

/* Close a port the workers no longer see and look at its own pool. */
static void
close_port(struct vsw *sw, unsigned slot)
{
	struct port *p = &sw->ports[slot];

	port_close(p);
	if (p->own_pool != NULL) {
		unsigned used = rte_mempool_in_use_count(p->own_pool);

		if (used > 0 && !p->pmd_keeps_mbufs)
			fprintf(stderr, "vsw: port %s: %u mbufs of its rx pool were not returned\n",
				p->name, used);
		rte_mempool_free(p->own_pool);
	}
	memset(p, 0, sizeof(*p));
	p->rx_fd = -1;
}

static void
zero_port_state(struct vsw *sw, unsigned slot)
{
	unsigned w;

	for (w = 0; w < sw->n_workers; w++) {
		memset(&sw->workers[w]->cnt[slot], 0, sizeof(sw->workers[w]->cnt[slot]));
		sw->workers[w]->storm_tat[slot] = 0;
	}
}

static void
attach_port(struct vsw *sw, unsigned s)
{
	const struct topo_port *tp = &sw->run->ports[s];
	struct attach *at = &sw->attach[s];

	attach_init(at, tp);
	if (sw->router != NULL && sw->router->port_if[s] >= 0) {
		at->input = router_port_input;
		at->l3if = (uint16_t)sw->router->port_if[s];
	}
	if (tp->bridge >= 0) {
		struct bridge *br = &sw->bridges[tp->bridge];

		bridge_add_port(br, &sw->ports[s], at);
		br->fdb->port_limit[s] = tp->mac_limit;
	}
}

static void
log_port(FILE *log, const char *who, const struct topology *t, unsigned s,
	 const char *what)
{
	const struct topo_port *tp = &t->ports[s];

	fprintf(log, "vsw: %s: port %s %s (%s%s%s)\n", who, tp->name, what,
		topo_port_kind_name(tp->kind), tp->bridge >= 0 ? " on bridge " : "",
		tp->bridge >= 0 ? t->bridges[tp->bridge].name : "");
}

/* Under the barrier, on a failure: the routed ports this change added go. */
static void
routed_ports_undo(struct vsw *sw, struct plan *pl)
{
	unsigned i;

	for (i = 0; i < pl->next.n_ports; i++)
		if (pl->add_port[i] && routed(&pl->next.ports[i]))
			router_port_del(sw, i, &pl->next.ports[i]);
}

int
vsw_apply(struct vsw *sw, const struct topology *d, const char *who, FILE *log,
	  char *err, size_t errlen)
{
	struct topology *r = sw->run;
	struct plan *pl;
	struct topology *n;
	struct port_env env;
	char why[256];
	unsigned i, live_ports = 0, changes = 0;
	int rc;

	if (sw->live && sw->replay) {
		snprintf(err, errlen, "replay mode: the topology cannot change while it runs");
		return -EPERM;
	}
	pl = calloc(1, sizeof(*pl));
	if (pl == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n = &pl->next;
	*n = *r;
	for (i = 0; i < TOPO_MAX_PORTS; i++)
		pl->port_slot[i] = -1;
	for (i = 0; i < TOPO_MAX_BRIDGES; i++)
		pl->bridge_slot[i] = -1;
	rc = sw->live ? check_fixed(r, d, err, errlen) : 0;
	if (rc == 0)
		rc = plan_bridges(sw, pl, d, err, errlen);
	if (rc == 0)
		rc = plan_ports(sw, pl, d, err, errlen);
	if (rc == 0)
		rc = plan_statics(pl, r, d, err, errlen);
	if (rc == 0 && sw->live) {
		int gone = -1, come = -1;

		for (i = 0; i < TOPO_MAX_PORTS; i++) {
			if (i < r->n_ports && pl->del_port[i] && routed(&r->ports[i]))
				gone = (int)i;
			if (pl->add_port[i] && routed(&n->ports[i]))
				come = (int)i;
		}
		if (gone >= 0 && come >= 0) {
			/* their connected routes may be one prefix: in two
			 * changes the first is gone before the next comes */
			snprintf(err, errlen, "routed port %s goes and routed port %s comes in one change: make it two (del, then add)",
				 r->ports[gone].name, n->ports[come].name);
			rc = -EPERM;
		}
	}
	if (rc != 0)
		goto out;
	if (sw->live) {
		plan_publish(pl, r, d);
		rc = plan_routes(sw, pl, d, err, errlen);
		if (rc != 0)
			goto out;
	}
	if (!sw->live) {
		/* from empty: the slots are the file's indices, so what names
		 * ports by index is right as it is */
		n->sw = d->sw;
		memcpy(n->routes, d->routes, sizeof(d->routes));
		n->n_routes = d->n_routes;
		memcpy(n->publish, d->publish, sizeof(d->publish));
		n->n_publish = d->n_publish;
		memcpy(n->macvlans, d->macvlans, sizeof(d->macvlans));
		n->n_macvlans = d->n_macvlans;
		snprintf(n->file, sizeof(n->file), "%s", d->file);
	}
	for (i = 0; i < n->n_ports; i++)
		live_ports += n->ports[i].name[0] != '\0';
	if (sw->live && r->sw.mbufs == 0 &&
	    vsw_mbufs_for(live_ports, sw->n_workers) > sw->n_mbufs) {
		snprintf(err, errlen, "the mbuf pool (%u mbufs, sized at start) has no room for %u ports: set [switch] mbufs and restart",
			 sw->n_mbufs, live_ports);
		rc = -ENOSPC;
		goto out;
	}

	/* open and make everything new: the workers see none of it yet */
	env.pool = sw->pool;
	env.big_pool = sw->big_pool;
	env.n_txq = sw->n_workers;
	env.port_cache = n->sw.port_cache;
	env.replay = sw->replay;
	env.clock = &sw->workers[0]->now;
	for (i = 0; i < n->n_ports; i++) {
		const struct topo_port *tp = &n->ports[i];

		if (!pl->add_port[i])
			continue;
		rc = port_open(&sw->ports[i], (uint16_t)i, tp, &env, why, sizeof(why));
		if (rc != 0) {
			snprintf(err, errlen, "port %s (%s): %s", tp->name,
				 topo_port_kind_name(tp->kind), why);
			/* nothing of it is open; the slot is left free */
			goto undo;
		}
		sw->ports[i].owner = i % sw->n_workers;
	}
	for (i = 0; i < n->n_bridges; i++) {
		if (!pl->add_bridge[i])
			continue;
		rc = bridge_init(&pl->br[i], n, (uint16_t)i, sw->n_workers, err, errlen);
		if (rc != 0) {
			pl->add_bridge[i] = false;
			goto undo;
		}
	}
	if (sw->live && sw->router != NULL) {
		unsigned gws = 0;
		bool nat = false;

		for (i = 0; i < n->n_bridges; i++)
			if (pl->add_bridge[i] && n->bridges[i].prefix != 0) {
				gws++;
				nat |= n->bridges[i].masquerade >= 0;
			}
		for (i = 0; i < n->n_ports; i++)
			gws += pl->add_port[i] && routed(&n->ports[i]);
		for (i = 0; i < n->n_publish; i++)
			nat |= pl->add_pub[i];
		rc = router_prepare(sw, nat, gws, &pl->rp, err, errlen);
		if (rc != 0)
			goto undo;
	}
	if (sw->live && (n->n_macvlans > 0 || r->n_macvlans > 0)) {
		rc = macvlan_prepare(sw, n, &pl->mp, err, errlen);
		if (rc != 0)
			goto undo;
		pl->mv = true;
	}

	/* commit: one hold of the barrier (apply.h) */
	if (sw->live)
		loop_barrier_sync(sw);
	if (sw->live && sw->router != NULL)
		router_commit(sw, &pl->rp);
	/* new routed ports first: routes, rules and networks may use them */
	for (i = 0; i < n->n_ports && sw->live; i++) {
		unsigned k;

		if (!pl->add_port[i] || !routed(&n->ports[i]))
			continue;
		rc = router_port_add(sw, i, &n->ports[i], err, errlen);
		if (rc == 0)
			continue;
		for (k = 0; k < i; k++)
			if (pl->add_port[k] && routed(&n->ports[k]))
				router_port_del(sw, k, &n->ports[k]);
		loop_barrier_release(sw);
		goto undo;
	}
	/* routes, then published ports, before anything else changes: a
	 * failure of either undoes itself, and the rest is as it was */
	if (sw->live && (rc = routes_commit(sw, pl, err, errlen)) != 0) {
		routed_ports_undo(sw, pl);
		loop_barrier_release(sw);
		goto undo;
	}
	/* published ports: the removed (and changed) rules go, then the new
	 * ones come; one that cannot be had (a port in use) takes the new ones
	 * away again and puts the old ones back (their sessions are gone),
	 * and nothing else has changed yet */
	for (i = 0; i < r->n_publish && sw->live; i++)
		if (pl->del_pub[i]) {
			snprintf(pl->rm_pub[i], TOPO_NAME_MAX, "%s", r->publish[i].name);
			if (publish_op(sw, r, &r->publish[i], false, why, sizeof(why)) != 0)
				fprintf(stderr, "vsw: %s\n", why);
		}
	for (i = 0; i < n->n_publish && sw->live; i++) {
		if (!pl->add_pub[i])
			continue;
		rc = publish_op(sw, n, &n->publish[i], true, err, errlen);
		if (rc != 0) {
			unsigned k;

			for (k = 0; k < i; k++)
				if (pl->add_pub[k])
					publish_op(sw, n, &n->publish[k], false, why, sizeof(why));
			for (k = 0; k < r->n_publish; k++)
				if (pl->del_pub[k])
					publish_op(sw, r, &r->publish[k], true, why, sizeof(why));
			/* and the routes as they were */
			for (k = 0; k < n->n_routes; k++)
				if (pl->add_route[k])
					router_route_del(sw, &n->routes[k]);
			for (k = 0; k < r->n_routes; k++)
				if (pl->del_route[k])
					router_route_add(sw, &r->routes[k], why, sizeof(why));
			routed_ports_undo(sw, pl);
			loop_barrier_release(sw);
			goto undo;
		}
		pl->n_pub_added++;
	}
	for (i = 0; i < r->n_ports; i++) {
		if (!pl->del_port[i] && !pl->move_port[i])
			continue;
		if (pl->del_port[i] && sw->live)
			loop_worker_del_port(sw->workers[sw->ports[i].owner], (uint16_t)i);
		if (pl->del_port[i] && sw->live && routed(&r->ports[i]))
			router_port_del(sw, i, &r->ports[i]);
		if (r->ports[i].bridge >= 0)
			bridge_del_port(&sw->bridges[r->ports[i].bridge], sw, (uint16_t)i);
		if (pl->del_port[i]) {
			sw->attach[i] = (struct attach){ .bridge = -1, .macvlan = -1 };
			zero_port_state(sw, i);
		}
	}
	for (i = 0; i < r->n_bridges; i++) {
		if (!pl->del_bridge[i])
			continue;
		if (sw->live)
			router_gw_del(sw, i);
		pl->br[i] = sw->bridges[i];     /* freed after the release */
		memset(&sw->bridges[i], 0, sizeof(sw->bridges[i]));
		sw->bridges[i].l3if = -1;
		r->bridges[i] = n->bridges[i];
	}
	for (i = 0; i < n->n_bridges; i++) {
		unsigned w;

		if (!pl->add_bridge[i])
			continue;
		r->bridges[i] = n->bridges[i];
		sw->bridges[i] = pl->br[i];
		sw->bridges[i].cfg = &r->bridges[i];
		for (w = 0; w < sw->n_workers; w++)
			memset(&sw->workers[w]->bcnt[i], 0, sizeof(sw->workers[w]->bcnt[i]));
	}
	r->n_bridges = n->n_bridges;
	if (sw->n_bridges < n->n_bridges)
		sw->n_bridges = n->n_bridges;
	memcpy(r->statics, n->statics, n->n_statics * sizeof(n->statics[0]));
	r->n_statics = n->n_statics;
	for (i = 0; i < n->n_ports; i++) {
		if (!pl->del_port[i] && !pl->move_port[i] && !pl->add_port[i])
			continue;
		r->ports[i] = n->ports[i];
		if (pl->del_port[i])
			continue;
		if (pl->add_port[i])
			zero_port_state(sw, i);
		else
			sw->workers[sw->ports[i].owner]->storm_tat[i] = 0;
		attach_port(sw, i);
		if (pl->add_port[i] && sw->live) {
			rc = loop_worker_add_port(sw->workers[sw->ports[i].owner], (uint16_t)i);
			if (rc != 0)
				fprintf(stderr, "vsw: port %s: its worker cannot sleep on it (epoll: %s); it is polled when the worker wakes\n",
					sw->ports[i].name, strerror(-rc));
		}
	}
	r->n_ports = n->n_ports;
	if (sw->n_ports < n->n_ports)
		sw->n_ports = n->n_ports;
	for (i = 0; i < n->n_bridges && sw->live; i++) {
		struct topo_bridge *rb = &r->bridges[i];

		if (pl->upd_bridge[i]) {
			copy_mutable(rb, &n->bridges[i]);
			sw->bridges[i].fdb->aging = rb->mac_aging;
			sw->bridges[i].fdb->limit = rb->mac_limit;
			router_gw_update(sw, i);
		} else if (pl->add_bridge[i] && rb->prefix != 0 &&
			   router_gw_add(sw, i, why, sizeof(why)) != 0) {
			/* checked by router_prepare(); not expected */
			fprintf(stderr, "vsw: bridge %s: its gateway is not routed: %s\n",
				rb->name, why);
		}
	}
	if (sw->live) {
		memcpy(r->publish, n->publish, n->n_publish * sizeof(n->publish[0]));
		r->n_publish = n->n_publish;
		memcpy(r->routes, n->routes, n->n_routes * sizeof(n->routes[0]));
		r->n_routes = n->n_routes;
	}
	if (pl->mv) {
		for (i = 0; i < n->n_macvlans; i++)
			if (!macvlan_named(r, n->macvlans[i].name))
				mv_note(pl, n->macvlans[i].name, "added");
		for (i = 0; i < r->n_macvlans; i++)
			if (!macvlan_named(n, r->macvlans[i].name))
				mv_note(pl, r->macvlans[i].name, "removed");
		memcpy(r->macvlans, n->macvlans, n->n_macvlans * sizeof(n->macvlans[0]));
		r->n_macvlans = n->n_macvlans;
		for (i = 0; i < n->n_ports; i++) {
			r->ports[i].macvlan = n->ports[i].macvlan;
			r->ports[i].macvlan_parent = n->ports[i].macvlan_parent;
		}
		macvlan_commit(sw, r, &pl->mp);
	}
	if (!sw->live) {
		r->sw = n->sw;
		memcpy(r->routes, n->routes, sizeof(n->routes));
		r->n_routes = n->n_routes;
		memcpy(r->publish, n->publish, sizeof(n->publish));
		r->n_publish = n->n_publish;
		memcpy(r->macvlans, n->macvlans, sizeof(n->macvlans));
		r->n_macvlans = n->n_macvlans;
		snprintf(r->file, sizeof(r->file), "%s", n->file);
	}
	if (sw->live)
		loop_barrier_release(sw);

	/* what the workers no longer see */
	for (i = 0; i < TOPO_MAX_PORTS; i++) {
		if (pl->del_port[i]) {
			if (log != NULL)
				fprintf(log, "vsw: %s: port %s removed\n", who, sw->ports[i].name);
			close_port(sw, i);
			changes++;
		} else if (pl->move_port[i] || pl->add_port[i]) {
			if (log != NULL && sw->live)
				log_port(log, who, r, i, pl->add_port[i] ? "added" : "re-attached");
			changes++;
		}
	}
	for (i = 0; i < TOPO_MAX_BRIDGES; i++) {
		if (pl->del_bridge[i]) {
			if (log != NULL)
				fprintf(log, "vsw: %s: bridge %s removed\n", who, pl->br[i].name);
			bridge_fini(&pl->br[i]);
			changes++;
		} else if (pl->add_bridge[i]) {
			if (log != NULL && sw->live)
				fprintf(log, "vsw: %s: bridge %s added\n", who, r->bridges[i].name);
			changes++;
		} else if (pl->upd_bridge[i]) {
			if (log != NULL)
				fprintf(log, "vsw: %s: bridge %s changed in place\n", who,
					r->bridges[i].name);
			changes++;
		}
	}
	router_prep_free(&pl->rp);
	macvlan_prep_free(&pl->mp);     /* the old tables */
	changes += pl->mv_changes;
	for (i = 0; i < pl->mv_changes && log != NULL; i++)
		fprintf(log, "vsw: %s: %s\n", who, pl->mv_log[i]);
	for (i = 0; i < TOPO_MAX_PUBLISH; i++) {
		if (pl->del_pub[i] && log != NULL)
			fprintf(log, "vsw: %s: publish %s removed\n", who, pl->rm_pub[i]);
		if (i < r->n_publish && pl->add_pub[i] && log != NULL)
			fprintf(log, "vsw: %s: publish %s added\n", who, r->publish[i].name);
		changes += pl->del_pub[i] + pl->add_pub[i];
	}
	for (i = 0; i < TOPO_MAX_ROUTES && sw->live; i++) {
		if (pl->del_route[i] && log != NULL)
			fprintf(log, "vsw: %s: route %s removed\n", who, pl->rm_route[i]);
		if (i < r->n_routes && pl->add_route[i] && log != NULL)
			fprintf(log, "vsw: %s: route %s added\n", who, r->routes[i].name);
		changes += pl->del_route[i] + pl->add_route[i];
	}
	rc = (int)changes;
	vsw_model_changed(sw);
	goto out;
undo:
	router_prep_free(&pl->rp);
	macvlan_prep_free(&pl->mp);     /* the new tables */
	for (i = 0; i < TOPO_MAX_BRIDGES; i++)
		if (pl->add_bridge[i])
			bridge_fini(&pl->br[i]);
	for (i = 0; i < TOPO_MAX_PORTS; i++)
		if (pl->add_port[i])
			close_port(sw, i);
out:
	free(pl);
	return rc;
}

int
vsw_reload(struct vsw *sw, FILE *log)
{
	struct topology *t = malloc(sizeof(*t)), *d = malloc(sizeof(*d));
	char err[512];
	int rc;

	if (t == NULL || d == NULL) {
		free(t);
		free(d);
		return -ENOMEM;
	}
	fprintf(log, "vsw: SIGHUP: reading %s again\n", sw->run->file);
	rc = topo_load(t, sw->run->file, log);
	if (rc != 0) {
		fprintf(log, "vsw: SIGHUP: %s refused (errors above): nothing changed\n",
			sw->run->file);
		goto out;
	}
	/* the file, and under it what was made at run time (model.h) */
	if (sw->file == NULL)
		*d = *t;
	else
		rc = vsw_model_desired(sw, t, d, log);
	if (rc != 0) {
		fprintf(log, "vsw: SIGHUP: %s refused: it does not fit with what was made at run time (above): nothing changed\n",
			sw->run->file);
		goto out;
	}
	rc = vsw_apply(sw, d, "SIGHUP", log, err, sizeof(err));
	if (rc < 0) {
		fprintf(log, "vsw: SIGHUP: %s refused: %s: nothing changed\n",
			sw->run->file, err);
		goto out;
	}
	fprintf(log, "vsw: SIGHUP: %s applied: %d change%s\n", sw->run->file,
		rc, rc == 1 ? "" : "s");
	if (sw->file != NULL) {
		*sw->file = *t;
		vsw_model_changed(sw);  /* what the state holds follows the file */
	}
	rc = 0;
out:
	free(t);
	free(d);
	return rc;
}

static bool
keep_live(void *arg, const struct topology *t, enum topo_object kind,
	  unsigned index)
{
	const char *const *skip = arg;

	switch (kind) {
	case TOPO_OBJ_PORT:
		return t->ports[index].name[0] != '\0' &&
		       (skip[0] == NULL || strcmp(t->ports[index].name, skip[0]) != 0);
	case TOPO_OBJ_BRIDGE:
		return t->bridges[index].name[0] != '\0' &&
		       (skip[1] == NULL || strcmp(t->bridges[index].name, skip[1]) != 0);
	case TOPO_OBJ_ROUTE:
		return skip[2] == NULL || strcmp(t->routes[index].name, skip[2]) != 0;
	case TOPO_OBJ_MACVLAN:
		return skip[3] == NULL || strcmp(t->macvlans[index].name, skip[3]) != 0;
	default:
		return true;
	}
}

char *
vsw_running_text(const struct vsw *sw, const char *skip_port,
		 const char *skip_bridge)
{
	return vsw_running_text_skip(sw, skip_port, skip_bridge, NULL, NULL);
}

char *
vsw_running_text_skip(const struct vsw *sw, const char *skip_port,
		      const char *skip_bridge, const char *skip_route,
		      const char *skip_macvlan)
{
	const struct topology *t = sw->run;
	const char *skip[4] = { skip_port, skip_bridge, skip_route, skip_macvlan };
	struct topo_subset *s = calloc(1, sizeof(*s));
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	unsigned i;
	int rc = -ENOMEM;

	if (s == NULL)
		return NULL;
	s->sw = true;
	for (i = 0; i < t->n_bridges; i++)
		s->bridge[i] = keep_live(skip, t, TOPO_OBJ_BRIDGE, i);
	for (i = 0; i < t->n_ports; i++)
		s->port[i] = keep_live(skip, t, TOPO_OBJ_PORT, i);
	for (i = 0; i < t->n_macvlans; i++)
		s->macvlan[i] = keep_live(skip, t, TOPO_OBJ_MACVLAN, i);
	for (i = 0; i < t->n_routes; i++)
		s->route[i] = keep_live(skip, t, TOPO_OBJ_ROUTE, i);
	for (i = 0; i < t->n_publish; i++)
		s->publish[i] = true;
	for (i = 0; i < t->n_statics; i++)
		s->stat[i] = s->bridge[t->statics[i].bridge] &&
			     s->port[t->statics[i].port];
	f = open_memstream(&buf, &len);
	if (f != NULL) {
		rc = topo_write_set(f, t, s, NULL);
		fclose(f);
	}
	free(s);
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

bool
vsw_same_object(const struct vsw *sw, const struct topology *d,
		enum topo_object kind, const char *name)
{
	bool port = kind == TOPO_OBJ_PORT;

	if (kind == TOPO_OBJ_ROUTE) {
		int a = vsw_route_find(sw->run, name), b = vsw_route_find(d, name);

		return a >= 0 && b >= 0 &&
		       same_route(sw->run, &sw->run->routes[a], d, &d->routes[b]);
	}
	int a = port ? topo_port_find(sw->run, name) : topo_bridge_find(sw->run, name);
	int b = port ? topo_port_find(d, name) : topo_bridge_find(d, name);

	return a >= 0 && b >= 0 && same_obj(sw->run, (unsigned)a, d, (unsigned)b, kind);
}
