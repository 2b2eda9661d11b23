/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_ATTACH_H
#define VSW_ATTACH_H

/*
 * Attachments: what the pipeline does with each port's frames.
 *
 * A port (ports/port.h) is a backend and nothing more: frames in, frames
 * out, its counters and link. Which stage its rx bursts go to (a bridge,
 * a routed interface, a macvlan parent or endpoint) and that stage's
 * settings for it are the switch's, kept here: one entry per port id in
 * struct vsw (sw->attach[id]), one cache line each. The worker reads the
 * entry of the port it polls once a burst (the input stage and its
 * settings together), and the flood loops read the 'cfg' of the ports
 * they send to.
 *
 * The storm_limit meter keeps only its constants here. Its state (the
 * theoretical arrival time) is written on every flood by the worker that
 * polls the port, so it lives in that worker: worker->storm_tat[port]
 * (loop.h).
 *
 * Threads: the main thread fills the entries at start (vsw_start,
 * bridge_add_port, router_init, macvlan_init) before any worker runs; the
 * workers only read them. A change while workers run must be made under
 * the worker barrier (loop.h), and a port's entry is filled before the
 * port is given to a worker.
 */

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "config/topology.h"

struct port;
struct worker;

/* A port's input stage: the 'n' frames of one rx burst from 'in'. */
typedef void (*loop_input_fn)(struct worker *w, struct port *in,
			      struct rte_mbuf **pkts, uint16_t n);

struct attach {
	loop_input_fn input;            /* the port's stage */
	const struct topo_port *cfg;    /* VLAN mode, hairpin, limits */
	int bridge;                     /* index, -1 when not bridged */
	uint16_t l3if;                  /* routed port: its L3 interface */
	int16_t macvlan;                /* endpoint: its network, -1 */
	uint64_t mv_key;                /* endpoint: its (MAC, VID) key */
	/* storm_limit as GCRA (l2_storm_ok): the state is the worker's */
	uint64_t storm_T;               /* ns per frame; 0: no limit */
	uint64_t storm_tau;             /* the burst allowed, ns */
} __rte_cache_aligned;

_Static_assert(sizeof(struct attach) == RTE_CACHE_LINE_SIZE,
	       "one cache line a port");

/*
 * The attachment of a port opened from 'tp' before any stage takes it:
 * its bridge (the stage is set by bridge_add_port), no macvlan network,
 * and the storm meter's constants: storm_limit frames a second, bursts of
 * a tenth of a second's worth (16 at least). Main thread.
 */
static inline void
attach_init(struct attach *at, const struct topo_port *tp)
{
	*at = (struct attach){ .cfg = tp, .bridge = tp->bridge, .macvlan = -1 };
	if (tp->storm_limit != 0) {
		at->storm_T = 1000000000ull / tp->storm_limit;
		at->storm_tau = at->storm_T * RTE_MAX(tp->storm_limit / 10u, 16u);
	}
}

#endif
