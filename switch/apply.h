/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_APPLY_H
#define VSW_APPLY_H

/*
 * The reconciler: one function applies a desired topology to the running
 * switch as a difference, by name. vsw_start() uses it from an empty
 * switch, SIGHUP (vsw_reload) and the control commands (port add/del,
 * network create/rm) while the workers run.
 *
 * Stable ids. The switch owns its running topology (sw->run): slot i of
 * sw->run->ports is sw->ports[i] and sw->attach[i], slot j of
 * sw->run->bridges is sw->bridges[j]. A slot is handed out when an object
 * is added (the lowest free one) and freed when it goes (its name empty,
 * its port ops NULL, its bridge fdb NULL); no other object's id ever
 * changes, so what the workers, the FDBs (values hold a port id) and the
 * counters key by id stays right. From an empty switch the slots are the
 * file's order, so start-up is what it always was.
 *
 * What changes, by name:
 *   bridge   added (a new FDB; with a subnet, its gateway in the router:
 *            router_prepare/router_gw_add), removed (its ports go in the
 *            same change; its gateway's route, neighbours and only the NAT
 *            sessions of its subnet with it), unchanged (FDB, counters
 *            kept), or changed in place where it can be (mac_aging,
 *            mac_limit within the table's room, mtu, ip_range, isolated,
 *            internal); a changed subnet, gateway, mac, masquerade or
 *            static entry is refused;
 *   port     added, removed, unchanged (state kept); a port whose backend
 *            keys are the same (kind, iface, devargs, rx, tx, mbufs, mtu,
 *            mac) but whose bridge keys differ (bridge, vlan, trunk,
 *            hairpin, limits) is re-attached in place (its id, backend and
 *            counters kept, its learned MACs flushed); otherwise a change
 *            is a remove and an add (a new slot);
 *   route    added, removed; a changed route is removed and added (the
 *            LPM under the barrier, router_route_add/del; a failure puts
 *            back what was there);
 *   publish  added, removed; a changed rule is removed and added. New
 *            rules are installed first under the barrier: one that cannot
 *            be had (a port in use) takes the others away again, puts the
 *            removed ones back (their sessions are gone) and the change is
 *            refused.
 *   macvlan  networks added, removed, changed (mode, parent): they are all
 *            built again for the next topology and swapped in under the
 *            barrier (macvlan_prepare/commit), counters kept by name; an
 *            endpoint or a parent that does not route comes and goes as
 *            a bridge port does (a routed uplink becomes a parent and
 *            routes again when its last network goes);
 *   routed   a port with an address: its interface, connected and default
 *            routes come first in the hold (router_port_add), so routes,
 *            rules and networks of the same change may use it; it goes
 *            (router_port_del) with its neighbours and, as a NAT uplink,
 *            its external address and sessions; one going and one coming
 *            in one change is refused (their prefixes may be one);
 * Refused at run time for now, with an error naming the object: NAT
 * inside ports (masquerade on a routed port), [switch] changes, dpdk
 * ports (their memory is sized at start), statics naming a port that is
 * re-made, a gateway when vsw runs more than one worker, and a port the
 * mbuf pool (sized at start, with room for VSW_PORTS_LATER more) has no
 * room for.
 *
 * After every change vsw_model_changed() (switch/model.h) brings the
 * IPAM in step and writes the state file.
 *
 * Atomic: every check is made and every new port opened and new FDB made
 * before the workers see anything; a failure there closes what this
 * change opened and leaves the switch exactly as it was.
 *
 * Barrier, not RCU: what the workers read per packet about ports and
 * bridges (their rx port lists and epoll sets, the bridges' port lists,
 * sw->attach[], the FDBs, per-port counters and storm state) changes in
 * one short hold of the worker barrier (loop.h) per change: the hold
 * only edits small arrays (no allocation, no close, no syscall but an
 * epoll_ctl), and a parked worker has flushed its tx buffers, so no
 * frame for a removed port waits anywhere. The FDB is worker-owned and
 * written per packet without RCU; a removed port's entries go by a
 * generation bump (fdb_flush_port), O(1). After the release the removed
 * port is closed (the workers no longer see it), its own pool checked
 * for mbufs not returned, a removed bridge's FDB freed. RCU would let the
 * workers run through a change, but every per-packet table here would
 * need deferred frees and a quiescent-state report per iteration, for
 * changes that take microseconds under the barrier.
 *
 * Threads: the control (main) thread only.
 */

#include <stdbool.h>
#include <stdio.h>

#include "config/topology.h"

struct vsw;

/*
 * Make the switch run 'desired'. Every change made is written to 'log'
 * (one "vsw: WHO: ..." line each; may be NULL) once it is done. Returns
 * the number of changes (0: nothing to do), or -errno with 'err' naming
 * the object and the reason, and then nothing changed.
 */
int vsw_apply(struct vsw *sw, const struct topology *desired, const char *who,
	      FILE *log, char *err, size_t errlen);

/*
 * SIGHUP: read sw->run->file again, validate all of it (FILE:LINE errors
 * to 'log'), and apply it. A bad file or a refused change changes
 * nothing; vsw keeps running either way. 0 or -errno.
 */
int vsw_reload(struct vsw *sw, FILE *log);

/*
 * The running topology as a file (the live objects, by name), for the
 * control commands to edit and apply. malloc'ed text, or NULL.
 */
char *vsw_running_text(const struct vsw *sw, const char *skip_port,
		       const char *skip_bridge);
/* The same, less [route skip_route] and [macvlan skip_macvlan] too
 * (NULL: none). */
char *vsw_running_text_skip(const struct vsw *sw, const char *skip_port,
			    const char *skip_bridge, const char *skip_route,
			    const char *skip_macvlan);

/* The index of [route NAME] in 't', or -1. */
int vsw_route_find(const struct topology *t, const char *name);

/* Is the port, bridge or route ('kind') 'name' of 'd' the running one,
 * key for key? (What makes a retried add a no-op.) */
bool vsw_same_object(const struct vsw *sw, const struct topology *d,
		     enum topo_object kind, const char *name);

#endif
