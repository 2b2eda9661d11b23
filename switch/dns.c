/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The name service (dns.h): the worker's punt and drain, the "vsw-dns"
 * thread (answers from dns/names.c, the forwarder) and the tables the
 * control thread builds.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dns/names.h"
#include "switch/dns.h"
#include "switch/loop.h"
#include "switch/router.h"
#include "switch/vsw.h"

#define DNS_PORT 53
#define DNS_MSG_MAX 1472                /* a query or answer in one frame */
#define DNS_UP_MAX 4096                 /* an upstream datagram we read */
#define DNS_BURST 32
#define DNS_HDRS (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + \
		  sizeof(struct rte_udp_hdr))

/* Where a query came from: what its answer needs. */
struct dns_from {
	struct rte_ether_addr client_mac, gw_mac;
	rte_be32_t client_ip, gw_ip;
	rte_be16_t client_port;
	uint16_t l3if, bridge, mtu, in_port;
};

/* A query upstream. */
struct dns_pending {
	bool used;
	uint8_t tries;
	uint8_t server;                 /* the one tried last */
	uint16_t client_id, up_id;
	uint16_t qlen;
	uint64_t deadline;              /* ns, loop_clock_ns() */
	struct rte_mbuf *m;             /* the query frame: the answer's buffer */
	struct dns_from from;
	uint8_t q[DNS_MSG_MAX];         /* as sent upstream (id up_id) */
};

/* Every network's names, by bridge slot: built by the control thread,
 * owned by the dns thread once handed over. */
struct dns_tables {
	struct dns_zone *zone[TOPO_MAX_BRIDGES];
	rte_be32_t gw[TOPO_MAX_BRIDGES];
};

struct dns_service {
	struct vsw *sw;
	struct rte_ring *queries;       /* worker -> dns thread (SP/SC) */
	struct rte_ring *answers;       /* dns thread -> worker 0 (SP/SC) */
	int evfd;                       /* wakes the dns thread */
	uint32_t sleeping;              /* the dns thread is in poll() */
	pthread_t thread;
	bool started;
	volatile bool stop;
	/* upstream */
	unsigned n_servers;
	struct sockaddr_storage servers[TOPO_DNS_UPSTREAMS_MAX];
	int sock4, sock6;
	struct dns_pending *pend;       /* DNS_INFLIGHT */
	unsigned n_pend;
	uint16_t idmap[65536];          /* upstream id -> pending slot + 1 */
	uint16_t free_slots[DNS_INFLIGHT];
	unsigned n_free;
	uint64_t next_deadline;
	uint8_t rnd[512];               /* getrandom() bytes for query ids */
	unsigned rnd_used;
	/* names */
	struct dns_tables *cur;         /* dns thread's */
	struct dns_zone *empty;         /* checks queries no network answers */
	pthread_mutex_t lock;           /* next */
	struct dns_tables *next;        /* handed over, not taken yet */
	unsigned rotor;
	struct dns_stats st;            /* written by the dns thread only */
};

static void
tables_free(struct dns_tables *t)
{
	unsigned b;

	if (t == NULL)
		return;
	for (b = 0; b < TOPO_MAX_BRIDGES; b++)
		dns_zone_free(t->zone[b]);
	free(t);
}

/* ---- worker side ----------------------------------------------------------- */

