/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "model/ipam.h"
#include "model/state.h"
#include "switch/dns.h"
#include "switch/apply.h"
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

	if (reserved || strcmp(owner, VSW_IPAM_HOLD) == 0)
		return 0;       /* held for an engine's endpoint to come */
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

static void sync_finish(void);

void
vsw_model_free(struct vsw *sw)
{
	unsigned b;

	sync_finish();
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
	case TOPO_OBJ_ROUTE:
		return file == NULL || vsw_route_find(file, t->routes[i].name) < 0;
	case TOPO_OBJ_MACVLAN:
		return file == NULL || topo_macvlan_find(file, t->macvlans[i].name) < 0;
	default:
		return false;   /* [switch]: the file's */
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

/*
 * The state file's fsyncs, off the request path. A change is written and
 * renamed over the state file before its reply (so kill -9 right after an
 * OK finds it), and made durable against a crash of the machine here, on a
 * thread of its own, a moment later: the two fsyncs (file and directory)
 * were 1.1 ms of a 1.9 ms `publish add` on this VM's disk (perf, strace;
 * 100 rules), and a state a change was the churn benchmark's ceiling. Many
 * changes while one pass runs share the next pass. vsw_model_free() waits
 * for the last pass, so a vsw that stops cleanly has its state on disk.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond, idle;
	char path[TOPO_PATH_MAX];
	bool started, dirty, busy, stop;
} syncer = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	     PTHREAD_COND_INITIALIZER, "", false, false, false, false };

static void *
sync_thread(void *arg)
{
	char path[TOPO_PATH_MAX];

	(void)arg;
	pthread_mutex_lock(&syncer.lock);
	for (;;) {
		while (!syncer.dirty && !syncer.stop)
			pthread_cond_wait(&syncer.cond, &syncer.lock);
		if (!syncer.dirty)
			break;
		syncer.dirty = false;
		syncer.busy = true;
		memcpy(path, syncer.path, sizeof(path));
		pthread_mutex_unlock(&syncer.lock);
		if (state_sync(path, stderr) != 0)
			fprintf(stderr, "vsw: the state file %s may not survive a crash of the machine (it survives one of vsw)\n",
				path);
		pthread_mutex_lock(&syncer.lock);
		syncer.busy = false;
		pthread_cond_broadcast(&syncer.idle);
	}
	syncer.started = false;
	pthread_cond_broadcast(&syncer.idle);
	pthread_mutex_unlock(&syncer.lock);
	return NULL;
}

/* Ask for a sync of 'path'; false when no thread could be had (the
 * caller syncs itself). */
static bool
sync_later(const char *path)
{
	pthread_t t;

	pthread_mutex_lock(&syncer.lock);
	if (!syncer.started) {
		sigset_t all, old;

		sigfillset(&all);       /* signals are the main thread's */
		pthread_sigmask(SIG_BLOCK, &all, &old);
		syncer.stop = false;
		if (pthread_create(&t, NULL, sync_thread, NULL) == 0) {
			syncer.started = true;
			pthread_setname_np(t, "vsw-sync");
			pthread_detach(t);
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (!syncer.started) {
		pthread_mutex_unlock(&syncer.lock);
		return false;
	}
	snprintf(syncer.path, sizeof(syncer.path), "%s", path);
	syncer.dirty = true;
	pthread_cond_signal(&syncer.cond);
	pthread_mutex_unlock(&syncer.lock);
	return true;
}

/* Wait for the syncer's last pass and stop it. */
static void
sync_finish(void)
{
	pthread_mutex_lock(&syncer.lock);
	syncer.stop = true;
	pthread_cond_signal(&syncer.cond);
	while (syncer.started)
		pthread_cond_wait(&syncer.idle, &syncer.lock);
	pthread_mutex_unlock(&syncer.lock);
}

void
vsw_model_changed(struct vsw *sw)
{
	unsigned b;

	for (b = 0; b < TOPO_MAX_BRIDGES; b++)
		if (b < sw->run->n_bridges || sw->ipam[b] != NULL)
			sync_bridge(sw, b);
	dns_update(sw);
	if (!sw->live || sw->file == NULL || sw->state_path[0] == '\0')
		return;
	if (state_write_how(sw->state_path, sw->run, keep_runtime, sw->file,
			    stderr, false) != 0) {
		fprintf(stderr, "vsw: the state file %s was not written: what was changed is not kept across a restart\n",
			sw->state_path);
		return;
	}
	if (!sync_later(sw->state_path))
		state_sync(sw->state_path, stderr);
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
