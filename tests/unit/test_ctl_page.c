/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show fdb and show sessions in pages (--limit, --after): a replay-mode
 * vsw (pcap ports, no worker threads) with a few thousand FDB entries in
 * two bridges and a few thousand NAT sessions; paging through gets every
 * entry exactly once, also while entries come and go between the pages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "config/topology.h"
#include "ctl/server.h"
#include "nat/napt.h"
#include "switch/fdb.h"
#include "switch/vsw.h"

#define N_FDB 3000              /* learned, per bridge */
#define N_SESS 2500

static const char topology_text[] =
	"[switch]\n"
	"nat_sessions = 4096\n"
	"nat_sessions_per_host = 4096\n"
	"nat_ports = 20000-29999\n"
	"[bridge b1]\nmac_limit = 4096\nmac_aging = 300\n"
	"static = 02:00:00:00:00:01@p1\n"
	"[port p1]\nkind = pcap\ntx = /dev/null\nbridge = b1\n"
	"[port p2]\nkind = pcap\ntx = /dev/./null\nbridge = b1\n"
	"[bridge b2]\nmac_limit = 4096\nmac_aging = 300\n"
	"subnet = 172.17.0.0/16\ngateway = 172.17.0.1\nmasquerade = up\n"
	"[port c1]\nkind = pcap\ntx = /dev/././null\nbridge = b2\n"
	"[port up]\nkind = pcap\ntx = /dev/./././null\n"
	"address = 198.51.100.2/24\ngateway = 198.51.100.1\n"
	"gateway_mac = 02:00:00:00:01:01\n";

static struct topology topo;
static struct vsw sw;
static struct rte_mempool *pool;
static uint8_t *seen;           /* per entry: times a page showed it */
static unsigned n_seen;

