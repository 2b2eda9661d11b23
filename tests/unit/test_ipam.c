/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "model/ipam.h"

static char err[512];

/* a.b.c.d in host order */
static uint32_t
A(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return a << 24 | b << 16 | c << 8 | d;
}

static struct cidr
C(const char *s)
{
	struct cidr c;

	assert_int_equal(cidr_parse(s, &c, err, sizeof(err)), 0);
	return c;
}

/* 'rc' is 'want' and the message holds 'text'. */
#define assert_refused(rc, want, text) do { \
	int rc_ = (rc); \
	if (rc_ != (want) || strstr(err, (text)) == NULL) \
		fail_msg("got %d '%s', want %d '%s'", rc_, err, (want), (text)); \
} while (0)

static struct ipam_net *
make(const char *subnet, uint32_t gateway, uint32_t lo, uint32_t hi, bool strict)
{
	struct ipam_net_params p = { C(subnet), gateway, lo, hi, strict };
	struct ipam_net *n = NULL;
	int rc = ipam_net_create(&p, &n, err, sizeof(err));

	if (rc != 0)
		fail_msg("create %s: %d %s", subnet, rc, err);
	return n;
}

static void
test_cidr_parse(void **state)
{
	static const char *bad[] = {
		"10.1.0.0", "10.1.0.0/33", "10.1.0/24", "10.1.0.0/", "10.1.0.0/+4",
		"10.1.0.0/-1", "x/24", "", "/24", "10.1.0.0/24x", "10.1.0.0 /24",
		"256.1.0.0/24", "10.1.0.0/24/24",
		"10.1.0.0/24 and a good deal more text than fits",
	};
	struct cidr c;
	char buf[20];
	unsigned i;

	(void)state;
	assert_int_equal(cidr_parse("10.1.0.0/24", &c, err, sizeof(err)), 0);
	assert_int_equal(c.net, A(10, 1, 0, 0));
	assert_int_equal(c.len, 24);
	assert_string_equal(cidr_str(c, buf, sizeof(buf)), "10.1.0.0/24");
	assert_int_equal(cidr_parse("0.0.0.0/0", &c, err, sizeof(err)), 0);
	assert_int_equal(c.len, 0);
	assert_int_equal(cidr_parse("255.255.255.255/32", &c, err, sizeof(err)), 0);
	assert_int_equal(c.net, UINT32_MAX);
	assert_refused(cidr_parse("10.1.0.5/24", &c, err, sizeof(err)), -EINVAL,
		       "has host bits set (the network is 10.1.0.0/24)");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (cidr_parse(bad[i], &c, err, sizeof(err)) != -EINVAL ||
		    strstr(err, "is not ADDRESS/LENGTH") == NULL)
			fail_msg("'%s' accepted or wrong reason: %s", bad[i], err);
	}
	assert_int_equal(ipam_addr_parse("10.1.0.5", &c.net, err, sizeof(err)), 0);
	assert_int_equal(c.net, A(10, 1, 0, 5));
	assert_refused(ipam_addr_parse("10.1.0", &c.net, err, sizeof(err)), -EINVAL,
		       "'10.1.0' is not an IPv4 address");
	/* no message buffer is fine */
	assert_int_equal(cidr_parse("10.1.0.5/24", &c, NULL, 0), -EINVAL);
}

static void
test_cidr_overlaps(void **state)
{
	static const struct { const char *a, *b; bool overlap; } cases[] = {
		{ "10.1.0.0/24", "10.1.1.0/24", false },        /* adjacent */
		{ "10.1.0.0/24", "10.1.0.0/24", true },         /* the same */
		{ "10.1.0.0/16", "10.1.200.0/24", true },       /* contains */
		{ "10.1.0.0/24", "10.1.0.255/32", true },       /* last address */
		{ "10.1.0.0/24", "10.1.1.0/32", false },        /* one past it */
		{ "10.1.0.0/24", "10.0.255.255/32", false },    /* one before it */
		{ "0.0.0.0/0", "203.0.113.7/32", true },
		{ "10.0.0.0/8", "11.0.0.0/8", false },
		{ "128.0.0.0/1", "0.0.0.0/1", false },
		{ "255.255.255.254/31", "255.255.255.255/32", true },
		{ "172.16.0.0/12", "172.31.255.0/24", true },
		{ "172.16.0.0/12", "172.32.0.0/24", false },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cidr a = C(cases[i].a), b = C(cases[i].b);

		if (cidr_overlaps(a, b) != cases[i].overlap ||
		    cidr_overlaps(b, a) != cases[i].overlap)
			fail_msg("%s and %s: want overlap %d", cases[i].a, cases[i].b,
				 cases[i].overlap);
	}
	assert_true(cidr_contains(C("10.1.0.0/24"), A(10, 1, 0, 0)));
	assert_true(cidr_contains(C("10.1.0.0/24"), A(10, 1, 0, 255)));
	assert_false(cidr_contains(C("10.1.0.0/24"), A(10, 1, 1, 0)));
	assert_int_equal(cidr_last(C("10.1.0.0/22")), A(10, 1, 3, 255));
}