bool
dns_punt(struct worker *w, const struct l3if *in, struct rte_mbuf *m)
{
	struct dns_service *svc = w->sw->dns;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								m->l2_len);
	const struct rte_udp_hdr *u;

	if (ip->next_proto_id != IPPROTO_UDP || !in->dns || !in->is_bridge ||
	    (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
						    RTE_IPV4_HDR_OFFSET_MASK)) ||
	    rte_pktmbuf_data_len(m) < m->l2_len + m->l3_len + sizeof(*u))
		return false;
	u = (const struct rte_udp_hdr *)((const uint8_t *)ip + m->l3_len);
	if (u->dst_port != rte_cpu_to_be_16(DNS_PORT))
		return false;
	m->hash.fdir.lo = (uint32_t)in->id | (uint32_t)in->bridge << 16;
	m->hash.fdir.hi = in->mtu;
	w->sw->router->st.local++;
	if (rte_ring_sp_enqueue(svc->queries, m) != 0) {
		loop_drop(w, m->port, VSW_DROP_DNS_BUSY, m);
		return true;
	}
	/* Dekker with the dns thread's sleep: it sets 'sleeping' and then
	 * looks at the ring; we put on the ring and then look at 'sleeping' */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&svc->sleeping, __ATOMIC_RELAXED)) {
		uint64_t one = 1;

		if (write(svc->evfd, &one, sizeof(one)) < 0)
			(void)0;        /* saturated: it wakes anyway */
	}
	return true;
}

void
dns_drain(struct worker *w)
{
	struct dns_service *svc = w->sw->dns;
	struct router *r = w->sw->router;
	struct rte_mbuf *ms[DNS_BURST];
	unsigned n, i;

	if (likely(rte_ring_count(svc->answers) == 0))
		return;
	n = rte_ring_sc_dequeue_burst(svc->answers, (void **)ms, DNS_BURST, NULL);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = ms[i];
		uint16_t id = (uint16_t)(m->hash.fdir.lo & 0xffff);
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
		const struct l3if *ifc = id < RTE_DIM(r->ifs) ? &r->ifs[id] : NULL;

		/* the network may have gone (or its slot been reused) while
		 * the dns thread worked */
		if (ifc == NULL || !ifc->used || !ifc->is_bridge || ifc->ip != ip->src_addr) {
			loop_drop(w, m->port, VSW_DROP_DNS_STALE, m);
			continue;
		}
		router_output(w, ifc, m);
	}
}

bool
dns_waiting(const struct vsw *sw)
{
	return sw->dns != NULL && rte_ring_count(sw->dns->answers) > 0;
}

/* ---- dns thread: answers ------------------------------------------------------ */

/* The answer 'msg' as a frame in 'm' (the query's), queued for worker 0. */
static void
send_answer(struct dns_service *svc, struct rte_mbuf *m, const struct dns_from *f,
	    const uint8_t *msg, size_t len)
{
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *u;
	struct worker *w0;
	uint8_t *p;

	if (m->nb_segs > 1 || rte_mbuf_refcnt_read(m) > 1) {
		struct rte_mempool *pool = m->pool;

		rte_pktmbuf_free(m);
		m = rte_pktmbuf_alloc(pool);
		if (m == NULL) {
			svc->st.no_mbuf++;
			return;
		}
	} else {
		rte_pktmbuf_reset(m);
	}
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(DNS_HDRS + len));
	if (p == NULL) {
		svc->st.no_mbuf++;
		rte_pktmbuf_free(m);
		return;
	}
	eh = (struct rte_ether_hdr *)p;
	eh->dst_addr = f->client_mac;
	eh->src_addr = f->gw_mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len + sizeof(*ip) + sizeof(*u)));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = f->gw_ip;
	ip->dst_addr = f->client_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	u = (struct rte_udp_hdr *)(ip + 1);
	u->src_port = rte_cpu_to_be_16(DNS_PORT);
	u->dst_port = f->client_port;
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(len + sizeof(*u)));
	u->dgram_cksum = 0;
	memcpy(u + 1, msg, len);
	u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	if (u->dgram_cksum == 0)
		u->dgram_cksum = 0xffff;
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = sizeof(*ip);
	m->port = f->in_port;
	m->hash.fdir.lo = f->l3if;
	if (rte_ring_sp_enqueue(svc->answers, m) != 0) {
		svc->st.no_mbuf++;
		rte_pktmbuf_free(m);
		return;
	}
	w0 = svc->sw->workers[0];
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&w0->sleeping, __ATOMIC_RELAXED))
		loop_wake(w0);
}

