/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NAT table against RFC 4787 (NAT behavioural requirements for UDP) and
 * its update RFC 7857, one test per requirement, with an injected clock.
 * What needs the router (address pooling, hairpinning, fragments, the
 * defaults of a topology) is in tests/netns/test_rfc4787.py,
 * tests/netns/test_rfc7857.py and tests/pcap/rfc4787_*.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "nat/napt.h"
#include "nat/xlate.h"
#include "helpers.h"

#define EXT "198.51.100.2"

static struct napt *
make_napt(enum topo_nat_filter f, uint16_t lo, uint16_t hi, uint64_t seed)
{
	struct napt_params p = {
		.sessions = 1024, .per_host = 1024, .port_lo = lo, .port_hi = hi,
		.filtering = f, .t_udp = 300, .t_tcp_est = 7440, .t_tcp_trans = 240,
		.t_icmp = 60, .socket = SOCKET_ID_ANY, .seed = seed,
	};
	char err[128];
	struct napt *n = napt_create(&p, err, sizeof(err));

	assert_non_null(n);
	assert_int_equal(napt_add_external(n, inet_addr(EXT)), 0);
	return n;
}

/* An IPv4 header at 'ip' for 'l4len' bytes of 'proto'. */
static void
ip_hdr(struct rte_ipv4_hdr *ip, uint8_t proto, const char *src, const char *dst,
       unsigned l4len)
{
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(20 + l4len));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = inet_addr(src);
	ip->dst_addr = inet_addr(dst);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static struct rte_mbuf *
finish(uint8_t *buf, unsigned len)
{
	struct rte_mbuf *m = test_mbuf(buf, len);

	m->l2_len = 14;
	m->l3_len = 20;
	return m;
}

/* Ethernet/IPv4/TCP or UDP with right checksums. */
static struct rte_mbuf *
frame(uint8_t proto, const char *src, uint16_t sport, const char *dst,
      uint16_t dport, uint8_t tcp_flags)
{
	uint8_t buf[14 + 20 + 20] = { 0 };
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);
	unsigned l4 = proto == IPPROTO_TCP ? 20 : 8;

	buf[12] = 0x08;
	ip_hdr(ip, proto, src, dst, l4);
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
	return finish(buf, 14 + 20 + l4);
}

/* An ICMP echo request (type 8) or reply (0) with identifier 'id'. */
static struct rte_mbuf *
echo(uint8_t type, const char *src, const char *dst, uint16_t id)
{
	uint8_t buf[14 + 20 + 8] = { 0 };
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);
	struct rte_icmp_hdr *ih = (struct rte_icmp_hdr *)(ip + 1);

	buf[12] = 0x08;
	ip_hdr(ip, IPPROTO_ICMP, src, dst, 8);
	ih->icmp_type = type;
	ih->icmp_ident = htons(id);
	ih->icmp_seq_nb = htons(1);
	ih->icmp_cksum = (uint16_t)~rte_raw_cksum(ih, 8);
	return finish(buf, sizeof(buf));
}

/*
 * An ICMP error 'type'/'code' from 'src' to 'dst' quoting a UDP packet
 * qsrc:qsport -> qdst:qdport (its IP header and 8 bytes).
 */
static struct rte_mbuf *
icmp_error(uint8_t type, uint8_t code, const char *src, const char *dst,
	   const char *qsrc, uint16_t qsport, const char *qdst, uint16_t qdport)
{
	uint8_t buf[14 + 20 + 8 + 20 + 8] = { 0 };
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);
	struct rte_icmp_hdr *ih = (struct rte_icmp_hdr *)(ip + 1);
	struct rte_ipv4_hdr *qip = (struct rte_ipv4_hdr *)(ih + 1);
	struct rte_udp_hdr *quh = (struct rte_udp_hdr *)(qip + 1);

	buf[12] = 0x08;
	ip_hdr(ip, IPPROTO_ICMP, src, dst, 8 + 28);
	ih->icmp_type = type;
	ih->icmp_code = code;
	ip_hdr(qip, IPPROTO_UDP, qsrc, qdst, 8);
	quh->src_port = htons(qsport);
	quh->dst_port = htons(qdport);
	quh->dgram_len = htons(8);
	quh->dgram_cksum = rte_ipv4_udptcp_cksum(qip, quh);
	ih->icmp_cksum = (uint16_t)~rte_raw_cksum(ih, 8 + 28);
	return finish(buf, sizeof(buf));
}

