/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsw's /vsw/ commands in DPDK telemetry (telemetry.h). Each reads the
 * figures `vswctl show stats`, `show bridges` and `show nat` print, from
 * the same places, so the two views agree:
 *
 *   /vsw/info            version, uptime, workers (and their counters), polling
 *   /vsw/ports           the port names
 *   /vsw/port,NAME       one port's counters, its drops by reason (non-zero)
 *   /vsw/drops           drops by reason over every port (every reason)
 *   /vsw/bridges         the bridge names
 *   /vsw/bridge,NAME     one bridge: ports, FDB use and counters
 *   /vsw/nat             NAT sessions, mappings, counters, external ports
 *
 * A name or a thing that is not there makes the callback fail: the client
 * reads {"/vsw/port": null}, DPDK's answer for a failed command.
 *
 * Names are values, never dict keys: telemetry keys take letters, digits,
 * '_' and '/' only, and a port may be called "lan-1".
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#include "nat/napt.h"
#include "nat/napt_port.h"
#include "switch/telemetry.h"

/* meson.build knows the version; until it passes it down, its value */
#ifndef VSW_VERSION
#define VSW_VERSION "0.1.0"
#endif

/* The one switch of the process: the callbacks get no argument. */
static struct vsw *tel_sw;

/*
 * The switch, locked against the control thread, or NULL once vsw is
 * stopping: the control thread sets sw->stop under ctl_lock (ctl_run),
 * and main tears the model down after that without the lock, so a reader
 * that saw stop unset under the lock is done before the teardown starts.
 * The lock covers more than the tables: a backend's stats() keeps sums
 * the control thread owns (afpacket's PACKET_STATISTICS, which the kernel
 * zeroes on each read).
 */
static struct vsw *
tel_lock(void)
{
	struct vsw *sw = tel_sw;

	if (sw == NULL)
		return NULL;
	pthread_mutex_lock(&sw->ctl_lock);
	if (sw->stop) {
		pthread_mutex_unlock(&sw->ctl_lock);
		return NULL;
	}
	return sw;
}

static void
tel_unlock(struct vsw *sw)
{
	pthread_mutex_unlock(&sw->ctl_lock);
}

static struct port *
tel_port(struct vsw *sw, const char *name)
{
	unsigned i;

	if (name == NULL || *name == '\0')
		return NULL;
	for (i = 0; i < sw->n_ports; i++)
		if (sw->ports[i].ops != NULL && strcmp(sw->ports[i].name, name) == 0)
			return &sw->ports[i];
	return NULL;
}

static struct bridge *
tel_bridge(struct vsw *sw, const char *name)
{
	unsigned i;

	if (name == NULL || *name == '\0')
		return NULL;
	for (i = 0; i < sw->n_bridges; i++)
		if (sw->bridges[i].fdb != NULL && strcmp(sw->bridges[i].name, name) == 0)
			return &sw->bridges[i];
	return NULL;
}

/* The backend's own drops, named as `show stats` names them. */
#define TEL_BACKEND_DROPS 4
static const char *const tel_backend_name[TEL_BACKEND_DROPS] = {
	"rx_nombuf", "rx_errors", "rx_truncated", "tx_errors",
};

static void
tel_backend_drops(const struct port_backend_stats *bs, uint64_t v[TEL_BACKEND_DROPS])
{
	v[0] = bs->rx_nombuf;
	v[1] = bs->rx_errors;
	v[2] = bs->rx_truncated;
	v[3] = bs->tx_errors;
}