/* Room for an answer to a query from 'f' in a frame. */
static size_t
answer_room(const struct dns_from *f)
{
	size_t mtu = f->mtu ? f->mtu : 1500;

	return RTE_MIN(mtu - sizeof(struct rte_ipv4_hdr) - sizeof(struct rte_udp_hdr),
		       (size_t)DNS_MSG_MAX);
}

/* SERVFAIL (or with 'rcode' another code, and TC when 'tc') to 'q'. */
static void
send_error(struct dns_service *svc, struct rte_mbuf *m, const struct dns_from *f,
	   const uint8_t *q, size_t qlen, uint8_t rcode, bool tc)
{
	uint8_t out[DNS_MSG_MAX];
	size_t len = dns_servfail(q, qlen, out, RTE_MIN(sizeof(out), answer_room(f)));

	if (len == 0) {
		svc->st.malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	out[3] = (uint8_t)((out[3] & 0xf0) | rcode);
	if (tc)
		out[2] |= 0x02;
	send_answer(svc, m, f, out, len);
}

static uint16_t
random_id(struct dns_service *svc)
{
	uint16_t id;

	if (svc->rnd_used + 2 > sizeof(svc->rnd)) {
		if (getrandom(svc->rnd, sizeof(svc->rnd), 0) != (ssize_t)sizeof(svc->rnd)) {
			unsigned i;   /* no entropy: time-mixed, still unpredictable enough to collide rarely */

			for (i = 0; i < sizeof(svc->rnd); i++)
				svc->rnd[i] = (uint8_t)(loop_clock_ns() >> (i % 7));
		}
		svc->rnd_used = 0;
	}
	memcpy(&id, svc->rnd + svc->rnd_used, 2);
	svc->rnd_used += 2;
	return id;
}

static int
server_sock(const struct dns_service *svc, unsigned s)
{
	return svc->servers[s].ss_family == AF_INET6 ? svc->sock6 : svc->sock4;
}

static socklen_t
server_len(const struct dns_service *svc, unsigned s)
{
	return svc->servers[s].ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
						       sizeof(struct sockaddr_in);
}

static void
send_upstream(struct dns_service *svc, struct dns_pending *p, uint64_t now)
{
	unsigned s = p->server;

	p->deadline = now + DNS_TRY_NS;
	/* a server we cannot send to is a try that failed: the next one is
	 * tried at the next expiry */
	if (sendto(server_sock(svc, s), p->q, p->qlen, MSG_DONTWAIT,
		   (const struct sockaddr *)&svc->servers[s], server_len(svc, s)) < 0)
		p->deadline = now;
	if (p->deadline < svc->next_deadline)
		svc->next_deadline = p->deadline;
}

static void
release(struct dns_service *svc, struct dns_pending *p)
{
	svc->idmap[p->up_id] = 0;
	p->used = false;
	p->m = NULL;
	svc->free_slots[svc->n_free++] = (uint16_t)(p - svc->pend);
	svc->n_pend--;
}

static void
forward(struct dns_service *svc, struct rte_mbuf *m, const struct dns_from *f,
	const uint8_t *q, size_t qlen, uint64_t now)
{
	struct dns_pending *p;
	uint16_t id;

	if (svc->n_servers == 0) {
		svc->st.refused++;
		send_error(svc, m, f, q, qlen, 5 /* REFUSED */, false);
		return;
	}
	if (svc->n_free == 0) {
		svc->st.inflight_full++;
		rte_pktmbuf_free(m);
		return;
	}
	do
		id = random_id(svc);
	while (svc->idmap[id] != 0);
	p = &svc->pend[svc->free_slots[--svc->n_free]];
	svc->n_pend++;
	p->used = true;
	p->tries = 1;
	p->server = (uint8_t)(svc->rotor % svc->n_servers);
	p->client_id = dns_msg_id(q);
	p->up_id = id;
	p->qlen = (uint16_t)qlen;
	p->m = m;
	p->from = *f;
	memcpy(p->q, q, qlen);
	dns_msg_set_id(p->q, id);
	svc->idmap[id] = (uint16_t)(p - svc->pend + 1);
	svc->st.forwarded++;
	send_upstream(svc, p, now);
}

static void
query(struct dns_service *svc, struct rte_mbuf *m, uint64_t now)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								m->l2_len);
	const struct rte_udp_hdr *u = (const struct rte_udp_hdr *)((const uint8_t *)ip +
								   m->l3_len);
	struct dns_from f = {
		.client_mac = eh->src_addr, .gw_mac = eh->dst_addr,
		.client_ip = ip->src_addr, .gw_ip = ip->dst_addr,
		.client_port = u->src_port,
		.l3if = (uint16_t)(m->hash.fdir.lo & 0xffff),
		.bridge = (uint16_t)(m->hash.fdir.lo >> 16),
		.mtu = (uint16_t)m->hash.fdir.hi, .in_port = m->port,
	};
	uint32_t off = m->l2_len + m->l3_len + sizeof(*u);
	uint16_t ulen = rte_be_to_cpu_16(u->dgram_len);
	uint8_t qbuf[DNS_MSG_MAX], out[DNS_MSG_MAX];
	const uint8_t *q;
	const struct dns_zone *z;
	size_t qlen, outlen = 0;
	enum dns_bad why;

	svc->st.queries++;
	if (ulen < sizeof(*u) || off - sizeof(*u) + ulen > m->pkt_len ||
	    ulen - sizeof(*u) > DNS_MSG_MAX) {
		svc->st.malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	/* a partial checksum (RTE_MBUF_F_TX_UDP_CKSUM) is the sender's
	 * kernel's own, from a veth: nothing to check */
	if (u->dgram_cksum != 0 && !(m->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM) &&
	    rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, (uint16_t)(off - sizeof(*u))) != 0) {
		svc->st.bad_checksum++;
		rte_pktmbuf_free(m);
		return;
	}
	qlen = ulen - sizeof(*u);
	q = rte_pktmbuf_read(m, off, (uint32_t)qlen, qbuf);
	if (q == NULL) {
		svc->st.malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	if (q != qbuf) {
		memcpy(qbuf, q, qlen);   /* the mbuf is rewritten for the answer */
		q = qbuf;
	}
	z = NULL;
	if (svc->cur != NULL && f.bridge < TOPO_MAX_BRIDGES && svc->cur->gw[f.bridge] == f.gw_ip)
		z = svc->cur->zone[f.bridge];
	switch (dns_zone_query(z != NULL ? z : svc->empty, q, qlen, svc->rotor++, out,
			       answer_room(&f), &outlen, &why)) {
	case DNS_ANSWER:
		if (outlen >= 4 && (out[3] & 0x0f) == 3)
			svc->st.nxdomain++;
		else
			svc->st.answered++;
		if (outlen >= 3 && (out[2] & 0x02))
			svc->st.too_big++;
		send_answer(svc, m, &f, out, outlen);
		break;
	case DNS_FORWARD:
		forward(svc, m, &f, q, qlen, now);
		break;
	case DNS_DROP:
	default:
		svc->st.malformed++;
		rte_pktmbuf_free(m);
		break;
	}
}