/* Out through NAT: the verdict; '*port' the external port (or id). */
static int
out(struct napt *n, struct rte_mbuf *m, uint32_t now, uint16_t *port)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	int rc = napt_outbound(n, m, inet_addr(EXT), now);

	if (port != NULL)
		*port = ntohs(*rte_pktmbuf_mtod_offset(m, uint16_t *,
			34 + (ip->next_proto_id == IPPROTO_ICMP ? 4 : 0)));
	if (rc == 0)
		assert_int_equal(ip->src_addr, inet_addr(EXT));
	rte_pktmbuf_free(m);
	return rc;
}

/* In through NAT: the verdict; '*to' the inside address it goes to. */
static int
in_to(struct napt *n, struct rte_mbuf *m, uint32_t now, rte_be32_t *to)
{
	int rc = napt_inbound(n, m, now);

	if (to != NULL)
		*to = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->dst_addr;
	rte_pktmbuf_free(m);
	return rc;
}

static int
in(struct napt *n, struct rte_mbuf *m, uint32_t now)
{
	return in_to(n, m, now, NULL);
}

static uint16_t
udp_out(struct napt *n, const char *src, uint16_t sport, const char *dst,
	uint16_t dport, uint32_t now)
{
	uint16_t p;

	assert_int_equal(out(n, frame(IPPROTO_UDP, src, sport, dst, dport, 0), now, &p), 0);
	return p;
}

static int
udp_in(struct napt *n, const char *src, uint16_t sport, uint16_t ext_port, uint32_t now)
{
	return in(n, frame(IPPROTO_UDP, src, sport, EXT, ext_port, 0), now);
}

/* ---- RFC 4787 ----------------------------------------------------------------- */

/* REQ-1: "A NAT MUST have an 'Endpoint-Independent Mapping' behavior." */
static void
test_rfc4787_req1_endpoint_independent_mapping(void **state)
{
	struct napt *n = make_napt(TOPO_NAT_APDF, 1024, 65535, 1);
	uint16_t p;

	(void)state;
	p = udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, 10);
	/* another port of the same remote, another remote, both at once */
	assert_int_equal(udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 54, 11), p);
	assert_int_equal(udp_out(n, "172.17.0.2", 5000, "203.0.113.2", 53, 12), p);
	assert_int_equal(udp_out(n, "172.17.0.2", 5000, "203.0.113.3", 9, 13), p);
	assert_int_equal(n->n_mappings, 1);
	assert_int_equal(n->n_sessions, 4);
	napt_free(n);
}

/*
 * REQ-3: "A NAT MUST NOT have a 'Port assignment' behavior of 'Port
 * overloading'" (a: 0-1023 stays in 0-1023, 1024-65535 in 1024-65535).
 */
static void
test_rfc4787_req3_no_port_overloading(void **state)
{
	struct napt *n = make_napt(TOPO_NAT_APDF, 1024, 65535, 7);
	uint16_t a, b, pa, pb;
	rte_be32_t to;

	(void)state;
	/* two hosts, one inside port: two external ports */
	a = udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, 10);
	b = udp_out(n, "172.17.0.3", 5000, "203.0.113.1", 53, 10);
	assert_int_equal(a, 5000);
	assert_int_not_equal(a, b);
	assert_true(b >= 1024);
	/* each answer reaches its own host */
	assert_int_equal(in_to(n, frame(IPPROTO_UDP, "203.0.113.1", 53, EXT, a, 0), 11, &to), 0);
	assert_int_equal(to, inet_addr("172.17.0.2"));
	assert_int_equal(in_to(n, frame(IPPROTO_UDP, "203.0.113.1", 53, EXT, b, 0), 11, &to), 0);
	assert_int_equal(to, inet_addr("172.17.0.3"));
	/* REQ-3a: a privileged port stays privileged, others stay above */
	pa = udp_out(n, "172.17.0.2", 500, "203.0.113.1", 53, 12);
	pb = udp_out(n, "172.17.0.3", 500, "203.0.113.1", 53, 12);
	assert_int_equal(pa, 500);
	assert_true(pb >= 1 && pb < 1024 && pb != 500);
	napt_free(n);
}

