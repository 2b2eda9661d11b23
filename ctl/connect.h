/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_CTL_CONNECT_H
#define VSW_CTL_CONNECT_H

/*
 * Endpoints, like `docker network connect` / `disconnect`:
 *
 *     connect NETWORK --netns NS [--ifname IF] [--ip A] [--mac M]
 *             [--name N] [--alias A]...
 *     disconnect NETWORK --netns NS | --name N
 *
 * connect takes an address from the network's IPAM (next-fit) or the one
 * asked for, makes a veth pair whose other end is created inside NS (a
 * name under /run/netns or a path such as /proc/PID/ns/net) with that
 * address, the MAC, the network's MTU and a default route via the gateway
 * (none on an internal network), and attaches the host end as a port
 * (kind = afpacket, iface = vswXXXXXXXX, the endpoint keys of
 * config/topology.h) through the reconciler. A step that fails undoes the
 * ones before it: no veth, no address, no port is left. The same connect
 * again is OK (a plugin retries); a namespace already connected with
 * other asks is ERR, naming its endpoint. disconnect removes the port,
 * deletes the veth pair and frees the address.
 *
 * Control thread only. netlink (model/netlink.h) waits for the kernel:
 * a connect takes a few ms, a disconnect about 20 ms.
 */

#include "ctl/table.h"
#include "switch/vsw.h"

int ctl_connect(struct vsw *sw, struct reply *r, int argc, char **argv,
		char *err, size_t errlen);
int ctl_disconnect(struct vsw *sw, struct reply *r, int argc, char **argv,
		   char *err, size_t errlen);

/* ctl/server.c's: apply the running text 'text' (malloc'ed, freed here)
 * through the reconciler; append a section to a running text. */
int apply_text(struct vsw *sw, struct reply *r, const char *who, char *text,
	       char *err, size_t errlen);
char *text_with(char *base, const char *kind, const char *name, const char *keys);

#endif