/* Is 'from' server 'srv' (address and port)? */
static bool
same_server(const struct sockaddr_storage *srv, const struct sockaddr_storage *from)
{
	if (srv->ss_family != from->ss_family)
		return false;
	if (srv->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)srv, *b = (const void *)from;

		return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
	}
	{
		const struct sockaddr_in6 *a = (const void *)srv, *b = (const void *)from;

		return memcmp(&a->sin6_addr, &b->sin6_addr, 16) == 0 && a->sin6_port == b->sin6_port;
	}
}

/* Answers (or anything else) from upstream on 'fd'. */
static unsigned
upstream_input(struct dns_service *svc, int fd)
{
	uint8_t buf[DNS_UP_MAX];
	unsigned got = 0;

	if (fd < 0)
		return 0;
	for (;;) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
				     &flen);
		struct dns_pending *p;
		unsigned s, slot;

		if (n < 0)
			break;
		got++;
		if (n < 12 || (slot = svc->idmap[dns_msg_id(buf)]) == 0) {
			svc->st.upstream_foreign++;
			continue;
		}
		p = &svc->pend[slot - 1];
		/* from one of the servers, answering this question */
		for (s = 0; s < svc->n_servers; s++)
			if (same_server(&svc->servers[s], &from))
				break;
		if (s == svc->n_servers || !dns_reply_matches(p->q, p->qlen, buf, (size_t)n)) {
			svc->st.upstream_foreign++;
			continue;
		}
		svc->st.upstream_answers++;
		dns_msg_set_id(buf, p->client_id);
		if ((size_t)n > answer_room(&p->from)) {
			/* too big for the client's frame: TC, it asks again
			 * (over TCP, or with a smaller question) */
			dns_msg_set_id(p->q, p->client_id);
			svc->st.too_big++;
			send_error(svc, p->m, &p->from, p->q, p->qlen, 0, true);
		} else {
			send_answer(svc, p->m, &p->from, buf, (size_t)n);
		}
		release(svc, p);
	}
	return got;
}