/*
 * REQ-4: "It is RECOMMENDED that a NAT have a 'Port parity preservation'
 * behavior of 'Yes'." vsw keeps the inside port when it is free (so its
 * parity); a taken port is replaced by a random one of either parity
 * (RFC 7857 section 9: a NAT MAY disable parity preservation).
 */
static void
test_rfc4787_req4_port_parity_preserved_with_the_port(void **state)
{
	struct napt *n = make_napt(TOPO_NAT_APDF, 1024, 65535, 3);
	uint16_t i;

	(void)state;
	for (i = 0; i < 16; i++) {
		uint16_t want = (uint16_t)(6000 + i * 3);       /* odd and even */
		uint16_t p = udp_out(n, "172.17.0.2", want, "203.0.113.1", 53, 10);

		assert_int_equal(p, want);
		assert_int_equal(p & 1, want & 1);
	}
	napt_free(n);
}

/*
 * REQ-5: "A NAT UDP mapping timer MUST NOT expire in less than two
 * minutes" (c: a default of five minutes or more is RECOMMENDED). With
 * nat_timeout_udp = 300 (the default, see tests/pcap/rfc4787_udp_timer):
 * alive 299 and 300 s after the last outbound packet, gone at 301 s.
 */
static void
test_rfc4787_req5_udp_mapping_timer(void **state)
{
	struct napt *n = make_napt(TOPO_NAT_APDF, 1024, 65535, 1);
	uint16_t p;

	(void)state;
	p = udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, 1000);
	assert_int_equal(udp_in(n, "203.0.113.1", 53, p, 1000 + 120), 0);
	assert_int_equal(udp_in(n, "203.0.113.1", 53, p, 1000 + 299), 0);
	assert_int_equal(udp_in(n, "203.0.113.1", 53, p, 1000 + 300), 0);
	napt_expire(n, 1000 + 300, 1024);
	assert_int_equal(n->n_mappings, 1);
	assert_int_equal(udp_in(n, "203.0.113.1", 53, p, 1000 + 301),
			 VSW_DROP_NAT_NO_MAPPING);
	assert_int_equal(n->n_mappings, 0);
	napt_free(n);
}

/*
 * REQ-6: "The NAT mapping Refresh Direction MUST have a 'NAT Outbound
 * refresh behavior' of 'True'." (a: inbound refresh MAY be True; vsw:
 * False for UDP.)
 */
static void
test_rfc4787_req6_outbound_refresh(void **state)
{
	struct napt *n = make_napt(TOPO_NAT_APDF, 1024, 65535, 1);
	uint16_t p;

	(void)state;
	p = udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, 0);
	/* an outbound packet on the session at 250 s keeps it to 550 s */
	assert_int_equal(udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, 250), p);
	assert_int_equal(udp_in(n, "203.0.113.1", 53, p, 549), 0);
	/* inbound at 549 did not refresh it: gone at 551 */
	assert_int_equal(udp_in(n, "203.0.113.1", 53, p, 551), VSW_DROP_NAT_NO_MAPPING);
	napt_free(n);

	/* an outbound packet to another remote refreshes the mapping: the
	 * mapping lives while any of its sessions does */
	n = make_napt(TOPO_NAT_EIF, 1024, 65535, 1);
	p = udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, 0);
	assert_int_equal(udp_out(n, "172.17.0.2", 5000, "203.0.113.2", 53, 250), p);
	assert_int_equal(udp_in(n, "203.0.113.9", 53, p, 549), 0);
	napt_free(n);
}

