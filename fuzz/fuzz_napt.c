/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the NAT translator (nat/napt.c, nat/xlate.c, nat/csum.h),
 * ICMP error translation included, without the rest of the switch.
 *
 * Input: [op][arg][ctl][Ethernet frame...]
 *   op & 7   0 out      napt_outbound() of the frame (from inside)
 *            1 in       napt_inbound() of the frame, sent to the external
 *                       address (published ports open sessions)
 *            2 out-bulk napt_outbound_bulk(), the misses per packet
 *            3 in-bulk  napt_inbound_bulk(), the misses per packet
 *            4 talk     out, then the mirrored reply in (per packet, then
 *                       bulk), then the frame out again in bulk
 *            5 err-in   out, then an ICMP error from outside quoting the
 *                       translated packet, in
 *            6 err-out  in, then an ICMP error from the inside host quoting
 *                       the translated packet, out
 *            7 raw      the frame out, and to the external address in (an
 *                       ICMP error as given, quote and all); a frame to the
 *                       external address is hairpinned (out, then in)
 *   arg      ICMP errors made here: type (bits 0-1: 3, 11, 12, 3), how much
 *            of the quote is cut (bits 2-6); bit 7: the TCP/UDP checksum is
 *            left partial, as a veth hands it over (offload flags)
 *   ctl      bits 0-1 filtering (EIF, ADF, APDF, APDF); bits 2-4 seconds
 *            the clock moves between the steps (0 1 2 5 11 31 61 601);
 *            bit 5: the frame is two segments (cut after its IP header +
 *            arg bits); bit 6: fix the frame's ICMP checksum; bit 7: every
 *            step is done twice (the second one finds the session)
 *
 * The harness gives NAPT exactly what the router guarantees (router.c
 * ipv4_input/whole for the per-packet calls, fast_ipv4 for the bulk ones):
 * an IPv4 frame with a right header checksum, not a fragment, padding
 * trimmed, l2_len/l3_len set; it fixes the IP header checksum itself so
 * that inputs get that far. Frames live in exact-size heap buffers (see
 * fuzz_common.h). After a translation it checks what must hold: every
 * checksum that was right is still right (incremental updates), a partial
 * one is the new pseudo-header sum, the verdict is 0, NAPT_SLOW or a drop
 * reason. Every input starts on a clean table (the clock moves past every
 * timeout and napt_expire() frees all) and the same random seed, so an
 * input means the same thing each time it runs; after it every mbuf must
 * be back in the pool.
 */
#include <arpa/inet.h>
#include <stdbool.h>

#include <rte_icmp.h>
#include <rte_ip_frag.h>
#include <rte_random.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "nat/napt.h"
#include "nat/xlate.h"
#include "ports/offload.h"
#include "fuzz_common.h"

#define SESSIONS 2048
#define FRAME_MAX 16384
#define HDRS 3

enum { OP_OUT, OP_IN, OP_OUT_BULK, OP_IN_BULK, OP_TALK, OP_ERR_IN, OP_ERR_OUT,
       OP_RAW };

static struct rte_mempool *pool;
static struct napt *nat[3];             /* by filtering mode */
static rte_be32_t ext_ip;
static uint32_t now = 1000;             /* seconds */
static struct napt *n;                  /* this input's */
static uint8_t arg, ctl;
static unsigned hold_n;
static struct rte_mbuf *hold[16];       /* the harness's frames, freed at the end */

static bool verbose;                    /* FUZZ_VERBOSE=1: every verdict */
static const uint32_t clock_steps[8] = { 0, 1, 2, 5, 11, 31, 61, 601 };