static void
test_create_refusals(void **state)
{
	struct ipam_net_params p = { C("10.1.0.0/24"), A(10, 1, 0, 1), 0, 0, false };
	struct ipam_net *n = NULL;
	struct ipam_stats st;

	(void)state;
	p.subnet = (struct cidr){ A(10, 0, 0, 0), 7 };
	assert_refused(ipam_net_create(&p, &n, err, sizeof(err)), -EINVAL,
		       "a subnet is /8 to /30");
	p.subnet = C("10.1.0.0/31");
	assert_refused(ipam_net_create(&p, &n, err, sizeof(err)), -EINVAL,
		       "a subnet is /8 to /30");
	p.subnet = (struct cidr){ A(10, 1, 0, 5), 24 };
	assert_refused(ipam_net_create(&p, &n, err, sizeof(err)), -EINVAL,
		       "the network is 10.1.0.0/24");
	p.subnet = C("10.1.0.0/24");
	p.gateway = A(10, 1, 1, 1);
	assert_refused(ipam_net_create(&p, &n, err, sizeof(err)), -EINVAL,
		       "gateway 10.1.1.1 is not a host address of 10.1.0.0/24");
	p.gateway = A(10, 1, 0, 0);
	assert_refused(ipam_net_create(&p, &n, err, sizeof(err)), -EINVAL,
		       "gateway 10.1.0.0 is not a host address");
	p.gateway = A(10, 1, 0, 255);
	assert_refused(ipam_net_create(&p, &n, err, sizeof(err)), -EINVAL,
		       "gateway 10.1.0.255 is not a host address");
	p.gateway = A(10, 1, 0, 1);
	p.range_lo = A(10, 1, 0, 128);
	p.range_hi = A(10, 1, 1, 10);
	assert_refused(ipam_net_create(&p, &n, err, sizeof(err)), -EINVAL,
		       "range 10.1.0.128-10.1.1.10 is not a range inside 10.1.0.0/24");
	p.range_lo = A(10, 1, 0, 20);
	p.range_hi = A(10, 1, 0, 10);
	assert_refused(ipam_net_create(&p, &n, err, sizeof(err)), -EINVAL,
		       "is not a range inside");
	/* a range holding only the gateway and the network address */
	p.range_lo = A(10, 1, 0, 0);
	p.range_hi = A(10, 1, 0, 1);
	assert_refused(ipam_net_create(&p, &n, err, sizeof(err)), -EINVAL,
		       "range 10.1.0.0-10.1.0.1 has no address to hand out");
	/* the cap: a /11 is refused without a range, a /8 taken with a /12 one */
	p.range_lo = p.range_hi = 0;
	p.subnet = C("10.0.0.0/11");
	p.gateway = A(10, 0, 0, 1);
	assert_refused(ipam_net_create(&p, &n, err, sizeof(err)), -EINVAL,
		       "subnet 10.0.0.0/11 has 2097152 addresses; IPAM maps at most 1048576");
	p.subnet = C("10.0.0.0/8");
	p.range_lo = A(10, 16, 0, 0);
	p.range_hi = A(10, 32, 0, 0);
	assert_refused(ipam_net_create(&p, &n, err, sizeof(err)), -EINVAL,
		       "range 10.16.0.0-10.32.0.0 has 1048577 addresses");
	assert_null(n);
	p.range_hi = A(10, 31, 255, 255);
	assert_int_equal(ipam_net_create(&p, &n, err, sizeof(err)), 0);
	ipam_stats(n, &st);
	assert_int_equal(st.capacity, 1u << 20);        /* no special address in it */
	ipam_net_free(n);
	n = make("10.16.0.0/12", A(10, 16, 0, 1), 0, 0, false);
	ipam_stats(n, &st);
	assert_int_equal(st.capacity, (1u << 20) - 3);
	assert_int_equal(st.free, st.capacity);
	ipam_net_free(n);
	ipam_net_free(NULL);
}

/* Allocate until -ENOSPC; return how many, each checked by 'seen'. */
static unsigned
fill(struct ipam_net *n, uint8_t *seen, uint32_t base, unsigned span)
{
	unsigned count = 0;
	char owner[32];
	uint32_t ip;
	int rc;

	for (;;) {
		snprintf(owner, sizeof(owner), "ep%u", count);
		rc = ipam_alloc(n, owner, &ip, err, sizeof(err));
		if (rc != 0)
			break;
		if (ip - base >= span || seen[ip - base])
			fail_msg("alloc %u gave %08x twice or outside", count, ip);
		seen[ip - base] = 1;
		assert_string_equal(ipam_owner(n, ip), owner);
		count++;
	}
	assert_int_equal(rc, -ENOSPC);
	return count;
}

