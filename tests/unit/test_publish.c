/* SPDX-License-Identifier: BSD-3-Clause */
/* Published ports added and removed on a running NAT table (napt_publish_add,
 * napt_publish_del): the rule's mappings and sessions go, nothing else. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "nat/napt.h"
#include "helpers.h"

#define EXT "198.51.100.2"

static struct napt *
make_napt(uint32_t sessions)
{
	struct napt_params p = {
		.sessions = sessions, .per_host = 4096, .port_lo = 1024,
		.port_hi = 65535, .filtering = TOPO_NAT_APDF, .t_udp = 300,
		.t_tcp_est = 7440, .t_tcp_trans = 240, .t_icmp = 60,
		.socket = SOCKET_ID_ANY, .seed = 7,
	};
	char err[128];
	struct napt *n = napt_create(&p, err, sizeof(err));

	assert_non_null(n);
	assert_int_equal(napt_add_external(n, inet_addr(EXT)), 0);
	return n;
}

/* An Ethernet/IPv4/TCP or UDP frame with correct checksums. */
static struct rte_mbuf *
frame(uint8_t proto, const char *src, uint16_t sport, const char *dst,
      uint16_t dport, uint8_t tcp_flags)
{
	uint8_t buf[14 + 20 + 20] = { 0 };
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);
	unsigned l4 = proto == IPPROTO_TCP ? 20 : 8;
	struct rte_mbuf *m;

	buf[12] = 0x08;
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(20 + l4));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = inet_addr(src);
	ip->dst_addr = inet_addr(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

		th->src_port = htons(sport);
		th->dst_port = htons(dport);
		th->data_off = 5 << 4;
		th->tcp_flags = tcp_flags;
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

		uh->src_port = htons(sport);
		uh->dst_port = htons(dport);
		uh->dgram_len = htons(8);
		uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	}
	m = test_mbuf(buf, 14 + 20 + l4);
	m->l2_len = 14;
	m->l3_len = 20;
	return m;
}

/* Out through NAT: the verdict, and the source port it left with. */
static int
out(struct napt *n, struct rte_mbuf *m, uint32_t now, uint16_t *ext_port)
{
	int rc = napt_outbound(n, m, inet_addr(EXT), now);

	*ext_port = ntohs(*rte_pktmbuf_mtod_offset(m, uint16_t *, 34));
	rte_pktmbuf_free(m);
	return rc;
}

/* In through NAT: the verdict, and where it went ('to' may be NULL). */
static int
in(struct napt *n, struct rte_mbuf *m, uint32_t now, uint16_t *to)
{
	int rc = napt_inbound(n, m, now);

	if (to != NULL)
		*to = ntohs(*rte_pktmbuf_mtod_offset(m, uint16_t *, 36));
	rte_pktmbuf_free(m);
	return rc;
}

static int
add(struct napt *n, uint8_t proto, uint16_t lo, uint16_t hi, const char *to,
    uint16_t to_lo, char *err)
{
	return napt_publish_add(n, proto, inet_addr(EXT), lo, hi, inet_addr(to), to_lo,
				err, 256);
}

static int
del(struct napt *n, uint8_t proto, uint16_t lo, uint16_t hi, const char *to,
    uint16_t to_lo, uint32_t now, uint32_t *freed, char *err)
{
	return napt_publish_del(n, proto, inet_addr(EXT), lo, hi, inet_addr(to), to_lo,
				now, freed, err, 256);
}