/*
 * REQ-8: "If application transparency is most important, it is
 * RECOMMENDED that a NAT have an 'Endpoint-Independent Filtering'
 * behavior. If a more stringent filtering behavior is most important, it
 * is RECOMMENDED that a NAT have an 'Address-Dependent Filtering'
 * behavior." (a: configurable: nat_filtering, default
 * address-port-dependent.)
 */
static void
test_rfc4787_req8_filtering(void **state)
{
	enum topo_nat_filter f;

	(void)state;
	for (f = TOPO_NAT_EIF; f <= TOPO_NAT_APDF; f++) {
		struct napt *n = make_napt(f, 1024, 65535, 1);
		uint16_t p = udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, 10);

		assert_int_equal(udp_in(n, "203.0.113.1", 53, p, 11), 0);
		assert_int_equal(udp_in(n, "203.0.113.1", 99, p, 11),
				 f == TOPO_NAT_APDF ? VSW_DROP_NAT_FILTERED : 0);
		assert_int_equal(udp_in(n, "203.0.113.7", 53, p, 11),
				 f == TOPO_NAT_EIF ? 0 : VSW_DROP_NAT_FILTERED);
		napt_free(n);
	}
}

/*
 * REQ-11: "A NAT MUST have deterministic behavior, i.e., it MUST NOT
 * change the NAT translation or the Filtering Behavior at any point in
 * time, or under any particular conditions." Near exhaustion (one port
 * left, one session left) and after an expiry the mapping stays
 * endpoint-independent and the filter address-port-dependent: a full table
 * refuses new sessions, it does not change how it maps or filters.
 */
static void
test_rfc4787_req11_deterministic(void **state)
{
	struct napt *n = make_napt(TOPO_NAT_APDF, 7000, 7002, 1);
	unsigned round;

	(void)state;
	for (round = 0; round < 2; round++) {
		uint32_t t = round * 1000;
		uint16_t a, b, c;

		a = udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, t);
		b = udp_out(n, "172.17.0.3", 5000, "203.0.113.1", 53, t);
		c = udp_out(n, "172.17.0.4", 5000, "203.0.113.1", 53, t);
		/* every port taken: new destinations of existing mappings still
		 * use their mapping, a new endpoint is refused, not overloaded */
		assert_int_equal(udp_out(n, "172.17.0.2", 5000, "203.0.113.9", 1, t), a);
		assert_int_equal(udp_out(n, "172.17.0.4", 5000, "203.0.113.9", 2, t), c);
		assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.5", 5000, "203.0.113.1",
					      53, 0), t, NULL), VSW_DROP_NAT_NO_PORT);
		assert_int_not_equal(a, b);
		/* the filter is the same at the limit */
		assert_int_equal(udp_in(n, "203.0.113.1", 53, b, t), 0);
		assert_int_equal(udp_in(n, "203.0.113.1", 54, b, t), VSW_DROP_NAT_FILTERED);
		assert_int_equal(udp_in(n, "203.0.113.2", 53, b, t), VSW_DROP_NAT_FILTERED);
		/* all expire; the freed ports are held 120 s, then the same
		 * behaviour again */
		napt_expire(n, t + 301, 4096);
		assert_int_equal(n->n_sessions, 0);
		assert_int_equal(n->n_mappings, 0);
	}
	napt_free(n);
}

/*
 * REQ-12: "Receipt of any sort of ICMP message MUST NOT terminate the NAT
 * mapping." (a: ICMP not filtered by its source address; b: ICMP
 * destination unreachable supported.) Every error type vsw knows, about
 * the session and from a router that is not the remote, is translated to
 * the inside host; the session, its mapping and its expiry stay.
 */