static void
test_never_hands_out_special(void **state)
{
	struct ipam_net *n = make("10.1.0.0/24", A(10, 1, 0, 1), 0, 0, false);
	struct ipam_stats st;
	uint8_t seen[256] = { 0 };
	uint32_t ip;

	(void)state;
	assert_int_equal(ipam_reserve(n, A(10, 1, 0, 5), "router", err, sizeof(err)), 0);
	assert_int_equal(ipam_reserve(n, A(10, 1, 0, 200), NULL, err, sizeof(err)), 0);
	ipam_stats(n, &st);
	assert_int_equal(st.capacity, 256 - 5);
	assert_int_equal(st.reserved, 2);
	assert_int_equal(fill(n, seen, A(10, 1, 0, 0), 256), 251);
	assert_false(seen[0]);
	assert_false(seen[1]);
	assert_false(seen[5]);
	assert_false(seen[200]);
	assert_false(seen[255]);
	assert_refused(ipam_alloc(n, "late", &ip, err, sizeof(err)), -ENOSPC,
		       "no free address in 10.1.0.0/24 (251 of 251 in use)");
	ipam_stats(n, &st);
	assert_int_equal(st.free, 0);
	assert_int_equal(st.allocated, 251);
	assert_null(ipam_owner(n, A(10, 1, 0, 5)));     /* reserved: no owner */
	ipam_net_free(n);
}

static void
test_exhaust_29_release_realloc(void **state)
{
	struct ipam_net *n = make("10.1.0.0/29", A(10, 1, 0, 1), 0, 0, false);
	struct ipam_stats st;
	uint32_t ip;

	(void)state;
	assert_int_equal(ipam_alloc(n, "a", &ip, err, sizeof(err)), 0);
	assert_int_equal(ip, A(10, 1, 0, 2));
	assert_int_equal(ipam_alloc(n, "b", &ip, err, sizeof(err)), 0);
	assert_int_equal(ip, A(10, 1, 0, 3));
	assert_int_equal(ipam_alloc(n, "c", &ip, err, sizeof(err)), 0);
	assert_int_equal(ip, A(10, 1, 0, 4));
	assert_int_equal(ipam_release(n, A(10, 1, 0, 3), "b", err, sizeof(err)), 0);
	assert_null(ipam_owner(n, A(10, 1, 0, 3)));
	/* next-fit: the address just released is not handed out at once */
	assert_int_equal(ipam_alloc(n, "d", &ip, err, sizeof(err)), 0);
	assert_int_equal(ip, A(10, 1, 0, 5));
	assert_int_equal(ipam_alloc(n, "e", &ip, err, sizeof(err)), 0);
	assert_int_equal(ip, A(10, 1, 0, 6));
	/* .7 is the broadcast address: the search wraps to the free .3 */
	assert_int_equal(ipam_alloc(n, "f", &ip, err, sizeof(err)), 0);
	assert_int_equal(ip, A(10, 1, 0, 3));
	assert_string_equal(ipam_owner(n, ip), "f");
	assert_refused(ipam_alloc(n, "g", &ip, err, sizeof(err)), -ENOSPC,
		       "no free address in 10.1.0.0/29 (5 of 5 in use)");
	ipam_stats(n, &st);
	assert_int_equal(st.capacity, 5);
	assert_int_equal(st.free, 0);
	assert_int_equal(st.allocated, 5);
	assert_int_equal(ipam_release(n, A(10, 1, 0, 6), NULL, err, sizeof(err)), 0);
	ipam_stats(n, &st);
	assert_int_equal(st.free, 1);
	assert_int_equal(st.allocated, 4);
	assert_int_equal(ipam_alloc(n, "h", &ip, err, sizeof(err)), 0);
	assert_int_equal(ip, A(10, 1, 0, 6));
	ipam_net_free(n);
}