static void
test_del_takes_only_the_rules_sessions(void **state)
{
	struct napt *n = make_napt(1024);
	char err[256] = "";
	uint16_t pu, pt, p, to;
	uint32_t freed = 99;
	uint64_t created;

	(void)state;
	/* rule A: tcp 8080 -> .2:80; rule B: tcp 9000-9001 -> .3:9000-9001 */
	assert_int_equal(add(n, IPPROTO_TCP, 8080, 8080, "172.17.0.2", 80, err), 0);
	assert_int_equal(add(n, IPPROTO_TCP, 9000, 9001, "172.17.0.3", 9000, err), 0);
	assert_int_equal(n->n_mappings, 3);
	/* dynamic sessions: another host's UDP and rule A's own host's TCP */
	assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.4", 5000, "203.0.113.1", 53, 0),
			     10, &pu), 0);
	assert_int_equal(out(n, frame(IPPROTO_TCP, "172.17.0.2", 6000, "203.0.113.1", 80,
				      RTE_TCP_SYN_FLAG), 10, &pt), 0);
	/* traffic to the rules makes sessions, to the inside endpoints */
	assert_int_equal(in(n, frame(IPPROTO_TCP, "203.0.113.7", 4444, EXT, 8080,
				     RTE_TCP_SYN_FLAG), 11, &to), 0);
	assert_int_equal(to, 80);
	assert_int_equal(in(n, frame(IPPROTO_TCP, "203.0.113.8", 4445, EXT, 8080,
				     RTE_TCP_SYN_FLAG), 11, &to), 0);
	assert_int_equal(in(n, frame(IPPROTO_TCP, "203.0.113.7", 4446, EXT, 9001,
				     RTE_TCP_SYN_FLAG), 11, &to), 0);
	assert_int_equal(to, 9001);
	assert_int_equal(n->n_sessions, 5);
	assert_int_equal(n->n_mappings, 5);
	assert_int_equal(napt_publish_sessions(n, IPPROTO_TCP, inet_addr(EXT), 8080, 8080), 2);
	assert_int_equal(napt_publish_sessions(n, IPPROTO_TCP, inet_addr(EXT), 9000, 9001), 1);
	created = n->st.sessions_created;

	/* del A: its two sessions and its mapping, nothing else */
	assert_int_equal(del(n, IPPROTO_TCP, 8080, 8080, "172.17.0.2", 80, 20, &freed, err), 0);
	assert_int_equal(freed, 2);
	assert_int_equal(n->n_sessions, 3);
	assert_int_equal(n->n_mappings, 4);
	assert_int_equal(in(n, frame(IPPROTO_TCP, "203.0.113.7", 4444, EXT, 8080,
				     RTE_TCP_ACK_FLAG), 21, NULL), VSW_DROP_NAT_NO_MAPPING);
	/* B's session, the dynamic ones: the same sessions, still translated */
	assert_int_equal(in(n, frame(IPPROTO_TCP, "203.0.113.7", 4446, EXT, 9001,
				     RTE_TCP_ACK_FLAG), 21, &to), 0);
	assert_int_equal(to, 9001);
	assert_int_equal(in(n, frame(IPPROTO_UDP, "203.0.113.1", 53, EXT, pu, 0), 21, &to), 0);
	assert_int_equal(to, 5000);
	assert_int_equal(out(n, frame(IPPROTO_TCP, "172.17.0.2", 6000, "203.0.113.1", 80,
				      RTE_TCP_ACK_FLAG), 21, &p), 0);
	assert_int_equal(p, pt);
	assert_int_equal(n->st.sessions_created, created);
	assert_int_equal(n->n_sessions, 3);

	/* the freed port is held as any: no dynamic mapping gets it for 120 s */
	assert_int_equal(out(n, frame(IPPROTO_TCP, "172.17.0.5", 8080, "203.0.113.1", 53,
				      RTE_TCP_SYN_FLAG), 21, &p), 0);
	assert_int_not_equal(p, 8080);
	assert_int_equal(out(n, frame(IPPROTO_TCP, "172.17.0.6", 8080, "203.0.113.1", 53,
				      RTE_TCP_SYN_FLAG), 140, &p), 0);
	assert_int_equal(p, 8080);

	/* a missing rule, or one published elsewhere: ENOENT, nothing changes */
	assert_int_equal(del(n, IPPROTO_TCP, 8080, 8080, "172.17.0.2", 80, 141, NULL, err),
			 -ENOENT);
	assert_string_equal(err, "tcp port 8080 of 198.51.100.2 is not published to 172.17.0.2:80");
	assert_int_equal(del(n, IPPROTO_TCP, 9000, 9002, "172.17.0.3", 9000, 141, NULL, err),
			 -ENOENT);
	assert_string_equal(err, "tcp port 9002 of 198.51.100.2 is not published to 172.17.0.3:9002");
	assert_int_equal(n->n_mappings, 6);
	assert_int_equal(napt_publish_sessions(n, IPPROTO_TCP, inet_addr(EXT), 9000, 9001), 1);
	napt_free(n);
}

