/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the topology parser (config/topology.c).
 *
 * The input is the text of a topology file. It is loaded from memory with
 * topo_load_string(), as vswctl and the unit tests do; every error message
 * is rendered into a memory stream (their formatting is code too). When
 * the file is valid, the invariants that the rest of vsw builds on without
 * checking again (indices in range, roles exclusive, ranges ordered) are
 * asserted: a file the parser accepts must be one vsw_start() can use. And
 * it must come back from the writer (config/topology_write.c): written,
 * read back and written again, the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/topology.h"

#define CHECK(c) do { if (!(c)) { \
		fprintf(stderr, "fuzz_topology: accepted a file where !(%s)\n", #c); \
		abort(); } } while (0)

static bool
in_net(uint32_t ip, uint32_t net, uint8_t len)
{
	return topo_in_prefix(ip, net, len);
}

static void
check_valid(const struct topology *t)
{
	unsigned i, j, statics[TOPO_MAX_BRIDGES] = { 0 }, eps[TOPO_MAX_MACVLANS] = { 0 };

	CHECK(t->n_ports <= TOPO_MAX_PORTS && t->n_bridges <= TOPO_MAX_BRIDGES &&
	      t->n_routes <= TOPO_MAX_ROUTES && t->n_publish <= TOPO_MAX_PUBLISH &&
	      t->n_macvlans <= TOPO_MAX_MACVLANS && t->n_statics <= TOPO_MAX_STATICS);
	CHECK(t->sw.workers >= 1 && t->sw.workers <= TOPO_MAX_WORKERS);
	CHECK(!topo_has_l3(t) || t->sw.workers == 1);
	CHECK(t->sw.nat_port_lo >= 1 && t->sw.nat_port_lo <= t->sw.nat_port_hi);
	CHECK(t->sw.nat_sessions >= 1 &&
	      t->sw.nat_sessions_per_host <= t->sw.nat_sessions);
	CHECK(t->sw.nat_timeout_udp >= 1 && t->sw.nat_timeout_tcp_established >= 1 &&
	      t->sw.nat_timeout_tcp_transitory >= 1 && t->sw.nat_timeout_icmp >= 1);
	CHECK(memchr(t->sw.control, '\0', sizeof(t->sw.control)) != NULL);

	for (i = 0; i < t->n_bridges; i++) {
		const struct topo_bridge *b = &t->bridges[i];

		CHECK(memchr(b->name, '\0', sizeof(b->name)) != NULL && b->name[0]);
		CHECK(b->prefix <= 32);
		if (b->prefix != 0)
			CHECK(in_net(b->gateway, b->subnet, b->prefix));
		if (b->masquerade >= 0) {
			CHECK(b->prefix != 0);
			CHECK((unsigned)b->masquerade < t->n_ports);
			CHECK(t->ports[b->masquerade].prefix != 0);
		}
		CHECK(b->mac_limit >= 1 && b->mac_aging <= TOPO_AGING_MAX);
		for (j = 0; j < i; j++)
			CHECK(strcmp(t->bridges[j].name, b->name) != 0);
	}
	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];
		unsigned roles = 0;

		CHECK(memchr(p->name, '\0', sizeof(p->name)) != NULL && p->name[0]);
		CHECK(p->kind <= TOPO_PORT_PCAP);
		CHECK(p->bridge >= -1 && p->bridge < (int)t->n_bridges);
		CHECK(p->macvlan >= -1 && p->macvlan < (int)t->n_macvlans);
		CHECK(p->prefix <= 32);
		roles += p->bridge >= 0;
		roles += p->prefix != 0;
		roles += p->macvlan >= 0;
		/* a parent may be routed too, but nothing else */
		CHECK(roles == 1 || (roles == 0 && p->macvlan_parent));
		CHECK(!p->macvlan_parent || (p->bridge < 0 && p->macvlan < 0));
		if (p->vlan_mode != TOPO_VLAN_NONE)
			CHECK(p->bridge >= 0);
		if (p->vlan_mode == TOPO_VLAN_ACCESS)
			CHECK(p->pvid >= 1 && p->pvid <= TOPO_VID_MAX);
		if (p->vlan_mode == TOPO_VLAN_TRUNK && p->pvid != 0)
			CHECK(p->pvid <= TOPO_VID_MAX && topo_trunk_has(p, p->pvid));
		if (p->vlan_mode == TOPO_VLAN_TRUNK)
			CHECK(!topo_trunk_has(p, 0) && !topo_trunk_has(p, 4095));
		if (p->bridge >= 0 && t->bridges[p->bridge].prefix != 0)
			CHECK(p->vlan_mode == TOPO_VLAN_NONE);
		if (p->masquerade >= 0) {
			CHECK(p->prefix != 0 && p->masquerade != (int)i);
			CHECK((unsigned)p->masquerade < t->n_ports);
			CHECK(t->ports[p->masquerade].prefix != 0);
			CHECK(t->ports[p->masquerade].masquerade < 0);
		}
		if (p->prefix != 0 && p->gateway != 0)
			CHECK(in_net(p->gateway, p->address, p->prefix) &&
			      p->gateway != p->address);
		CHECK(p->mtu == 0 || (p->mtu >= 576 && p->mtu <= 9216));
		if (p->macvlan >= 0) {
			const struct topo_macvlan *mv = &t->macvlans[p->macvlan];

			eps[p->macvlan]++;
			if (mv->mode != TOPO_MACVLAN_PASSTHRU)
				CHECK(!(p->mac[0] & 1) && (p->mac[0] | p->mac[1] | p->mac[2] |
							   p->mac[3] | p->mac[4] | p->mac[5]));
		}
		switch (p->kind) {
		case TOPO_PORT_PCAP:
			CHECK(p->rx[0] || p->tx[0]);
			break;
		case TOPO_PORT_TAP:
		case TOPO_PORT_AFPACKET:
			CHECK(p->iface[0]);
			break;
		case TOPO_PORT_DPDK:
			CHECK(p->devargs[0]);
			break;
		}
		CHECK(memchr(p->iface, '\0', sizeof(p->iface)) != NULL);
		CHECK(memchr(p->rx, '\0', sizeof(p->rx)) != NULL);
		CHECK(memchr(p->tx, '\0', sizeof(p->tx)) != NULL);
		CHECK(memchr(p->devargs, '\0', sizeof(p->devargs)) != NULL);
		for (j = 0; j < i; j++)
			CHECK(strcmp(t->ports[j].name, p->name) != 0);
	}
	for (i = 0; i < t->n_statics; i++) {
		const struct topo_static *s = &t->statics[i];

		CHECK(s->bridge >= 0 && (unsigned)s->bridge < t->n_bridges);
		CHECK(s->port >= 0 && (unsigned)s->port < t->n_ports);
		CHECK(t->ports[s->port].bridge == s->bridge);
		CHECK(topo_port_in_vlan(&t->ports[s->port], s->vid));
		CHECK(!(s->mac[0] & 1));
		statics[s->bridge]++;
	}
	for (i = 0; i < t->n_bridges; i++)
		CHECK(statics[i] == t->bridges[i].n_statics);
	for (i = 0; i < t->n_routes; i++) {
		const struct topo_route *r = &t->routes[i];

		CHECK(r->len <= 32);
		CHECK(r->port >= 0 && (unsigned)r->port < t->n_ports);
		CHECK(t->ports[r->port].prefix != 0);
	}
	for (i = 0; i < t->n_publish; i++) {
		const struct topo_publish *u = &t->publish[i];

		CHECK(u->port >= 0 && (unsigned)u->port < t->n_ports);
		CHECK(t->ports[u->port].prefix != 0);
		CHECK(u->proto == 6 || u->proto == 17);
		CHECK(u->listen_lo >= 1 && u->listen_lo <= u->listen_hi);
		CHECK(u->to_lo >= 1 && u->to_lo <= u->to_hi);
		CHECK(u->to_hi - u->to_lo == u->listen_hi - u->listen_lo);
	}
	for (i = 0; i < t->n_macvlans; i++) {
		const struct topo_macvlan *mv = &t->macvlans[i];

		CHECK(mv->parent >= 0 && (unsigned)mv->parent < t->n_ports);
		CHECK(t->ports[mv->parent].macvlan_parent);
		CHECK(mv->vid <= TOPO_VID_MAX);
		CHECK(mv->mode <= TOPO_MACVLAN_PASSTHRU);
		CHECK(mv->n_endpoints == eps[i]);
		if (mv->mode == TOPO_MACVLAN_PASSTHRU)
			CHECK(mv->n_endpoints == 1);
		for (j = 0; j < i; j++)
			CHECK(t->macvlans[j].parent != mv->parent ||
			      t->macvlans[j].vid != mv->vid);
	}
}