/* A u64 array of one figure per worker, added to 'd' as 'name'. */
static void
tel_worker_array(struct rte_tel_data *d, const char *name, const struct vsw *sw,
		 size_t off)
{
	struct rte_tel_data *a = rte_tel_data_alloc();
	unsigned i;

	if (a == NULL)
		return;
	rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
	for (i = 0; i < sw->n_workers; i++) {
		const uint64_t *v = (const uint64_t *)((const char *)&sw->workers[i]->stats + off);

		rte_tel_data_add_array_u64(a, __atomic_load_n(v, __ATOMIC_RELAXED));
	}
	if (rte_tel_data_add_dict_container(d, name, a, 0) != 0)
		rte_tel_data_free(a);
}

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vsw *sw;
	unsigned i, ports = 0, bridges = 0;

	(void)cmd; (void)params;
	sw = tel_lock();
	if (sw == NULL)
		return -EAGAIN;
	for (i = 0; i < sw->n_ports; i++)
		ports += sw->ports[i].ops != NULL;
	for (i = 0; i < sw->n_bridges; i++)
		bridges += sw->bridges[i].fdb != NULL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", VSW_VERSION);
	rte_tel_data_add_dict_string(d, "dpdk", rte_version());
	rte_tel_data_add_dict_u64(d, "pid", (uint64_t)getpid());
	rte_tel_data_add_dict_u64(d, "uptime_s", (loop_clock_ns() - sw->started) / 1000000000ull);
	rte_tel_data_add_dict_string(d, "polling", sw->busy_poll ? "busy" : "adaptive");
	rte_tel_data_add_dict_u64(d, "workers", sw->n_workers);
	rte_tel_data_add_dict_u64(d, "ports", ports);
	rte_tel_data_add_dict_u64(d, "bridges", bridges);
	rte_tel_data_add_dict_u64(d, "macvlans", sw->n_macvlans);
	rte_tel_data_add_dict_string(d, "nat", sw->router != NULL && sw->router->napt != NULL ?
				     "yes" : "no");
	rte_tel_data_add_dict_u64(d, "mbufs", sw->pool->size);
	rte_tel_data_add_dict_u64(d, "mbufs_in_use", rte_mempool_in_use_count(sw->pool));
	/* by worker id; busy / iterations is the share of polls that found work */
	tel_worker_array(d, "worker_iterations", sw, offsetof(struct worker_stats, iterations));
	tel_worker_array(d, "worker_busy", sw, offsetof(struct worker_stats, busy));
	tel_worker_array(d, "worker_sleeps", sw, offsetof(struct worker_stats, sleeps));
	tel_unlock(sw);
	return 0;
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vsw *sw;
	unsigned i;

	(void)cmd; (void)params;
	sw = tel_lock();
	if (sw == NULL)
		return -EAGAIN;
	/* TOPO_MAX_PORTS (256) fits RTE_TEL_MAX_ARRAY_ENTRIES (512) */
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (i = 0; i < sw->n_ports; i++)
		if (sw->ports[i].ops != NULL)
			rte_tel_data_add_array_string(d, sw->ports[i].name);
	tel_unlock(sw);
	return 0;
}

static int
tel_port_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct port_backend_stats bs = { 0 };
	uint64_t be[TEL_BACKEND_DROPS];
	struct rte_tel_data *why;
	struct vsw_counters c;
	struct port *p;
	struct vsw *sw;
	uint64_t drops = 0;
	unsigned k;

	(void)cmd;
	sw = tel_lock();
	if (sw == NULL)
		return -EAGAIN;
	p = tel_port(sw, params);
	if (p == NULL) {
		tel_unlock(sw);
		return -ENOENT;
	}
	vsw_port_counters(sw, p->id, &c);
	if (p->ops->stats)
		p->ops->stats(p, &bs);
	tel_backend_drops(&bs, be);
	why = rte_tel_data_alloc();
	if (why != NULL)
		rte_tel_data_start_dict(why);
	for (k = 0; k < VSW_DROP_MAX; k++) {
		drops += c.drops[k];
		if (c.drops[k] && why != NULL)
			rte_tel_data_add_dict_u64(why, vsw_drop_name[k], c.drops[k]);
	}
	for (k = 0; k < TEL_BACKEND_DROPS; k++) {
		drops += be[k];
		if (be[k] && why != NULL)
			rte_tel_data_add_dict_u64(why, tel_backend_name[k], be[k]);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "port", p->name);
	rte_tel_data_add_dict_string(d, "kind", p->ops->kind);
	rte_tel_data_add_dict_u64(d, "worker", p->owner);
	/* the control thread's view (vsw_poll_links), as floods follow it */
	rte_tel_data_add_dict_string(d, "link", p->admin_down ? "down (set)" :
				     p->link_down ? "down" : "up");
	rte_tel_data_add_dict_u64(d, "mtu", p->mtu);
	rte_tel_data_add_dict_u64(d, "rx", c.rx);
	rte_tel_data_add_dict_u64(d, "rx_bytes", c.rx_bytes);
	rte_tel_data_add_dict_u64(d, "tx", c.tx);
	rte_tel_data_add_dict_u64(d, "tx_bytes", c.tx_bytes);
	rte_tel_data_add_dict_u64(d, "flood", c.flood);
	rte_tel_data_add_dict_u64(d, "drops", drops);
	rte_tel_data_add_dict_u64(d, "rx_kernel_drops", bs.rx_dropped);
	if (why != NULL && rte_tel_data_add_dict_container(d, "drops_by_reason", why, 0) != 0)
		rte_tel_data_free(why);
	tel_unlock(sw);
	return 0;
}

