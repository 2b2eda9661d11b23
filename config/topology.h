/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_TOPOLOGY_H
#define VSW_TOPOLOGY_H

/*
 * The topology file: an INI file read by inih and turned into a validated
 * struct topology.
 *
 * topo_load() reads the whole file, checks every key of every section and
 * every cross reference (a port's bridge exists, names are unique, ...)
 * and only then returns. Every problem is reported as
 *     FILE:LINE: [section name] key: what is wrong
 * and all of them are reported, not just the first. Nothing outside the
 * process is touched while loading, so a bad file changes nothing.
 *
 * The result is plain data: no DPDK object is created here, which keeps the
 * parser usable from vswctl, the unit tests and the fuzzer.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>

#define TOPO_NAME_MAX   32      /* port, bridge, ... names incl. NUL */
#define TOPO_IFNAME_MAX 16      /* IFNAMSIZ */
#define TOPO_PATH_MAX   256
#define TOPO_ARGS_MAX   512
#define TOPO_MAX_PORTS  256
#define TOPO_MAX_BRIDGES 64
#define TOPO_MAX_WORKERS 64
#define TOPO_MAX_STATICS 4096           /* static FDB entries, all bridges */
#define TOPO_VID_MAX 4094
#define TOPO_AGING_MAX 30000            /* seconds (see switch/fdb.h) */
#define TOPO_MAC_LIMIT_MAX (1u << 24)
#define TOPO_MAX_ROUTES 256
#define TOPO_MAX_PUBLISH 256
#define TOPO_NAT_SESSIONS_MAX (1u << 24)
#define TOPO_MAX_MACVLANS 64
#define TOPO_DNS_NAME_MAX 64            /* an endpoint's name or alias, incl. NUL */
#define TOPO_MAX_ALIASES 8              /* aliases of one endpoint */
#define TOPO_MAX_HOSTS 32               /* static names of one bridge (host = ) */

enum topo_hugepages { TOPO_HUGE_AUTO, TOPO_HUGE_YES, TOPO_HUGE_NO };
enum topo_poll { TOPO_POLL_ADAPTIVE, TOPO_POLL_BUSY };
enum topo_port_kind { TOPO_PORT_TAP, TOPO_PORT_AFPACKET, TOPO_PORT_DPDK,
                      TOPO_PORT_PCAP };
/* NAT filtering (RFC 4787 REQ-8). */
enum topo_nat_filter {
	TOPO_NAT_EIF,           /* endpoint-independent */
	TOPO_NAT_ADF,           /* address-dependent */
	TOPO_NAT_APDF,          /* address-port-dependent (default) */
};

/* How a bridge port treats 802.1Q tags. */
enum topo_vlan_mode {
	TOPO_VLAN_NONE,         /* VLAN-unaware: frames pass as they are */
	TOPO_VLAN_ACCESS,       /* vlan = N: untagged on the wire, VLAN N inside */
	TOPO_VLAN_TRUNK,        /* trunk = ...: tagged, native = N untagged */
};

/* How the endpoints of a macvlan network reach each other (Linux's modes). */
enum topo_macvlan_mode {
	TOPO_MACVLAN_BRIDGE,    /* locally, without the parent */
	TOPO_MACVLAN_PRIVATE,   /* never, even when reflected by the LAN */
	TOPO_MACVLAN_VEPA,      /* through the parent; reflected frames accepted */
	TOPO_MACVLAN_PASSTHRU,  /* one endpoint owns the parent */
};

#define TOPO_PORT_CACHE_DEFAULT 32
#define TOPO_PORT_CACHE_MAX 1024

