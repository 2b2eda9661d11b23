/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "model/ipam.h"
#include "model/state.h"
#include "switch/model.h"
#include "switch/vsw.h"

/* ---- IPAM ------------------------------------------------------------------ */

static void
ipam_params(const struct topo_bridge *tb, struct ipam_net_params *p)
{
	memset(p, 0, sizeof(*p));
	p->subnet.net = tb->subnet;
	p->subnet.len = tb->prefix;
	p->gateway = tb->gateway;
	p->range_lo = tb->range_lo;
	p->range_hi = tb->range_hi;
}

static bool
same_params(const struct ipam_net_params *a, const struct ipam_net_params *b)
{
	return a->subnet.net == b->subnet.net && a->subnet.len == b->subnet.len &&
	       a->gateway == b->gateway && a->range_lo == b->range_lo &&
	       a->range_hi == b->range_hi;
}

struct stale {
	const struct topology *t;
	int bridge;
	uint32_t ip[256];
	unsigned n;
	bool more;
};

/* An address whose owner is no port of this bridge holding it. */
static int
find_stale(uint32_t ip, const char *owner, bool reserved, void *arg)
{
	struct stale *st = arg;
	int p;

	if (reserved)
		return 0;
	p = topo_port_find(st->t, owner);
	if (p >= 0 && st->t->ports[p].bridge == st->bridge && st->t->ports[p].ip == ip)
		return 0;
	if (st->n == RTE_DIM(st->ip)) {
		st->more = true;
		return 1;
	}
	st->ip[st->n++] = ip;
	return 0;
}

static void
sync_bridge(struct vsw *sw, unsigned b)
{
	const struct topology *t = sw->run;
	const struct topo_bridge *tb = &t->bridges[b];
	struct ipam_net_params want;
	char why[256];
	unsigned i;

	if (tb->name[0] == '\0' || tb->prefix == 0) {
		ipam_net_free(sw->ipam[b]);
		sw->ipam[b] = NULL;
		return;
	}
	ipam_params(tb, &want);
	if (sw->ipam[b] != NULL && !same_params(ipam_net_params(sw->ipam[b]), &want)) {
		ipam_net_free(sw->ipam[b]);
		sw->ipam[b] = NULL;
	}
	if (sw->ipam[b] == NULL &&
	    ipam_net_create(&want, &sw->ipam[b], why, sizeof(why)) != 0) {
		fprintf(stderr, "vsw: network %s: no IPAM: %s\n", tb->name, why);
		return;
	}
	for (;;) {
		struct stale st = { .t = t, .bridge = (int)b };

		ipam_walk(sw->ipam[b], find_stale, &st);
		for (i = 0; i < st.n; i++)
			ipam_release(sw->ipam[b], st.ip[i], NULL, NULL, 0);
		if (!st.more)
			break;
	}
	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];
		const char *owner;

		if (p->name[0] == '\0' || p->bridge != (int)b || p->ip == 0)
			continue;
		owner = ipam_owner(sw->ipam[b], p->ip);
		if (owner != NULL && strcmp(owner, p->name) == 0)
			continue;
		if (ipam_restore(sw->ipam[b], p->ip, p->name, why, sizeof(why)) != 0)
			fprintf(stderr, "vsw: network %s: port %s: %s\n", tb->name, p->name, why);
	}
}

void
vsw_model_free(struct vsw *sw)
{
	unsigned b;

	for (b = 0; b < TOPO_MAX_BRIDGES; b++) {
		ipam_net_free(sw->ipam[b]);
		sw->ipam[b] = NULL;
	}
}

/* ---- the state file ------------------------------------------------------- */

/* What the topology file does not name: made at run time. */
static bool
keep_runtime(void *arg, const struct topology *t, enum topo_object kind,
	     unsigned i)
{
	const struct topology *file = arg;

	switch (kind) {
	case TOPO_OBJ_PORT:
		return t->ports[i].name[0] != '\0' &&
		       (file == NULL || topo_port_find(file, t->ports[i].name) < 0);
	case TOPO_OBJ_BRIDGE:
		return t->bridges[i].name[0] != '\0' &&
		       (file == NULL || topo_bridge_find(file, t->bridges[i].name) < 0);
	case TOPO_OBJ_PUBLISH: {
		unsigned j;

		for (j = 0; file != NULL && j < file->n_publish; j++)
			if (strcmp(file->publish[j].name, t->publish[i].name) == 0)
				return false;
		return t->publish[i].name[0] != '\0';
	}
	default:
		return false;   /* [switch], routes and macvlans: the file's */
	}
}

