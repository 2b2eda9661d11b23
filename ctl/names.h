/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_CTL_NAMES_H
#define VSW_CTL_NAMES_H

/*
 * The name service's commands (switch/dns.h):
 *
 *     name add NETWORK NAME IP     a static name (host = NAME IP)
 *     name del NETWORK NAME [IP]   one, or every address of NAME
 *     name ls [NETWORK]            every name answered: endpoints' names
 *                                  and aliases, static names
 *     show dns                     the service's counters and servers
 *
 * Static names are [bridge] host keys of the running topology, changed
 * through the reconciler (apply_text) like any other key: so the state
 * file and SIGHUP see them, and the names table follows (dns_update).
 * Control thread only.
 */

#include "ctl/table.h"
#include "switch/vsw.h"

int ctl_name_add(struct vsw *sw, struct reply *r, int argc, char **argv,
		 char *err, size_t errlen);
int ctl_name_del(struct vsw *sw, struct reply *r, int argc, char **argv,
		 char *err, size_t errlen);
int ctl_name_ls(struct vsw *sw, struct reply *r, int argc, char **argv,
		char *err, size_t errlen);
int ctl_show_dns(struct vsw *sw, struct reply *r, int argc, char **argv,
		 char *err, size_t errlen);

#endif