static int
setup(void **state)
{
	char prefix[64], mem[16], err[256];
	char *argv[] = { "test", "--no-huge", "-m", mem, "--no-shconf", prefix,
			 "--no-pci", "--no-telemetry", "-l", "0",
			 "--log-level=*:error", NULL };

	(void)state;
	if (topo_load_string(&topo, "page.ini", topology_text, stderr) != 0)
		return -1;
	snprintf(prefix, sizeof(prefix), "--file-prefix=vswpage-%d", (int)getpid());
	snprintf(mem, sizeof(mem), "%zu", vsw_memory_mb(&topo) + 64);
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	if (vsw_start(&sw, &topo, err, sizeof(err)) != 0) {
		fprintf(stderr, "vsw_start: %s\n", err);
		return -1;
	}
	pool = rte_pktmbuf_pool_create("page", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	seen = calloc(1u << 20, 1);
	return pool == NULL || seen == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char dir[64];

	(void)state;
	vsw_stop(&sw);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	snprintf(dir, sizeof(dir), "/var/run/dpdk/vswpage-%d", (int)getpid());
	rmdir(dir);
	free(seen);
	return 0;
}

static char *
run(const char *fmt, ...)
{
	char req[256];
	va_list ap;
	int len;
	char *out;

	va_start(ap, fmt);
	len = vsnprintf(req, sizeof(req), fmt, ap);
	va_end(ap);
	out = ctl_execute(&sw, req, (size_t)len);
	assert_non_null(out);
	if (strncmp(out, "OK\n", 3) != 0)
		print_error("'%s' got: %s", req, out);
	assert_int_equal(strncmp(out, "OK\n", 3), 0);
	return out;
}

static uint32_t
now_s(void)
{
	return bridge_now(sw.workers[0]->now);
}

/* 'n' learned MACs 02:aa:BB:00:hi:lo (BB the bridge) on the bridge's first port. */
static void
learn(unsigned br, unsigned from, unsigned n)
{
	struct fdb *f = sw.bridges[br].fdb;
	unsigned i;

	for (i = from; i < from + n; i++) {
		uint8_t mac[6] = { 0x02, 0xaa, (uint8_t)br, (uint8_t)(i >> 16),
				   (uint8_t)(i >> 8), (uint8_t)i };

		assert_int_equal(fdb_learn(f, fdb_key(mac, 0), sw.bridges[br].ports[0],
					   now_s()), FDB_LEARNED);
	}
}

/* Index of the MAC in "mac":"..." at 'p' into seen[]: bridge * 2^18 + i,
 * and the static entry at 2^20 - 1. */
static unsigned
fdb_index(const char *p)
{
	unsigned m[6];

	assert_int_equal(sscanf(p, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
				&m[4], &m[5]), 6);
	if (m[1] != 0xaa)
		return (1u << 20) - 1;
	return m[2] << 18 | m[3] << 16 | m[4] << 8 | m[5];
}

/* Every "KEY":"..." of a JSON reply counted into seen[]; returns how many,
 * and the "next" cursor (or -1). */
static unsigned
count_rows(const char *out, const char *key, unsigned (*index)(const char *),
	   long long *next)
{
	const char *p = out;
	unsigned n = 0;
	char pat[32];

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	while ((p = strstr(p, pat)) != NULL) {
		p += strlen(pat);
		seen[index(p)]++;
		n++;
	}
	p = strstr(out, "\"next\":\"");
	*next = p ? atoll(p + 8) : -1;
	return n;
}

/* Page through with 'limit' rows a page; 'between' runs after each page. */
static unsigned
page_all(const char *cmd, const char *key, unsigned (*index)(const char *),
	 unsigned limit, void (*between)(unsigned page))
{
	long long next = 0;
	unsigned total = 0, pages = 0;

	do {
		char *out = run("%s --json --limit %u --after %lld", cmd, limit, next);
		unsigned n = count_rows(out, key, index, &next);

		/* a page is full unless it is the last one */
		if (next >= 0)
			assert_int_equal(n, limit);
		else
			assert_true(n <= limit);
		total += n;
		free(out);
		if (between != NULL)
			between(pages);
		pages++;
		assert_true(pages < 10000);
	} while (next >= 0);
	return total;
}

static void
check_once(unsigned br, unsigned from, unsigned n)
{
	unsigned i;

	for (i = from; i < from + n; i++) {
		if (seen[br << 18 | i] != 1)
			print_error("b%u entry %u seen %u times\n", br + 1, i, seen[br << 18 | i]);
		assert_int_equal(seen[br << 18 | i], 1);
	}
}

static void
test_fdb_pages(void **state)
{
	unsigned limit[] = { 1, 7, 256, 257, 1000, 6001, 6002 }, i;
	char *out;
	long long next;

	(void)state;
	learn(0, 0, N_FDB);
	learn(1, 0, N_FDB);
	n_seen = 2 * N_FDB + 1;
	for (i = 0; i < RTE_DIM(limit); i++) {
		memset(seen, 0, 1u << 20);
		assert_int_equal(page_all("show fdb", "mac", fdb_index, limit[i], NULL),
				 n_seen);
		check_once(0, 0, N_FDB);
		check_once(1, 0, N_FDB);
		assert_int_equal(seen[(1u << 20) - 1], 1);
	}
	/* one bridge */
	memset(seen, 0, 1u << 20);
	assert_int_equal(page_all("show fdb b2", "mac", fdb_index, 100, NULL), N_FDB);
	check_once(1, 0, N_FDB);
	assert_int_equal(seen[0], 0);
	/* the default page holds all of a small table, and says nothing more */
	out = run("show fdb --json");
	memset(seen, 0, 1u << 20);
	assert_int_equal(count_rows(out, "mac", fdb_index, &next), n_seen);
	assert_int_equal(next, -1);
	free(out);
	/* text: the cursor is in the note */
	out = run("show fdb --limit 10");
	assert_non_null(strstr(out, "10 entries (age in seconds), more after this page: --after "));
	free(out);
	out = run("show fdb --limit 10 --after 999999999999");
	assert_non_null(strstr(out, "(none)\n0 entries"));
	free(out);
}

static void
churn(unsigned page)
{
	/* learned and flushed between the pages: new entries may or may not
	 * show, the old ones show exactly once */
	learn(0, 100000 + page * 50, 50);
	if (page == 3)
		fdb_flush_port(sw.bridges[1].fdb, sw.bridges[1].ports[0]);
}

static void
test_fdb_pages_while_learning(void **state)
{
	unsigned i, total;

	(void)state;
	memset(seen, 0, 1u << 20);
	/* b1's table holds 8192: room for 20 pages of 50 more */
	total = page_all("show fdb", "mac", fdb_index, 300, churn);
	assert_true(total >= N_FDB + 1);
	check_once(0, 0, N_FDB);
	for (i = 0; i < (1u << 18); i++)
		assert_true(seen[1u << 18 | i] <= 1);
	for (i = 100000; i < 110000; i++)
		assert_true(seen[i] <= 1);
	fdb_flush(sw.bridges[0].fdb);
}

/* ---- sessions ---------------------------------------------------------- */

/* A UDP datagram from 172.17.1.x:'sport' out through NAPT. */
static void
session(unsigned i)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + 8 + 4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + 14);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

	memset(d, 0, 14 + 20 + 8 + 4);
	d[12] = 0x08;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(20 + 8 + 4);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = htonl(0xac110100u | (i & 0xff));
	ip->dst_addr = inet_addr("203.0.113.9");
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	u->src_port = rte_cpu_to_be_16((uint16_t)(30000 + (i >> 8)));
	u->dst_port = rte_cpu_to_be_16(53);
	u->dgram_len = rte_cpu_to_be_16(12);
	m->l2_len = 14;
	m->l3_len = 20;
	assert_int_equal(napt_outbound(sw.router->napt, m, inet_addr("198.51.100.2"),
				       now_s()), 0);
	rte_pktmbuf_free(m);
}