static void
test_re_add_works_at_once(void **state)
{
	struct napt *n = make_napt(1024);
	char err[256] = "";
	uint32_t freed;
	uint16_t to, p;

	(void)state;
	assert_int_equal(add(n, IPPROTO_UDP, 5353, 5353, "172.17.0.2", 53, err), 0);
	assert_int_equal(in(n, frame(IPPROTO_UDP, "203.0.113.7", 999, EXT, 5353, 0), 5, &to), 0);
	assert_int_equal(to, 53);
	assert_int_equal(del(n, IPPROTO_UDP, 5353, 5353, "172.17.0.2", 53, 6, &freed, err), 0);
	assert_int_equal(freed, 1);
	assert_int_equal(n->n_sessions, 0);
	assert_int_equal(n->n_mappings, 0);
	assert_int_equal(n->ext[0].ports[1]->in_use, 0);
	assert_int_equal(in(n, frame(IPPROTO_UDP, "203.0.113.7", 999, EXT, 5353, 0), 7, NULL),
			 VSW_DROP_NAT_NO_MAPPING);
	/* a held port may be published again: anyone may open it anyway */
	assert_int_equal(add(n, IPPROTO_UDP, 5353, 5353, "172.17.0.2", 53, err), 0);
	assert_int_equal(in(n, frame(IPPROTO_UDP, "203.0.113.7", 999, EXT, 5353, 0), 8, &to), 0);
	assert_int_equal(to, 53);
	/* and answers leave from it */
	assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.2", 53, "203.0.113.7", 999, 0),
			     8, &p), 0);
	assert_int_equal(p, 5353);
	/* the rule's port is never handed to a dynamic mapping */
	assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.9", 5353, "203.0.113.7", 1, 0),
			     500, &p), 0);
	assert_int_not_equal(p, 5353);
	napt_free(n);
}

