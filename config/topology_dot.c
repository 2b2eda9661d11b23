/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A topology as graphviz DOT and as an outline (topology_dot.h).
 *
 * Labels are built as plain text with '\n' between their lines and only
 * escaped when written, so the DOT graph and the outline say the same
 * words about a port.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "config/topology_dot.h"

#define LABEL_MAX 1024
#define DEVARGS_SHOWN 40        /* a vdev's devargs can be long: its start */

/* The colours of the picture (draw.io's palette: calm, prints well). */
#define C_NET_FILL "#eef4fb"
#define C_NET_LINE "#6c8ebf"
#define C_HUB_FILL "#dae8fc"
#define C_GW_FILL "#fff2cc"
#define C_GW_LINE "#d6b656"
#define C_ROUTED_FILL "#d5e8d4"
#define C_ROUTED_LINE "#82b366"
#define C_MVL_FILL "#f5eef8"
#define C_MVL_LINE "#9673a6"
#define C_MVL_HUB "#e1d5e7"
#define C_NAT "#b85450"
#define C_PUBLISH "#3465a4"
#define C_ROUTE "#777777"

struct label {
	char s[LABEL_MAX];
	size_t len;
};

/* Append a line to 'l'; what does not fit is cut (a label, not data). */
static void __attribute__((format(printf, 2, 3)))
line(struct label *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len + 2 >= sizeof(l->s))
		return;
	if (l->len > 0)
		l->s[l->len++] = '\n';
	va_start(ap, fmt);
	n = vsnprintf(l->s + l->len, sizeof(l->s) - l->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		l->s[l->len] = '\0';
		return;
	}
	l->len += (size_t)n;
	if (l->len >= sizeof(l->s))
		l->len = sizeof(l->s) - 1;
}

static const char *
ip_s(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
		 (ip >> 8) & 0xff, ip & 0xff);
	return buf;
}

static const char *
mac_s(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

static const char *
proto_s(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

/* "10,20-29": a trunk's VIDs as ranges, "..." when they do not fit. */
static void
vid_list(const struct topo_port *p, char *buf, size_t len)
{
	size_t n = 0;
	unsigned lo, hi;

	buf[0] = '\0';
	for (lo = 1; lo <= TOPO_VID_MAX; lo = hi + 1) {
		hi = lo;
		if (!topo_trunk_has(p, lo))
			continue;
		while (hi < TOPO_VID_MAX && topo_trunk_has(p, hi + 1))
			hi++;
		if (n + 16 >= len) {
			snprintf(buf + n, len - n, ",...");
			return;
		}
		n += (size_t)snprintf(buf + n, len - n, lo == hi ? "%s%u" : "%s%u-%u",
				      n ? "," : "", lo, hi);
	}
}

/* "8080" or "8000-8010" */
static const char *
range_s(uint16_t lo, uint16_t hi, char buf[12])
{
	if (hi > lo)
		snprintf(buf, 12, "%u-%u", lo, hi);
	else
		snprintf(buf, 12, "%u", lo);
	return buf;
}

/* What a port is, a fact a line: its backend, VLANs, address, endpoint. */
static void
port_describe(const struct topo_port *p, struct label *l)
{
	char a[16], m[18], v[128];

	switch (p->kind) {
	case TOPO_PORT_TAP:
	case TOPO_PORT_AFPACKET:
		line(l, "%s %s", topo_port_kind_name(p->kind), p->iface);
		break;
	case TOPO_PORT_DPDK:
		line(l, "dpdk %.*s%s", DEVARGS_SHOWN, p->devargs,
		     strlen(p->devargs) > DEVARGS_SHOWN ? "..." : "");
		break;
	case TOPO_PORT_PCAP:
		line(l, "pcap%s%s%s%s", p->rx[0] ? " rx " : "", p->rx[0] ? base_name(p->rx) : "",
		     p->tx[0] ? " tx " : "", p->tx[0] ? base_name(p->tx) : "");
		break;
	}
	if (p->vlan_mode == TOPO_VLAN_ACCESS) {
		line(l, "vlan %u", p->pvid);
	} else if (p->vlan_mode == TOPO_VLAN_TRUNK) {
		vid_list(p, v, sizeof(v));
		if (p->pvid != 0)
			line(l, "trunk %s native %u", v, p->pvid);
		else
			line(l, "trunk %s", v);
	}
	if (p->prefix != 0)
		line(l, "%s/%u", ip_s(p->address, a), p->prefix);
	if (p->prefix != 0 && p->mtu != 0)
		line(l, "mtu %u", p->mtu);
	if (p->netns[0] != '\0')
		line(l, "netns %.40s: %s", base_name(p->netns),
		     p->ifname[0] ? p->ifname : "eth0");
	if (p->ip != 0 || p->ep_name[0] != '\0')
		line(l, "%s%s%s", p->ip ? ip_s(p->ip, a) : "",
		     p->ip && p->ep_name[0] ? " " : "", p->ep_name);
	if (p->macvlan >= 0)
		line(l, "mac %s", mac_s(p->mac, m));
}

/* The network a publish rule forwards into (its 'to' in the subnet), and
 * the endpoint with that address in it: -1 each when there is none. */
static int
publish_target(const struct topology *t, const struct topo_publish *pub, int *bridge)
{
	unsigned i;

	*bridge = -1;
	for (i = 0; i < t->n_bridges; i++) {
		const struct topo_bridge *b = &t->bridges[i];

		if (b->prefix != 0 && topo_in_prefix(pub->to_ip, b->subnet, b->prefix)) {
			*bridge = (int)i;
			break;
		}
	}
	for (i = 0; *bridge >= 0 && i < t->n_ports; i++)
		if (t->ports[i].bridge == *bridge && t->ports[i].ip == pub->to_ip)
			return (int)i;
	return -1;
}

static bool
is_routed(const struct topo_port *p)
{
	return p->bridge < 0 && p->prefix != 0;
}

/* ---- DOT ------------------------------------------------------------------ */

/*
 * 's' as a DOT quoted string, its '\n's written as 'eol'. Only \" is an
 * escape to dot's parser; a label then reads \n, \l, \N ... itself, so a
 * backslash is doubled to stay one. Not printable ASCII: '?'
 * (topology_dot.h says why).
 */
static void
put_lines(FILE *f, const char *s, const char *eol)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n') {
			fputs(eol, f);
		} else if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c < 0x20 || c >= 0x7f) {
			fputc('?', f);
		} else {
			fputc(c, f);
		}
	}
	fputc('"', f);
}

