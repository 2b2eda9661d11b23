/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_TOPOLOGY_DOT_H
#define VSW_TOPOLOGY_DOT_H

/*
 * A parsed topology as a picture: graphviz DOT text (`vsw --check --draw`,
 * `vswctl show topology`), and the same facts as a plain outline.
 *
 * The graph, left to right: the ports of a network, in a cluster with
 * the network's bridge and its gateway; the routed ports (uplinks) in the
 * middle; the next hops of their default routes and static routes on the
 * right. NAT is an edge "masquerade" from a gateway (or an inside routed
 * port) to its uplink; a publish rule an edge from the listening port to
 * the endpoint (or the address) it forwards to. A macvlan network is a
 * cluster of its endpoints tied to its parent port.
 *
 * Every name and value is escaped for DOT, and bytes that are not
 * printable ASCII are shown as '?': dot copies label bytes into SVG,
 * which must stay valid XML.
 *
 * Plain data in, text out: no DPDK, no I/O but 'out'; any thread.
 */

#include <stdio.h>

#include "config/topology.h"

/*
 * Write 't' as one DOT digraph to 'out'. Returns 0, or -EIO when writing
 * to 'out' failed (then what was written is partial).
 */
int topo_dot(const struct topology *t, FILE *out);

/*
 * The same networks, ports and rules as indented text, a line an object
 * (what `show topology --format text` prints). 0 or -EIO, as topo_dot().
 */
int topo_outline(const struct topology *t, FILE *out);

#endif
