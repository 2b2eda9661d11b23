/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_IPAM_H
#define VSW_IPAM_H

/*
 * IPAM: the IPv4 addresses of one network, and the subnet picker that
 * gives `network create` a subnet when none is asked for.
 *
 * What a network maps (struct ipam_net):
 *  - a subnet, /8 to /30; the network and broadcast addresses, the gateway
 *    (optional) and explicit reservations (Docker's --aux-address) are
 *    never handed out;
 *  - an allocation window: the range (Docker's --ip-range, CNI's
 *    rangeStart..rangeEnd) or, without one, the whole subnet. Automatic
 *    allocation hands out addresses of the window only. A requested
 *    address may be anywhere in the subnet, as Docker allows (the range
 *    keeps dynamic addresses apart from static ones); with 'range_strict'
 *    it must be inside the range too, as CNI host-local wants;
 *  - an owner per allocated address (an endpoint's name or id), so that
 *    `network inspect` and error messages can name who holds it.
 *
 * How: a bitmap of the window (one bit an address: taken or not) finds a
 * free address by words; a tree (libc tsearch) keyed by address holds every
 * allocated and reserved address with its owner, inside the window or not.
 * The tree is the truth about who holds what; the bitmap is its index for
 * finding a free address.
 *
 * Allocation order: next-fit. The search starts after the address handed
 * out last and wraps, as Docker's IPAM does (bitmap "serial" allocation):
 * an address just released is handed out again only when the search comes
 * round to it, after the free addresses ahead of it, so a new endpoint
 * does not at once inherit the ARP entries, NAT sessions, FDB entries and
 * conntrack state that peers and the switch still hold for the old one
 * (first-fit would give the lowest free address, the one just released,
 * to the very next connect).
 * A requested or restored address does not move the cursor. The cursor can
 * be saved and set back (ipam_cursor, ipam_set_cursor), so a restart keeps
 * the order too.
 *
 * The cap and its policy: the bitmap maps at most IPAM_WINDOW_MAX addresses
 * (2^20, a /12: 128 KiB a network). A larger subnet is accepted only with a
 * range of at most that size; without one it is refused with the reason.
 * Nothing is ever taken from one holder and given to another: a full
 * window is -ENOSPC, and a held address is refused, naming its holder.
 *
 * The subnet picker (ipam_pick_subnet) walks a pool of prefixes, each split
 * into blocks of one size (default /24; see IPAM_POOL_DEFAULT), and returns
 * the first block that overlaps no network's subnet and no route vsw knows
 * (moby#37823: Docker took a subnet the host already routed).
 *
 * Errors: 0 or -errno, and a message in 'err' (at most 'errlen' bytes, may
 * be NULL) that names the address and the cause, without a trailing
 * newline and without the network's name (the caller prefixes it).
 *
 * Threads: the control thread only; nothing here locks, and nothing here
 * is read per packet. Plain C, no DPDK: vswctl and plugins may link it.
 * Addresses are uint32_t in host byte order.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPAM_WINDOW_MAX (1u << 20)      /* addresses one bitmap maps: a /12 */
#define IPAM_PREFIX_MIN 8               /* the largest subnet: a /8 */
#define IPAM_PREFIX_MAX 30              /* the smallest: a /30, 2 hosts */
#define IPAM_OWNER_MAX 128              /* an owner's length, incl. NUL */
#define IPAM_POOL_MAX 32                /* prefixes in a subnet pool */
#define IPAM_POOL_SPEC_MAX 1024         /* a pool's text (ipam_pool_str) */

/* Docker's local default pools (172.17.0.0/16 .. 172.31.0.0/16 and
 * 192.168.0.0/16) in as few prefixes, split into /24s. */
#define IPAM_POOL_DEFAULT "172.17.0.0/16:24,172.18.0.0/15:24," \
	"172.20.0.0/14:24,172.24.0.0/13:24,192.168.0.0/16:24"

/* An IPv4 prefix: 'net' has no host bits; len 0..32. */
struct cidr {
	uint32_t net;
	uint8_t len;
};

