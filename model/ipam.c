/* SPDX-License-Identifier: BSD-3-Clause */
/* IPAM: a network's addresses and the subnet picker (see ipam.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/ipam.h"

/* An allocated or reserved address, a node of the tree. */
struct ipam_addr {
	uint32_t ip;
	bool reserved;
	char owner[];
};

struct ipam_net {
	struct ipam_net_params p;
	uint32_t wlo;           /* the window's first address */
	uint32_t nbits;         /* its size */
	uint32_t cursor;        /* offset in the window the next search starts at */
	uint64_t *bits;         /* 1: taken; padding past nbits is 1 too */
	void *tree;             /* struct ipam_addr *, by ip */
	struct ipam_stats st;
};

static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A dotted quad; 'buf' of 16 bytes. */
static const char *
ip_str(uint32_t ip, char *buf)
{
	struct in_addr a = { .s_addr = htonl(ip) };

	return inet_ntop(AF_INET, &a, buf, 16);
}

int
ipam_addr_parse(const char *s, uint32_t *ip, char *err, size_t errlen)
{
	struct in_addr a;

	if (s == NULL || inet_pton(AF_INET, s, &a) != 1) {
		seterr(err, errlen, "'%s' is not an IPv4 address", s ? s : "");
		return -EINVAL;
	}
	*ip = ntohl(a.s_addr);
	return 0;
}

int
cidr_parse(const char *s, struct cidr *out, char *err, size_t errlen)
{
	char buf[32], nb[20], *slash, *end;
	unsigned long len;
	struct cidr c;
	uint32_t ip;

	if (s == NULL || strlen(s) >= sizeof(buf))
		goto bad;
	memcpy(buf, s, strlen(s) + 1);
	slash = strchr(buf, '/');
	if (slash == NULL || !isdigit((unsigned char)slash[1]))
		goto bad;
	*slash = '\0';
	len = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || len > 32 || ipam_addr_parse(buf, &ip, NULL, 0) != 0)
		goto bad;
	c.len = (uint8_t)len;
	c.net = ip & cidr_mask(c.len);
	if (c.net != ip) {
		seterr(err, errlen, "'%s' has host bits set (the network is %s)",
		       s, cidr_str(c, nb, sizeof(nb)));
		return -EINVAL;
	}
	*out = c;
	return 0;
bad:
	seterr(err, errlen, "'%s' is not ADDRESS/LENGTH (like 10.1.0.0/24)",
	       s ? s : "");
	return -EINVAL;
}

char *
cidr_str(struct cidr c, char *buf, size_t len)
{
	char ipb[16];

	snprintf(buf, len, "%s/%u", ip_str(c.net, ipb), c.len);
	return buf;
}

/* --- the bitmap of the window --- */

static bool
in_window(const struct ipam_net *n, uint32_t ip)
{
	return ip - n->wlo < n->nbits;
}

static void
bit_set(struct ipam_net *n, uint32_t off)
{
	n->bits[off / 64] |= 1ull << (off % 64);
}

static void
bit_clear(struct ipam_net *n, uint32_t off)
{
	n->bits[off / 64] &= ~(1ull << (off % 64));
}

/* The first free offset in [from, to), or -1. */
static int64_t
find_free(const struct ipam_net *n, uint32_t from, uint32_t to)
{
	uint32_t w = from / 64, nw = (to + 63) / 64, pos;
	uint64_t word;

	if (from >= to)
		return -1;
	word = ~n->bits[w] & (~0ull << (from % 64));
	for (;;) {
		if (word != 0) {
			pos = w * 64 + (uint32_t)__builtin_ctzll(word);
			return pos < to ? (int64_t)pos : -1;
		}
		if (++w >= nw)
			return -1;
		word = ~n->bits[w];
	}
}

/* --- the tree of holders --- */

static int
addr_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct ipam_addr *)a)->ip;
	uint32_t y = ((const struct ipam_addr *)b)->ip;

	return x < y ? -1 : x > y;
}

static struct ipam_addr *
lookup(const struct ipam_net *n, uint32_t ip)
{
	struct ipam_addr key = { .ip = ip };
	void *node = tfind(&key, &n->tree, addr_cmp);

	return node ? *(struct ipam_addr **)node : NULL;
}

