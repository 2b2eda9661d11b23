/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_NETLINK_H
#define VSW_NETLINK_H

/*
 * The kernel half of `vswctl connect` / `disconnect`: what `docker network
 * connect` does to a container's network namespace, through rtnetlink
 * (libmnl), never through `ip` in a subprocess.
 *
 * netlink_connect() makes a veth pair whose host end stays in the caller's
 * namespace (the switch port vsw attaches to) and whose other end is created
 * directly inside the target namespace (IFLA_NET_NS_FD in the peer's
 * attributes: it never appears on the host, so no name clash and no moving
 * it afterwards). Inside the namespace it sets the address, brings lo and
 * the interface up and adds the default route; the host end gets
 * disable_ipv6 = 1 and arp_ignore = 8 (a switch port: the host neither
 * talks IPv6 nor answers ARP on it) and is brought up. It is one step for
 * the caller: either all of it is done, or it returns -errno with a
 * one-line reason naming the object and whatever it made is deleted again
 * (deleting the host end deletes both ends).
 *
 * Namespaces: the work inside the target namespace goes over a netlink
 * socket opened there. A short-lived helper thread does setns() into the
 * namespace, opens and binds the socket and exits; a netlink socket stays
 * in the namespace it was made in, so the calling thread uses it from
 * then on without ever changing its own namespace. No path (error, signal,
 * early return) can leave the caller's thread or the process in the wrong
 * namespace: the only thread that switches is gone before the first
 * message is sent. Each call opens its sockets and closes them before it
 * returns; nothing is kept between calls.
 *
 * 'netns' everywhere is a name under /run/netns (as `ip netns add` makes)
 * or, when it holds a '/', any path to a namespace file such as
 * /proc/PID/ns/net. The caller's own namespace is refused as a target (it
 * would put the container's default route on the host).
 *
 * Threads: any control thread, never a worker: the calls wait for the
 * kernel. A connect takes 1-3 ms; a disconnect about 20 ms on a busy 2-CPU
 * machine, nearly all of it the kernel unregistering the two devices (RCU
 * grace periods, the same for `ip link del`), so a caller that must not
 * wait deletes from a thread of its own. Needs CAP_NET_ADMIN and
 * CAP_SYS_ADMIN (setns).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETLINK_IFNAMSIZ 16             /* IFNAMSIZ: 15 characters and NUL */
#define NETLINK_DEFAULT_IFNAME "eth0"

/* What to make: one endpoint of a network in a namespace. */
struct netlink_veth {
	const char *netns;      /* target: name under /run/netns, or a path */
	const char *host;       /* host end's name, in the caller's namespace */
	const char *ifname;     /* the end in 'netns'; NULL or "" = eth0 */
	uint32_t ip;            /* IPv4 address, network byte order */
	uint8_t prefix;         /* its prefix length, 1..32 */
	uint32_t gateway;       /* default route via it (network order); 0 = none */
	uint32_t mtu;           /* both ends; 0 = the kernel's default */
	uint8_t mac[6];         /* of the end in 'netns'; all zero = random */
};

/* One interface as the kernel reports it. */
struct netlink_link {
	int ifindex;
	uint8_t mac[6];
	uint32_t mtu;
	bool up;                /* IFF_UP is set */
};

/*
 * Make the endpoint 'v' (above). On success fills 'host' and 'peer' (each may
 * be NULL) with the two ends as made: 'peer' is the end inside the namespace,
 * its ifindex is the namespace's. Returns 0, or -errno with the reason in
 * 'err' and nothing left behind:
 *   -ENAMETOOLONG / -EINVAL  a name too long or not valid for an interface,
 *                            a prefix not 1..32, no address, a gateway not in
 *                            the subnet or equal to the address, an MTU not
 *                            68..65535, a multicast MAC, a target that is not
 *                            a network namespace or is the caller's own
 *   -ENOENT                  no such namespace
 *   -EEXIST                  'host' exists on the host or 'ifname' in the
 *                            namespace, or the namespace has a default route
 *                            already (when 'gateway' asks for one)
 *   -EADDRINUSE              the address is on an interface of the namespace
 *   anything the kernel says (its extended ack message is quoted)
 */
int netlink_connect(const struct netlink_veth *v, struct netlink_link *host,
		    struct netlink_link *peer, char *err, size_t errlen);

/*
 * A veth pair for a container engine that moves the peer itself (Docker's
 * Join): both ends in the caller's namespace, 'v->host' set up as a switch
 * port (disable_ipv6, arp_ignore 8, up), the peer 'v->ifname' left down
 * with v->mtu and v->mac (zero: random) and no address. v->netns, ip,
 * prefix and gateway are not used. 0 or -errno, nothing left behind.
 */
int netlink_pair(const struct netlink_veth *v, struct netlink_link *host,
		 struct netlink_link *peer, char *err, size_t errlen);

/*
 * Delete the veth pair whose host end (in the caller's namespace) is 'host':
 * both ends go, and with the namespace's end its address and routes.
 * Idempotent: 0 when there is no such interface. -EINVAL (and nothing done)
 * when 'host' is not a veth, so a wrong name cannot delete another device.
 */
int netlink_disconnect(const char *host, char *err, size_t errlen);

/*
 * A veth pair 'name'/'peer' in the caller's namespace, left down, for
 * sockets to be bound to while they must receive nothing (ports/afpacket.c
 * parks the sockets it keeps there). One there already (a veth, down) is
 * used as it is. Returns the ifindex of 'name', or -errno with the reason.
 * netlink_disconnect(name) deletes it.
 */
int netlink_park(const char *name, const char *peer, char *err, size_t errlen);

/*
 * Look up interface 'name' in 'netns' (NULL = the caller's namespace) and
 * fill 'out' (may be NULL: only whether it exists). 0, -ENODEV when there is
 * no such interface, or -errno (no such namespace, ...) with the reason.
 */
int netlink_link_get(const char *netns, const char *name,
		     struct netlink_link *out, char *err, size_t errlen);

#endif