struct topo_switch {
	enum topo_hugepages hugepages;
	enum topo_poll poll;
	unsigned workers;
	unsigned mbufs;                 /* 0: sized from the ports */
	char control[108];              /* sun_path */
	char eal[TOPO_ARGS_MAX];        /* extra EAL arguments, escape hatch */
	char cpus[64];                  /* worker CPUs, a list; "" = automatic */
	/* NAPT */
	unsigned nat_sessions;          /* table size; default 1M */
	unsigned nat_sessions_per_host; /* per inside address; default 16384 */
	uint16_t nat_port_lo, nat_port_hi; /* default 1024-65535 */
	enum topo_nat_filter nat_filtering;
	unsigned nat_timeout_udp;       /* seconds; defaults per RFC 4787/5382/5508 */
	unsigned nat_timeout_tcp_established;
	unsigned nat_timeout_tcp_transitory;
	unsigned nat_timeout_icmp;
	bool nat_full_icmp;             /* answer "table full" with ICMP 3/13 */
	/* the run-time model */
	char state[TOPO_PATH_MAX];      /* state file; "" = next to control */
	char subnet_pool[TOPO_ARGS_MAX]; /* where `network create` picks a
					  * subnet (model/ipam.h syntax); "" =
					  * IPAM_POOL_DEFAULT */
	unsigned port_cache;            /* afpacket socket sets kept after a
					 * port del for the next add; default
					 * TOPO_PORT_CACHE_DEFAULT */
	/* the name service (switch/dns.h) */
	char dns_upstream[TOPO_ARGS_MAX]; /* "IP[:PORT] ...", "none"; "" =
					 * the nameservers of /etc/resolv.conf */
	char dns_netns[TOPO_PATH_MAX];  /* where upstream queries are sent
					 * from; "" = vsw's own namespace */
	/* seeing traffic (ctl/metrics.h, switch/capture.h) */
	char metrics[TOPO_PATH_MAX];    /* Prometheus endpoint: HOST:PORT or a
					 * unix socket path; "" = none */
	bool pdump;                     /* a primary DPDK's secondaries can
					 * join (dpdk-dumpcap, telemetry of
					 * ethdevs): needs hugepages */
	unsigned line;
};

/* A static name of a bridge's name service (host = NAME IP). */
struct topo_host {
	char name[TOPO_DNS_NAME_MAX];
	int af;                         /* AF_INET or AF_INET6 */
	uint8_t addr[16];               /* network order */
};

struct topo_bridge {
	char name[TOPO_NAME_MAX];
	unsigned mac_aging;             /* seconds, 0 = never; default 300 */
	unsigned mac_limit;             /* learned entries; default 65536 */
	unsigned n_statics;             /* entries in topology.statics */
	/* L3: a gateway on the bridge (host byte order; prefix 0 = none) */
	uint32_t subnet;
	uint8_t prefix;
	uint32_t gateway;
	uint8_t mac[6];                 /* the gateway's MAC (derived if unset) */
	int masquerade;                 /* routed port index, -1: no NAT */
	bool isolated;                  /* not routed to other bridges */
	bool internal;                  /* not routed anywhere (no way out) */
	unsigned mtu;                   /* the gateway's and endpoints' MTU, 0: 1500 */
	/* IPAM: automatic addresses come from ip_range (inclusive), else the
	 * whole subnet (both 0) */
	uint32_t range_lo, range_hi;
	bool dns;                       /* names answered at the gateway
					 * (default yes) */
	unsigned n_hosts;
	struct topo_host hosts[TOPO_MAX_HOSTS];
	unsigned line;
};

/* static = MAC@PORT[.VID] of a bridge */
struct topo_static {
	uint8_t mac[6];
	uint16_t vid;                   /* resolved: 0 on a VLAN-unaware port */
	int bridge;
	int port;
	unsigned line;
};

struct topo_port {
	char name[TOPO_NAME_MAX];
	enum topo_port_kind kind;
	char iface[TOPO_IFNAME_MAX];    /* tap, afpacket */
	char devargs[TOPO_ARGS_MAX];    /* dpdk */
	char rx[TOPO_PATH_MAX];         /* pcap, resolved against the file's dir */
	char tx[TOPO_PATH_MAX];
	int bridge;                     /* index in topology.bridges, -1 none */
	unsigned mbufs;                 /* dpdk: the port's rx pool, 0 = auto */
	/* on a bridge */
	enum topo_vlan_mode vlan_mode;
	uint16_t pvid;                  /* access VLAN, or trunk native (0 none) */
	uint64_t trunk[64];             /* allowed VIDs (bitmap), native included */
	bool hairpin;                   /* may send a frame back where it came */
	unsigned mac_limit;             /* learned MACs on this port, 0 = none */
	unsigned storm_limit;           /* floods a second from it, 0 = none */
	/* routed (not on a bridge): address/prefix, host byte order */
	uint32_t address;
	uint8_t prefix;                 /* 0: not a routed port */
	uint32_t gateway;               /* default route next hop, 0 = none */
	uint8_t gateway_mac[6];         /* a permanent ARP entry for it */
	uint8_t mac[6];                 /* derived if unset */
	int masquerade;                 /* routed inside port: its NAT uplink */
	unsigned mtu;                   /* 0: the interface's, or 1500 */
	/* macvlan: an endpoint (mac is its MAC), or a parent of networks */
	int macvlan;                    /* endpoint of macvlans[i], -1 none */
	bool macvlan_parent;            /* some network's parent */
	/* an endpoint (vswctl connect): a bridge port whose other end is an
	 * interface in a network namespace */
	char netns[TOPO_PATH_MAX];      /* a name under /run/netns or a path */
	char ifname[TOPO_IFNAME_MAX];   /* its name in there */
	uint32_t ip;                    /* its address (the bridge's prefix), 0: none */
	uint8_t peer_mac[6];            /* its MAC, zero: the kernel's */
	char ep_name[TOPO_DNS_NAME_MAX]; /* its name for others (DNS) */
	char aliases[TOPO_MAX_ALIASES][TOPO_DNS_NAME_MAX];
	unsigned n_aliases;
	unsigned line;
};