static void
expire(struct dns_service *svc, uint64_t now)
{
	unsigned i;

	if (now < svc->next_deadline)
		return;
	svc->next_deadline = UINT64_MAX;
	for (i = 0; i < DNS_INFLIGHT && svc->n_pend > 0; i++) {
		struct dns_pending *p = &svc->pend[i];

		if (!p->used)
			continue;
		if (p->deadline > now) {
			if (p->deadline < svc->next_deadline)
				svc->next_deadline = p->deadline;
			continue;
		}
		if (p->tries < DNS_TRIES) {
			p->tries++;
			p->server = (uint8_t)((p->server + 1) % svc->n_servers);
			svc->st.retried++;
			send_upstream(svc, p, now);
			continue;
		}
		svc->st.servfail++;
		dns_msg_set_id(p->q, p->client_id);
		send_error(svc, p->m, &p->from, p->q, p->qlen, 2 /* SERVFAIL */, false);
		release(svc, p);
	}
}

static void
take_tables(struct dns_service *svc)
{
	struct dns_tables *t;

	if (__atomic_load_n(&svc->next, __ATOMIC_ACQUIRE) == NULL)
		return;
	pthread_mutex_lock(&svc->lock);
	t = svc->next;
	svc->next = NULL;
	pthread_mutex_unlock(&svc->lock);
	tables_free(svc->cur);
	svc->cur = t;
}