static void
test_conflicts_are_refused_with_the_reason(void **state)
{
	struct napt *n = make_napt(1024);
	char err[256] = "";
	uint16_t p;

	(void)state;
	/* a dynamic mapping holds 40000 (the inside port is kept) */
	assert_int_equal(out(n, frame(IPPROTO_TCP, "172.17.0.4", 40000, "203.0.113.1", 80,
				      RTE_TCP_SYN_FLAG), 10, &p), 0);
	assert_int_equal(p, 40000);
	assert_int_equal(add(n, IPPROTO_TCP, 39990, 40010, "172.17.0.2", 39990, err),
			 -EADDRINUSE);
	assert_string_equal(err, "tcp port 40000 of 198.51.100.2 is already allocated "
				 "(the mapping of 172.17.0.4:40000, 1 session)");
	assert_int_equal(n->n_mappings, 1);
	assert_false(napt_ports_is_used(n->ext[0].ports[0], 39990));
	/* the same port of the other protocol is another port */
	assert_int_equal(add(n, IPPROTO_UDP, 40000, 40000, "172.17.0.2", 40000, err), 0);

	/* overlapping published ranges */
	assert_int_equal(add(n, IPPROTO_TCP, 8080, 8081, "172.17.0.2", 80, err), 0);
	assert_int_equal(add(n, IPPROTO_TCP, 8000, 8100, "172.17.0.3", 8000, err), -EADDRINUSE);
	assert_string_equal(err, "tcp port 8080 of 198.51.100.2 is already published (to 172.17.0.2:80)");
	/* an inside endpoint another rule publishes already */
	assert_int_equal(add(n, IPPROTO_TCP, 7000, 7000, "172.17.0.2", 81, err), -EADDRINUSE);
	assert_string_equal(err, "tcp 172.17.0.2:81 already has a mapping on 198.51.100.2 (port 8081, published)");
	/* not an external address; a range that runs past 65535 */
	assert_int_equal(napt_publish_add(n, IPPROTO_TCP, inet_addr("198.51.100.3"), 80, 80,
					  inet_addr("172.17.0.2"), 80, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "198.51.100.3 is not an external address of the NAT");
	assert_int_equal(add(n, IPPROTO_TCP, 100, 200, "172.17.0.2", 65500, err), -EINVAL);
	assert_int_equal(n->n_mappings, 4);
	assert_int_equal(n->ext[0].ports[0]->in_use, 3);
	napt_free(n);

	/* no room: refused whole */
	n = make_napt(16);
	n->n_free_m = 10;
	assert_int_equal(add(n, IPPROTO_TCP, 1000, 1099, "172.17.0.2", 1000, err), -ENOSPC);
	assert_string_equal(err, "no room for 100 more mappings (10 free)");
	assert_int_equal(n->n_mappings, 0);
	assert_int_equal(n->ext[0].ports[0]->in_use, 0);
	napt_free(n);
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void
test_a_range_of_1000_ports(void **state)
{
	struct napt *n = make_napt(65536);
	struct timespec t0;
	char err[256] = "";
	uint32_t freed, k;
	uint16_t to;
	double ms_add, ms_del;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(add(n, IPPROTO_TCP, 20000, 20999, "172.17.0.9", 30000, err), 0);
	ms_add = ms_since(&t0);
	assert_int_equal(n->n_mappings, 1000);
	for (k = 0; k < 1000; k += 111) {
		assert_int_equal(in(n, frame(IPPROTO_TCP, "203.0.113.7", 5000,
					     EXT, (uint16_t)(20000 + k), RTE_TCP_SYN_FLAG),
				    10, &to), 0);
		assert_int_equal(to, 30000 + k);
	}
	assert_int_equal(napt_publish_sessions(n, IPPROTO_TCP, inet_addr(EXT), 20000, 20999),
			 10);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(del(n, IPPROTO_TCP, 20000, 20999, "172.17.0.9", 30000, 11, &freed, err),
			 0);
	ms_del = ms_since(&t0);
	assert_int_equal(freed, 10);
	assert_int_equal(n->n_mappings, 0);
	assert_int_equal(n->n_sessions, 0);
	assert_int_equal(n->ext[0].ports[0]->in_use, 0);
	print_message("1000-port rule: add %.3f ms, del (10 sessions) %.3f ms (a fresh table)\n",
		      ms_add, ms_del);
	/* again, on a table whose memory has been touched (as a running one's) */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(add(n, IPPROTO_TCP, 20000, 20999, "172.17.0.9", 30000, err), 0);
	ms_add = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(del(n, IPPROTO_TCP, 20000, 20999, "172.17.0.9", 30000, 12, &freed, err),
			 0);
	ms_del = ms_since(&t0);
	assert_int_equal(n->n_mappings, 0);
	print_message("1000-port rule: add %.3f ms, del %.3f ms (again)\n", ms_add, ms_del);
	napt_free(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_del_takes_only_the_rules_sessions),
		cmocka_unit_test(test_re_add_works_at_once),
		cmocka_unit_test(test_conflicts_are_refused_with_the_reason),
		cmocka_unit_test(test_a_range_of_1000_ports),
	};

	return cmocka_run_group_tests(tests, test_eal_setup, test_eal_teardown);
}