static void
test_request_reasons(void **state)
{
	struct ipam_net *n = make("10.1.0.0/24", A(10, 1, 0, 1), 0, 0, false);
	char longname[IPAM_OWNER_MAX + 1];
	struct ipam_stats st;
	uint32_t ip;

	(void)state;
	assert_int_equal(ipam_reserve(n, A(10, 1, 0, 9), "printer", err, sizeof(err)), 0);
	assert_int_equal(ipam_reserve(n, A(10, 1, 0, 10), "", err, sizeof(err)), 0);
	assert_int_equal(ipam_request(n, A(10, 1, 0, 100), "web", err, sizeof(err)), 0);
	assert_string_equal(ipam_owner(n, A(10, 1, 0, 100)), "web");
	assert_refused(ipam_request(n, A(10, 1, 0, 100), "db", err, sizeof(err)), -EEXIST,
		       "10.1.0.100 is in use by web");
	assert_refused(ipam_request(n, A(10, 1, 0, 100), "web", err, sizeof(err)), -EEXIST,
		       "10.1.0.100 is in use by web");
	assert_refused(ipam_request(n, A(10, 2, 0, 5), "db", err, sizeof(err)), -EINVAL,
		       "10.2.0.5 is outside 10.1.0.0/24");
	assert_refused(ipam_request(n, A(10, 1, 0, 0), "db", err, sizeof(err)), -EINVAL,
		       "10.1.0.0 is the network address of 10.1.0.0/24");
	assert_refused(ipam_request(n, A(10, 1, 0, 255), "db", err, sizeof(err)), -EINVAL,
		       "10.1.0.255 is the broadcast address of 10.1.0.0/24");
	assert_refused(ipam_request(n, A(10, 1, 0, 1), "db", err, sizeof(err)), -EINVAL,
		       "10.1.0.1 is the gateway");
	assert_refused(ipam_request(n, A(10, 1, 0, 9), "db", err, sizeof(err)), -EINVAL,
		       "10.1.0.9 is reserved (printer)");
	assert_refused(ipam_request(n, A(10, 1, 0, 10), "db", err, sizeof(err)), -EINVAL,
		       "10.1.0.10 is reserved");
	assert_refused(ipam_reserve(n, A(10, 1, 0, 100), "x", err, sizeof(err)), -EEXIST,
		       "10.1.0.100 is in use by web");
	assert_refused(ipam_reserve(n, A(10, 1, 0, 1), "x", err, sizeof(err)), -EINVAL,
		       "is the gateway");
	/* owners */
	assert_refused(ipam_request(n, A(10, 1, 0, 50), "", err, sizeof(err)), -EINVAL,
		       "needs an owner");
	assert_refused(ipam_request(n, A(10, 1, 0, 50), NULL, err, sizeof(err)), -EINVAL,
		       "needs an owner");
	assert_refused(ipam_alloc(n, "a\nb", &ip, err, sizeof(err)), -EINVAL,
		       "has a control character");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_refused(ipam_alloc(n, longname, &ip, err, sizeof(err)), -EINVAL,
		       "is longer than 127 characters");
	longname[IPAM_OWNER_MAX - 1] = '\0';            /* 127: fits */
	assert_int_equal(ipam_alloc(n, longname, &ip, err, sizeof(err)), 0);
	assert_string_equal(ipam_owner(n, ip), longname);
	/* the request did not move the cursor: allocation starts low */
	assert_int_equal(ip, A(10, 1, 0, 2));
	ipam_stats(n, &st);
	assert_int_equal(st.allocated, 2);
	assert_int_equal(st.reserved, 2);
	assert_int_equal(st.capacity, 256 - 5);
	assert_int_equal(st.free, 256 - 5 - 2);
	ipam_net_free(n);
}

static void
test_release_reasons(void **state)
{
	struct ipam_net *n = make("10.1.0.0/24", A(10, 1, 0, 1), 0, 0, false);

	(void)state;
	assert_int_equal(ipam_reserve(n, A(10, 1, 0, 9), "printer", err, sizeof(err)), 0);
	assert_int_equal(ipam_request(n, A(10, 1, 0, 7), "web", err, sizeof(err)), 0);
	assert_refused(ipam_release(n, A(10, 1, 0, 8), NULL, err, sizeof(err)), -ENOENT,
		       "10.1.0.8 is not allocated");
	assert_refused(ipam_release(n, A(10, 1, 0, 7), "db", err, sizeof(err)), -EPERM,
		       "10.1.0.7 is held by web, not db");
	assert_refused(ipam_release(n, A(10, 1, 0, 9), NULL, err, sizeof(err)), -EINVAL,
		       "10.1.0.9 is reserved, not allocated");
	assert_refused(ipam_release(n, A(10, 1, 0, 1), NULL, err, sizeof(err)), -EINVAL,
		       "is the gateway");
	assert_refused(ipam_release(n, A(10, 9, 0, 1), NULL, err, sizeof(err)), -EINVAL,
		       "is outside 10.1.0.0/24");
	assert_string_equal(ipam_owner(n, A(10, 1, 0, 7)), "web");
	assert_int_equal(ipam_release(n, A(10, 1, 0, 7), "web", err, sizeof(err)), 0);
	assert_refused(ipam_release(n, A(10, 1, 0, 7), "web", err, sizeof(err)), -ENOENT,
		       "is not allocated");
	assert_int_equal(ipam_request(n, A(10, 1, 0, 7), "db", err, sizeof(err)), 0);
	ipam_net_free(n);
}