/* The mask of a /len. */
static inline uint32_t
cidr_mask(uint8_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

/* The last address of 'c' (its broadcast address). */
static inline uint32_t
cidr_last(struct cidr c)
{
	return c.net | ~cidr_mask(c.len);
}

/* Is 'ip' inside 'c'? */
static inline bool
cidr_contains(struct cidr c, uint32_t ip)
{
	return ((ip ^ c.net) & cidr_mask(c.len)) == 0;
}

/* Do 'a' and 'b' share an address (one contains the other)? */
static inline bool
cidr_overlaps(struct cidr a, struct cidr b)
{
	return cidr_contains(a.len <= b.len ? a : b, a.len <= b.len ? b.net : a.net);
}

/*
 * Parse "A.B.C.D/LEN" into 'out'. Host bits must be zero ("10.1.0.5/24" is
 * refused, naming 10.1.0.0/24). Returns 0 or -EINVAL with the reason.
 */
int cidr_parse(const char *s, struct cidr *out, char *err, size_t errlen);

/* "A.B.C.D/LEN" into 'buf' (at least 19 bytes); returns 'buf'. */
char *cidr_str(struct cidr c, char *buf, size_t len);

/* Parse a dotted quad into 'ip' (host order). Returns 0 or -EINVAL. */
int ipam_addr_parse(const char *s, uint32_t *ip, char *err, size_t errlen);

/* One network's addresses. */
struct ipam_net;

struct ipam_net_params {
	struct cidr subnet;             /* /8 .. /30 */
	uint32_t gateway;               /* 0: none */
	uint32_t range_lo, range_hi;    /* inclusive; both 0: the whole subnet */
	bool range_strict;              /* requested addresses inside the range */
};

struct ipam_stats {
	uint32_t capacity;      /* addresses the window can hand out */
	uint32_t free;          /* of those, not taken */
	uint32_t allocated;     /* addresses held by owners, in the window or not */
	uint32_t reserved;      /* explicit reservations */
};

/*
 * Make the IPAM of a network from 'p' into '*out'. Refuses (-EINVAL, with
 * the reason) a subnet outside /8../30 or with host bits, a gateway that is
 * not a host address of the subnet, a range not inside the subnet or with
 * no address to hand out, a window over IPAM_WINDOW_MAX addresses; -ENOMEM.
 */
int ipam_net_create(const struct ipam_net_params *p, struct ipam_net **out,
		    char *err, size_t errlen);

/* Free 'n' and everything it holds (NULL: nothing). */
void ipam_net_free(struct ipam_net *n);

/* The parameters 'n' was made with. */
const struct ipam_net_params *ipam_net_params(const struct ipam_net *n);

/*
 * Reserve 'ip' (never handed out, never requested), with an optional
 * 'name' (Docker's aux-address name; NULL or "" for none). Refused like a
 * request ("is the gateway", "is in use by X", ...), -EINVAL or -EEXIST.
 */
int ipam_reserve(struct ipam_net *n, uint32_t ip, const char *name,
		 char *err, size_t errlen);

/*
 * Hand the next free address of the window (next-fit) to 'owner' (not
 * empty, shorter than IPAM_OWNER_MAX, no control characters) and store it
 * in '*ip'. Returns 0, -ENOSPC when the window is full, -EINVAL for a bad
 * owner.
 */
int ipam_alloc(struct ipam_net *n, const char *owner, uint32_t *ip,
	       char *err, size_t errlen);

/*
 * Give the requested 'ip' to 'owner'. Refused with the reason: -EINVAL
 * "outside 10.1.0.0/24", "is the network address", "is the broadcast
 * address", "is the gateway", "is reserved", "is outside the range" (only
 * with range_strict); -EEXIST "is in use by OWNER" (the same owner too:
 * an address is held once).
 */
int ipam_request(struct ipam_net *n, uint32_t ip, const char *owner,
		 char *err, size_t errlen);

/*
 * Take back 'ip'. With 'owner' (not NULL) only from that owner: -EPERM
 * "is held by X, not Y". -ENOENT when it is not allocated, -EINVAL when it
 * is reserved, the gateway or not in the subnet. The cursor does not move.
 */
int ipam_release(struct ipam_net *n, uint32_t ip, const char *owner,
		 char *err, size_t errlen);

/* The owner of 'ip', or NULL when it is not allocated. */
const char *ipam_owner(const struct ipam_net *n, uint32_t ip);

void ipam_stats(const struct ipam_net *n, struct ipam_stats *st);

/*
 * For the state file and `network inspect`: call 'cb' for every allocated
 * (reserved = false) and reserved (reserved = true, owner = its name or "")
 * address, lowest first. A non-zero return from 'cb' stops the walk and is
 * returned; otherwise 0. 'cb' must not change 'n'.
 */
typedef int (*ipam_walk_fn)(uint32_t ip, const char *owner, bool reserved,
			    void *arg);
int ipam_walk(const struct ipam_net *n, ipam_walk_fn cb, void *arg);

/*
 * Mark 'ip' as held by 'owner' again, from a saved state. As ipam_request,
 * except that the range is not enforced (the address was valid when it was
 * handed out); a duplicate is refused (-EEXIST, naming the holder), so no
 * address comes back with two owners.
 */
int ipam_restore(struct ipam_net *n, uint32_t ip, const char *owner,
		 char *err, size_t errlen);

/* Where the next automatic allocation starts looking (an address of the
 * window), to be saved with the state; and setting it back (-EINVAL when
 * 'ip' is not in the window). */
uint32_t ipam_cursor(const struct ipam_net *n);
int ipam_set_cursor(struct ipam_net *n, uint32_t ip, char *err, size_t errlen);

/* A subnet pool: prefixes, each handed out in blocks of /size. */
struct ipam_pool_entry {
	struct cidr base;
	uint8_t size;                   /* base.len <= size <= IPAM_PREFIX_MAX */
};

struct ipam_pool {
	struct ipam_pool_entry e[IPAM_POOL_MAX];
	unsigned n;
};

/*
 * Parse a pool: "CIDR[:SIZE]" entries separated by commas or spaces, SIZE
 * 24 when left out (IPAM_POOL_DEFAULT is one). Returns 0 or -EINVAL naming
 * the bad entry (bad CIDR, SIZE not between the prefix's length and 30,
 * more than IPAM_POOL_MAX entries, none).
 */
int ipam_pool_parse(struct ipam_pool *pool, const char *spec, char *err,
		    size_t errlen);

/* The pool as text, in ipam_pool_parse's syntax; returns 'buf'. */
char *ipam_pool_str(const struct ipam_pool *pool, char *buf, size_t len);

/*
 * The first block of 'pool' (in the pool's order, lowest address first in
 * each entry) that overlaps none of the 'n_used' subnets of other networks
 * and none of the 'n_routes' prefixes vsw routes (its routes, routed
 * ports' subnets, ...). A /0 route (a default route) overlaps everything
 * and is not counted, as Docker does not count it either. Returns 0 with
 * '*out' set, or -ENOSPC when every block collides.
 */
int ipam_pick_subnet(const struct ipam_pool *pool,
		     const struct cidr *used, unsigned n_used,
		     const struct cidr *routes, unsigned n_routes,
		     struct cidr *out, char *err, size_t errlen);

#endif