/* [macvlan NAME]: endpoints that share one parent port's LAN. */
struct topo_macvlan {
	char name[TOPO_NAME_MAX];
	enum topo_macvlan_mode mode;
	int parent;                     /* port index */
	uint16_t vid;                   /* parent = PORT.VID; 0: untagged */
	uint32_t gateway;               /* the LAN's router, for engines that
					 * ask (host order; 0: none) */
	unsigned n_endpoints;
	unsigned line;
};

struct topo_route {
	char name[TOPO_NAME_MAX];
	uint32_t prefix;                /* host byte order */
	uint8_t len;
	uint32_t via;
	int port;                       /* a routed port */
	unsigned line;
};

/* A published port (like docker run -p): listen_lo..hi -> to_ip:to_lo.. */
struct topo_publish {
	char name[TOPO_NAME_MAX];
	int port;                       /* the routed (uplink) port */
	uint8_t proto;                  /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t listen_lo, listen_hi;
	uint32_t to_ip;
	uint16_t to_lo, to_hi;
	unsigned line;
};

struct topology {
	char file[TOPO_PATH_MAX];
	struct topo_switch sw;
	struct topo_bridge bridges[TOPO_MAX_BRIDGES];
	unsigned n_bridges;
	struct topo_port ports[TOPO_MAX_PORTS];
	unsigned n_ports;
	struct topo_static statics[TOPO_MAX_STATICS];
	unsigned n_statics;
	struct topo_route routes[TOPO_MAX_ROUTES];
	unsigned n_routes;
	struct topo_publish publish[TOPO_MAX_PUBLISH];
	unsigned n_publish;
	struct topo_macvlan macvlans[TOPO_MAX_MACVLANS];
	unsigned n_macvlans;
};

/*
 * [switch] metrics: "HOST:PORT" (a numeric IPv4 address, or IPv6 in
 * brackets, port 1-65535) or the absolute path of a unix socket ("unix:"
 * before it is allowed). Fills 'ss' (AF_INET, AF_INET6 or AF_UNIX) and
 * returns 0, or -1 with 'why' set.
 */
struct sockaddr_storage;
int topo_listen_parse(const char *spec, struct sockaddr_storage *ss,
		      char *why, size_t whylen);

/*
 * Load and validate 'path' into 'topo'. Errors go to 'err' (one line each).
 * Returns 0 when the file is valid, -EINVAL when it has errors (all of
 * them printed), -errno when it cannot be read.
 */
int topo_load(struct topology *topo, const char *path, FILE *err);

/* Same, from a string already in memory ('name' is used in messages). */
int topo_load_string(struct topology *topo, const char *name,
		     const char *text, FILE *err);

/*
 * [switch] dns_upstream: 'spec' is "none" (0 servers) or IPv4, IPv4:PORT,
 * IPv6 or [IPv6]:PORT words separated by spaces or commas (port 53 when
 * none is given). Fills up to 'max' of 'out' (struct sockaddr_in or _in6
 * in each struct sockaddr_storage). Returns how many, or -1 with the
 * reason in 'err'. "" is not parsed here: it means the nameservers of
 * /etc/resolv.conf (switch/dns.c reads them).
 */
struct sockaddr_storage;
int topo_dns_upstreams(const char *spec, struct sockaddr_storage *out, unsigned max,
		       char *err, size_t errlen);
#define TOPO_DNS_UPSTREAMS_MAX 8

/* True when every port is a pcap port: vsw then runs in replay mode. */
bool topo_is_replay(const struct topology *topo);

const char *topo_port_kind_name(enum topo_port_kind kind);
const char *topo_macvlan_mode_name(enum topo_macvlan_mode mode);

/* Does the topology route (a bridge gateway or a routed port)? */
bool topo_has_l3(const struct topology *topo);

