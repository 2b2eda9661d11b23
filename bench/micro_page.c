/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * micro_page: how long `show fdb` and `show sessions` stop the workers
 * with 1M entries. ctl/server.c reads a table under the worker barrier a
 * piece at a time (fdb_read(), napt_read(): at most 1024 slots looked at,
 * 256 rows copied a hold); this times each piece with rte_rdtsc, as the
 * hold the workers see, and, for comparison, one whole walk (fdb_walk(),
 * napt_walk() with a callback that copies the row out), which is how long
 * the old single hold was without even formatting the rows, and with
 * them formatted into a reply as the old show fdb did under its hold.
 *
 *   build/bench/micro_page [ENTRIES]      (default 1000000)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "ctl/table.h"
#include "nat/napt.h"
#include "switch/fdb.h"

#define HOLD_SCAN 1024          /* as ctl/server.c's PAGE_HOLD_SCAN */
#define HOLD_ROWS 256           /* PAGE_HOLD_ROWS */

static double tsc_us;
static struct fdb_row fdb_sink[HOLD_ROWS];
static struct napt_session sess_sink[HOLD_ROWS];
static unsigned sink_n;

struct stall {
	uint64_t max, sum, n;
};

static void
stall_add(struct stall *s, uint64_t c)
{
	s->max = c > s->max ? c : s->max;
	s->sum += c;
	s->n++;
}

static void
stall_print(const char *what, const struct stall *s, uint64_t whole, uint64_t rows)
{
	printf("%-9s %8" PRIu64 " rows: %6" PRIu64 " holds, longest %7.1f us, mean %6.1f us;"
	       " one whole walk %9.1f us\n", what, rows, s->n, s->max / tsc_us,
	       s->n ? s->sum / (double)s->n / tsc_us : 0.0, whole / tsc_us);
}

static void
fdb_copy(void *arg, uint64_t key, uint16_t port, bool is_static, uint32_t age)
{
	struct fdb_row *r = &fdb_sink[sink_n++ % HOLD_ROWS];

	(void)arg;
	r->key = key;
	r->port = port;
	r->is_static = is_static;
	r->age = age;
}

/* What the old show fdb did per entry under its one hold: a formatted row. */
static void
fdb_format(void *arg, uint64_t key, uint16_t port, bool is_static, uint32_t age)
{
	struct rte_ether_addr mac;
	char m[RTE_ETHER_ADDR_FMT_SIZE], vid[8], a[16], p[8];

	fdb_key_mac(key, &mac);
	rte_ether_format_addr(m, sizeof(m), &mac);
	snprintf(vid, sizeof(vid), "%u", fdb_key_vid(key));
	snprintf(a, sizeof(a), "%u", age);
	snprintf(p, sizeof(p), "p%u", port);
	reply_row(arg, "br0", m, vid, p, is_static ? "" : a, is_static ? "static" : "learned");
}

static void
sess_copy(void *arg, const struct napt_session *s, uint32_t now)
{
	(void)arg;
	(void)now;
	sess_sink[sink_n++ % HOLD_ROWS] = *s;
}