static void
test_range(void **state)
{
	struct ipam_net *n = make("10.1.0.0/24", A(10, 1, 0, 1), A(10, 1, 0, 128),
				  A(10, 1, 0, 255), false);
	struct ipam_stats st;
	uint8_t seen[256] = { 0 };
	uint32_t ip;
	unsigned i;

	(void)state;
	ipam_stats(n, &st);
	assert_int_equal(st.capacity, 127);             /* .128 - .254 */
	/* Docker: a static address below the range is honoured */
	assert_int_equal(ipam_request(n, A(10, 1, 0, 10), "static", err, sizeof(err)), 0);
	ipam_stats(n, &st);
	assert_int_equal(st.free, 127);
	assert_int_equal(st.allocated, 1);
	assert_int_equal(fill(n, seen, A(10, 1, 0, 0), 256), 127);
	for (i = 0; i < 128; i++)
		assert_false(seen[i]);
	assert_false(seen[255]);
	assert_refused(ipam_alloc(n, "x", &ip, err, sizeof(err)), -ENOSPC,
		       "no free address in the range 10.1.0.128-10.1.0.255 (127 of 127 in use)");
	/* addresses outside the range still work while it is full */
	assert_int_equal(ipam_request(n, A(10, 1, 0, 11), "static2", err, sizeof(err)), 0);
	assert_int_equal(ipam_release(n, A(10, 1, 0, 10), NULL, err, sizeof(err)), 0);
	ipam_stats(n, &st);
	assert_int_equal(st.free, 0);
	assert_int_equal(st.allocated, 128);
	ipam_net_free(n);

	/* CNI: with range_strict a requested address must be in the range */
	n = make("10.1.0.0/24", A(10, 1, 0, 1), A(10, 1, 0, 128), A(10, 1, 0, 191), true);
	assert_refused(ipam_request(n, A(10, 1, 0, 10), "static", err, sizeof(err)), -EINVAL,
		       "10.1.0.10 is outside the range 10.1.0.128-10.1.0.191");
	assert_refused(ipam_request(n, A(10, 1, 0, 192), "static", err, sizeof(err)), -EINVAL,
		       "is outside the range");
	assert_int_equal(ipam_request(n, A(10, 1, 0, 191), "static", err, sizeof(err)), 0);
	/* a saved address from before the range narrowed comes back */
	assert_int_equal(ipam_restore(n, A(10, 1, 0, 10), "old", err, sizeof(err)), 0);
	ipam_net_free(n);

	/* a window that is not a multiple of 64 addresses, crossing words */
	n = make("10.16.0.0/12", A(10, 16, 0, 1), A(10, 16, 0, 10), A(10, 16, 0, 140), false);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(fill(n, seen, A(10, 16, 0, 0), 256), 131);
	for (i = 0; i < 256; i++)
		assert_int_equal(seen[i], i >= 10 && i <= 140);
	ipam_net_free(n);
}

/* --- many random operations against a shadow model --- */

#define SHADOW_N 64     /* a /26: small, so that collisions are common */

struct shadow {
	char owner[SHADOW_N][16];       /* "" free */
	bool special[SHADOW_N];         /* network, broadcast, gateway, reserved */
	unsigned held;
};

static unsigned seed;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		print_error("seed %u (VSW_TEST_SEED=%u reruns it): ", seed, seed); \
		fail_msg(__VA_ARGS__); \
	} \
} while (0)

static int
walk_count(uint32_t ip, const char *owner, bool reserved, void *arg)
{
	struct shadow *sh = arg;
	unsigned off = ip & (SHADOW_N - 1);

	CHECK(reserved == sh->special[off], "walk: %08x reserved %d", ip, reserved);
	CHECK(reserved || strcmp(owner, sh->owner[off]) == 0,
	      "walk: %08x owner %s, shadow %s", ip, owner, sh->owner[off]);
	sh->held--;     /* counted back up by the caller */
	return 0;
}

static void
check_all(struct ipam_net *n, struct shadow *sh, uint32_t base, unsigned n_special)
{
	struct ipam_stats st;
	unsigned i, held = sh->held;
	const char *o;

	for (i = 0; i < SHADOW_N; i++) {
		o = ipam_owner(n, base + i);
		if (sh->owner[i][0])
			CHECK(o != NULL && strcmp(o, sh->owner[i]) == 0,
			      ".%u: owner %s, shadow %s", i, o ? o : "(none)", sh->owner[i]);
		else
			CHECK(o == NULL, ".%u: owner %s, shadow free", i, o);
	}
	ipam_stats(n, &st);
	CHECK(st.allocated == sh->held, "allocated %u, shadow %u", st.allocated, sh->held);
	CHECK(st.capacity == SHADOW_N - n_special, "capacity %u", st.capacity);
	CHECK(st.free == st.capacity - sh->held, "free %u, capacity %u, held %u",
	      st.free, st.capacity, sh->held);
	sh->held += 2;                                  /* the reservations */
	assert_int_equal(ipam_walk(n, walk_count, sh), 0);
	CHECK(sh->held == 0, "walk saw %u too few", sh->held);
	sh->held = held;
}