static void
put_q(FILE *f, const char *s)
{
	put_lines(f, s, "\\n");
}

/* A cluster's label: its lines flush left (\l ends a left-justified line,
 * the last one too), as the title of a box reads. */
static void
put_left(FILE *f, const char *s)
{
	char buf[LABEL_MAX + 2];

	snprintf(buf, sizeof(buf), "%s\n", s);
	put_lines(f, buf, "\\l");
}

/* Node ids: a kind and a name, so a port and a network may share a name. */
static void
put_id(FILE *f, const char *kind, const char *name)
{
	char id[TOPO_PATH_MAX + 16];

	snprintf(id, sizeof(id), "%s:%s", kind, name);
	put_q(f, id);
}

static void
node(FILE *f, const char *indent, const char *kind, const char *name,
     const struct label *l, const char *attrs)
{
	fputs(indent, f);
	put_id(f, kind, name);
	fputs(" [label=", f);
	put_q(f, l->s);
	fprintf(f, "%s%s];\n", attrs[0] ? ", " : "", attrs);
}

/* An edge; 'label' may be NULL. */
static void
edge(FILE *f, const char *k1, const char *n1, const char *k2, const char *n2,
     const char *label, const char *attrs)
{
	fputc('\t', f);
	put_id(f, k1, n1);
	fputs(" -> ", f);
	put_id(f, k2, n2);
	fputs(" [", f);
	if (label != NULL) {
		fputs("label=", f);
		put_q(f, label);
		fputs(attrs[0] ? ", " : "", f);
	}
	fprintf(f, "%s];\n", attrs);
}

static void
port_node(FILE *f, const char *indent, const struct topo_port *p, const char *attrs)
{
	struct label l = { .len = 0 };

	line(&l, "%s", p->name);
	port_describe(p, &l);
	node(f, indent, "port", p->name, &l, attrs);
}

/* A publish rule's target when no endpoint holds its address: the
 * address itself, in its network's cluster (b) or alone (b = -1). */
static void
publish_addr_nodes(FILE *f, const struct topology *t, int b, const char *indent)
{
	unsigned i;

	for (i = 0; i < t->n_publish; i++) {
		struct label l = { .len = 0 };
		char a[16];
		int pb;

		if (publish_target(t, &t->publish[i], &pb) >= 0 || pb != b)
			continue;
		line(&l, "%s", ip_s(t->publish[i].to_ip, a));
		node(f, indent, "addr", a, &l, "shape=note");
	}
}