/* The writer: what parses is written, read back and written the same. */
static char *
write_text(const struct topology *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL)
		return NULL;
	rc = topo_write_subset(f, t, NULL, NULL, stderr);
	fclose(f);
	if (rc != 0) {
		fprintf(stderr, "fuzz_topology: an accepted file is not written (%d)\n", rc);
		abort();
	}
	return buf;
}

static void
check_round_trip(const struct topology *t)
{
	static struct topology again;
	char *w1 = write_text(t), *w2;

	if (w1 == NULL)
		return;
	if (topo_load_string(&again, "written.ini", w1, stderr) != 0) {
		fprintf(stderr, "fuzz_topology: the written file does not parse:\n%s", w1);
		abort();
	}
	w2 = write_text(&again);
	if (w2 != NULL && strcmp(w1, w2) != 0) {
		fprintf(stderr, "fuzz_topology: not canonical:\n%s\n--\n%s", w1, w2);
		abort();
	}
	free(w1);
	free(w2);
}

/* One object of each kind alone, with what topo_subset_close() adds,
 * parses on its own (which one: from the input's size). */
static struct { enum topo_object kind; unsigned index; } only;

static bool
keep_only(void *arg, const struct topology *t, enum topo_object kind, unsigned i)
{
	(void)arg;
	(void)t;
	return kind == only.kind && i == only.index;
}

