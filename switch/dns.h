/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_DNS_H
#define VSW_DNS_H

/*
 * The name service: each network with a gateway (and dns = yes) answers
 * DNS at its gateway address, UDP port 53, like Docker's 127.0.0.11 and
 * Podman's aardvark-dns. Its endpoints' names and aliases and the
 * network's static names (host = NAME IP) are answered from a table of
 * that network only (A, AAAA, PTR; several endpoints under one name in
 * rotation); anything else is forwarded to the upstream resolvers
 * ([switch] dns_upstream, else the nameservers of /etc/resolv.conf),
 * 1 s a try, two tries on two servers, at most DNS_INFLIGHT queries in
 * flight, and answered SERVFAIL when no server answers.
 *
 * Threads: nothing of it runs in the worker's burst loop but the punt.
 * The router (worker 0, the one that routes) hands a query to the
 * "vsw-dns" thread through a single-producer ring (dns_punt; at the cap
 * the query is dropped, counted dns_busy); that thread parses, answers
 * or forwards (dns/names.c, ldns), and puts the reply frame, built in the
 * query's own mbuf, on a ring the worker drains once an iteration
 * (dns_drain), out of the interface the query came in on to the sender's
 * MAC. A slow or dead upstream costs the dns thread's time only.
 *
 * Tables: the control thread builds every network's names after each
 * change (dns_update, from vsw_model_changed) and hands the set over; the
 * dns thread takes it at its next wake-up and frees the old one, so no
 * lock is held while a query is answered.
 */

#include <stdbool.h>
#include <stdint.h>

struct vsw;
struct worker;
struct l3if;
struct rte_mbuf;

/* queries forwarded and not answered yet; more are dropped (counted) */
#define DNS_INFLIGHT 256
/* the rings between the worker and the dns thread */
#define DNS_RING 1024
#define DNS_TRY_NS 1000000000ull        /* one upstream try */
#define DNS_TRIES 2

#define DNS_COUNTERS(X) \
	X(queries, "queries taken from the worker") \
	X(answered, "answered from a network's names") \
	X(nxdomain, "answered NXDOMAIN (under the network's domain)") \
	X(forwarded, "sent upstream (first tries)") \
	X(retried, "sent upstream again after a timeout") \
	X(upstream_answers, "answers from upstream passed back") \
	X(upstream_foreign, "upstream datagrams matching no query (dropped)") \
	X(servfail, "answered SERVFAIL: no upstream answered") \
	X(refused, "answered REFUSED: no upstream configured") \
	X(inflight_full, "dropped: DNS_INFLIGHT queries upstream already") \
	X(bad_checksum, "dropped: UDP checksum wrong") \
	X(malformed, "dropped: not a DNS query (truncated, loops, counts)") \
	X(too_big, "answers cut to fit (TC set)") \
	X(no_mbuf, "dropped: no mbuf for an answer")

#define DNS_COUNTER_FIELD(n, d) uint64_t n;
struct dns_stats {
	DNS_COUNTERS(DNS_COUNTER_FIELD)
};
#undef DNS_COUNTER_FIELD

/*
 * Start the name service for 'sw' (after vsw_start, when it routes):
 * reads [switch] dns_upstream / dns_netns, opens the upstream sockets
 * (in dns_netns when set) and starts the thread. 0, or -errno with the
 * reason in 'err' (a bad upstream list, a namespace that cannot be
 * entered). Nothing is started in replay mode or without a router.
 */
int dns_start(struct vsw *sw, char *err, size_t errlen);
/* Stop the thread and free what it holds (queries in flight included). */
void dns_stop(struct vsw *sw);

/* Rebuild the names of every network of sw->run and hand them to the
 * dns thread (control thread, after a change). */
void dns_update(struct vsw *sw);

/*
 * Worker: is 'm' (an IPv4 frame for our address on 'in', l2_len and
 * l3_len set) a DNS query for the name service? Then it is taken (punted
 * or dropped, counted) and true is returned; else 'm' is untouched.
 */
bool dns_punt(struct worker *w, const struct l3if *in, struct rte_mbuf *m);

/* Worker 0, once an iteration when sw->dns is set: send the answers the
 * dns thread made (a ring count when there are none). */
void dns_drain(struct worker *w);
/* Worker, about to sleep: answers are waiting (then it does not). */
bool dns_waiting(const struct vsw *sw);

/*
 * Control thread (`vswctl show dns`): a copy of the counters, the number
 * of queries upstream now and the servers as text. false when no name
 * service runs.
 */
bool dns_read(const struct vsw *sw, struct dns_stats *st, unsigned *inflight,
	      char *servers, size_t len);

#endif