void
vsw_state_path(const struct topology *t, char *buf, size_t len)
{
	const char *c = t->sw.control;
	size_t n = strlen(c);

	if (t->sw.state[0]) {
		snprintf(buf, len, "%s", t->sw.state);
		return;
	}
	if (n > 5 && strcmp(c + n - 5, ".sock") == 0)
		n -= 5;
	snprintf(buf, len, "%.*s.state", (int)n, c);
}

void
vsw_model_changed(struct vsw *sw)
{
	unsigned b;

	for (b = 0; b < TOPO_MAX_BRIDGES; b++)
		if (b < sw->run->n_bridges || sw->ipam[b] != NULL)
			sync_bridge(sw, b);
	if (!sw->live || sw->file == NULL || sw->state_path[0] == '\0')
		return;
	if (state_write(sw->state_path, sw->run, keep_runtime, sw->file, stderr) != 0)
		fprintf(stderr, "vsw: the state file %s was not written: what was changed is not kept across a restart\n",
			sw->state_path);
}

/* 't' without the objects 'keep' drops, parsed again. */
static int
filtered(const struct topology *t, topo_keep_fn *keep, void *arg,
	 struct topology *out, FILE *log)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL)
		return -ENOMEM;
	rc = topo_write_subset(f, t, keep, arg, log);
	fclose(f);
	if (rc == 0)
		rc = topo_load_string(out, t->file[0] ? t->file : "state", buf, log);
	free(buf);
	return rc;
}

/* A state endpoint whose host end is gone: its namespace went while vsw
 * was down (deleting a namespace deletes its veth pairs). */
static bool
keep_present(void *arg, const struct topology *t, enum topo_object kind,
	     unsigned i)
{
	FILE *log = arg;

	if (kind != TOPO_OBJ_PORT || !vsw_is_endpoint(&t->ports[i]) ||
	    if_nametoindex(t->ports[i].iface) != 0)
		return true;
	fprintf(log, "vsw: state: endpoint %s (netns %s) is gone (its interface %s no longer exists): dropped, and its address with it\n",
		t->ports[i].name, t->ports[i].netns, t->ports[i].iface);
	return false;
}

static int
merge(const struct topology *file, const struct topology *state,
      struct topology *out, FILE *log)
{
	struct state_messages msgs = { 0 };
	unsigned i;
	int rc = state_merge(out, file, state, &msgs);

	for (i = 0; i < msgs.n; i++)
		fprintf(log, "vsw: %s\n", msgs.text[i]);
	state_messages_free(&msgs);
	if (rc == 0) {
		snprintf(out->file, sizeof(out->file), "%s", file->file);
		out->sw = file->sw;
	}
	return rc;
}

int
vsw_state_load(const char *path, const struct topology *file,
	       struct topology *out, FILE *log)
{
	struct topology *st = malloc(sizeof(*st)), *kept = malloc(sizeof(*kept));
	int rc = -ENOMEM;

	if (st == NULL || kept == NULL)
		goto out;
	rc = state_read(path, st, log);
	if (rc != 0) {
		fprintf(log, "vsw: the state file %s cannot be used (above): vsw keeps what it made at run time there and does not start without it; move it away to start with the topology file alone\n",
			path);
		goto out;
	}
	snprintf(st->file, sizeof(st->file), "%s", path);
	rc = filtered(st, keep_present, log, kept, log);
	if (rc == 0)
		rc = merge(file, kept, out, log);
	if (rc != 0)
		fprintf(log, "vsw: the state file %s does not fit the topology file %s\n",
			path, file->file);
out:
	free(st);
	free(kept);
	return rc;
}

int
vsw_model_desired(const struct vsw *sw, const struct topology *file,
		  struct topology *out, FILE *log)
{
	struct topology *rt = malloc(sizeof(*rt));
	int rc = -ENOMEM;

	if (rt == NULL)
		return rc;
	rc = filtered(sw->run, keep_runtime, sw->file, rt, log);
	if (rc == 0)
		rc = merge(file, rt, out, log);
	free(rt);
	return rc;
}