/* "inside":"172.17.1.X:P" -> (P - 30000) * 256 + X, as session() made them */
static unsigned
sess_index(const char *p)
{
	unsigned a, b, c, d, port;

	assert_int_equal(sscanf(p, "%u.%u.%u.%u:%u", &a, &b, &c, &d, &port), 5);
	return (port - 30000) << 8 | d;
}

static void
test_session_pages(void **state)
{
	unsigned limit[] = { 1, 13, 256, 2499, 2500, 2501 }, i, j;
	char *out;
	long long next;

	(void)state;
	for (i = 0; i < N_SESS; i++)
		session(i);
	for (i = 0; i < RTE_DIM(limit); i++) {
		memset(seen, 0, 1u << 20);
		assert_int_equal(page_all("show sessions", "inside", sess_index, limit[i],
					  NULL), N_SESS);
		for (j = 0; j < N_SESS; j++)
			assert_int_equal(seen[j], 1);
	}
	/* MAX_ROWS, the old spelling, is --limit */
	out = run("show sessions 5 --json");
	memset(seen, 0, 1u << 20);
	assert_int_equal(count_rows(out, "inside", sess_index, &next), 5);
	assert_true(next > 0);
	free(out);
	out = run("show sessions");
	assert_non_null(strstr(out, "2500 sessions (idle and expires_in in seconds)\n"));
	assert_null(strstr(out, "--after"));
	free(out);
}

static void
expect_err(const char *req, const char *needle)
{
	char *out = ctl_execute(&sw, req, strlen(req));

	assert_non_null(out);
	if (strncmp(out, "ERR ", 4) != 0 || strstr(out, needle) == NULL)
		print_error("'%s' got: %s", req, out);
	assert_int_equal(strncmp(out, "ERR ", 4), 0);
	assert_non_null(strstr(out, needle));
	free(out);
}

static void
test_bad_page_options(void **state)
{
	(void)state;
	expect_err("show fdb --limit", "--limit needs a number");
	expect_err("show fdb --limit 0", "bad --limit '0'");
	expect_err("show fdb --limit 5x", "bad --limit '5x'");
	expect_err("show fdb --limit -1", "--limit needs a number");
	expect_err("show fdb --limit 4294967296", "bad --limit");
	expect_err("show fdb --after", "--after needs a number");
	expect_err("show fdb --after b1", "--after needs a number");
	expect_err("show fdb --after 99999999999999999999999", "bad --after");
	expect_err("show fdb b1 b2", "usage: show fdb [BRIDGE]");
	expect_err("show fdb nope --limit 3", "no bridge named 'nope'");
	expect_err("show sessions 3 4", "usage: show sessions");
	expect_err("show sessions x", "usage: show sessions");
	expect_err("show sessions --after 1 --limit", "--limit needs a number");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fdb_pages),
		cmocka_unit_test(test_fdb_pages_while_learning),
		cmocka_unit_test(test_session_pages),
		cmocka_unit_test(test_bad_page_options),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