static void
test_random_against_shadow(void **state)
{
	const uint32_t base = A(10, 7, 0, 64);
	struct ipam_net *n;
	struct shadow sh = { 0 };
	const char *env = getenv("VSW_TEST_SEED");
	unsigned op, off, r, kind, n_alloc = 0, n_full = 0, n_empty = 0;
	char owner[16];
	uint32_t ip;
	int rc, want;

	(void)state;
	seed = env ? (unsigned)strtoul(env, NULL, 0) : (unsigned)time(NULL);
	srand(seed);
	n = make("10.7.0.64/26", base + 1, 0, 0, false);
	sh.special[0] = sh.special[1] = sh.special[SHADOW_N - 1] = true;
	assert_int_equal(ipam_reserve(n, base + 33, "r1", err, sizeof(err)), 0);
	assert_int_equal(ipam_reserve(n, base + 34, "r2", err, sizeof(err)), 0);
	sh.special[33] = sh.special[34] = true;
	for (op = 0; op < 10000; op++) {
		snprintf(owner, sizeof(owner), "e%u", op);
		/* phases of 500: filling (alloc 5 in 10, release 2) and
		 * draining (alloc 1, release 8), so that both a full and an
		 * empty network are met */
		r = (unsigned)rand() % 10;
		kind = (op / 500) % 2 == 0 ? (r < 5 ? 0 : r < 7 ? 1 : 2)
					   : (r < 1 ? 0 : r < 9 ? 1 : 2);
		switch (kind) {
		case 0:
			rc = ipam_alloc(n, owner, &ip, err, sizeof(err));
			if (sh.held == SHADOW_N - 5) {
				CHECK(rc == -ENOSPC, "op %u: alloc in a full net: %d", op, rc);
				n_full++;
				break;
			}
			CHECK(rc == 0, "op %u: alloc: %d %s", op, rc, err);
			off = ip - base;
			CHECK(off < SHADOW_N && !sh.special[off],
			      "op %u: alloc gave %08x", op, ip);
			CHECK(sh.owner[off][0] == '\0', "op %u: %08x given to %s and %s",
			      op, ip, sh.owner[off], owner);
			strcpy(sh.owner[off], owner);
			sh.held++;
			n_alloc++;
			break;
		case 1:
			/* mostly a held address, sometimes any */
			off = (unsigned)rand() % SHADOW_N;
			if (rand() % 8 != 0 && sh.held > 0)
				while (!sh.owner[off][0])
					off = (off + 1) % SHADOW_N;
			rc = ipam_release(n, base + off, NULL, err, sizeof(err));
			want = sh.special[off] ? -EINVAL : sh.owner[off][0] ? 0 : -ENOENT;
			n_empty += sh.held == 0;
			CHECK(rc == want, "op %u: release .%u: %d, want %d (%s)", op, off,
			      rc, want, err);
			if (rc == 0) {
				sh.owner[off][0] = '\0';
				sh.held--;
			}
			break;
		default:
			off = (unsigned)rand() % SHADOW_N;
			rc = ipam_request(n, base + off, owner, err, sizeof(err));
			want = sh.special[off] ? -EINVAL : sh.owner[off][0] ? -EEXIST : 0;
			CHECK(rc == want, "op %u: request .%u: %d, want %d (%s)", op, off,
			      rc, want, err);
			if (rc == 0) {
				strcpy(sh.owner[off], owner);
				sh.held++;
			}
			break;
		}
		if (op % 97 == 0)
			check_all(n, &sh, base, 5);
	}
	check_all(n, &sh, base, 5);
	/* the mix reached both a full network and plenty of allocations */
	CHECK(n_full > 0 && n_empty > 0 && n_alloc > 500,
	      "full %u times, empty %u times, %u allocs", n_full, n_empty, n_alloc);
	ipam_net_free(n);
}

/* --- saving and restoring --- */

struct saved {
	uint32_t ip[64];
	char owner[64][16];
	bool reserved[64];
	unsigned n;
};

static int
save_one(uint32_t ip, const char *owner, bool reserved, void *arg)
{
	struct saved *s = arg;

	assert_true(s->n < 64);
	s->ip[s->n] = ip;
	snprintf(s->owner[s->n], sizeof(s->owner[0]), "%s", owner);
	s->reserved[s->n] = reserved;
	s->n++;
	return 0;
}

static int
stop_at_third(uint32_t ip, const char *owner, bool reserved, void *arg)
{
	unsigned *count = arg;

	(void)ip;
	(void)owner;
	(void)reserved;
	return ++*count == 3 ? 42 : 0;
}