static void
make_nats(void)
{
	static const enum topo_nat_filter f[3] = { TOPO_NAT_EIF, TOPO_NAT_ADF,
						   TOPO_NAT_APDF };
	unsigned i;

	for (i = 0; i < 3; i++) {
		struct napt_params p = {
			.sessions = SESSIONS, .per_host = 16, .port_lo = 40000,
			.port_hi = 40003, .filtering = f[i], .t_udp = 30,
			.t_tcp_est = 600, .t_tcp_trans = 60, .t_icmp = 10,
			.socket = SOCKET_ID_ANY,
		};
		char err[128];

		napt_free(nat[i]);
		nat[i] = napt_create(&p, err, sizeof(err));
		FUZZ_CHECK(nat[i] != NULL);
		FUZZ_CHECK(napt_add_external(nat[i], ext_ip) == 0);
		FUZZ_CHECK(napt_publish(nat[i], IPPROTO_UDP, ext_ip, 8080,
					inet_addr("172.17.0.2"), 80) == 0);
		FUZZ_CHECK(napt_publish(nat[i], IPPROTO_TCP, ext_ip, 8080,
					inet_addr("172.17.0.2"), 80) == 0);
		FUZZ_CHECK(napt_publish(nat[i], IPPROTO_TCP, ext_ip, 5300,
					inet_addr("172.17.0.3"), 53) == 0);
		FUZZ_CHECK(napt_publish(nat[i], IPPROTO_UDP, ext_ip, 5301,
					inet_addr("172.17.0.3"), 54) == 0);
		FUZZ_CHECK(napt_publish(nat[i], IPPROTO_UDP, ext_ip, 5353,
					inet_addr("172.17.0.2"), 53) == 0);
	}
}

static void
setup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	fuzz_eal_init("fuzz_napt", 512);
	pool = rte_pktmbuf_pool_create("fuzz_napt", 255, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	FUZZ_CHECK(pool != NULL);
	ext_ip = inet_addr("198.51.100.2");
	make_nats();
	verbose = getenv("FUZZ_VERBOSE") != NULL;
}

static void
tick(uint32_t s)
{
	now += s;
	napt_expire(n, now, 64);
}

static struct rte_ipv4_hdr *
ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
}

/* A frame for the harness, from 'data'; 'split': two segments. */
static struct rte_mbuf *
frame(const uint8_t *data, uint32_t len, bool split)
{
	struct rte_mbuf *m, *tail;
	uint32_t cut;

	if (hold_n == RTE_DIM(hold) || len < 14 + 20)
		return NULL;
	cut = len;
	if (split) {
		uint32_t ihl = (data[14] & 15u) * 4;

		cut = 14 + ihl + (arg & 0x1f);
		if (cut >= len)
			cut = len;
	}
	m = fuzz_mbuf_exact(pool, data, cut, RTE_PKTMBUF_HEADROOM);
	if (m == NULL)
		return NULL;
	if (cut < len) {
		tail = fuzz_mbuf_exact(pool, data + cut, len - cut, 0);
		if (tail == NULL) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		m->next = tail;
		m->nb_segs = 2;
		m->pkt_len = len;
	}
	hold[hold_n++] = m;
	return m;
}

static bool
martian(uint32_t a)
{
	return a == 0 || (a >> 24) == 127 || (a >> 28) == 0xe || a == 0xffffffffu;
}

/* What router.c has checked before NAPT sees a packet (ipv4_input() and
 * whole(); with 'fast', fast_ipv4()). Sets l2_len/l3_len, trims padding. */
static bool
router_checks(struct rte_mbuf *m, bool fast)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_ipv4_hdr *ip;
	uint32_t ihl, len;

	if (rte_pktmbuf_data_len(m) < 14 + 20 || d[12] != 0x08 || d[13] != 0x00)
		return false;
	ip = ip_of(m);
	ihl = rte_ipv4_hdr_len(ip);
	len = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < 20 || len < ihl ||
	    14 + ihl > rte_pktmbuf_data_len(m) || 14 + len > m->pkt_len ||
	    rte_raw_cksum(ip, ihl) != 0xffff)
		return false;
	if (martian(rte_be_to_cpu_32(ip->src_addr)) ||
	    martian(rte_be_to_cpu_32(ip->dst_addr)))
		return false;
	if (rte_ipv4_frag_pkt_is_fragmented(ip))
		return false;   /* reassembled first: a whole, chained datagram */
	if (fast && (ip->version_ihl != RTE_IPV4_VHL_DEF || ip->time_to_live <= 1))
		return false;
	if (m->pkt_len > 14 + len)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - 14 - len));
	m->l2_len = 14;
	m->l3_len = ihl;
	return true;
}

/* ---- what must hold after a translation -------------------------------- */

struct before {
	bool l4_ok;             /* complete TCP/UDP/ICMP checksum was right */
	bool udp_zero;          /* UDP without checksum */
	bool partial;
	uint8_t ttl;
};