static void
check_subsets(const struct topology *t, size_t seed)
{
	static struct topology alone;
	const unsigned counts[] = { [TOPO_OBJ_SWITCH] = 1,
		[TOPO_OBJ_BRIDGE] = t->n_bridges, [TOPO_OBJ_MACVLAN] = t->n_macvlans,
		[TOPO_OBJ_PORT] = t->n_ports, [TOPO_OBJ_ROUTE] = t->n_routes,
		[TOPO_OBJ_PUBLISH] = t->n_publish, [TOPO_OBJ_STATIC] = t->n_statics };
	unsigned k;

	for (k = TOPO_OBJ_SWITCH; k <= TOPO_OBJ_STATIC; k++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f;
		int rc;

		if (counts[k] == 0)
			continue;
		only.kind = (enum topo_object)k;
		only.index = (unsigned)(seed % counts[k]);
		f = open_memstream(&buf, &len);
		if (f == NULL)
			return;
		rc = topo_write_subset(f, t, keep_only, NULL, stderr);
		fclose(f);
		if (rc != 0 || topo_load_string(&alone, "subset.ini", buf, stderr) != 0) {
			fprintf(stderr, "fuzz_topology: object %u of kind %u alone (%d):\n%s",
				only.index, k, rc, buf);
			abort();
		}
		free(buf);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct topology topo;
	char *text = malloc(size + 1);
	char *msgs = NULL;
	size_t msgs_len = 0;
	FILE *err;
	int rc;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err = open_memstream(&msgs, &msgs_len);
	rc = topo_load_string(&topo, "fuzz.ini", text, err);
	if (err != NULL)
		fclose(err);
	/* a file with errors says so */
	if (rc != 0 && err != NULL && msgs_len == 0) {
		fprintf(stderr, "fuzz_topology: rejected (%d) without a message\n", rc);
		abort();
	}
	if (rc == 0) {
		check_valid(&topo);
		(void)topo_is_replay(&topo);
		(void)topo_has_nat(&topo);
		check_round_trip(&topo);
		check_subsets(&topo, size);
	}
	/* and once more without a stream for the messages, as vswctl may */
	if (size < 4096) {
		int rc2 = topo_load_string(&topo, "fuzz.ini", text, NULL);

		if (rc2 != rc) {
			fprintf(stderr, "fuzz_topology: %d with a message stream, %d without\n",
				rc, rc2);
			abort();
		}
	}
	free(msgs);
	free(text);
	return 0;
}