static void
test_save_restore(void **state)
{
	struct ipam_net *n = make("10.1.0.0/27", A(10, 1, 0, 1), 0, 0, false), *m;
	struct saved s = { 0 };
	struct ipam_stats st;
	uint8_t seen[32] = { 0 };
	uint32_t ip, want;
	unsigned i, count = 0;

	(void)state;
	assert_int_equal(ipam_reserve(n, A(10, 1, 0, 20), "aux", err, sizeof(err)), 0);
	for (i = 0; i < 6; i++)
		assert_int_equal(ipam_alloc(n, i % 2 ? "odd" : "even", &ip, err, sizeof(err)), 0);
	assert_int_equal(ipam_request(n, A(10, 1, 0, 30), "high", err, sizeof(err)), 0);
	assert_int_equal(ipam_release(n, A(10, 1, 0, 4), NULL, err, sizeof(err)), 0);
	assert_int_equal(ipam_walk(n, save_one, &s), 0);
	assert_int_equal(s.n, 7);                       /* 5 + .30 + the reservation */
	for (i = 1; i < s.n; i++)
		assert_true(s.ip[i - 1] < s.ip[i]);     /* lowest first */
	assert_int_equal(s.ip[0], A(10, 1, 0, 2));
	assert_string_equal(s.owner[0], "even");
	assert_int_equal(s.ip[5], A(10, 1, 0, 20));
	assert_true(s.reserved[5]);
	assert_string_equal(s.owner[5], "aux");
	assert_int_equal(ipam_walk(n, stop_at_third, &count), 42);
	assert_int_equal(count, 3);

	/* a new process: the network made again, its addresses restored */
	m = make("10.1.0.0/27", A(10, 1, 0, 1), 0, 0, false);
	for (i = 0; i < s.n; i++) {
		if (s.reserved[i])
			assert_int_equal(ipam_reserve(m, s.ip[i], s.owner[i], err, sizeof(err)), 0);
		else
			assert_int_equal(ipam_restore(m, s.ip[i], s.owner[i], err, sizeof(err)), 0);
	}
	assert_int_equal(ipam_set_cursor(m, ipam_cursor(n), err, sizeof(err)), 0);
	/* a state file listing one address twice */
	assert_refused(ipam_restore(m, s.ip[2], "intruder", err, sizeof(err)), -EEXIST,
		       "is in use by odd");
	assert_refused(ipam_restore(m, A(10, 1, 0, 1), "x", err, sizeof(err)), -EINVAL,
		       "is the gateway");
	assert_refused(ipam_restore(m, A(10, 1, 0, 20), "x", err, sizeof(err)), -EINVAL,
		       "is reserved (aux)");
	assert_refused(ipam_restore(m, A(10, 1, 1, 2), "x", err, sizeof(err)), -EINVAL,
		       "is outside 10.1.0.0/27");
	ipam_stats(m, &st);
	assert_int_equal(st.allocated, 6);
	assert_int_equal(st.reserved, 1);
	assert_refused(ipam_set_cursor(m, A(10, 1, 0, 32), err, sizeof(err)), -EINVAL,
		       "cursor 10.1.0.32 is outside 10.1.0.0-10.1.0.31");
	/* the restored one and the old one hand out the same next address */
	assert_int_equal(ipam_alloc(n, "next", &want, err, sizeof(err)), 0);
	assert_int_equal(ipam_alloc(m, "next", &ip, err, sizeof(err)), 0);
	assert_int_equal(ip, want);
	assert_int_equal(ip, A(10, 1, 0, 8));           /* after .7, not the freed .4 */
	/* and never one that was restored */
	seen[8] = 1;
	for (i = 0; i < s.n; i++)
		seen[s.ip[i] - A(10, 1, 0, 0)] = 1;
	assert_int_equal(fill(m, seen, A(10, 1, 0, 0), 32), 32 - 3 - 1 - 7);
	ipam_net_free(n);
	ipam_net_free(m);
}

/* --- the subnet picker --- */

static void
test_pool_parse(void **state)
{
	char buf[IPAM_POOL_SPEC_MAX], spec[1024];
	struct ipam_pool pool;
	unsigned i;

	(void)state;
	assert_int_equal(ipam_pool_parse(&pool, IPAM_POOL_DEFAULT, err, sizeof(err)), 0);
	assert_int_equal(pool.n, 5);
	assert_string_equal(ipam_pool_str(&pool, buf, sizeof(buf)), IPAM_POOL_DEFAULT);
	assert_int_equal(ipam_pool_parse(&pool, " 10.0.0.0/8, 192.168.0.0/16:20\t", err,
					 sizeof(err)), 0);
	assert_int_equal(pool.n, 2);
	assert_int_equal(pool.e[0].size, 24);
	assert_int_equal(pool.e[1].size, 20);
	assert_refused(ipam_pool_parse(&pool, "10.0.0.0/24:16", err, sizeof(err)), -EINVAL,
		       "pool entry '10.0.0.0/24:16': the block size is /24 to /30");
	assert_refused(ipam_pool_parse(&pool, "10.0.0.0/8:31", err, sizeof(err)), -EINVAL,
		       "the block size is /12 to /30");
	assert_refused(ipam_pool_parse(&pool, "10.0.0.0/8:", err, sizeof(err)), -EINVAL,
		       "the block size");
	assert_refused(ipam_pool_parse(&pool, "10.0.0.0/8:11", err, sizeof(err)), -EINVAL,
		       "the block size");
	assert_refused(ipam_pool_parse(&pool, "10.0.0.1/8", err, sizeof(err)), -EINVAL,
		       "has host bits set");
	assert_refused(ipam_pool_parse(&pool, " , ", err, sizeof(err)), -EINVAL,
		       "the pool is empty");
	spec[0] = '\0';
	for (i = 0; i <= IPAM_POOL_MAX; i++)
		snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "10.%u.0.0/16,", i);
	assert_refused(ipam_pool_parse(&pool, spec, err, sizeof(err)), -EINVAL,
		       "at most 32 entries");
}