static void
test_rfc4787_req12_icmp_does_not_terminate_mapping(void **state)
{
	static const uint8_t errs[][2] = {
		{ 3, 0 }, { 3, 1 }, { 3, 3 }, { 3, 4 }, { 3, 10 }, { 3, 13 },
		{ 11, 0 }, { 12, 0 },
	};
	struct napt *n = make_napt(TOPO_NAT_APDF, 1024, 65535, 1);
	uint32_t expire;
	rte_be32_t to;
	uint16_t p;
	unsigned i;

	(void)state;
	p = udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, 10);
	expire = n->s[0].expire;
	for (i = 0; i < RTE_DIM(errs); i++) {
		const char *from = i % 2 ? "203.0.113.1" : "192.0.2.254";

		assert_int_equal(in_to(n, icmp_error(errs[i][0], errs[i][1], from, EXT,
						     EXT, p, "203.0.113.1", 53),
				       20 + i, &to), 0);
		assert_int_equal(to, inet_addr("172.17.0.2"));
	}
	assert_int_equal(n->st.icmp_errors, RTE_DIM(errs));
	assert_int_equal(n->n_mappings, 1);
	assert_int_equal(n->n_sessions, 1);
	assert_int_equal(n->s[0].expire, expire);
	assert_int_equal(udp_in(n, "203.0.113.1", 53, p, 30), 0);
	/* and the mapping is the same one for the next packet out */
	assert_int_equal(udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, 31), p);
	napt_free(n);
}

/* ---- RFC 7857 ------------------------------------------------------------------ */

/*
 * RFC 7857 section 6: "EIM mappings are protocol dependent ... The default
 * value of this configuration parameter MUST be protocol-dependent EIM."
 * A UDP mapping is not a TCP mapping: one external port can belong to two
 * hosts, one per protocol, and TCP from the UDP mapping's host gets a
 * mapping of its own.
 */
static void
test_rfc7857_eim_protocol_independent(void **state)
{
	struct napt *n = make_napt(TOPO_NAT_EIF, 1024, 65535, 1);
	rte_be32_t to;
	uint16_t pu, pt;

	(void)state;
	pu = udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, 10);
	assert_int_equal(out(n, frame(IPPROTO_TCP, "172.17.0.3", 5000, "203.0.113.1", 80,
				      RTE_TCP_SYN_FLAG), 10, &pt), 0);
	assert_int_equal(pu, 5000);
	assert_int_equal(pt, 5000);
	assert_int_equal(n->n_mappings, 2);
	assert_int_equal(in_to(n, frame(IPPROTO_UDP, "203.0.113.1", 53, EXT, 5000, 0), 11,
			       &to), 0);
	assert_int_equal(to, inet_addr("172.17.0.2"));
	assert_int_equal(in_to(n, frame(IPPROTO_TCP, "203.0.113.1", 80, EXT, 5000,
					RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG), 11, &to), 0);
	assert_int_equal(to, inet_addr("172.17.0.3"));
	/* the UDP host's TCP from the same port: a mapping of its own */
	assert_int_equal(out(n, frame(IPPROTO_TCP, "172.17.0.2", 5000, "203.0.113.1", 80,
				      RTE_TCP_SYN_FLAG), 12, &pt), 0);
	assert_int_not_equal(pt, 5000);
	assert_int_equal(n->n_mappings, 3);
	napt_free(n);
}

/*
 * RFC 7857 section 7: "EIF mappings are protocol dependent ... The default
 * value of this configuration parameter MUST be protocol-dependent EIF."
 * With endpoint-independent filtering, a UDP mapping lets in UDP from
 * anyone, never TCP (nor ICMP echo) to its port.
 */
static void
test_rfc7857_eif_protocol_independent(void **state)
{
	struct napt *n = make_napt(TOPO_NAT_EIF, 1024, 65535, 1);
	uint16_t p;

	(void)state;
	p = udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, 10);
	assert_int_equal(udp_in(n, "203.0.113.50", 4000, p, 11), 0);
	assert_int_equal(in(n, frame(IPPROTO_TCP, "203.0.113.50", 4000, EXT, p,
				     RTE_TCP_SYN_FLAG), 11), VSW_DROP_NAT_NO_MAPPING);
	assert_int_equal(in(n, echo(0, "203.0.113.50", EXT, p), 11), VSW_DROP_NAT_NO_MAPPING);
	napt_free(n);
}

