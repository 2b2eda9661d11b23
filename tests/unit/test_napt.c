/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "nat/csum.h"
#include "nat/napt.h"
#include "nat/xlate.h"
#include "ports/offload.h"
#include "helpers.h"

/* ---- the port allocator ------------------------------------------------------ */

static void
test_ports_preserve_random_privileged(void **state)
{
	static struct napt_ports p;
	uint16_t a;

	(void)state;
	napt_ports_init(&p, 1024, 65535);
	assert_int_equal(napt_ports_alloc(&p, 40000, 10, 0), 40000);
	/* taken: another port of the range, from the random start point */
	assert_int_equal(napt_ports_alloc(&p, 40000, 10, 5000), 1024 + 5000);
	assert_int_equal(napt_ports_alloc(&p, 40000, 10, 30000), 1024 + 30000);
	/* an inside port outside the range is not kept */
	a = napt_ports_alloc(&p, 80, 10, 7);
	assert_true(a < 1024);          /* 80 is free and privileged: kept */
	assert_int_equal(a, 80);
	/* privileged inside ports stay privileged when theirs is taken */
	assert_int_equal(napt_ports_alloc(&p, 443, 10, 0), 443);
	a = napt_ports_alloc(&p, 443, 10, 100);
	assert_true(a >= 1 && a < 1024);
	assert_int_not_equal(a, 443);
	assert_int_equal(a, 1 + 100);
}

static void
test_ports_exhaustion_and_hold(void **state)
{
	static struct napt_ports p;
	unsigned i;

	(void)state;
	napt_ports_init(&p, 5000, 5009);
	for (i = 0; i < 10; i++)
		assert_int_not_equal(napt_ports_alloc(&p, 7000, 100, i * 7), 0);
	assert_int_equal(p.in_use, 10);
	assert_int_equal(napt_ports_alloc(&p, 7000, 100, 3), 0);     /* exhausted */
	/* a freed port is held 120 s */
	napt_ports_free(&p, 5004, 200);
	assert_int_equal(napt_ports_alloc(&p, 5004, 200, 0), 0);
	assert_int_equal(napt_ports_alloc(&p, 5004, 319, 0), 0);
	assert_int_equal(napt_ports_alloc(&p, 5004, 320, 0), 5004);
	/* reserved (published) ports are never handed out nor freed */
	napt_ports_init(&p, 5000, 5001);
	assert_true(napt_ports_reserve(&p, 5000));
	assert_false(napt_ports_reserve(&p, 5000));
	assert_int_equal(napt_ports_alloc(&p, 5000, 1, 0), 5001);
	assert_int_equal(napt_ports_alloc(&p, 5000, 1, 0), 0);
	napt_ports_free(&p, 5000, 2);
	assert_true(napt_ports_is_used(&p, 5000));
}

/* ---- checksums ------------------------------------------------------------------ */

/* TCP/IPv4 from scapy, checksums right (see test_offload.c) */
static const uint8_t tcp4[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x4a, 0x00, 0x07, 0x00, 0x00, 0x40, 0x06,
	0x66, 0xa5, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x04, 0xd2,
	0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x05, 0x50, 0x18,
	0x20, 0x00, 0x05, 0x26, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x2c,
	0x20, 0x76, 0x73, 0x77, 0x21, 0x20, 0x74, 0x68, 0x69, 0x73, 0x20, 0x69,
	0x73, 0x20, 0x61, 0x20, 0x74, 0x63, 0x70, 0x20, 0x70, 0x61, 0x79, 0x6c,
	0x6f, 0x61, 0x64, 0x2e,
};

static void
test_incremental_checksums_match_full_ones(void **state)
{
	struct rte_mbuf *m = test_mbuf(tcp4, sizeof(tcp4));
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	struct xlate_tuple t;
	uint16_t ipc, tcpc;

	(void)state;
	m->l2_len = 14;
	m->l3_len = 20;
	assert_int_equal(xlate_parse(m, &t), 0);
	assert_int_equal(t.proto, IPPROTO_TCP);
	assert_int_equal(rte_be_to_cpu_16(t.sport), 1234);
	xlate_src(m, &t, inet_addr("198.51.100.2"), rte_cpu_to_be_16(61000));
	ipc = ip->hdr_checksum;
	tcpc = th->cksum;
	/* what a full computation says */
	ip->hdr_checksum = 0;
	assert_int_equal(rte_ipv4_cksum(ip), ipc);
	th->cksum = 0;
	assert_int_equal(rte_ipv4_udptcp_cksum(ip, th), tcpc);
	th->cksum = tcpc;
	ip->hdr_checksum = ipc;
	/* and back again gives the original bytes */
	assert_int_equal(xlate_parse(m, &t), 0);
	xlate_src(m, &t, inet_addr("10.0.0.1"), rte_cpu_to_be_16(1234));
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), tcp4, sizeof(tcp4));
	rte_pktmbuf_free(m);
}

