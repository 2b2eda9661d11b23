/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Topology writer: a struct topology back as the text topology.c reads.
 *
 * What the text must respect is inih's, not ours: a line of at most
 * WRITE_LINE_MAX characters (Debian's inih has a 200-byte line buffer, less the
 * newline and the NUL), values trimmed of surrounding space, and an inline
 * comment wherever a ';' follows a space. A value that cannot pass fails
 * the write rather than come back as something else.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config/topology.h"

#define WRITE_LINE_MAX 198

/* The parser's choice names, index = value (topology.c's tables; a test
 * writes every value of each and reads it back). */
static const char *const hugepages_names[] = { "auto", "yes", "no" };
static const char *const poll_names[] = { "adaptive", "busy" };
static const char *const nat_filter_names[] = { "endpoint-independent",
	"address-dependent", "address-port-dependent" };

#define DEFAULT_CONTROL "/run/vsw/vsw.sock"

struct out {
	FILE *f;
	FILE *err;
	char where[TOPO_NAME_MAX + 16];     /* "port c1", for messages */
	unsigned sections;
	int rc;
};

static void __attribute__((format(printf, 3, 4)))
fail(struct out *o, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (o->rc == 0)
		o->rc = -EINVAL;
	if (o->err == NULL)
		return;
	fprintf(o->err, "topology writer: [%s] %s%s", o->where, key ? key : "",
		key ? ": " : "");
	va_start(ap, fmt);
	vfprintf(o->err, fmt, ap);
	va_end(ap);
	fputc('\n', o->err);
}

static void
section(struct out *o, const char *type, const char *name)
{
	snprintf(o->where, sizeof(o->where), "%s%s%s", type, name ? " " : "",
		 name ? name : "");
	if (fprintf(o->f, "%s[%s]\n", o->sections++ ? "\n" : "", o->where) < 0)
		o->rc = o->rc ? o->rc : -EIO;
}

/* "key = value", or what else the parser reads back as exactly 'value'. */
static void __attribute__((format(printf, 3, 4)))
put(struct out *o, const char *key, const char *fmt, ...)
{
	char v[WRITE_LINE_MAX + 2];
	const char *sep = " = ";
	size_t len, i;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(v) - 1 ||
	    strlen(key) + 1 + (size_t)n > WRITE_LINE_MAX) {
		fail(o, key, "%d characters: longer than a line the parser reads (%d)",
		     n, WRITE_LINE_MAX);
		return;
	}
	len = (size_t)n;
	if (len == 0 || isspace((unsigned char)v[0]) ||
	    isspace((unsigned char)v[len - 1])) {
		fail(o, key, "'%s': empty, or space at an end, which the parser trims", v);
		return;
	}
	for (i = 0; i < len; i++) {
		if (v[i] == '\n' || (v[i] == ';' && i > 0 && isspace((unsigned char)v[i - 1]))) {
			fail(o, key, "'%s': a newline or a ';' after a space, which starts a comment", v);
			return;
		}
	}
	/* after " = " a leading ';' would start a comment; without the space
	 * it does not. Too long with the spaces: without them. */
	if (v[0] == ';')
		sep = " =";
	if (strlen(key) + strlen(sep) + len > WRITE_LINE_MAX)
		sep = "=";
	if (fprintf(o->f, "%s%s%s\n", key, sep, v) < 0 && o->rc == 0)
		o->rc = -EIO;
}

static const char *
ip_str(uint32_t ip, char *buf)
{
	struct in_addr a = { .s_addr = htonl(ip) };

	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
	return buf;
}