/* An owner (or, 'empty_ok', a reservation's name): printable, bounded. */
static int
check_owner(const char *owner, bool empty_ok, char *err, size_t errlen)
{
	size_t i, len = owner ? strlen(owner) : 0;

	if (len == 0 && !empty_ok) {
		seterr(err, errlen, "an address needs an owner (an endpoint's name or id)");
		return -EINVAL;
	}
	if (len >= IPAM_OWNER_MAX) {
		seterr(err, errlen, "owner '%.32s...' is longer than %u characters",
		       owner, IPAM_OWNER_MAX - 1);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)owner[i] < 0x20 || owner[i] == 0x7f) {
			seterr(err, errlen, "owner '%.*s' has a control character",
			       (int)i, owner);
			return -EINVAL;
		}
	}
	return 0;
}

/* Why 'ip' cannot be taken, or 0. The range only counts with 'strict'. */
static int
check_free(const struct ipam_net *n, uint32_t ip, bool strict, char *err,
	   size_t errlen)
{
	const struct cidr s = n->p.subnet;
	char ipb[16], nb[20], lob[16], hib[16];
	const struct ipam_addr *a;

	if (!cidr_contains(s, ip)) {
		seterr(err, errlen, "%s is outside %s", ip_str(ip, ipb),
		       cidr_str(s, nb, sizeof(nb)));
		return -EINVAL;
	}
	if (ip == s.net || ip == cidr_last(s)) {
		seterr(err, errlen, "%s is the %s address of %s", ip_str(ip, ipb),
		       ip == s.net ? "network" : "broadcast", cidr_str(s, nb, sizeof(nb)));
		return -EINVAL;
	}
	if (ip == n->p.gateway) {
		seterr(err, errlen, "%s is the gateway", ip_str(ip, ipb));
		return -EINVAL;
	}
	a = lookup(n, ip);
	if (a != NULL && a->reserved) {
		seterr(err, errlen, "%s is reserved%s%s%s", ip_str(ip, ipb),
		       a->owner[0] ? " (" : "", a->owner, a->owner[0] ? ")" : "");
		return -EINVAL;
	}
	if (a != NULL) {
		seterr(err, errlen, "%s is in use by %s", ip_str(ip, ipb), a->owner);
		return -EEXIST;
	}
	if (strict && !in_window(n, ip)) {
		seterr(err, errlen, "%s is outside the range %s-%s", ip_str(ip, ipb),
		       ip_str(n->wlo, lob), ip_str(n->wlo + n->nbits - 1, hib));
		return -EINVAL;
	}
	return 0;
}

/* Record 'ip' (checked free) as held by 'owner' or reserved. */
static int
take(struct ipam_net *n, uint32_t ip, const char *owner, bool reserved,
     char *err, size_t errlen)
{
	size_t len = owner ? strlen(owner) : 0;
	struct ipam_addr *a = malloc(sizeof(*a) + len + 1);
	void *node;

	if (a == NULL)
		goto nomem;
	a->ip = ip;
	a->reserved = reserved;
	memcpy(a->owner, owner ? owner : "", len + 1);
	node = tsearch(a, &n->tree, addr_cmp);
	if (node == NULL) {
		free(a);
		goto nomem;
	}
	if (in_window(n, ip)) {
		bit_set(n, ip - n->wlo);
		n->st.free--;
		if (reserved)
			n->st.capacity--;
	}
	if (reserved)
		n->st.reserved++;
	else
		n->st.allocated++;
	return 0;
nomem:
	seterr(err, errlen, "out of memory");
	return -ENOMEM;
}