/* Does the topology translate addresses (masquerade or publish)? */
bool topo_has_nat(const struct topology *topo);

/* Is 'ip' (host order) inside prefix/len? */
static inline bool
topo_in_prefix(uint32_t ip, uint32_t prefix, uint8_t len)
{
	return len == 0 || ((ip ^ prefix) >> (32 - len)) == 0;
}

/* Is 'vid' allowed on a trunk port? */
static inline bool
topo_trunk_has(const struct topo_port *p, unsigned vid)
{
	return vid < 4096 && (p->trunk[vid / 64] >> (vid % 64) & 1);
}

/* Does the bridge port carry VLAN 'vid' (0: the VLAN-unaware domain)? */
static inline bool
topo_port_in_vlan(const struct topo_port *p, unsigned vid)
{
	switch (p->vlan_mode) {
	case TOPO_VLAN_ACCESS: return p->pvid == vid;
	case TOPO_VLAN_TRUNK: return topo_trunk_has(p, vid);
	default: return vid == 0;
	}
}

/* Index of the bridge / port named 'name', or -1. */
int topo_bridge_find(const struct topology *topo, const char *name);
int topo_port_find(const struct topology *topo, const char *name);
int topo_macvlan_find(const struct topology *topo, const char *name);

/*
 * The writer (config/topology_write.c): a struct topology back as a file
 * topo_load_string() reads into the same topology. The text is canonical:
 * sections in the order [switch], [bridge], [macvlan], [port], [route],
 * [publish], each kind in array order; keys in a fixed order, one per line
 * as "key = value"; a key whose value is the default (or, for mac, the one
 * derived from the address) is left out, as is a [switch] with nothing to
 * say. So write(parse(write(t))) == write(t) byte for byte. rx and tx are
 * written as stored (already resolved against the first file's directory):
 * read the text back with topo_load_string(), which resolves nothing.
 *
 * A value the parser could not read back (a line longer than inih takes,
 * leading or trailing space, " ;" which starts a comment, PORT.VID when a
 * port of that name exists) fails the write with -EINVAL and a message on
 * 'err' (may be NULL); -EIO when 'f' fails. What was written then is
 * partial: write to memory (open_memstream) and use it only on 0.
 */
enum topo_object { TOPO_OBJ_SWITCH, TOPO_OBJ_BRIDGE, TOPO_OBJ_MACVLAN,
		   TOPO_OBJ_PORT, TOPO_OBJ_ROUTE, TOPO_OBJ_PUBLISH,
		   TOPO_OBJ_STATIC };

/* A set of objects of one topology (index: the object's in its array). */
struct topo_subset {
	bool sw;
	bool bridge[TOPO_MAX_BRIDGES];
	bool macvlan[TOPO_MAX_MACVLANS];
	bool port[TOPO_MAX_PORTS];
	bool route[TOPO_MAX_ROUTES];
	bool publish[TOPO_MAX_PUBLISH];
	bool stat[TOPO_MAX_STATICS];
};

/* Keep object 'index' of 'kind' in a subset? */
typedef bool topo_keep_fn(void *arg, const struct topology *t,
			  enum topo_object kind, unsigned index);

/* The whole topology. */
int topo_write(FILE *f, const struct topology *t);

/* The objects 'keep' keeps (NULL: all) and what they need to parse on
 * their own (topo_subset_close), e.g. the run-time part for a state file. */
int topo_write_subset(FILE *f, const struct topology *t, topo_keep_fn *keep,
		      void *arg, FILE *err);

/* Exactly the objects in 's', dependencies or not: the caller knows the
 * text goes where the names it refers to are defined. */
int topo_write_set(FILE *f, const struct topology *t,
		   const struct topo_subset *s, FILE *err);

/* One section, all its keys (a bridge with all its statics): what the
 * state merge compares. 'kind' is not TOPO_OBJ_STATIC. */
int topo_write_object(FILE *f, const struct topology *t,
		      enum topo_object kind, unsigned index, FILE *err);

/*
 * Add to 's' what its objects need to parse without the rest of 't': the
 * bridge, macvlan network and masquerade port a port names; a bridge's
 * masquerade port; a macvlan's parent (and a passthru macvlan's endpoint);
 * a macvlan parent's first macvlan; a route's or publish rule's port, and
 * the network a publish rule's 'to' is in; a static entry's bridge and
 * port; with [switch] and workers > 1, a port that is not pcap (a subset
 * of pcap ports would be replay mode, which runs one worker).
 */
void topo_subset_close(struct topo_subset *s, const struct topology *t);

#endif