static const char *
mac_str(const uint8_t m[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static bool
mac_zero(const uint8_t m[6])
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

/* 02:42 and the address: the MAC the parser derives from 'ip'. */
static bool
mac_derived(const uint8_t m[6], uint32_t ip)
{
	const uint8_t d[6] = { 0x02, 0x42, (uint8_t)(ip >> 24), (uint8_t)(ip >> 16),
			       (uint8_t)(ip >> 8), (uint8_t)ip };

	return memcmp(m, d, 6) == 0;
}

/* "A" or "A-B" */
static void
put_range(struct out *o, const char *key, const char *prefix, unsigned lo,
	  unsigned hi)
{
	if (lo == hi)
		put(o, key, "%s%u", prefix, lo);
	else
		put(o, key, "%s%u-%u", prefix, lo, hi);
}

/* A reference by name: 'name', or 'name.vid' when 'vid' is not 0. The
 * parser looks a whole PORT.VID up as a port name first. */
static void
put_ref(struct out *o, const struct topology *t, const char *key,
	const char *name, unsigned vid)
{
	char ref[TOPO_NAME_MAX + 8];

	if (vid == 0) {
		put(o, key, "%s", name);
		return;
	}
	snprintf(ref, sizeof(ref), "%s.%u", name, vid);
	if (strlen(ref) >= TOPO_NAME_MAX)
		fail(o, key, "'%s' is longer than a name (%d)", ref, TOPO_NAME_MAX - 1);
	else if (topo_port_find(t, ref) >= 0)
		fail(o, key, "'%s' would name port %s, not VLAN %u of port %s",
		     ref, ref, vid, name);
	else
		put(o, key, "%s", ref);
}

static void
write_switch(struct out *o, const struct topology *t)
{
	const struct topo_switch *sw = &t->sw;
	FILE *real = o->f;
	char *buf = NULL;
	size_t len = 0;

	/* the keys first, the header only when there is one */
	o->f = open_memstream(&buf, &len);
	if (o->f == NULL) {
		o->f = real;
		o->rc = -ENOMEM;
		return;
	}
	snprintf(o->where, sizeof(o->where), "switch");
	if (sw->hugepages != TOPO_HUGE_AUTO) {
		if ((unsigned)sw->hugepages <= TOPO_HUGE_NO)
			put(o, "hugepages", "%s", hugepages_names[sw->hugepages]);
		else
			fail(o, "hugepages", "%d is no value", (int)sw->hugepages);
	}
	if (sw->poll != TOPO_POLL_ADAPTIVE) {
		if ((unsigned)sw->poll <= TOPO_POLL_BUSY)
			put(o, "poll", "%s", poll_names[sw->poll]);
		else
			fail(o, "poll", "%d is no value", (int)sw->poll);
	}
	if (sw->workers != 1)
		put(o, "workers", "%u", sw->workers);
	if (sw->mbufs != 0)
		put(o, "mbufs", "%u", sw->mbufs);
	if (strcmp(sw->control, DEFAULT_CONTROL) != 0)
		put(o, "control", "%s", sw->control);
	if (sw->eal[0])
		put(o, "eal", "%s", sw->eal);
	if (sw->cpus[0])
		put(o, "cpus", "%s", sw->cpus);
	if (sw->nat_sessions != 1u << 20)
		put(o, "nat_sessions", "%u", sw->nat_sessions);
	if (sw->nat_sessions_per_host != 16384)
		put(o, "nat_sessions_per_host", "%u", sw->nat_sessions_per_host);
	if (sw->nat_port_lo != 1024 || sw->nat_port_hi != 65535)
		put_range(o, "nat_ports", "", sw->nat_port_lo, sw->nat_port_hi);
	if (sw->nat_filtering != TOPO_NAT_APDF) {
		if ((unsigned)sw->nat_filtering <= TOPO_NAT_APDF)
			put(o, "nat_filtering", "%s", nat_filter_names[sw->nat_filtering]);
		else
			fail(o, "nat_filtering", "%d is no value", (int)sw->nat_filtering);
	}
	if (sw->nat_timeout_udp != 300)
		put(o, "nat_timeout_udp", "%u", sw->nat_timeout_udp);
	if (sw->nat_timeout_tcp_established != 7440)
		put(o, "nat_timeout_tcp_established", "%u", sw->nat_timeout_tcp_established);
	if (sw->nat_timeout_tcp_transitory != 240)
		put(o, "nat_timeout_tcp_transitory", "%u", sw->nat_timeout_tcp_transitory);
	if (sw->nat_timeout_icmp != 60)
		put(o, "nat_timeout_icmp", "%u", sw->nat_timeout_icmp);
	if (sw->nat_full_icmp)
		put(o, "nat_full_icmp", "yes");
	if (sw->state[0])
		put(o, "state", "%s", sw->state);
	if (sw->subnet_pool[0])
		put(o, "subnet_pool", "%s", sw->subnet_pool);
	if (sw->port_cache != TOPO_PORT_CACHE_DEFAULT)
		put(o, "port_cache", "%u", sw->port_cache);
	if (sw->dns_upstream[0])
		put(o, "dns_upstream", "%s", sw->dns_upstream);
	if (sw->dns_netns[0])
		put(o, "dns_netns", "%s", sw->dns_netns);
	if (sw->metrics[0])
		put(o, "metrics", "%s", sw->metrics);
	if (sw->pdump)
		put(o, "pdump", "yes");
	fclose(o->f);
	o->f = real;
	if (buf != NULL && len > 0) {
		section(o, "switch", NULL);
		if (fwrite(buf, 1, len, o->f) != len && o->rc == 0)
			o->rc = -EIO;
	}
	free(buf);
}

/* static = MAC@PORT, with .VID only where the port does not imply it */
static void
write_static(struct out *o, const struct topology *t, const struct topo_static *st)
{
	const struct topo_port *p;
	char mac[18], ref[TOPO_NAME_MAX + 8];
	unsigned vid = 0;

	if (st->port < 0 || (unsigned)st->port >= t->n_ports) {
		fail(o, "static", "port index %d is no port", st->port);
		return;
	}
	p = &t->ports[st->port];
	if (p->vlan_mode == TOPO_VLAN_TRUNK && st->vid != p->pvid)
		vid = st->vid;
	else if (p->vlan_mode == TOPO_VLAN_NONE && st->vid != 0)
		vid = st->vid;  /* refused when read back, as it should be */
	mac_str(st->mac, mac);
	if (vid == 0) {
		put(o, "static", "%s@%s", mac, p->name);
		return;
	}
	snprintf(ref, sizeof(ref), "%s.%u", p->name, vid);
	if (topo_port_find(t, ref) >= 0)
		fail(o, "static", "%s@%s would name port %s, not VLAN %u of port %s",
		     mac, ref, ref, vid, p->name);
	else
		put(o, "static", "%s@%s", mac, ref);
}

static void
write_bridge(struct out *o, const struct topology *t, unsigned i,
	     const bool *statics)
{
	const struct topo_bridge *b = &t->bridges[i];
	char ip[INET_ADDRSTRLEN], mac[18];
	unsigned j;

	section(o, "bridge", b->name);
	if (b->mac_aging != 300)
		put(o, "mac_aging", "%u", b->mac_aging);
	if (b->mac_limit != 65536)
		put(o, "mac_limit", "%u", b->mac_limit);
	if (b->prefix != 0) {
		put(o, "subnet", "%s/%u", ip_str(b->subnet, ip), b->prefix);
		put(o, "gateway", "%s", ip_str(b->gateway, ip));
		if (!mac_derived(b->mac, b->gateway))
			put(o, "mac", "%s", mac_str(b->mac, mac));
		if (b->masquerade >= 0) {
			if ((unsigned)b->masquerade < t->n_ports)
				put(o, "masquerade", "%s", t->ports[b->masquerade].name);
			else
				fail(o, "masquerade", "port index %d is no port", b->masquerade);
		}
		if (!b->isolated)
			put(o, "isolated", "no");
		if (b->range_lo != 0 || b->range_hi != 0) {
			uint32_t size = b->range_hi - b->range_lo + 1;
			unsigned len = 32;

			while (len > 0 && size > 1) {
				size >>= 1;
				len--;
			}
			put(o, "ip_range", "%s/%u", ip_str(b->range_lo, ip), len);
		}
	}
	if (b->internal)
		put(o, "internal", "yes");
	if (b->mtu != 0)
		put(o, "mtu", "%u", b->mtu);
	if (!b->dns)
		put(o, "dns", "no");
	for (j = 0; j < b->n_hosts; j++) {
		char a[INET6_ADDRSTRLEN];

		if (inet_ntop(b->hosts[j].af, b->hosts[j].addr, a, sizeof(a)) == NULL)
			fail(o, "host", "%s has no address", b->hosts[j].name);
		else
			put(o, "host", "%s %s", b->hosts[j].name, a);
	}
	for (j = 0; j < t->n_statics; j++)
		if (t->statics[j].bridge == (int)i && (statics == NULL || statics[j]))
			write_static(o, t, &t->statics[j]);
}

static void
write_macvlan(struct out *o, const struct topology *t, unsigned i)
{
	const struct topo_macvlan *mv = &t->macvlans[i];

	section(o, "macvlan", mv->name);
	if (mv->parent < 0 || (unsigned)mv->parent >= t->n_ports)
		fail(o, "parent", "port index %d is no port", mv->parent);
	else
		put_ref(o, t, "parent", t->ports[mv->parent].name, mv->vid);
	if (mv->mode != TOPO_MACVLAN_BRIDGE) {
		if ((unsigned)mv->mode <= TOPO_MACVLAN_PASSTHRU)
			put(o, "mode", "%s", topo_macvlan_mode_name(mv->mode));
		else
			fail(o, "mode", "%d is no value", (int)mv->mode);
	}
	if (mv->gateway != 0) {
		char ip[INET_ADDRSTRLEN];

		put(o, "gateway", "%s", ip_str(mv->gateway, ip));
	}
}

/* trunk = 10,20-29,100: the allowed VIDs as the fewest ranges */
static void
put_trunk(struct out *o, const struct topo_port *p)
{
	char v[WRITE_LINE_MAX + 2];
	size_t n = 0;
	unsigned lo, hi;

	v[0] = '\0';
	for (lo = 1; lo <= TOPO_VID_MAX; lo = hi + 1) {
		if (!topo_trunk_has(p, lo)) {
			hi = lo;
			continue;
		}
		for (hi = lo; hi < TOPO_VID_MAX && topo_trunk_has(p, hi + 1); hi++)
			;
		if (n < sizeof(v))
			n += (size_t)snprintf(v + n, sizeof(v) - n, lo == hi ? "%s%u" : "%s%u-%u",
					      n ? "," : "", lo, hi);
	}
	if (n >= sizeof(v))
		fail(o, "trunk", "the VLAN list is longer than a line the parser reads (%d)",
		     WRITE_LINE_MAX);
	else if (n == 0)
		fail(o, "trunk", "allows no VLAN");
	else
		put(o, "trunk", "%s", v);
}

static void
write_port(struct out *o, const struct topology *t, unsigned i)
{
	const struct topo_port *p = &t->ports[i];
	char ip[INET_ADDRSTRLEN], mac[18];

	section(o, "port", p->name);
	if ((unsigned)p->kind <= TOPO_PORT_PCAP)
		put(o, "kind", "%s", topo_port_kind_name(p->kind));
	else
		fail(o, "kind", "%d is no value", (int)p->kind);
	if (p->iface[0])
		put(o, "iface", "%s", p->iface);
	if (p->devargs[0])
		put(o, "devargs", "%s", p->devargs);
	if (p->rx[0])
		put(o, "rx", "%s", p->rx);
	if (p->tx[0])
		put(o, "tx", "%s", p->tx);
	if (p->bridge >= 0) {
		if ((unsigned)p->bridge < t->n_bridges)
			put(o, "bridge", "%s", t->bridges[p->bridge].name);
		else
			fail(o, "bridge", "bridge index %d is no bridge", p->bridge);
	}
	if (p->mbufs != 0)
		put(o, "mbufs", "%u", p->mbufs);
	if (p->vlan_mode == TOPO_VLAN_ACCESS)
		put(o, "vlan", "%u", p->pvid);
	if (p->vlan_mode == TOPO_VLAN_TRUNK) {
		put_trunk(o, p);
		if (p->pvid != 0)
			put(o, "native", "%u", p->pvid);
	}
	if (p->hairpin)
		put(o, "hairpin", "yes");
	if (p->mac_limit != 0)
		put(o, "mac_limit", "%u", p->mac_limit);
	if (p->prefix != 0)
		put(o, "address", "%s/%u", ip_str(p->address, ip), p->prefix);
	if (p->prefix != 0 && p->gateway != 0)
		put(o, "gateway", "%s", ip_str(p->gateway, ip));
	/* a routed port's MAC is derived unless given; an endpoint's is given */
	if ((p->prefix != 0 && !mac_derived(p->mac, p->address)) ||
	    (p->prefix == 0 && p->macvlan >= 0 && !mac_zero(p->mac)))
		put(o, "mac", "%s", mac_str(p->mac, mac));
	if (p->mtu != 0)
		put(o, "mtu", "%u", p->mtu);
	if (p->prefix != 0 && p->gateway != 0 && !mac_zero(p->gateway_mac))
		put(o, "gateway_mac", "%s", mac_str(p->gateway_mac, mac));
	if (p->masquerade >= 0) {
		if ((unsigned)p->masquerade < t->n_ports)
			put(o, "masquerade", "%s", t->ports[p->masquerade].name);
		else
			fail(o, "masquerade", "port index %d is no port", p->masquerade);
	}
	if (p->macvlan >= 0) {
		if ((unsigned)p->macvlan < t->n_macvlans)
			put(o, "macvlan", "%s", t->macvlans[p->macvlan].name);
		else
			fail(o, "macvlan", "macvlan index %d is no macvlan", p->macvlan);
	}
	if (p->storm_limit != 0)
		put(o, "storm_limit", "%u", p->storm_limit);
	if (p->netns[0])
		put(o, "netns", "%s", p->netns);
	if (p->ifname[0])
		put(o, "ifname", "%s", p->ifname);
	if (p->ip != 0)
		put(o, "ip", "%s", ip_str(p->ip, ip));
	if (!mac_zero(p->peer_mac))
		put(o, "peer_mac", "%s", mac_str(p->peer_mac, mac));
	if (p->ep_name[0])
		put(o, "name", "%s", p->ep_name);
	for (unsigned j = 0; j < p->n_aliases && j < TOPO_MAX_ALIASES; j++)
		put(o, "alias", "%s", p->aliases[j]);
}

static void
write_route(struct out *o, const struct topology *t, unsigned i)
{
	const struct topo_route *r = &t->routes[i];
	char ip[INET_ADDRSTRLEN];

	section(o, "route", r->name);
	put(o, "prefix", "%s/%u", ip_str(r->prefix, ip), r->len);
	put(o, "via", "%s", ip_str(r->via, ip));
	if (r->port >= 0 && (unsigned)r->port < t->n_ports)
		put(o, "port", "%s", t->ports[r->port].name);
	else
		fail(o, "port", "port index %d is no port", r->port);
}

static void
write_publish(struct out *o, const struct topology *t, unsigned i)
{
	const struct topo_publish *u = &t->publish[i];
	char ip[INET_ADDRSTRLEN + 1];

	section(o, "publish", u->name);
	if (u->port >= 0 && (unsigned)u->port < t->n_ports)
		put(o, "port", "%s", t->ports[u->port].name);
	else
		fail(o, "port", "port index %d is no port", u->port);
	if (u->proto == IPPROTO_TCP || u->proto == IPPROTO_UDP)
		put(o, "proto", "%s", u->proto == IPPROTO_TCP ? "tcp" : "udp");
	else
		fail(o, "proto", "%u is not tcp or udp", u->proto);
	put_range(o, "listen", "", u->listen_lo, u->listen_hi);
	ip_str(u->to_ip, ip);
	strcat(ip, ":");
	put_range(o, "to", ip, u->to_lo, u->to_hi);
}

static int
finish(struct out *o)
{
	if (o->rc == 0 && (fflush(o->f) != 0 || ferror(o->f)))
		o->rc = -EIO;
	return o->rc;
}

int
topo_write_set(FILE *f, const struct topology *t, const struct topo_subset *s,
	       FILE *err)
{
	struct out o = { .f = f, .err = err };
	unsigned i;

	if (s->sw)
		write_switch(&o, t);
	for (i = 0; i < t->n_bridges; i++)
		if (s->bridge[i])
			write_bridge(&o, t, i, s->stat);
	for (i = 0; i < t->n_macvlans; i++)
		if (s->macvlan[i])
			write_macvlan(&o, t, i);
	for (i = 0; i < t->n_ports; i++)
		if (s->port[i])
			write_port(&o, t, i);
	for (i = 0; i < t->n_routes; i++)
		if (s->route[i])
			write_route(&o, t, i);
	for (i = 0; i < t->n_publish; i++)
		if (s->publish[i])
			write_publish(&o, t, i);
	return finish(&o);
}

static bool
mark(bool *set, int index, unsigned n)
{
	if (index < 0 || (unsigned)index >= n || set[index])
		return false;
	set[index] = true;
	return true;
}

void
topo_subset_close(struct topo_subset *s, const struct topology *t)
{
	bool changed = true;
	unsigned i, j;

	while (changed) {
		changed = false;
		for (i = 0; i < t->n_ports; i++) {
			const struct topo_port *p = &t->ports[i];
			bool parent_kept = false;
			int first = -1;

			if (!s->port[i])
				continue;
			changed |= mark(s->bridge, p->bridge, t->n_bridges);
			changed |= mark(s->port, p->masquerade, t->n_ports);
			changed |= mark(s->macvlan, p->macvlan, t->n_macvlans);
			if (!p->macvlan_parent)
				continue;
			/* a parent keeps its role (routed or not) */
			for (j = 0; j < t->n_macvlans; j++) {
				if (t->macvlans[j].parent != (int)i)
					continue;
				if (first < 0)
					first = (int)j;
				parent_kept |= s->macvlan[j];
			}
			if (!parent_kept)
				changed |= mark(s->macvlan, first, t->n_macvlans);
		}
		for (i = 0; i < t->n_bridges; i++)
			if (s->bridge[i])
				changed |= mark(s->port, t->bridges[i].masquerade, t->n_ports);
		for (i = 0; i < t->n_macvlans; i++) {
			if (!s->macvlan[i])
				continue;
			changed |= mark(s->port, t->macvlans[i].parent, t->n_ports);
			if (t->macvlans[i].mode == TOPO_MACVLAN_PASSTHRU)
				for (j = 0; j < t->n_ports; j++)
					if (t->ports[j].macvlan == (int)i)
						changed |= mark(s->port, (int)j, t->n_ports);
		}
		for (i = 0; i < t->n_routes; i++)
			if (s->route[i])
				changed |= mark(s->port, t->routes[i].port, t->n_ports);
		for (i = 0; i < t->n_publish; i++) {
			const struct topo_publish *u = &t->publish[i];

			if (!s->publish[i])
				continue;
			changed |= mark(s->port, u->port, t->n_ports);
			for (j = 0; j < t->n_bridges; j++) {
				const struct topo_bridge *b = &t->bridges[j];

				if (b->prefix && b->masquerade == u->port &&
				    topo_in_prefix(u->to_ip, b->subnet, b->prefix))
					changed |= mark(s->bridge, (int)j, t->n_bridges);
			}
			for (j = 0; j < t->n_ports; j++) {
				const struct topo_port *p = &t->ports[j];

				if (p->prefix && p->masquerade == u->port &&
				    topo_in_prefix(u->to_ip, p->address, p->prefix))
					changed |= mark(s->port, (int)j, t->n_ports);
			}
		}
		for (i = 0; i < t->n_statics; i++) {
			if (!s->stat[i])
				continue;
			changed |= mark(s->bridge, t->statics[i].bridge, t->n_bridges);
			changed |= mark(s->port, t->statics[i].port, t->n_ports);
		}
		if (s->sw && t->sw.workers > 1 && !topo_is_replay(t)) {
			bool any = false, pcap_only = true;
			int other = -1;

			for (i = 0; i < t->n_ports; i++) {
				if (t->ports[i].kind != TOPO_PORT_PCAP && other < 0)
					other = (int)i;
				if (!s->port[i])
					continue;
				any = true;
				pcap_only &= t->ports[i].kind == TOPO_PORT_PCAP;
			}
			if (any && pcap_only)
				changed |= mark(s->port, other, t->n_ports);
		}
	}
}

int
topo_write_subset(FILE *f, const struct topology *t, topo_keep_fn *keep,
		  void *arg, FILE *err)
{
	struct topo_subset *s = calloc(1, sizeof(*s));
	unsigned i;
	int rc;

	if (s == NULL)
		return -ENOMEM;
	s->sw = keep == NULL || keep(arg, t, TOPO_OBJ_SWITCH, 0);
#define KEEP(kind, arr, n) \
	for (i = 0; i < (n); i++) \
		s->arr[i] = keep == NULL || keep(arg, t, kind, i)
	KEEP(TOPO_OBJ_BRIDGE, bridge, t->n_bridges);
	KEEP(TOPO_OBJ_MACVLAN, macvlan, t->n_macvlans);
	KEEP(TOPO_OBJ_PORT, port, t->n_ports);
	KEEP(TOPO_OBJ_ROUTE, route, t->n_routes);
	KEEP(TOPO_OBJ_PUBLISH, publish, t->n_publish);
	KEEP(TOPO_OBJ_STATIC, stat, t->n_statics);
#undef KEEP
	topo_subset_close(s, t);
	rc = topo_write_set(f, t, s, err);
	free(s);
	return rc;
}

int
topo_write(FILE *f, const struct topology *t)
{
	return topo_write_subset(f, t, NULL, NULL, NULL);
}

int
topo_write_object(FILE *f, const struct topology *t, enum topo_object kind,
		  unsigned index, FILE *err)
{
	struct out o = { .f = f, .err = err };

	switch (kind) {
	case TOPO_OBJ_SWITCH:
		write_switch(&o, t);
		break;
	case TOPO_OBJ_BRIDGE:
		if (index >= t->n_bridges)
			return -EINVAL;
		write_bridge(&o, t, index, NULL);
		break;
	case TOPO_OBJ_MACVLAN:
		if (index >= t->n_macvlans)
			return -EINVAL;
		write_macvlan(&o, t, index);
		break;
	case TOPO_OBJ_PORT:
		if (index >= t->n_ports)
			return -EINVAL;
		write_port(&o, t, index);
		break;
	case TOPO_OBJ_ROUTE:
		if (index >= t->n_routes)
			return -EINVAL;
		write_route(&o, t, index);
		break;
	case TOPO_OBJ_PUBLISH:
		if (index >= t->n_publish)
			return -EINVAL;
		write_publish(&o, t, index);
		break;
	default:
		return -EINVAL;
	}
	return finish(&o);
}