int
ipam_net_create(const struct ipam_net_params *p, struct ipam_net **out,
		char *err, size_t errlen)
{
	const struct cidr s = p->subnet;
	char nb[20], ipb[16], hib[16];
	uint32_t lo, hi, words;
	struct ipam_net *n;
	uint64_t size;

	if (s.len < IPAM_PREFIX_MIN || s.len > IPAM_PREFIX_MAX) {
		seterr(err, errlen, "subnet %s: a subnet is /%u to /%u",
		       cidr_str(s, nb, sizeof(nb)), IPAM_PREFIX_MIN, IPAM_PREFIX_MAX);
		return -EINVAL;
	}
	if (s.net & ~cidr_mask(s.len)) {
		struct cidr c = { s.net & cidr_mask(s.len), s.len };

		seterr(err, errlen, "subnet %s/%u has host bits set (the network is %s)",
		       ip_str(s.net, ipb), s.len, cidr_str(c, nb, sizeof(nb)));
		return -EINVAL;
	}
	if (p->gateway != 0 && (!cidr_contains(s, p->gateway) ||
				p->gateway == s.net || p->gateway == cidr_last(s))) {
		seterr(err, errlen, "gateway %s is not a host address of %s",
		       ip_str(p->gateway, ipb), cidr_str(s, nb, sizeof(nb)));
		return -EINVAL;
	}
	if (p->range_lo == 0 && p->range_hi == 0) {
		lo = s.net;
		hi = cidr_last(s);
	} else {
		lo = p->range_lo;
		hi = p->range_hi;
		if (lo > hi || !cidr_contains(s, lo) || !cidr_contains(s, hi)) {
			seterr(err, errlen, "range %s-%s is not a range inside %s",
			       ip_str(lo, ipb), ip_str(hi, hib), cidr_str(s, nb, sizeof(nb)));
			return -EINVAL;
		}
	}
	size = (uint64_t)hi - lo + 1;
	if (size > IPAM_WINDOW_MAX) {
		if (p->range_lo == 0 && p->range_hi == 0)
			seterr(err, errlen,
			       "subnet %s has %llu addresses; IPAM maps at most %u (a /12): "
			       "give a smaller subnet or an ip range of at most that many",
			       cidr_str(s, nb, sizeof(nb)), (unsigned long long)size,
			       IPAM_WINDOW_MAX);
		else
			seterr(err, errlen,
			       "range %s-%s has %llu addresses; IPAM maps at most %u (a /12)",
			       ip_str(lo, ipb), ip_str(hi, hib), (unsigned long long)size,
			       IPAM_WINDOW_MAX);
		return -EINVAL;
	}
	n = calloc(1, sizeof(*n));
	words = (uint32_t)((size + 63) / 64);
	if (n == NULL || (n->bits = calloc(words, sizeof(uint64_t))) == NULL) {
		free(n);
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n->p = *p;
	n->wlo = lo;
	n->nbits = (uint32_t)size;
	if (size % 64)
		n->bits[words - 1] = ~0ull << (size % 64);
	n->st.capacity = n->nbits;
	if (in_window(n, s.net)) {
		bit_set(n, s.net - lo);
		n->st.capacity--;
	}
	if (in_window(n, cidr_last(s))) {
		bit_set(n, cidr_last(s) - lo);
		n->st.capacity--;
	}
	if (p->gateway != 0 && in_window(n, p->gateway)) {
		bit_set(n, p->gateway - lo);
		n->st.capacity--;
	}
	n->st.free = n->st.capacity;
	if (n->st.capacity == 0) {
		seterr(err, errlen, "range %s-%s has no address to hand out "
		       "(only the network, broadcast or gateway address)",
		       ip_str(lo, ipb), ip_str(hi, hib));
		ipam_net_free(n);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

void
ipam_net_free(struct ipam_net *n)
{
	if (n == NULL)
		return;
	tdestroy(n->tree, free);
	free(n->bits);
	free(n);
}

const struct ipam_net_params *
ipam_net_params(const struct ipam_net *n)
{
	return &n->p;
}

int
ipam_reserve(struct ipam_net *n, uint32_t ip, const char *name, char *err,
	     size_t errlen)
{
	int rc = check_owner(name, true, err, errlen);

	if (rc == 0)
		rc = check_free(n, ip, false, err, errlen);
	if (rc == 0)
		rc = take(n, ip, name, true, err, errlen);
	return rc;
}

int
ipam_alloc(struct ipam_net *n, const char *owner, uint32_t *ip, char *err,
	   size_t errlen)
{
	char ipb[16], hib[16], nb[20];
	int64_t off;
	int rc;

	rc = check_owner(owner, false, err, errlen);
	if (rc != 0)
		return rc;
	off = find_free(n, n->cursor, n->nbits);
	if (off < 0)
		off = find_free(n, 0, n->cursor);
	if (off < 0) {
		if (n->p.range_lo == 0 && n->p.range_hi == 0)
			seterr(err, errlen, "no free address in %s (%u of %u in use)",
			       cidr_str(n->p.subnet, nb, sizeof(nb)),
			       n->st.capacity, n->st.capacity);
		else
			seterr(err, errlen, "no free address in the range %s-%s (%u of %u in use)",
			       ip_str(n->wlo, ipb), ip_str(n->wlo + n->nbits - 1, hib),
			       n->st.capacity, n->st.capacity);
		return -ENOSPC;
	}
	rc = take(n, n->wlo + (uint32_t)off, owner, false, err, errlen);
	if (rc != 0)
		return rc;
	n->cursor = (uint32_t)off + 1 == n->nbits ? 0 : (uint32_t)off + 1;
	*ip = n->wlo + (uint32_t)off;
	return 0;
}

static int
request(struct ipam_net *n, uint32_t ip, const char *owner, bool strict,
	char *err, size_t errlen)
{
	int rc = check_owner(owner, false, err, errlen);

	if (rc == 0)
		rc = check_free(n, ip, strict, err, errlen);
	if (rc == 0)
		rc = take(n, ip, owner, false, err, errlen);
	return rc;
}

int
ipam_request(struct ipam_net *n, uint32_t ip, const char *owner, char *err,
	     size_t errlen)
{
	return request(n, ip, owner, n->p.range_strict, err, errlen);
}

int
ipam_restore(struct ipam_net *n, uint32_t ip, const char *owner, char *err,
	     size_t errlen)
{
	return request(n, ip, owner, false, err, errlen);
}

int
ipam_release(struct ipam_net *n, uint32_t ip, const char *owner, char *err,
	     size_t errlen)
{
	struct ipam_addr *a = lookup(n, ip);
	char ipb[16];
	int rc;

	if (a == NULL) {
		rc = check_free(n, ip, false, err, errlen);
		if (rc != 0)
			return rc;      /* outside, network, broadcast, gateway */
		seterr(err, errlen, "%s is not allocated", ip_str(ip, ipb));
		return -ENOENT;
	}
	if (a->reserved) {
		seterr(err, errlen, "%s is reserved, not allocated", ip_str(ip, ipb));
		return -EINVAL;
	}
	if (owner != NULL && strcmp(owner, a->owner) != 0) {
		seterr(err, errlen, "%s is held by %s, not %s", ip_str(ip, ipb),
		       a->owner, owner);
		return -EPERM;
	}
	tdelete(a, &n->tree, addr_cmp);
	free(a);
	if (in_window(n, ip)) {
		bit_clear(n, ip - n->wlo);
		n->st.free++;
	}
	n->st.allocated--;
	return 0;
}

const char *
ipam_owner(const struct ipam_net *n, uint32_t ip)
{
	const struct ipam_addr *a = lookup(n, ip);

	return a != NULL && !a->reserved ? a->owner : NULL;
}

void
ipam_stats(const struct ipam_net *n, struct ipam_stats *st)
{
	*st = n->st;
}

struct walk_ctx {
	ipam_walk_fn cb;
	void *arg;
	int rc;
};

static void
walk_one(const void *node, VISIT which, void *closure)
{
	const struct ipam_addr *a = *(struct ipam_addr *const *)node;
	struct walk_ctx *w = closure;

	/* in order: an inner node at its second visit, a leaf at its only */
	if ((which == postorder || which == leaf) && w->rc == 0)
		w->rc = w->cb(a->ip, a->owner, a->reserved, w->arg);
}

int
ipam_walk(const struct ipam_net *n, ipam_walk_fn cb, void *arg)
{
	struct walk_ctx w = { cb, arg, 0 };

	twalk_r(n->tree, walk_one, &w);
	return w.rc;
}

uint32_t
ipam_cursor(const struct ipam_net *n)
{
	return n->wlo + n->cursor;
}

int
ipam_set_cursor(struct ipam_net *n, uint32_t ip, char *err, size_t errlen)
{
	char ipb[16], lob[16], hib[16];

	if (!in_window(n, ip)) {
		seterr(err, errlen, "cursor %s is outside %s-%s", ip_str(ip, ipb),
		       ip_str(n->wlo, lob), ip_str(n->wlo + n->nbits - 1, hib));
		return -EINVAL;
	}
	n->cursor = ip - n->wlo;
	return 0;
}

/* --- the subnet pool --- */

int
ipam_pool_parse(struct ipam_pool *pool, const char *spec, char *err,
		size_t errlen)
{
	char tok[64], *colon, *end;
	const char *s = spec ? spec : "";
	struct ipam_pool_entry e;
	unsigned long size;
	size_t len;
	int rc;

	pool->n = 0;
	for (;;) {
		s += strspn(s, ", \t");
		if (*s == '\0')
			break;
		len = strcspn(s, ", \t");
		if (len >= sizeof(tok)) {
			seterr(err, errlen, "pool entry '%.32s...' is too long", s);
			return -EINVAL;
		}
		memcpy(tok, s, len);
		tok[len] = '\0';
		s += len;
		size = 24;
		colon = strchr(tok, ':');
		if (colon != NULL) {
			*colon = '\0';
			size = strtoul(colon + 1, &end, 10);
			if (!isdigit((unsigned char)colon[1]) || *end != '\0')
				size = 0;
		}
		rc = cidr_parse(tok, &e.base, err, errlen);
		if (rc != 0)
			return rc;
		if (size < 12 || size > IPAM_PREFIX_MAX || size < e.base.len) {
			if (colon)
				*colon = ':';
			seterr(err, errlen, "pool entry '%s': the block size is /%u to /%u "
			       "and not larger than the prefix (like 172.17.0.0/16:24)",
			       tok, e.base.len > 12 ? e.base.len : 12, IPAM_PREFIX_MAX);
			return -EINVAL;
		}
		e.size = (uint8_t)size;
		if (pool->n == IPAM_POOL_MAX) {
			seterr(err, errlen, "a pool has at most %u entries", IPAM_POOL_MAX);
			return -EINVAL;
		}
		pool->e[pool->n++] = e;
	}
	if (pool->n == 0) {
		seterr(err, errlen, "the pool is empty (give PREFIX[:SIZE],...)");
		return -EINVAL;
	}
	return 0;
}

char *
ipam_pool_str(const struct ipam_pool *pool, char *buf, size_t len)
{
	size_t off = 0;
	char nb[20];
	unsigned i;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < pool->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s:%u", i ? "," : "",
					cidr_str(pool->e[i].base, nb, sizeof(nb)),
					pool->e[i].size);
	return buf;
}

/* One of 'set' that overlaps 'c' (ignoring /0), or NULL. */
static const struct cidr *
first_overlap(struct cidr c, const struct cidr *set, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (set[i].len != 0 && cidr_overlaps(c, set[i]))
			return &set[i];
	return NULL;
}

int
ipam_pick_subnet(const struct ipam_pool *pool,
		 const struct cidr *used, unsigned n_used,
		 const struct cidr *routes, unsigned n_routes,
		 struct cidr *out, char *err, size_t errlen)
{
	char buf[IPAM_POOL_SPEC_MAX];
	const struct cidr *b;
	uint64_t at, end, block, next;
	struct cidr c;
	unsigned i;

	for (i = 0; i < pool->n; i++) {
		block = 1ull << (32 - pool->e[i].size);
		at = pool->e[i].base.net;
		end = (uint64_t)cidr_last(pool->e[i].base) + 1;
		while (at < end) {
			c = (struct cidr){ (uint32_t)at, pool->e[i].size };
			b = first_overlap(c, used, n_used);
			if (b == NULL)
				b = first_overlap(c, routes, n_routes);
			if (b == NULL) {
				*out = c;
				return 0;
			}
			/* past the whole of a larger collider at once */
			next = b->len <= c.len ? (uint64_t)cidr_last(*b) + 1 : at + block;
			at = next > at + block ? next : at + block;
		}
	}
	seterr(err, errlen, "no free subnet in the pool %s: every block overlaps "
	       "a network's subnet or a route", ipam_pool_str(pool, buf, sizeof(buf)));
	return -ENOSPC;
}