/*
 * RFC 7857 section 8.1: "ICMP Errors or TCP RST outbound packets sent as
 * response to inbound packets SHOULD NOT refresh the mapping." An inside
 * host's port unreachable about an inbound packet is translated out and
 * leaves the session's expiry where it was.
 */
static void
test_rfc7857_outbound_icmp_error_does_not_refresh(void **state)
{
	struct napt *n = make_napt(TOPO_NAT_EIF, 1024, 65535, 1);
	uint32_t expire;
	uint16_t p;

	(void)state;
	p = udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, 10);
	/* a packet from another remote opens a session (EIF) */
	assert_int_equal(udp_in(n, "203.0.113.50", 4000, p, 100), 0);
	expire = n->s[1].expire;
	assert_int_equal(n->s[1].rem_ip, inet_addr("203.0.113.50"));
	/* the host answers it with port unreachable, 200 s later */
	assert_int_equal(out(n, icmp_error(3, 3, "172.17.0.2", "203.0.113.50",
					   "203.0.113.50", 4000, "172.17.0.2", 5000),
			     300, NULL), 0);
	assert_int_equal(n->st.icmp_errors, 1);
	assert_int_equal(n->s[1].expire, expire);
	assert_int_equal(n->s[0].expire, 10 + 300);
	/* so it ends when it would have without the error */
	napt_expire(n, expire + 1, 4096);
	assert_int_equal(n->n_sessions, 0);
	assert_int_equal(udp_in(n, "203.0.113.50", 4000, p, expire + 2),
			 VSW_DROP_NAT_NO_MAPPING);
	napt_free(n);
}

/*
 * RFC 7857 section 5: "if APP is enabled, new sessions from a host that
 * already has a mapping associated with an external IP that ran out of
 * ports SHOULD be dropped." Two external addresses; the host's address
 * has no port left: dropped, never a mapping on the other address.
 */
static void
test_rfc7857_paired_pooling_out_of_ports_drops(void **state)
{
	struct napt *n = make_napt(TOPO_NAT_APDF, 7000, 7001, 1);
	unsigned i;

	(void)state;
	assert_int_equal(napt_add_external(n, inet_addr("203.0.113.2")), 1);
	udp_out(n, "172.17.0.2", 5000, "203.0.113.1", 53, 10);
	udp_out(n, "172.17.0.2", 5001, "203.0.113.1", 53, 10);
	assert_int_equal(out(n, frame(IPPROTO_UDP, "172.17.0.2", 5002, "203.0.113.1", 53,
				      0), 10, NULL), VSW_DROP_NAT_NO_PORT);
	assert_int_equal(n->n_mappings, 2);
	for (i = 0; i < n->n_max_mappings; i++)
		if (n->m[i].used)
			assert_int_equal(n->m[i].ext_ip, inet_addr(EXT));
	napt_free(n);
}

/*
 * RFC 7857 section 3.2: "when the NAT receives a TCP RST matching an
 * existing mapping, it MUST translate the packet according to the NAT
 * mapping entry. Moreover, the NAT SHOULD wait for 4 minutes before
 * deleting the session".
 */
static void
test_rfc7857_tcp_rst_translated_and_held(void **state)
{
	struct napt *n = make_napt(TOPO_NAT_APDF, 1024, 65535, 1);
	rte_be32_t to;
	uint16_t p;

	(void)state;
	assert_int_equal(out(n, frame(IPPROTO_TCP, "172.17.0.2", 6000, "203.0.113.1", 80,
				      RTE_TCP_SYN_FLAG), 10, &p), 0);
	assert_int_equal(in(n, frame(IPPROTO_TCP, "203.0.113.1", 80, EXT, p,
				     RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG), 10), 0);
	assert_int_equal(out(n, frame(IPPROTO_TCP, "172.17.0.2", 6000, "203.0.113.1", 80,
				      RTE_TCP_ACK_FLAG), 10, &p), 0);
	assert_int_equal(in_to(n, frame(IPPROTO_TCP, "203.0.113.1", 80, EXT, p,
					RTE_TCP_RST_FLAG), 1000, &to), 0);
	assert_int_equal(to, inet_addr("172.17.0.2"));
	napt_expire(n, 1000 + 240, 1024);
	assert_int_equal(n->n_sessions, 1);
	napt_expire(n, 1000 + 241, 1024);
	assert_int_equal(n->n_sessions, 0);
	napt_free(n);
}