static void
dot_bridge(FILE *f, const struct topology *t, unsigned bi)
{
	const struct topo_bridge *b = &t->bridges[bi];
	struct label l = { .len = 0 };
	char a[16];
	unsigned i;

	fprintf(f, "\tsubgraph cluster_net_%u {\n", bi);
	line(&l, "network %s", b->name);
	if (b->prefix != 0)
		line(&l, "%s/%u", ip_s(b->subnet, a), b->prefix);
	if (b->internal)
		line(&l, "internal: no way out");
	else if (b->prefix != 0 && !b->isolated)
		line(&l, "routed to the other networks");
	if (b->mtu != 0)
		line(&l, "mtu %u", b->mtu);
	fputs("\t\tlabel=", f);
	put_left(f, l.s);
	fputs(";\n\t\tstyle=\"rounded,filled\"; fillcolor=\"" C_NET_FILL
	      "\"; color=\"" C_NET_LINE "\";\n", f);

	l.len = 0;
	line(&l, "%s", b->name);
	line(&l, "bridge");
	node(f, "\t\t", "net", b->name, &l, "shape=box3d, style=filled, fillcolor=\"" C_HUB_FILL "\"");
	if (b->prefix != 0) {
		l.len = 0;
		line(&l, "gateway");
		line(&l, "%s", ip_s(b->gateway, a));
		if (!b->dns)
			line(&l, "no dns");
		node(f, "\t\t", "gw", b->name, &l,
		     "style=\"rounded,filled,bold\", fillcolor=\"" C_GW_FILL "\", color=\"" C_GW_LINE "\"");
	}
	for (i = 0; i < t->n_ports; i++)
		if (t->ports[i].bridge == (int)bi)
			port_node(f, "\t\t", &t->ports[i], "");
	publish_addr_nodes(f, t, (int)bi, "\t\t");
	fputs("\t}\n", f);
}

static void
dot_macvlan(FILE *f, const struct topology *t, unsigned mi)
{
	const struct topo_macvlan *mv = &t->macvlans[mi];
	struct label l = { .len = 0 };
	char a[16];
	unsigned i;

	fprintf(f, "\tsubgraph cluster_macvlan_%u {\n", mi);
	line(&l, "macvlan %s", mv->name);
	line(&l, "mode %s", topo_macvlan_mode_name(mv->mode));
	if (mv->gateway != 0)
		line(&l, "LAN router %s", ip_s(mv->gateway, a));
	fputs("\t\tlabel=", f);
	put_left(f, l.s);
	fputs(";\n\t\tstyle=\"rounded,filled\"; fillcolor=\"" C_MVL_FILL
	      "\"; color=\"" C_MVL_LINE "\";\n", f);
	l.len = 0;
	line(&l, "%s", mv->name);
	line(&l, "macvlan");
	node(f, "\t\t", "macvlan", mv->name, &l,
	     "shape=box3d, style=filled, fillcolor=\"" C_MVL_HUB "\"");
	for (i = 0; i < t->n_ports; i++)
		if (t->ports[i].macvlan == (int)mi)
			port_node(f, "\t\t", &t->ports[i], "");
	fputs("\t}\n", f);
}

/* The next hops (default gateways, routes' via) as nodes, once each. */
static void
dot_hops(FILE *f, const struct topology *t)
{
	unsigned i, j;
	char a[16];

	for (i = 0; i < t->n_ports + t->n_routes; i++) {
		uint32_t hop = i < t->n_ports ? (is_routed(&t->ports[i]) ? t->ports[i].gateway : 0) :
			       t->routes[i - t->n_ports].via;
		struct label l = { .len = 0 };
		bool seen = false;

		if (hop == 0)
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = (j < t->n_ports ? (is_routed(&t->ports[j]) ? t->ports[j].gateway : 0) :
				t->routes[j - t->n_ports].via) == hop;
		if (seen)
			continue;
		line(&l, "%s", ip_s(hop, a));
		line(&l, "next hop");
		node(f, "\t", "hop", a, &l, "shape=ellipse, style=dashed");
	}
}