static uint32_t
l4_off(struct rte_mbuf *m)
{
	return m->l2_len + m->l3_len;
}

/* Is the checksum of the whole L4 datagram right? */
static bool
l4_csum_ok(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	uint32_t off = l4_off(m), len = rte_be_to_cpu_16(ip->total_length) - m->l3_len;
	uint16_t sum;

	if (off + len > m->pkt_len)
		return false;
	if (ip->next_proto_id == IPPROTO_ICMP) {
		if (rte_raw_cksum_mbuf(m, off, len, &sum) != 0)
			return false;
		return sum == 0xffff;
	}
	if (ip->next_proto_id != IPPROTO_TCP && ip->next_proto_id != IPPROTO_UDP)
		return false;
	if (len < (ip->next_proto_id == IPPROTO_TCP ? 20u : 8u))
		return false;
	return rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, (uint16_t)off) == 0;
}

static uint16_t
l4_field(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	uint32_t at = l4_off(m) + (ip->next_proto_id == IPPROTO_TCP ? 16 : 6);
	uint16_t v = 0;

	if (at + 2 <= rte_pktmbuf_data_len(m))
		memcpy(&v, rte_pktmbuf_mtod_offset(m, uint8_t *, at), 2);
	return v;
}

static bool
has_l4_hdr(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	uint32_t need = ip->next_proto_id == IPPROTO_TCP ? 20 :
			ip->next_proto_id == IPPROTO_UDP ? 8 : 0;

	return need != 0 && rte_be_to_cpu_16(ip->total_length) >= m->l3_len + need &&
	       l4_off(m) + need <= rte_pktmbuf_data_len(m);
}

/* Make the TCP/UDP checksum partial, as a veth's frames are. */
static void
make_partial(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	uint16_t ph;

	if (!(arg & 0x80) || !has_l4_hdr(m))
		return;
	m->ol_flags |= RTE_MBUF_F_TX_IPV4;
	if (ip->next_proto_id == IPPROTO_TCP) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
		m->l4_len = 20;
	} else {
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
		m->l4_len = 8;
	}
	ph = rte_ipv4_phdr_cksum(ip, 0);
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, l4_off(m) +
				       (ip->next_proto_id == IPPROTO_TCP ? 16 : 6)), &ph, 2);
}

static struct before
look(struct rte_mbuf *m)
{
	struct before b = { 0 };
	struct rte_ipv4_hdr *ip = ip_of(m);

	b.ttl = ip->time_to_live;
	b.partial = (m->ol_flags & OFFLOAD_CSUM_FLAGS) != 0;
	if (b.partial)
		return b;
	b.udp_zero = ip->next_proto_id == IPPROTO_UDP && has_l4_hdr(m) && l4_field(m) == 0;
	b.l4_ok = !b.udp_zero && l4_csum_ok(m);
	return b;
}

/* After a translation by the slow path ('fwd': by the outbound fast path,
 * which decrements the TTL too). */
static void
check_after(struct rte_mbuf *m, const struct before *b, bool fwd)
{
	struct rte_ipv4_hdr *ip = ip_of(m);

	FUZZ_CHECK(rte_raw_cksum(ip, m->l3_len) == 0xffff);
	FUZZ_CHECK(ip->time_to_live == (uint8_t)(b->ttl - (fwd ? 1 : 0)));
	if (b->partial) {
		if (has_l4_hdr(m))
			FUZZ_CHECK(l4_field(m) == rte_ipv4_phdr_cksum(ip, 0));
		return;
	}
	if (b->udp_zero)
		FUZZ_CHECK(l4_field(m) == 0);
	if (b->l4_ok)
		FUZZ_CHECK(l4_csum_ok(m));
}

/* An ICMP error translated: its own checksum is right, and the quoted
 * header's if it was. */
static bool
inner_ip_ok(struct rte_mbuf *m)
{
	uint32_t off = l4_off(m) + 8, len = rte_pktmbuf_data_len(m);
	const uint8_t *iip = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	uint32_t ihl;

	if (off + 20 > len)
		return false;
	ihl = (iip[0] & 15u) * 4;
	return ihl >= 20 && off + ihl <= len && rte_raw_cksum(iip, ihl) == 0xffff;
}

