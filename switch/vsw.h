/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_VSW_H
#define VSW_VSW_H

/*
 * The running switch: the mempool, the ports, the bridges and the workers
 * built from a validated topology. The ports are backends; what the
 * pipeline does with each (sw->attach[id]) is attach.h's.
 *
 * Ownership: the main thread builds and tears down everything; workers only
 * read the port and bridge tables (and write their own counters and the
 * tables they own, such as the FDB). The control thread changes shared
 * tables only under the worker barrier (loop.h). Ports and bridges live in
 * slots with stable ids, added and removed at run time by the reconciler
 * (apply.h); a free port slot has ops == NULL, a free bridge slot fdb ==
 * NULL, and every walk over sw->ports or sw->bridges skips them.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/topology.h"
#include "ports/port.h"
#include "switch/attach.h"
#include "switch/bridge.h"
#include "switch/loop.h"
#include "switch/macvlan.h"
#include "switch/router.h"

struct rte_mempool;

struct ipam_net;
struct dns_service;

struct vsw {
	const struct topology *topo;    /* == run */
	struct topology *run;           /* the running topology, by slot
					 * (apply.h): owned, changed by
					 * vsw_apply() only */
	bool live;                      /* started: changes are run-time ones */
	bool replay;
	bool busy_poll;
	struct rte_mempool *pool;
	struct rte_mempool *big_pool;   /* large frames' segments (port.h) */
	unsigned n_mbufs;
	unsigned n_ports;
	struct port ports[TOPO_MAX_PORTS];
	struct attach attach[TOPO_MAX_PORTS]; /* by port: its stage (attach.h) */
	unsigned n_bridges;
	struct bridge bridges[TOPO_MAX_BRIDGES];
	unsigned n_workers;
	struct worker *workers[TOPO_MAX_WORKERS];
	struct router *router;          /* NULL when nothing is routed */
	struct dns_service *dns;        /* the name service (dns.h); NULL: none */
	unsigned n_macvlans;
	struct macvlan macvlans[TOPO_MAX_MACVLANS];
	struct mv_parent *mv_parents[TOPO_MAX_PORTS]; /* by port; NULL: none */
	volatile bool stop;
	/* worker barrier (loop.c) */
	uint32_t barrier_req;
	uint32_t barrier_parked;
	uint64_t started;               /* loop_clock_ns() at start */
	/* the run-time model: control thread only (switch/model.c) */
	struct topology *file;          /* the topology file as last read: what
					 * it names is not run-time state; NULL
					 * before it is set */
	struct ipam_net *ipam[TOPO_MAX_BRIDGES]; /* by bridge slot: its
					 * addresses; NULL without a subnet */
	char state_path[TOPO_PATH_MAX]; /* the state file; "" = none */
	/* Held by the control thread while it works (ctl_run: everything
	 * between two waits), so that another thread that reads the model
	 * (DPDK's telemetry thread, switch/telemetry.c) takes it and sees no
	 * port or network half added or removed. */
	pthread_mutex_t ctl_lock;
	/* frames copied to vswctl capture (switch/capture.h); NULL: none.
	 * Workers look at it once a burst. */
	struct capture_set *capture;
};

/*
 * Build the switch from 'topo': mempool and workers, then the ports and
 * bridges through the reconciler from an empty switch (vsw_apply, which
 * copies 'topo' into sw->run: 'topo' is not kept). On failure, everything
 * made so far is undone and 'err' names the port and the reason. 0 or
 * -errno.
 */
int vsw_start(struct vsw *sw, const struct topology *topo, char *err,
	      size_t errlen);

/*
 * Tear down: close every port and free the workers. Returns the number of
 * mbufs that did not come back to the pool (0 when nothing leaked).
 */
unsigned vsw_stop(struct vsw *sw);

/* Ports that may be added at run time beyond the topology's before the
 * pool (sized at start) refuses another: a pool of about 32k mbufs for
 * a file of one port, 75 MB. */
#define VSW_PORTS_LATER 32

/* mbufs the pool needs for 'topo' ([switch] mbufs, or sized from the ports). */
unsigned vsw_mbufs_needed(const struct topology *topo);
/* The same sizing for 'n_ports' ports and 'workers' workers. */
unsigned vsw_mbufs_for(unsigned n_ports, unsigned workers);

/* Memory DPDK needs for 'topo', in MB: every pool plus room for tables. */
size_t vsw_memory_mb(const struct topology *topo);

/*
 * Look at every port's link (control thread, about once a second): a port
 * that went down stops receiving floods and its learned MACs are flushed.
 */
void vsw_poll_links(struct vsw *sw);

/* Sum of one port's counters over all workers. */
void vsw_port_counters(const struct vsw *sw, uint16_t port_id,
		       struct vsw_counters *sum);

#endif