static void
bench_fdb(uint32_t entries)
{
	struct fdb_params p = { .limit = entries, .n_ports = 16, .seed = 7,
				.socket = SOCKET_ID_ANY };
	struct fdb *f = fdb_create(&p);
	struct stall st = { 0 };
	uint64_t t, whole, rows = 0;
	uint32_t i, pos = 0;

	if (f == NULL) {
		fprintf(stderr, "micro_page: no memory for the FDB\n");
		exit(1);
	}
	for (i = 0; i < entries; i++) {
		uint8_t mac[6] = { 0x02, (uint8_t)(i >> 24), (uint8_t)(i >> 16),
				   (uint8_t)(i >> 8), (uint8_t)i, 0x01 };

		fdb_learn(f, fdb_key(mac, 0), (uint16_t)(i % 16), 10);
	}
	while (pos < fdb_slots(f)) {
		t = rte_rdtsc_precise();
		rows += fdb_read(f, 10, &pos, HOLD_SCAN, fdb_sink, HOLD_ROWS);
		stall_add(&st, rte_rdtsc_precise() - t);
	}
	t = rte_rdtsc_precise();
	fdb_walk(f, 10, fdb_copy, NULL);
	whole = rte_rdtsc_precise() - t;
	stall_print("fdb", &st, whole, rows);
	{
		static const char *const cols[] = { "bridge", "mac", "#vlan", "port",
						    "#age", "type" };
		struct reply *r = reply_new(true);

		reply_table(r, "fdb", NULL, RTE_DIM(cols), cols);
		t = rte_rdtsc_precise();
		fdb_walk(f, 10, fdb_format, r);
		whole = rte_rdtsc_precise() - t;
		reply_free(r);
		printf("%-9s the old single hold (whole walk, rows formatted): %.1f ms\n", "fdb",
		       whole / tsc_us / 1000);
	}
	fdb_free(f);
}

static void
bench_sessions(uint32_t entries)
{
	struct napt_params p = {
		.sessions = entries, .per_host = entries, .port_lo = 1024,
		.port_hi = 65535, .filtering = TOPO_NAT_EIF, .t_udp = 300,
		.t_tcp_est = 600, .t_tcp_trans = 60, .t_icmp = 10,
		.socket = SOCKET_ID_ANY,
	};
	struct rte_mempool *pool = rte_pktmbuf_pool_create("page", 63, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	rte_be32_t ext = inet_addr("198.51.100.2");
	struct stall st = { 0 };
	uint64_t t, whole, rows = 0;
	uint32_t i, pos = 0, made = 0;
	char err[128];
	struct napt *n = napt_create(&p, err, sizeof(err));

	if (n == NULL || pool == NULL || napt_add_external(n, ext) != 0) {
		fprintf(stderr, "micro_page: NAPT: %s\n", n ? "no pool" : err);
		exit(1);
	}
	/* 1000 inside ports a host, each to 1000 remotes: one mapping, many sessions */
	for (i = 0; i < entries; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + 8);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + 14);
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

		memset(d, 0, 14 + 20 + 8);
		d[12] = 0x08;
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(20 + 8);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = htonl(0xac110000u | (i / 1000000 + 2));
		ip->dst_addr = htonl(0xcb007100u + (i % 1000) * 256 + 9);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		u->src_port = rte_cpu_to_be_16((uint16_t)(10000 + (i / 1000) % 50000));
		u->dst_port = rte_cpu_to_be_16(53);
		u->dgram_len = rte_cpu_to_be_16(8);
		m->l2_len = 14;
		m->l3_len = 20;
		if (napt_outbound(n, m, ext, 10) == 0)
			made++;
		rte_pktmbuf_free(m);
	}
	while (pos < entries) {
		t = rte_rdtsc_precise();
		rows += napt_read(n, 10, &pos, HOLD_SCAN, sess_sink, HOLD_ROWS);
		stall_add(&st, rte_rdtsc_precise() - t);
	}
	t = rte_rdtsc_precise();
	napt_walk(n, 10, sess_copy, NULL);
	whole = rte_rdtsc_precise() - t;
	stall_print("sessions", &st, whole, rows);
	if (made != rows)
		printf("(%u sessions made, %" PRIu64 " read)\n", made, rows);
	napt_free(n);
	rte_mempool_free(pool);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { "micro_page", "--no-huge", "-m", "1536", "--no-shconf", prefix,
			"--no-pci", "--no-telemetry", "-l", "0", "--log-level=*:error",
			NULL };
	uint32_t entries = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;

	snprintf(prefix, sizeof(prefix), "--file-prefix=micro_page-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0)
		return 1;
	tsc_us = rte_get_tsc_hz() / 1e6;
	bench_fdb(entries);
	bench_sessions(entries);
	rte_eal_cleanup();
	snprintf(prefix, sizeof(prefix), "/var/run/dpdk/micro_page-%d", (int)getpid());
	rmdir(prefix);
	return 0;
}