static void *
dns_main(void *arg)
{
	struct dns_service *svc = arg;
	struct rte_mbuf *ms[DNS_BURST];

	while (!svc->stop) {
		uint64_t now = loop_clock_ns();
		unsigned n, i, got;

		take_tables(svc);
		n = rte_ring_sc_dequeue_burst(svc->queries, (void **)ms, DNS_BURST, NULL);
		for (i = 0; i < n; i++)
			query(svc, ms[i], now);
		got = upstream_input(svc, svc->sock4) + upstream_input(svc, svc->sock6);
		expire(svc, now);
		if (n == 0 && got == 0) {
			struct pollfd pf[3] = {
				{ .fd = svc->evfd, .events = POLLIN },
				{ .fd = svc->sock4, .events = POLLIN },
				{ .fd = svc->sock6, .events = POLLIN },
			};
			int timeout = 1000;
			uint64_t junk;

			if (svc->next_deadline != UINT64_MAX)
				timeout = svc->next_deadline <= now ? 0 :
					  (int)RTE_MIN((svc->next_deadline - now) / 1000000ull + 1,
						       1000ull);
			__atomic_store_n(&svc->sleeping, 1, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (rte_ring_count(svc->queries) == 0 && !svc->stop &&
			    __atomic_load_n(&svc->next, __ATOMIC_ACQUIRE) == NULL)
				poll(pf, 3, timeout);
			__atomic_store_n(&svc->sleeping, 0, __ATOMIC_RELAXED);
			if (read(svc->evfd, &junk, sizeof(junk)) < 0)
				(void)0;        /* not posted: EAGAIN */
		}
	}
	return NULL;
}

/* ---- control thread ---------------------------------------------------------- */

/* The nameservers of /etc/resolv.conf, as a dns_upstream list. */
static void
resolv_conf(char *out, size_t len)
{
	FILE *f = fopen("/etc/resolv.conf", "r");
	char line[256], a[INET6_ADDRSTRLEN + 8];
	size_t off = 0;

	out[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " nameserver %53s", a) == 1 && strchr(a, '%') == NULL &&
		    off + strlen(a) + 4 < len) {
			struct in6_addr a6;

			/* an IPv6 server with a port needs brackets */
			if (inet_pton(AF_INET6, a, &a6) == 1)
				off += (size_t)snprintf(out + off, len - off, "%s[%s]",
							off ? " " : "", a);
			else
				off += (size_t)snprintf(out + off, len - off, "%s%s",
							off ? " " : "", a);
		}
	fclose(f);
}

/* UDP sockets for the servers of one family, made in 'netns' ("": ours). */
static int
open_socket(int family, const char *netns, char *err, size_t errlen)
{
	int fd, self = -1, ns = -1;
	char path[TOPO_PATH_MAX + 16];

	if (netns[0] != '\0') {
		if (strchr(netns, '/') != NULL)
			snprintf(path, sizeof(path), "%s", netns);
		else
			snprintf(path, sizeof(path), "/run/netns/%s", netns);
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		ns = open(path, O_RDONLY | O_CLOEXEC);
		if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
			snprintf(err, errlen, "dns_netns %s: %s", netns, strerror(errno));
			if (self >= 0)
				close(self);
			if (ns >= 0)
				close(ns);
			return -1;
		}
	}
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		snprintf(err, errlen, "a UDP socket for the upstream servers: %s", strerror(errno));
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) != 0) {
			/* stuck in the other namespace: nothing else would work */
			fprintf(stderr, "vsw: dns: cannot return to vsw's namespace: %s\n",
				strerror(errno));
			abort();
		}
		close(self);
		close(ns);
	}
	return fd;
}