static void
test_partial_checksum_gets_the_pseudo_header_update(void **state)
{
	struct rte_mbuf *m = test_mbuf(tcp4, sizeof(tcp4));
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	struct xlate_tuple t;

	(void)state;
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = 20;
	m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	th->cksum = rte_ipv4_phdr_cksum(ip, 0);         /* as a veth leaves it */
	assert_int_equal(xlate_parse(m, &t), 0);
	xlate_dst(m, &t, inet_addr("172.17.0.9"), rte_cpu_to_be_16(8080));
	/* the field is the new pseudo-header sum, whatever the port */
	assert_int_equal(th->cksum, rte_ipv4_phdr_cksum(ip, 0));
	/* and completing it gives a right checksum */
	assert_int_equal(offload_csum_complete(m), 0);
	assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, th), 0);
	rte_pktmbuf_free(m);
}

static void
test_rfc1624_vectors(void **state)
{
	/* RFC 1624 section 4: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285, HC' = 0x0000 */
	uint16_t hc = htons(0xdd2f);

	(void)state;
	csum_replace2(&hc, htons(0x5555), htons(0x3285));
	assert_int_equal(ntohs(hc), 0x0000);
	/* a partial sum: P + ~m + m' */
	hc = htons(0x1234);
	csum_partial_replace4(&hc, htonl(0x0a000001), htonl(0x0a000002));
	assert_int_equal(ntohs(hc), 0x1235);
}

/* ---- the session table ------------------------------------------------------ */

static struct napt *
make_napt(uint32_t sessions, uint32_t per_host, enum topo_nat_filter f)
{
	struct napt_params p = {
		.sessions = sessions, .per_host = per_host, .port_lo = 1024,
		.port_hi = 65535, .filtering = f, .t_udp = 300, .t_tcp_est = 7440,
		.t_tcp_trans = 240, .t_icmp = 60, .socket = SOCKET_ID_ANY,
	};
	char err[128];
	struct napt *n = napt_create(&p, err, sizeof(err));

	assert_non_null(n);
	assert_int_equal(napt_add_external(n, inet_addr("198.51.100.2")), 0);
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

/* Send 'm' out through NAT; returns the verdict and its external port. */
static int
out(struct napt *n, struct rte_mbuf *m, uint32_t now, uint16_t *ext_port)
{
	int rc = napt_outbound(n, m, inet_addr("198.51.100.2"), now);

	*ext_port = ntohs(*rte_pktmbuf_mtod_offset(m, uint16_t *, 34));
	rte_pktmbuf_free(m);
	return rc;
}

static int
in(struct napt *n, struct rte_mbuf *m, uint32_t now)
{
	int rc = napt_inbound(n, m, now);

	rte_pktmbuf_free(m);
	return rc;
}

static void
test_eim_and_filtering(void **state)
{
	enum topo_nat_filter f;
	uint16_t p1, p2;

	(void)state;
	for (f = TOPO_NAT_EIF; f <= TOPO_NAT_APDF; f++) {
		struct napt *n = make_napt(1024, 64, f);

		/* one inside endpoint, two destinations: one external port */
		assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.2", 5000,
					      "203.0.113.1", 53, 0), 10, &p1), 0);
		assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.2", 5000,
					      "203.0.113.2", 53, 0), 10, &p2), 0);
		assert_int_equal(p1, p2);
		assert_int_equal(n->n_mappings, 1);
		assert_int_equal(n->n_sessions, 2);
		/* the exact remote always gets in */
		assert_int_equal(in(n, frame(IPPROTO_UDP, "203.0.113.1", 53,
					     "198.51.100.2", p1, 0), 11), 0);
		/* same address, other port: EIF and ADF yes, APDF no */
		assert_int_equal(in(n, frame(IPPROTO_UDP, "203.0.113.1", 54,
					     "198.51.100.2", p1, 0), 11),
				 f == TOPO_NAT_APDF ? VSW_DROP_NAT_FILTERED : 0);
		/* another address: only EIF */
		assert_int_equal(in(n, frame(IPPROTO_UDP, "203.0.113.9", 53,
					     "198.51.100.2", p1, 0), 11),
				 f == TOPO_NAT_EIF ? 0 : VSW_DROP_NAT_FILTERED);
		/* no mapping at all */
		assert_int_equal(in(n, frame(IPPROTO_UDP, "203.0.113.1", 53,
					     "198.51.100.2", 9999, 0), 11),
				 VSW_DROP_NAT_NO_MAPPING);
		napt_free(n);
	}
}