static int
tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t sum[VSW_DROP_MAX] = { 0 }, bsum[TEL_BACKEND_DROPS] = { 0 };
	uint64_t be[TEL_BACKEND_DROPS], total = 0;
	struct vsw *sw;
	unsigned i, k;

	(void)cmd; (void)params;
	sw = tel_lock();
	if (sw == NULL)
		return -EAGAIN;
	for (i = 0; i < sw->n_ports; i++) {
		struct port_backend_stats bs = { 0 };
		struct port *p = &sw->ports[i];
		struct vsw_counters c;

		if (p->ops == NULL)
			continue;
		vsw_port_counters(sw, (uint16_t)i, &c);
		if (p->ops->stats)
			p->ops->stats(p, &bs);
		tel_backend_drops(&bs, be);
		for (k = 0; k < VSW_DROP_MAX; k++)
			sum[k] += c.drops[k];
		for (k = 0; k < TEL_BACKEND_DROPS; k++)
			bsum[k] += be[k];
	}
	tel_unlock(sw);
	/* every reason, zero too: a scraper sees the same keys each time */
	rte_tel_data_start_dict(d);
	for (k = 0; k < VSW_DROP_MAX; k++) {
		rte_tel_data_add_dict_u64(d, vsw_drop_name[k], sum[k]);
		total += sum[k];
	}
	for (k = 0; k < TEL_BACKEND_DROPS; k++) {
		rte_tel_data_add_dict_u64(d, tel_backend_name[k], bsum[k]);
		total += bsum[k];
	}
	rte_tel_data_add_dict_u64(d, "total", total);
	return 0;
}

static int
tel_bridges(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vsw *sw;
	unsigned i;

	(void)cmd; (void)params;
	sw = tel_lock();
	if (sw == NULL)
		return -EAGAIN;
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (i = 0; i < sw->n_bridges; i++)
		if (sw->bridges[i].fdb != NULL)
			rte_tel_data_add_array_string(d, sw->bridges[i].name);
	tel_unlock(sw);
	return 0;
}

static int
tel_bridge_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct topo_bridge *tb;
	struct rte_tel_data *ports;
	struct bridge *br;
	struct fdb *f;
	struct vsw *sw;
	uint64_t flooded = 0, unicast = 0;
	unsigned j;

	(void)cmd;
	sw = tel_lock();
	if (sw == NULL)
		return -EAGAIN;
	br = tel_bridge(sw, params);
	if (br == NULL) {
		tel_unlock(sw);
		return -ENOENT;
	}
	f = br->fdb;
	tb = &sw->run->bridges[br->id];
	for (j = 0; j < sw->n_workers; j++) {
		flooded += sw->workers[j]->bcnt[br->id].flooded;
		unicast += sw->workers[j]->bcnt[br->id].unicast;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "bridge", br->name);
	ports = rte_tel_data_alloc();
	if (ports != NULL) {
		rte_tel_data_start_array(ports, RTE_TEL_STRING_VAL);
		for (j = 0; j < br->n_ports; j++)
			rte_tel_data_add_array_string(ports, sw->ports[br->ports[j]].name);
		if (rte_tel_data_add_dict_container(d, "ports", ports, 0) != 0)
			rte_tel_data_free(ports);
	}
	if (tb->prefix != 0) {
		struct in_addr a = { .s_addr = htonl(tb->subnet) };
		char ip[INET_ADDRSTRLEN], cidr[INET_ADDRSTRLEN + 4];

		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		snprintf(cidr, sizeof(cidr), "%s/%u", ip, tb->prefix);
		rte_tel_data_add_dict_string(d, "subnet", cidr);
		a.s_addr = htonl(tb->gateway);
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		rte_tel_data_add_dict_string(d, "gateway", ip);
	}
	/* no worker barrier (show bridges takes one): each figure is one
	 * word a worker writes, read whole; the telemetry thread never stops
	 * the data path for a look */
	rte_tel_data_add_dict_u64(d, "entries", (uint64_t)f->count + f->n_static);
	rte_tel_data_add_dict_u64(d, "static", f->n_static);
	rte_tel_data_add_dict_u64(d, "mac_limit", f->limit);
	rte_tel_data_add_dict_u64(d, "mac_aging", f->aging);
	rte_tel_data_add_dict_u64(d, "learned", f->st.learned);
	rte_tel_data_add_dict_u64(d, "moved", f->st.moved);
	rte_tel_data_add_dict_u64(d, "aged", f->st.aged);
	rte_tel_data_add_dict_u64(d, "flushed", f->st.flushed);
	rte_tel_data_add_dict_u64(d, "flooded", flooded);
	rte_tel_data_add_dict_u64(d, "unicast", unicast);
	rte_tel_data_add_dict_u64(d, "fdb_full", f->st.fdb_full);
	rte_tel_data_add_dict_u64(d, "static_conflict", f->st.static_conflict);
	tel_unlock(sw);
	return 0;
}

