/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_MODEL_H
#define VSW_MODEL_H

/*
 * The run-time model around the reconciler: each network's addresses
 * (model/ipam.h) and the state file (model/state.h), kept in step with the
 * running topology.
 *
 * The running topology (sw->run) is the truth: an endpoint is a bridge
 * port with an `ip` key. vsw_model_changed(), called by vsw_apply() after
 * every change it made, brings sw->ipam[] to it: an IPAM for each bridge
 * slot with a subnet (made when the bridge comes, made again when its
 * subnet, gateway or range changed, freed when it goes; a kept one keeps
 * its next-fit cursor), every endpoint's address held by its port's name,
 * every address no port holds any more given back. The parser has already
 * refused an address twice on a bridge, outside its subnet or on its
 * gateway, so nothing here can fail but memory. An address handed out by
 * vswctl connect before its port is applied is held under the port's name
 * already, and stays.
 *
 * Then, once vsw runs and sw->file is set, the state file is written
 * (atomically, model/state.c): every object of sw->run that the topology
 * file does not name, with what it refers to. At start (vsw_state_load)
 * it is read back and merged under the file (the file wins), so a vsw
 * restarted, even after kill -9, has what it had.
 *
 * Threads: the control thread only. Cost: one pass over the ports and an
 * IPAM walk per network per change, then the state file's write and two
 * fsyncs, which a thread of its own does (see sync_later()).
 */

#include <stdbool.h>
#include <stdio.h>

#include "config/topology.h"

struct vsw;

/* The owner of an address a container engine's IPAM asked for (`ipam
 * hold`, vsw-docker's RequestAddress) before its endpoint exists: kept by
 * the sync until `ipam release` or the endpoint's connect takes it over.
 * Not kept across a restart of vsw (the engine asks again). */
#define VSW_IPAM_HOLD "ipam-hold"

/* After a change: IPAM in step, then the state file (see above). */
void vsw_model_changed(struct vsw *sw);

/* Free every IPAM (vsw_stop). */
void vsw_model_free(struct vsw *sw);

/* The state file's path for 't': [switch] state, else the control
 * socket's directory and name with ".state" for ".sock". */
void vsw_state_path(const struct topology *t, char *buf, size_t len);

/*
 * Start: read the state file 'path' and merge it under the topology file
 * 'file' into 'out' (messages to 'log'). Endpoints whose host interface is
 * gone (their namespace was deleted while vsw was down) are dropped with a
 * message. A missing file is an empty state. 0, or -errno when the state
 * file cannot be used (not ours, cut short, invalid): vsw does not start
 * then, and the message says how to get past it.
 */
int vsw_state_load(const char *path, const struct topology *file,
		   struct topology *out, FILE *log);

/*
 * SIGHUP: the desired topology of a new topology file 'file': the file,
 * and under it what was made at run time (what sw->run has that sw->file
 * does not name). 0 or -errno, messages to 'log'.
 */
int vsw_model_desired(const struct vsw *sw, const struct topology *file,
		      struct topology *out, FILE *log);

/* Is port 'i' of 't' an endpoint made by vswctl connect? */
static inline bool
vsw_is_endpoint(const struct topo_port *p)
{
	return p->name[0] != '\0' && p->netns[0] != '\0';
}

#endif