static void
check_icmp_after(struct rte_mbuf *m, bool inner_was_ok)
{
	struct rte_ipv4_hdr *ip = ip_of(m);

	FUZZ_CHECK(rte_raw_cksum(ip, m->l3_len) == 0xffff);
	FUZZ_CHECK(l4_csum_ok(m));
	if (inner_was_ok)
		FUZZ_CHECK(inner_ip_ok(m));
}

static bool
is_icmp_error(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	const uint8_t *l4 = rte_pktmbuf_mtod_offset(m, const uint8_t *, l4_off(m));

	return ip->next_proto_id == IPPROTO_ICMP &&
	       rte_be_to_cpu_16(ip->total_length) >= m->l3_len + 1 &&
	       l4_off(m) < rte_pktmbuf_data_len(m) &&
	       (l4[0] == 3 || l4[0] == 11 || l4[0] == 12);
}

static void
check_verdict(int rc)
{
	FUZZ_CHECK(rc == 0 || (rc > 0 && rc < VSW_DROP_MAX));
}

/* ---- the calls, as the router makes them -------------------------------- */

static int
out_one(struct rte_mbuf *m)
{
	struct before b = look(m);
	bool err = is_icmp_error(m), inner = err && inner_ip_ok(m);
	int rc = napt_outbound(n, m, ext_ip, now);

	check_verdict(rc);
	if (rc == 0 && err)
		check_icmp_after(m, inner);
	else if (rc == 0)
		check_after(m, &b, false);
	return rc;
}

static int
in_one(struct rte_mbuf *m)
{
	struct before b = look(m);
	bool err = is_icmp_error(m), inner = err && inner_ip_ok(m);
	const uint8_t *l4 = rte_pktmbuf_mtod_offset(m, const uint8_t *, l4_off(m));
	int rc;

	/* local_in(): an echo request to the address is answered, not NATed */
	if (ip_of(m)->next_proto_id == IPPROTO_ICMP &&
	    rte_be_to_cpu_16(ip_of(m)->total_length) >= m->l3_len + 8 &&
	    l4_off(m) < rte_pktmbuf_data_len(m) && l4[0] == 8)
		return -1;
	rc = napt_inbound(n, m, now);
	check_verdict(rc);
	if (rc == 0 && err)
		check_icmp_after(m, inner);
	else if (rc == 0)
		check_after(m, &b, false);
	return rc;
}

/* nat_burst(): the bulk call on what qualifies, the misses one by one. */
static int
bulk_one(struct rte_mbuf *m, bool out)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	struct before b;
	uint32_t sess[1] = { NAPT_NONE };
	int res[1];

	if (out ? ip->dst_addr == ext_ip :
		  ip->dst_addr != ext_ip || ip->next_proto_id == IPPROTO_ICMP)
		return out ? out_one(m) : in_one(m);
	b = look(m);
	if (out)
		napt_outbound_bulk(n, &m, 1, ext_ip, now, res, sess);
	else
		napt_inbound_bulk(n, &m, 1, now, res, sess);
	FUZZ_CHECK(res[0] == NAPT_SLOW || res[0] == 0 ||
		   (res[0] > 0 && res[0] < VSW_DROP_MAX));
	if (res[0] == 0) {
		FUZZ_CHECK(sess[0] < SESSIONS);
		FUZZ_CHECK(n->s[sess[0]].map != NAPT_NONE);
		check_after(m, &b, out);
		return 0;
	}
	if (res[0] == NAPT_SLOW)
		return out ? out_one(m) : in_one(m);
	return res[0];
}

/* FUZZ_VERBOSE: the addresses and the first bytes of L4 */
static void
dump(const char *what, struct rte_mbuf *m)
{
	const uint8_t *ip = (const uint8_t *)ip_of(m);
	uint32_t i, end = RTE_MIN(rte_pktmbuf_data_len(m) - 14u, (uint32_t)m->l3_len + 16);

	fprintf(stderr, "  %-6s", what);
	for (i = 12; i < end; i++)
		fprintf(stderr, "%s%02x", i == 20 || i == m->l3_len ? " " : "", ip[i]);
	fprintf(stderr, "\n");
}