static int
tel_nat(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const proto[3] = { "tcp", "udp", "icmp" };
	struct rte_tel_data *ext, *in_use[3];
	struct napt_stats st;
	struct napt *n;
	struct vsw *sw;
	unsigned i, j;

	(void)cmd; (void)params;
	sw = tel_lock();
	if (sw == NULL)
		return -EAGAIN;
	if (sw->router == NULL || sw->router->napt == NULL) {
		tel_unlock(sw);
		return -ENOENT;         /* no NAT in this topology */
	}
	n = sw->router->napt;
	/* as show nat: one aligned word at a time, no barrier */
	st = n->st;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "sessions", n->n_sessions);
	rte_tel_data_add_dict_u64(d, "sessions_max", n->p.sessions);
	rte_tel_data_add_dict_u64(d, "sessions_per_host_max", n->p.per_host);
	rte_tel_data_add_dict_u64(d, "mappings", n->n_mappings);
	rte_tel_data_add_dict_u64(d, "sessions_created", st.sessions_created);
	rte_tel_data_add_dict_u64(d, "sessions_expired", st.sessions_expired);
	rte_tel_data_add_dict_u64(d, "mappings_created", st.mappings_created);
	rte_tel_data_add_dict_u64(d, "mappings_freed", st.mappings_freed);
	rte_tel_data_add_dict_u64(d, "translated_out", st.translated_out);
	rte_tel_data_add_dict_u64(d, "translated_in", st.translated_in);
	rte_tel_data_add_dict_u64(d, "icmp_errors_translated", st.icmp_errors);
	rte_tel_data_add_dict_u64(d, "hairpin", st.hairpin);
	rte_tel_data_add_dict_string(d, "filtering",
				     n->p.filtering == TOPO_NAT_EIF ? "endpoint-independent" :
				     n->p.filtering == TOPO_NAT_ADF ? "address-dependent" :
				     "address-port-dependent");
	/* the external addresses, and beside them (same index) the ports
	 * each has in use by protocol */
	ext = rte_tel_data_alloc();
	for (j = 0; j < 3; j++)
		in_use[j] = rte_tel_data_alloc();
	if (ext != NULL)
		rte_tel_data_start_array(ext, RTE_TEL_STRING_VAL);
	for (j = 0; j < 3; j++)
		if (in_use[j] != NULL)
			rte_tel_data_start_array(in_use[j], RTE_TEL_U64_VAL);
	for (i = 0; i < n->n_ext; i++) {
		struct in_addr a = { .s_addr = n->ext[i].ip };
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		if (ext != NULL)
			rte_tel_data_add_array_string(ext, ip);
		for (j = 0; j < 3; j++)
			if (in_use[j] != NULL)
				rte_tel_data_add_array_u64(in_use[j], n->ext[i].ports[j]->in_use);
	}
	tel_unlock(sw);
	if (ext != NULL && rte_tel_data_add_dict_container(d, "external", ext, 0) != 0)
		rte_tel_data_free(ext);
	for (j = 0; j < 3; j++) {
		char name[32];

		snprintf(name, sizeof(name), "%s_ports_in_use", proto[j]);
		if (in_use[j] != NULL &&
		    rte_tel_data_add_dict_container(d, name, in_use[j], 0) != 0)
			rte_tel_data_free(in_use[j]);
	}
	return 0;
}

int
vsw_telemetry_init(struct vsw *sw)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/vsw/info", tel_info,
		  "vsw: version, uptime, workers and their counters, polling. No parameters" },
		{ "/vsw/ports", tel_ports, "vsw: the port names. No parameters" },
		{ "/vsw/port", tel_port_info,
		  "vsw: one port's counters and drops by reason. Parameters: port name" },
		{ "/vsw/drops", tel_drops, "vsw: drops by reason over all ports. No parameters" },
		{ "/vsw/bridges", tel_bridges, "vsw: the bridge names. No parameters" },
		{ "/vsw/bridge", tel_bridge_info,
		  "vsw: one bridge's ports, FDB use and counters. Parameters: bridge name" },
		{ "/vsw/nat", tel_nat,
		  "vsw: NAT sessions, mappings, counters, external ports. No parameters" },
	};
	char path[PATH_MAX];
	struct stat st;
	unsigned i;
	int rc;

	tel_sw = sw;
	for (i = 0; i < RTE_DIM(cmds); i++) {
		rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);
		if (rc != 0)
			return rc;
	}
	/* registering works with telemetry off too (DPDK keeps the list):
	 * the socket EAL made tells whether anyone can ask */
	snprintf(path, sizeof(path), "%s/dpdk_telemetry.v2", rte_eal_get_runtime_dir());
	if (stat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
		return -ENOTSUP;
	return 0;
}