static void
dot_edges(FILE *f, const struct topology *t)
{
	char a[16], b[16], lr[12], tr[12], lab[LABEL_MAX];
	unsigned i, j;

	for (i = 0; i < t->n_bridges; i++) {
		const struct topo_bridge *br = &t->bridges[i];

		if (br->prefix != 0)
			edge(f, "net", br->name, "gw", br->name, NULL, "dir=none, penwidth=2");
		if (br->prefix != 0 && br->masquerade >= 0)
			edge(f, "gw", br->name, "port", t->ports[br->masquerade].name, "masquerade",
			     "color=\"" C_NAT "\", fontcolor=\"" C_NAT "\", penwidth=2");
		/* not isolated: vsw routes between such networks, both ways */
		for (j = i + 1; br->prefix != 0 && !br->isolated && !br->internal &&
		     j < t->n_bridges; j++) {
			const struct topo_bridge *o = &t->bridges[j];

			if (o->prefix != 0 && !o->isolated && !o->internal)
				edge(f, "gw", br->name, "gw", o->name, "routed",
				     "dir=both, style=dashed, constraint=false");
		}
	}
	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];

		if (p->bridge >= 0)
			edge(f, "port", p->name, "net", t->bridges[p->bridge].name, NULL, "dir=none");
		if (p->macvlan >= 0)
			edge(f, "port", p->name, "macvlan", t->macvlans[p->macvlan].name, NULL,
			     "dir=none");
		if (is_routed(p) && p->masquerade >= 0)
			edge(f, "port", p->name, "port", t->ports[p->masquerade].name, "masquerade",
			     "color=\"" C_NAT "\", fontcolor=\"" C_NAT "\", penwidth=2");
		if (is_routed(p) && p->gateway != 0)
			edge(f, "port", p->name, "hop", ip_s(p->gateway, a), "default",
			     "color=\"" C_ROUTE "\", fontcolor=\"" C_ROUTE "\"");
	}
	for (i = 0; i < t->n_macvlans; i++) {
		const struct topo_macvlan *mv = &t->macvlans[i];

		if (mv->vid != 0)
			snprintf(lab, sizeof(lab), "parent\nvlan %u", mv->vid);
		else
			snprintf(lab, sizeof(lab), "parent");
		if (mv->parent >= 0)
			edge(f, "macvlan", mv->name, "port", t->ports[mv->parent].name, lab,
			     "dir=none, color=\"" C_MVL_LINE "\", fontcolor=\"" C_MVL_LINE
			     "\", penwidth=2");
	}
	for (i = 0; i < t->n_routes; i++) {
		const struct topo_route *r = &t->routes[i];

		if (r->port < 0 || r->via == 0)
			continue;
		snprintf(lab, sizeof(lab), "route %s\n%s/%u", r->name, ip_s(r->prefix, a), r->len);
		edge(f, "port", t->ports[r->port].name, "hop", ip_s(r->via, b), lab,
		     "color=\"" C_ROUTE "\", fontcolor=\"" C_ROUTE "\"");
	}
	for (i = 0; i < t->n_publish; i++) {
		const struct topo_publish *pub = &t->publish[i];
		int pb, to = publish_target(t, pub, &pb);

		if (pub->port < 0)
			continue;
		snprintf(lab, sizeof(lab), "publish %s\n%s %s -> %s:%s", pub->name,
			 proto_s(pub->proto), range_s(pub->listen_lo, pub->listen_hi, lr),
			 ip_s(pub->to_ip, a), range_s(pub->to_lo, pub->to_hi, tr));
		/* against the flow of the layout (outside in): no say in ranks */
		if (to >= 0)
			edge(f, "port", t->ports[pub->port].name, "port", t->ports[to].name, lab,
			     "color=\"" C_PUBLISH "\", fontcolor=\"" C_PUBLISH "\", constraint=false");
		else
			edge(f, "port", t->ports[pub->port].name, "addr", a, lab,
			     "color=\"" C_PUBLISH "\", fontcolor=\"" C_PUBLISH "\", constraint=false");
	}
}