/*
 * RFC 7857 section 10: "A NAT SHOULD follow the recommendations specified
 * in Section 4 of [RFC6056]" (obfuscate the port when it must change).
 * Eight hosts on one inside port: the first keeps it, the others get ports
 * that are not a sequence, and another table (seed) picks other ones.
 */
static void
test_rfc7857_port_randomization(void **state)
{
	uint16_t p[2][8];
	unsigned s, i, steps = 0, same = 0;

	(void)state;
	for (s = 0; s < 2; s++) {
		struct napt *n = make_napt(TOPO_NAT_APDF, 1024, 65535, 11 + s * 1000);

		for (i = 0; i < 8; i++) {
			char host[16];

			snprintf(host, sizeof(host), "172.17.0.%u", 2 + i);
			p[s][i] = udp_out(n, host, 5000, "203.0.113.1", 53, 10);
		}
		napt_free(n);
	}
	assert_int_equal(p[0][0], 5000);
	assert_int_equal(p[1][0], 5000);
	for (i = 2; i < 8; i++) {
		steps += p[0][i] == p[0][i - 1] + 1;
		same += p[0][i] == p[1][i];
	}
	assert_true(steps < 3);
	assert_true(same < 3);
}

/*
 * RFC 7857 section 12: "ICMP Query Mappings MAY be deleted once the last
 * session using the mapping is deleted." vsw does: an echo's mapping goes
 * with its session, 60 s after the last request.
 */
static void
test_rfc7857_icmp_query_mapping_timeout(void **state)
{
	struct napt *n = make_napt(TOPO_NAT_APDF, 1024, 65535, 1);
	uint16_t id;

	(void)state;
	assert_int_equal(out(n, echo(8, "172.17.0.2", "203.0.113.1", 77), 10, &id), 0);
	assert_int_equal(in(n, echo(0, "203.0.113.1", EXT, id), 70), 0);
	napt_expire(n, 70, 1024);
	assert_int_equal(n->n_mappings, 1);
	napt_expire(n, 71, 1024);
	assert_int_equal(n->n_sessions, 0);
	assert_int_equal(n->n_mappings, 0);
	assert_int_equal(in(n, echo(0, "203.0.113.1", EXT, id), 71), VSW_DROP_NAT_NO_MAPPING);
	napt_free(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4787_req1_endpoint_independent_mapping),
		cmocka_unit_test(test_rfc4787_req3_no_port_overloading),
		cmocka_unit_test(test_rfc4787_req4_port_parity_preserved_with_the_port),
		cmocka_unit_test(test_rfc4787_req5_udp_mapping_timer),
		cmocka_unit_test(test_rfc4787_req6_outbound_refresh),
		cmocka_unit_test(test_rfc4787_req8_filtering),
		cmocka_unit_test(test_rfc4787_req11_deterministic),
		cmocka_unit_test(test_rfc4787_req12_icmp_does_not_terminate_mapping),
		cmocka_unit_test(test_rfc7857_eim_protocol_independent),
		cmocka_unit_test(test_rfc7857_eif_protocol_independent),
		cmocka_unit_test(test_rfc7857_outbound_icmp_error_does_not_refresh),
		cmocka_unit_test(test_rfc7857_paired_pooling_out_of_ports_drops),
		cmocka_unit_test(test_rfc7857_tcp_rst_translated_and_held),
		cmocka_unit_test(test_rfc7857_port_randomization),
		cmocka_unit_test(test_rfc7857_icmp_query_mapping_timeout),
	};

	return cmocka_run_group_tests(tests, test_eal_setup, test_eal_teardown);
}