static int
out_via(struct napt *n, struct rte_mbuf *m, const char *ext, uint32_t now)
{
	int rc = napt_outbound(n, m, inet_addr(ext), now);

	rte_pktmbuf_free(m);
	return rc;
}

/* An external address taken away (its routed port removed at run
 * time): its sessions and mappings go, the other address's stay, and the
 * slot serves the next address. */
static void
test_del_external(void **state)
{
	struct napt *n = make_napt(1024, 64, TOPO_NAT_APDF);
	uint16_t p1;
	int rc;

	(void)state;
	assert_int_equal(napt_add_external(n, inet_addr("203.0.113.200")), 1);
	assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.2", 5000, "203.0.113.1", 53, 0),
			     10, &p1), 0);
	rc = out_via(n, frame(IPPROTO_UDP, "172.17.0.3", 5000, "203.0.113.1", 53, 0),
		     "203.0.113.200", 10);
	assert_int_equal(rc, 0);
	assert_int_equal(n->n_sessions, 2);
	assert_int_equal(napt_del_external(n, inet_addr("198.51.100.2"), 11), 1);
	assert_int_equal(n->n_sessions, 1);
	assert_int_equal(n->n_mappings, 1);
	assert_false(napt_is_external(n, inet_addr("198.51.100.2")));
	assert_false(napt_is_external(n, 0));
	assert_true(napt_is_external(n, inet_addr("203.0.113.200")));
	/* nothing comes in for it any more */
	assert_int_not_equal(in(n, frame(IPPROTO_UDP, "203.0.113.1", 53, "198.51.100.2", p1, 0),
				12), 0);
	assert_int_equal(napt_del_external(n, inet_addr("198.51.100.2"), 12), 0);
	/* the slot is the next address's, and it translates */
	assert_int_equal(napt_add_external(n, inet_addr("198.51.100.9")), 0);
	rc = out_via(n, frame(IPPROTO_UDP, "172.17.0.2", 5000, "203.0.113.1", 53, 0),
		     "198.51.100.9", 13);
	assert_int_equal(rc, 0);
	assert_int_equal(n->n_sessions, 2);
	napt_free(n);
}

static void
test_tcp_states_with_an_injected_clock(void **state)
{
	struct napt *n = make_napt(1024, 64, TOPO_NAT_APDF);
	const struct napt_session *s;
	uint16_t p;

	(void)state;
	assert_int_equal(out(n, frame(IPPROTO_TCP, "172.17.0.2", 6000, "203.0.113.1",
				      80, RTE_TCP_SYN_FLAG), 100, &p), 0);
	s = &n->s[0];
	assert_string_equal(napt_state_name(s), "opening");
	assert_int_equal(s->expire, 100 + 240);           /* transitory */
	assert_int_equal(in(n, frame(IPPROTO_TCP, "203.0.113.1", 80, "198.51.100.2", p,
				     RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG), 101), 0);
	assert_int_equal(out(n, frame(IPPROTO_TCP, "172.17.0.2", 6000, "203.0.113.1",
				      80, RTE_TCP_ACK_FLAG), 102, &p), 0);
	assert_string_equal(napt_state_name(s), "established");
	assert_int_equal(s->expire, 102 + 7440);
	/* inbound refreshes TCP */
	assert_int_equal(in(n, frame(IPPROTO_TCP, "203.0.113.1", 80, "198.51.100.2", p,
				     RTE_TCP_ACK_FLAG), 5000), 0);
	assert_int_equal(s->expire, 5000 + 7440);
	/* a FIN makes it transitory */
	assert_int_equal(out(n, frame(IPPROTO_TCP, "172.17.0.2", 6000, "203.0.113.1",
				      80, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG), 6000, &p), 0);
	assert_string_equal(napt_state_name(s), "closing");
	assert_int_equal(s->expire, 6000 + 240);
	/* an RST too, and after the timeout it is gone */
	assert_int_equal(in(n, frame(IPPROTO_TCP, "203.0.113.1", 80, "198.51.100.2", p,
				     RTE_TCP_RST_FLAG), 6001), 0);
	assert_string_equal(napt_state_name(s), "reset");
	napt_expire(n, 6001 + 240, 1024);
	assert_int_equal(n->n_sessions, 1);
	napt_expire(n, 6001 + 241, 1024);
	assert_int_equal(n->n_sessions, 0);
	assert_int_equal(n->n_mappings, 0);
	assert_int_equal(n->st.sessions_expired, 1);
	/* inbound without a session is refused even on the old port */
	assert_int_equal(in(n, frame(IPPROTO_TCP, "203.0.113.1", 80, "198.51.100.2", p,
				     RTE_TCP_ACK_FLAG), 7000), VSW_DROP_NAT_NO_MAPPING);
	napt_free(n);
}