int
topo_dot(const struct topology *t, FILE *out)
{
	struct label l = { .len = 0 };
	unsigned i;

	line(&l, "vsw%s%s: %u network%s, %u port%s", t->file[0] ? " " : "",
	     t->file[0] ? base_name(t->file) : "",
	     t->n_bridges + t->n_macvlans, t->n_bridges + t->n_macvlans == 1 ? "" : "s",
	     t->n_ports, t->n_ports == 1 ? "" : "s");
	fputs("digraph vsw {\n\tgraph [rankdir=LR, labelloc=t, labeljust=l, fontname=\"Helvetica\", "
	      "fontsize=12, nodesep=0.25, ranksep=0.8, label=", out);
	put_q(out, l.s);
	fputs("];\n"
	      "\tnode [shape=box, style=\"rounded,filled\", fillcolor=white, color=\"#555555\", "
	      "fontname=\"Helvetica\", fontsize=10];\n"
	      "\tedge [color=\"#555555\", fontname=\"Helvetica\", fontsize=9, arrowsize=0.7];\n",
	      out);
	for (i = 0; i < t->n_bridges; i++)
		dot_bridge(out, t, i);
	for (i = 0; i < t->n_macvlans; i++)
		dot_macvlan(out, t, i);
	/* the routed ports (uplinks, inside LANs) and the ports on nothing */
	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];

		if (is_routed(p))
			port_node(out, "\t", p, "peripheries=2, fillcolor=\"" C_ROUTED_FILL
				  "\", color=\"" C_ROUTED_LINE "\"");
		else if (p->bridge < 0 && p->macvlan < 0)
			port_node(out, "\t", p, "");
	}
	publish_addr_nodes(out, t, -1, "\t");
	dot_hops(out, t);
	dot_edges(out, t);
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}

/* ---- the outline ------------------------------------------------------------ */

/* A label on one line: its lines joined by ", ". */
static void
put_flat(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			fputs(", ", f);
		else
			fputc(c < 0x20 || c >= 0x7f ? '?' : c, f);
	}
}

static void
outline_port(FILE *f, const char *indent, const char *what, const struct topo_port *p)
{
	struct label l = { .len = 0 };

	port_describe(p, &l);
	fprintf(f, "%s%s %s: ", indent, what, p->name);
	put_flat(f, l.s);
	fputc('\n', f);
}

int
topo_outline(const struct topology *t, FILE *out)
{
	char a[16], b[16], lr[12], tr[12];
	unsigned i, j;

	for (i = 0; i < t->n_bridges; i++) {
		const struct topo_bridge *br = &t->bridges[i];

		fprintf(out, "network %s", br->name);
		if (br->prefix != 0)
			fprintf(out, ": %s/%u, gateway %s", ip_s(br->subnet, a), br->prefix,
				ip_s(br->gateway, b));
		if (br->masquerade >= 0)
			fprintf(out, ", masquerade out of %s", t->ports[br->masquerade].name);
		if (br->internal)
			fputs(", internal", out);
		else if (br->prefix != 0 && !br->isolated)
			fputs(", routed to the other networks", out);
		if (br->mtu != 0)
			fprintf(out, ", mtu %u", br->mtu);
		fputc('\n', out);
		for (j = 0; j < t->n_ports; j++)
			if (t->ports[j].bridge == (int)i)
				outline_port(out, "  ", "port", &t->ports[j]);
	}
	for (i = 0; i < t->n_macvlans; i++) {
		const struct topo_macvlan *mv = &t->macvlans[i];

		fprintf(out, "macvlan %s: mode %s, parent %s", mv->name,
			topo_macvlan_mode_name(mv->mode),
			mv->parent >= 0 ? t->ports[mv->parent].name : "?");
		if (mv->vid != 0)
			fprintf(out, " vlan %u", mv->vid);
		if (mv->gateway != 0)
			fprintf(out, ", LAN router %s", ip_s(mv->gateway, a));
		fputc('\n', out);
		for (j = 0; j < t->n_ports; j++)
			if (t->ports[j].macvlan == (int)i)
				outline_port(out, "  ", "port", &t->ports[j]);
	}
	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];

		if (!is_routed(p)) {
			if (p->bridge < 0 && p->macvlan < 0)
				outline_port(out, "", "port", p);
			continue;
		}
		outline_port(out, "", "routed port", p);
		if (p->gateway != 0)
			fprintf(out, "  default via %s\n", ip_s(p->gateway, a));
		if (p->masquerade >= 0)
			fprintf(out, "  masquerade out of %s\n", t->ports[p->masquerade].name);
		for (j = 0; j < t->n_routes; j++)
			if (t->routes[j].port == (int)i)
				fprintf(out, "  route %s: %s/%u via %s\n", t->routes[j].name,
					ip_s(t->routes[j].prefix, a), t->routes[j].len,
					ip_s(t->routes[j].via, b));
		for (j = 0; j < t->n_publish; j++) {
			const struct topo_publish *pub = &t->publish[j];

			if (pub->port == (int)i)
				fprintf(out, "  publish %s: %s %s -> %s:%s\n", pub->name,
					proto_s(pub->proto),
					range_s(pub->listen_lo, pub->listen_hi, lr),
					ip_s(pub->to_ip, a), range_s(pub->to_lo, pub->to_hi, tr));
		}
	}
	return ferror(out) ? -EIO : 0;
}