static void
test_pick_subnet(void **state)
{
	struct cidr used[300], routes[4], out;
	struct ipam_pool pool;
	char buf[20];
	unsigned i, j;

	(void)state;
	assert_int_equal(ipam_pool_parse(&pool, IPAM_POOL_DEFAULT, err, sizeof(err)), 0);
	assert_int_equal(ipam_pick_subnet(&pool, NULL, 0, NULL, 0, &out, err, sizeof(err)), 0);
	assert_string_equal(cidr_str(out, buf, sizeof(buf)), "172.17.0.0/24");
	used[0] = C("172.17.0.0/24");
	assert_int_equal(ipam_pick_subnet(&pool, used, 1, NULL, 0, &out, err, sizeof(err)), 0);
	assert_string_equal(cidr_str(out, buf, sizeof(buf)), "172.17.1.0/24");
	/* docker0's whole /16, and a route to 172.18.0.0/15 */
	used[0] = C("172.17.0.0/16");
	routes[0] = C("172.18.0.0/15");
	routes[1] = C("0.0.0.0/0");                     /* a default route: not counted */
	assert_int_equal(ipam_pick_subnet(&pool, used, 1, routes, 2, &out, err, sizeof(err)), 0);
	assert_string_equal(cidr_str(out, buf, sizeof(buf)), "172.20.0.0/24");
	/* a route smaller than a block still blocks it */
	routes[0] = C("172.17.0.200/30");
	assert_int_equal(ipam_pick_subnet(&pool, NULL, 0, routes, 1, &out, err, sizeof(err)), 0);
	assert_string_equal(cidr_str(out, buf, sizeof(buf)), "172.17.1.0/24");
	/* a network with a larger subnet covering the start of the pool */
	used[0] = C("172.16.0.0/12");
	assert_int_equal(ipam_pick_subnet(&pool, used, 1, NULL, 0, &out, err, sizeof(err)), 0);
	assert_string_equal(cidr_str(out, buf, sizeof(buf)), "192.168.0.0/24");
	/* picking again and again: distinct, never overlapping what is used */
	routes[0] = C("172.17.3.0/24");
	for (i = 0; i < 300; i++) {
		assert_int_equal(ipam_pick_subnet(&pool, used + 1, i, routes, 1, &out, err,
						  sizeof(err)), 0);
		assert_false(cidr_overlaps(out, routes[0]));
		for (j = 0; j < i; j++)
			assert_false(cidr_overlaps(out, used[1 + j]));
		assert_int_equal(out.len, 24);
		if (i == 299)
			break;
		used[1 + i] = out;
	}
	assert_string_equal(cidr_str(out, buf, sizeof(buf)), "172.18.44.0/24");
	/* exhausted: every block of a small pool taken */
	assert_int_equal(ipam_pool_parse(&pool, "10.9.0.0/23:24", err, sizeof(err)), 0);
	used[0] = C("10.9.0.0/24");
	routes[0] = C("10.9.1.128/25");
	assert_refused(ipam_pick_subnet(&pool, used, 1, routes, 1, &out, err, sizeof(err)),
		       -ENOSPC, "no free subnet in the pool 10.9.0.0/23:24");
	assert_int_equal(ipam_pick_subnet(&pool, used, 1, NULL, 0, &out, err, sizeof(err)), 0);
	assert_string_equal(cidr_str(out, buf, sizeof(buf)), "10.9.1.0/24");
	/* the default pool, all of it */
	assert_int_equal(ipam_pool_parse(&pool, IPAM_POOL_DEFAULT, err, sizeof(err)), 0);
	used[0] = C("172.16.0.0/12");
	used[1] = C("192.168.0.0/16");
	assert_refused(ipam_pick_subnet(&pool, used, 2, NULL, 0, &out, err, sizeof(err)),
		       -ENOSPC, "every block overlaps a network's subnet or a route");
	/* the pool's last block, at the top of the address space */
	assert_int_equal(ipam_pool_parse(&pool, "255.255.254.0/23:24", err, sizeof(err)), 0);
	used[0] = C("255.255.254.0/24");
	assert_int_equal(ipam_pick_subnet(&pool, used, 1, NULL, 0, &out, err, sizeof(err)), 0);
	assert_string_equal(cidr_str(out, buf, sizeof(buf)), "255.255.255.0/24");
	used[1] = out;
	assert_int_equal(ipam_pick_subnet(&pool, used, 2, NULL, 0, &out, err, sizeof(err)),
			 -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_cidr_overlaps),
		cmocka_unit_test(test_create_refusals),
		cmocka_unit_test(test_never_hands_out_special),
		cmocka_unit_test(test_exhaust_29_release_realloc),
		cmocka_unit_test(test_request_reasons),
		cmocka_unit_test(test_release_reasons),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_random_against_shadow),
		cmocka_unit_test(test_save_restore),
		cmocka_unit_test(test_pool_parse),
		cmocka_unit_test(test_pick_subnet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
