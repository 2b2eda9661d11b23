/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_NETIF_H
#define VSW_NETIF_H

/*
 * Small helpers on kernel network interfaces, for the tap and afpacket
 * backends. Control path only (they make syscalls). 0 or -errno.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

int netif_index(const char *ifname);              /* > 0, or -errno */
int netif_flags(const char *ifname, unsigned *flags);
int netif_set_up(const char *ifname);
int netif_mtu(const char *ifname, unsigned *mtu);
int netif_mac(const char *ifname, struct rte_ether_addr *mac);
bool netif_is_up(const char *ifname);

/*
 * Claim 'ifname' for this process until 'fd' is closed, so that a second
 * vsw cannot attach to it (an abstract UNIX socket named after the
 * interface: nothing to clean up, released when the process dies).
 * Returns the fd, or -EADDRINUSE when another process holds it.
 */
int netif_claim(int ifindex);

#endif