static int
deliver(struct rte_mbuf *m, bool out, bool fast)
{
	int rc;

	if (m == NULL || !router_checks(m, fast))
		return -1;
	if (verbose)
		dump("before", m);
	rc = fast ? bulk_one(m, out) : out ? out_one(m) : in_one(m);
	if (verbose)
		dump("after", m);
	if (verbose)
		fprintf(stderr, "  %s%s: %s\n", out ? "out" : "in", fast ? " bulk" : "",
			rc == 0 ? "translated" : rc < 0 ? "not for NAPT" : vsw_drop_name[rc]);
	if (ctl & 0x80) {
		/* again: the session is there now (or the table says no twice) */
		if (!router_checks(m, fast))
			return rc;
		rc = fast ? bulk_one(m, out) : out ? out_one(m) : in_one(m);
	}
	return rc;
}

/* ---- frames made from translated ones ------------------------------------ */

static uint32_t
flatten(struct rte_mbuf *m, uint8_t *buf, uint32_t max)
{
	uint32_t len = RTE_MIN(m->pkt_len, max);
	const void *p = rte_pktmbuf_read(m, 0, len, buf);

	if (p == NULL)
		return 0;
	if (p != buf)
		memcpy(buf, p, len);
	return len;
}

/* The answer to translated 'm': addresses and ports swapped, checksums
 * computed. */
static struct rte_mbuf *
mirror(struct rte_mbuf *m)
{
	static uint8_t buf[FRAME_MAX];
	uint32_t len = flatten(m, buf, sizeof(buf)), ihl, tot;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);
	uint8_t *l4, tmp[6];
	rte_be32_t a;

	if (len < 14 + 20)
		return NULL;
	ihl = rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	if (14 + tot > len || tot < ihl + 8)
		return NULL;
	l4 = buf + 14 + ihl;
	memcpy(tmp, buf, 6);
	memcpy(buf, buf + 6, 6);
	memcpy(buf + 6, tmp, 6);
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	if (ip->next_proto_id == IPPROTO_ICMP) {
		if (l4[0] == 8 || l4[0] == 0)
			l4[0] ^= 8;     /* echo request <-> reply */
		l4[2] = l4[3] = 0;
		{
			uint16_t ck = (uint16_t)~rte_raw_cksum(l4, tot - ihl);

			memcpy(l4 + 2, &ck, 2);
		}
	} else {
		memcpy(tmp, l4, 2);
		memcpy(l4, l4 + 2, 2);
		memcpy(l4 + 2, tmp, 2);
		if (ip->next_proto_id == IPPROTO_TCP && tot >= ihl + 20) {
			/* a SYN is answered by a SYN-ACK, the rest by an ACK */
			l4[13] = (l4[13] & RTE_TCP_SYN_FLAG) ?
				 (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) : l4[13];
			l4[16] = l4[17] = 0;
			{
				uint16_t ck = rte_ipv4_udptcp_cksum(ip, l4);

				memcpy(l4 + 16, &ck, 2);
			}
		} else if (ip->next_proto_id == IPPROTO_UDP) {
			l4[6] = l4[7] = 0;
			{
				uint16_t ck = rte_ipv4_udptcp_cksum(ip, l4);

				memcpy(l4 + 6, &ck, 2);
			}
		}
	}
	fuzz_fix_ip_csum((uint8_t *)ip, len - 14);
	return frame(buf, 14 + tot, false);
}

/* An ICMP error from 'src' to 'dst' quoting (part of) translated 'm'. */
static struct rte_mbuf *
icmp_error_about(struct rte_mbuf *m, rte_be32_t src, rte_be32_t dst)
{
	static const uint8_t types[4] = { 3, 11, 12, 3 };
	static uint8_t q[FRAME_MAX], buf[FRAME_MAX];
	uint32_t qlen = flatten(m, q, sizeof(q));
	uint32_t cut = ((arg >> 2) & 0x1f) * 4u, quote;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);
	uint8_t *ic = buf + 14 + 20;
	uint16_t ck;

	if (qlen <= 14)
		return NULL;
	quote = qlen - 14;
	quote = quote > 548 ? 548 : quote;
	quote = cut < quote ? quote - cut : 0;
	memset(buf, 0, 14 + 20 + 8);
	memcpy(buf, q + 6, 6);
	memcpy(buf + 6, q, 6);
	buf[12] = 0x08;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + quote));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ic[0] = types[arg & 3];
	ic[1] = (uint8_t)(arg >> 4);
	memcpy(ic + 8, q + 14, quote);
	ck = (uint16_t)~rte_raw_cksum(ic, 8 + quote);
	memcpy(ic + 2, &ck, 2);
	fuzz_fix_ip_csum((uint8_t *)ip, 20);
	return frame(buf, 14 + 20 + 8 + quote, false);
}