int
dns_start(struct vsw *sw, char *err, size_t errlen)
{
	const struct topo_switch *ts = &sw->run->sw;
	struct dns_service *svc;
	char list[TOPO_ARGS_MAX], why[200];
	int n, rc;
	unsigned i;

	if (sw->replay || sw->router == NULL || sw->n_workers == 0)
		return 0;
	svc = calloc(1, sizeof(*svc));
	if (svc == NULL) {
		snprintf(err, errlen, "name service: out of memory");
		return -ENOMEM;
	}
	svc->sw = sw;
	svc->evfd = svc->sock4 = svc->sock6 = -1;
	svc->next_deadline = UINT64_MAX;
	svc->rnd_used = sizeof(svc->rnd);
	pthread_mutex_init(&svc->lock, NULL);
	if (ts->dns_upstream[0])
		snprintf(list, sizeof(list), "%s", ts->dns_upstream);
	else
		resolv_conf(list, sizeof(list));
	n = list[0] ? topo_dns_upstreams(list, svc->servers, TOPO_DNS_UPSTREAMS_MAX, why,
					 sizeof(why)) : 0;
	if (n < 0) {
		if (ts->dns_upstream[0]) {
			snprintf(err, errlen, "[switch] dns_upstream: %s", why);
			rc = -EINVAL;
			goto fail;
		}
		/* resolv.conf is the machine's: use what it has, say what not */
		fprintf(stderr, "vsw: dns: /etc/resolv.conf: %s: names not on a network are answered REFUSED\n",
			why);
		n = 0;
	}
	svc->n_servers = (unsigned)n;
	for (i = 0; i < svc->n_servers; i++) {
		int *fd = svc->servers[i].ss_family == AF_INET6 ? &svc->sock6 : &svc->sock4;

		if (*fd < 0) {
			*fd = open_socket(svc->servers[i].ss_family, ts->dns_netns, err, errlen);
			if (*fd < 0) {
				rc = -EINVAL;
				goto fail;
			}
		}
	}
	svc->pend = calloc(DNS_INFLIGHT, sizeof(*svc->pend));
	svc->empty = dns_zone_new("invalid");  /* RFC 6761: never a real name */
	svc->queries = rte_ring_create("dns_queries", DNS_RING, SOCKET_ID_ANY,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	svc->answers = rte_ring_create("dns_answers", DNS_RING, SOCKET_ID_ANY,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	svc->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (svc->pend == NULL || svc->empty == NULL || svc->queries == NULL ||
	    svc->answers == NULL || svc->evfd < 0) {
		snprintf(err, errlen, "name service: out of memory (rings, table)");
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < DNS_INFLIGHT; i++)
		svc->free_slots[i] = (uint16_t)(DNS_INFLIGHT - 1 - i);
	svc->n_free = DNS_INFLIGHT;
	sw->dns = svc;
	dns_update(sw);
	rc = pthread_create(&svc->thread, NULL, dns_main, svc);
	if (rc != 0) {
		sw->dns = NULL;
		snprintf(err, errlen, "name service: no thread: %s", strerror(rc));
		rc = -rc;
		goto fail;
	}
	pthread_setname_np(svc->thread, "vsw-dns");
	svc->started = true;
	if (svc->n_servers > 0) {
		char s[TOPO_ARGS_MAX];

		dns_read(sw, NULL, NULL, s, sizeof(s));
		fprintf(stderr, "vsw: dns: names answered at the gateways, others forwarded to %s%s%s\n",
			s, ts->dns_netns[0] ? " from namespace " : "", ts->dns_netns);
	} else {
		fprintf(stderr, "vsw: dns: names answered at the gateways, no upstream\n");
	}
	return 0;
fail:
	sw->dns = svc;
	dns_stop(sw);
	return rc;
}

void
dns_stop(struct vsw *sw)
{
	struct dns_service *svc = sw->dns;
	struct rte_mbuf *m;
	unsigned i;

	if (svc == NULL)
		return;
	if (svc->started) {
		uint64_t one = 1;

		svc->stop = true;
		if (write(svc->evfd, &one, sizeof(one)) < 0)
			(void)0;
		pthread_join(svc->thread, NULL);
	}
	sw->dns = NULL;
	for (i = 0; svc->pend != NULL && i < DNS_INFLIGHT; i++)
		if (svc->pend[i].used)
			rte_pktmbuf_free(svc->pend[i].m);
	while (svc->queries != NULL && rte_ring_dequeue(svc->queries, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	while (svc->answers != NULL && rte_ring_dequeue(svc->answers, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(svc->queries);
	rte_ring_free(svc->answers);
	tables_free(svc->cur);
	tables_free(svc->next);
	dns_zone_free(svc->empty);
	free(svc->pend);
	if (svc->evfd >= 0)
		close(svc->evfd);
	if (svc->sock4 >= 0)
		close(svc->sock4);
	if (svc->sock6 >= 0)
		close(svc->sock6);
	pthread_mutex_destroy(&svc->lock);
	free(svc);
}

static void
zone_add(struct dns_zone *z, const char *net, const char *name, int af, const void *a)
{
	int rc = dns_zone_add(z, name, af, a);

	if (rc != 0)
		fprintf(stderr, "vsw: dns: network %s: name %s not answered: %s\n", net, name,
			rc == -EINVAL ? "not a DNS name" : strerror(-rc));
}

void
dns_update(struct vsw *sw)
{
	struct dns_service *svc = sw->dns;
	const struct topology *t = sw->run;
	struct dns_tables *tab, *old;
	unsigned b, i, j;

	if (svc == NULL)
		return;
	tab = calloc(1, sizeof(*tab));
	if (tab == NULL) {
		fprintf(stderr, "vsw: dns: out of memory: names not updated\n");
		return;
	}
	for (b = 0; b < t->n_bridges && b < TOPO_MAX_BRIDGES; b++) {
		const struct topo_bridge *tb = &t->bridges[b];
		struct dns_zone *z;

		if (tb->name[0] == '\0' || tb->prefix == 0 || !tb->dns)
			continue;
		z = dns_zone_new(tb->name);
		if (z == NULL) {
			fprintf(stderr, "vsw: dns: network %s: its name is not a DNS domain: its names are not answered\n",
				tb->name);
			continue;
		}
		for (i = 0; i < t->n_ports; i++) {
			const struct topo_port *tp = &t->ports[i];
			struct in_addr a = { .s_addr = rte_cpu_to_be_32(tp->ip) };

			if (tp->name[0] == '\0' || tp->bridge != (int)b || tp->ip == 0)
				continue;
			if (tp->ep_name[0])
				zone_add(z, tb->name, tp->ep_name, AF_INET, &a);
			for (j = 0; j < tp->n_aliases; j++)
				zone_add(z, tb->name, tp->aliases[j], AF_INET, &a);
		}
		for (j = 0; j < tb->n_hosts; j++)
			zone_add(z, tb->name, tb->hosts[j].name, tb->hosts[j].af, tb->hosts[j].addr);
		tab->zone[b] = z;
		tab->gw[b] = rte_cpu_to_be_32(tb->gateway);
	}
	pthread_mutex_lock(&svc->lock);
	old = svc->next;
	__atomic_store_n(&svc->next, tab, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&svc->lock);
	tables_free(old);       /* made and never taken */
	if (svc->started) {
		uint64_t one = 1;

		if (write(svc->evfd, &one, sizeof(one)) < 0)
			(void)0;
	}
}

bool
dns_read(const struct vsw *sw, struct dns_stats *st, unsigned *inflight, char *servers,
	 size_t len)
{
	const struct dns_service *svc = sw->dns;
	size_t off = 0;
	unsigned i;

	if (svc == NULL)
		return false;
	if (st != NULL)
		memcpy(st, &svc->st, sizeof(*st));  /* relaxed: counters */
	if (inflight != NULL)
		*inflight = __atomic_load_n(&svc->n_pend, __ATOMIC_RELAXED);
	if (servers != NULL && len > 0) {
		servers[0] = '\0';
		for (i = 0; i < svc->n_servers && off < len; i++) {
			const struct sockaddr_storage *ss = &svc->servers[i];
			char a[INET6_ADDRSTRLEN];

			if (ss->ss_family == AF_INET6) {
				const struct sockaddr_in6 *s6 = (const void *)ss;

				inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
				off += (size_t)snprintf(servers + off, len - off, "%s[%s]:%u",
							off ? " " : "", a, ntohs(s6->sin6_port));
			} else {
				const struct sockaddr_in *s4 = (const void *)ss;

				inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
				off += (size_t)snprintf(servers + off, len - off, "%s%s:%u",
							off ? " " : "", a, ntohs(s4->sin_port));
			}
		}
		if (svc->n_servers == 0)
			snprintf(servers, len, "none");
	}
	return true;
}