static void
test_udp_refresh_is_outbound_only(void **state)
{
	struct napt *n = make_napt(1024, 64, TOPO_NAT_APDF);
	uint16_t p;

	(void)state;
	assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.2", 7000, "203.0.113.1",
				      53, 0), 10, &p), 0);
	assert_int_equal(in(n, frame(IPPROTO_UDP, "203.0.113.1", 53, "198.51.100.2", p, 0),
			    300), 0);
	/* that answer did not extend it: at 311 it is gone */
	assert_int_equal(in(n, frame(IPPROTO_UDP, "203.0.113.1", 53, "198.51.100.2", p, 0),
			    311), VSW_DROP_NAT_NO_MAPPING);
	napt_free(n);
}

static void
test_limits(void **state)
{
	struct napt *n = make_napt(1024, 3, TOPO_NAT_APDF);
	uint16_t p;
	unsigned i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.2", (uint16_t)(8000 + i),
					      "203.0.113.1", 53, 0), 10, &p), 0);
	assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.2", 8100, "203.0.113.1", 53, 0),
			     10, &p), VSW_DROP_NAT_HOST_LIMIT);
	/* other hosts are not held back by one */
	assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.3", 8100, "203.0.113.1", 53, 0),
			     10, &p), 0);
	napt_free(n);

	/* a full table drops and counts, and never crashes */
	n = make_napt(1024, 4096, TOPO_NAT_APDF);
	for (i = 0; i < 1024; i++)
		assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.2", (uint16_t)(2000 + i),
					      "203.0.113.1", 53, 0), 10, &p), 0);
	assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.2", 9999, "203.0.113.1", 53, 0),
			     10, &p), VSW_DROP_NAT_FULL);
	assert_int_equal(n->n_sessions, 1024);
	/* room comes back with expiry */
	napt_expire(n, 10 + 301, 4096);
	assert_int_equal(n->n_sessions, 0);
	assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.2", 9999, "203.0.113.1", 53, 0),
			     400, &p), 0);
	napt_free(n);
}

static void
test_published_port(void **state)
{
	struct napt *n = make_napt(1024, 64, TOPO_NAT_APDF);
	struct rte_mbuf *m;
	uint16_t p;

	(void)state;
	assert_int_equal(napt_publish(n, IPPROTO_TCP, inet_addr("198.51.100.2"), 8080,
				      inet_addr("172.17.0.2"), 80), 0);
	assert_int_equal(napt_publish(n, IPPROTO_TCP, inet_addr("198.51.100.2"), 8080,
				      inet_addr("172.17.0.3"), 80), -EADDRINUSE);
	/* anyone may open it; the inside endpoint sees the real client */
	m = frame(IPPROTO_TCP, "203.0.113.7", 4444, "198.51.100.2", 8080, RTE_TCP_SYN_FLAG);
	assert_int_equal(napt_inbound(n, m, 5), 0);
	assert_int_equal(rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->dst_addr,
			 inet_addr("172.17.0.2"));
	assert_int_equal(rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->src_addr,
			 inet_addr("203.0.113.7"));
	assert_int_equal(ntohs(*rte_pktmbuf_mtod_offset(m, uint16_t *, 36)), 80);
	rte_pktmbuf_free(m);
	/* the answer leaves from 8080 */
	assert_int_equal(out(n, frame(IPPROTO_TCP, "172.17.0.2", 80, "203.0.113.7", 4444,
				      RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG), 6, &p), 0);
	assert_int_equal(p, 8080);
	/* the published mapping outlives its sessions, and its port is kept */
	napt_expire(n, 100000, 2048);
	assert_int_equal(n->n_sessions, 0);
	assert_int_equal(n->n_mappings, 1);
	napt_free(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports_preserve_random_privileged),
		cmocka_unit_test(test_ports_exhaustion_and_hold),
		cmocka_unit_test(test_incremental_checksums_match_full_ones),
		cmocka_unit_test(test_partial_checksum_gets_the_pseudo_header_update),
		cmocka_unit_test(test_rfc1624_vectors),
		cmocka_unit_test(test_eim_and_filtering),
		cmocka_unit_test(test_del_external),
		cmocka_unit_test(test_tcp_states_with_an_injected_clock),
		cmocka_unit_test(test_udp_refresh_is_outbound_only),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_published_port),
	};

	return cmocka_run_group_tests(tests, test_eal_setup, test_eal_teardown);
}