/* libFuzzer calls this before the first input, outside its time limit
 * (setting up the EAL and the switch takes seconds); replay_main.c too. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[FRAME_MAX];
	struct rte_mbuf *m, *r;
	uint32_t len, step;
	unsigned i;
	uint8_t op;
	int rc;

	setup();        /* done already, unless a driver skipped the above */
	if (size < HDRS + 14 + 20 || size - HDRS > FRAME_MAX)
		return 0;
	op = data[0] & 7;
	arg = data[1];
	ctl = data[2];
	n = nat[(ctl & 3) == 3 ? 2 : ctl & 3];
	step = clock_steps[(ctl >> 2) & 7];
	/* a clean table: every session timed out and freed, ports unheld */
	if (now > 3000000000u) {
		now = 1000;
		make_nats();
		n = nat[(ctl & 3) == 3 ? 2 : ctl & 3];
	}
	tick(1000);
	napt_expire(n, now, SESSIONS);
	FUZZ_CHECK(n->n_sessions == 0);
	rte_srand(0x5eed);

	len = (uint32_t)size - HDRS;
	memcpy(buf, data + HDRS, len);
	/* an IPv4 frame with a right header checksum: the router drops the rest */
	buf[12] = 0x08;
	buf[13] = 0x00;
	if (op == OP_IN || op == OP_IN_BULK || op == OP_ERR_OUT)
		memcpy(buf + 14 + 16, &ext_ip, 4);     /* to our address */
	if (ctl & 0x40)
		fuzz_fix_icmp_csum(buf + 14, len - 14);
	fuzz_fix_ip_csum(buf + 14, len - 14);
	m = frame(buf, len, ctl & 0x20);
	if (m != NULL && router_checks(m, false))
		make_partial(m);

	switch (op) {
	case OP_OUT:
	case OP_IN:
		deliver(m, op == OP_OUT, false);
		break;
	case OP_OUT_BULK:
	case OP_IN_BULK:
		deliver(m, op == OP_OUT_BULK, true);
		break;
	case OP_TALK:
		if (deliver(m, true, false) != 0)
			break;
		tick(step);
		r = mirror(m);
		if (deliver(r, false, false) != 0)
			break;
		tick(step);
		deliver(mirror(r), true, true);
		deliver(mirror(m), false, true);
		break;
	case OP_ERR_IN:
		if (deliver(m, true, false) != 0)
			break;
		tick(step);
		deliver(icmp_error_about(m, ip_of(m)->dst_addr, ext_ip), false, false);
		break;
	case OP_ERR_OUT:
		if (deliver(m, false, false) != 0)
			break;
		tick(step);
		deliver(icmp_error_about(m, ip_of(m)->dst_addr, ip_of(m)->src_addr), true,
		     false);
		break;
	case OP_RAW:
		if (m != NULL && router_checks(m, false) && ip_of(m)->dst_addr == ext_ip) {
			/* local_in(): a container reaching the uplink address is
			 * hairpinned: out, then in, the same packet */
			if (out_one(m) == 0)
				in_one(m);
			break;
		}
		deliver(m, true, false);
		tick(step);
		/* the same bytes again, to our address */
		memcpy(buf + 14 + 16, &ext_ip, 4);
		fuzz_fix_ip_csum(buf + 14, len - 14);
		deliver(frame(buf, len, ctl & 0x20), false, false);
		break;
	}
	rc = 0;
	for (i = 0; i < hold_n; i++)
		rte_pktmbuf_free(hold[i]);
	hold_n = 0;
	if (rte_mempool_in_use_count(pool) != 0) {
		fprintf(stderr, "fuzz_napt: %u mbufs not back in the pool\n",
			rte_mempool_in_use_count(pool));
		abort();
	}
	return rc;
}
