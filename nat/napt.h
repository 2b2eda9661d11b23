/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_NAPT_H
#define VSW_NAPT_H

/*
 * Stateful NAPT (masquerade and published ports), RFC 4787 / 5382 / 5508.
 *
 * A mapping binds an inside endpoint (address, port, protocol) to one
 * external port of one external address, whatever the destination
 * (endpoint-independent mapping, RFC 4787 REQ-1, RFC 5382 REQ-1). A session
 * is one conversation of a mapping with one remote endpoint; inbound
 * packets are filtered against the sessions (address-port-dependent), the
 * remote addresses (address-dependent) or not at all (endpoint-independent).
 * A published port is a mapping made from the configuration: it never
 * expires and anyone may open a session to it; the inside host sees the
 * real client address.
 *
 * Tables: one rte_hash with 16-byte keys (its fastest compare) holds
 *   IN2OUT   (inside addr, remote addr, inside port, remote port)  -> session
 *   OUT2IN   (external addr, remote addr, ext port, remote port)   -> session
 *   MAP_IN   (inside addr, external addr, inside port)             -> mapping
 *   MAP_EXT  (external addr, ext port)                             -> mapping
 * so a session is one 64-byte object with two keys, and the per-packet
 * path reads the hash and the session only. Sessions, mappings and hosts
 * are preallocated ('sessions' of them) and recycled through free lists.
 *
 * Lifetime: UDP and ICMP sessions live 'timeout' seconds after their last
 * outbound packet; TCP ones follow SYN/FIN/RST: established (both SYNs seen)
 * or transitory (opening, closing, reset). Expired sessions are misses at
 * once and the sweep (napt_expire, bounded per call) frees them; a mapping
 * goes with its last session and its port is held for 120 s. ICMP errors
 * never create, refresh or delete anything.
 *
 * Threads: one worker. The control thread reads under the worker barrier.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "common/drop.h"
#include "config/topology.h"
#include "nat/napt_port.h"

#define NAPT_MAX_EXT 16                 /* external addresses */
#define NAPT_NONE UINT32_MAX

/* TCP tracking (session flags) */
#define NAPT_SYN_OUT (1u << 0)
#define NAPT_SYN_IN  (1u << 1)
#define NAPT_FIN_OUT (1u << 2)
#define NAPT_FIN_IN  (1u << 3)
#define NAPT_RST     (1u << 4)
#define NAPT_ESTABLISHED (1u << 5)

struct napt_session {
	rte_be32_t in_ip, ext_ip, rem_ip;
	rte_be16_t in_port, ext_port, rem_port;
	uint8_t proto;
	uint8_t flags;                  /* NAPT_SYN_OUT ... */
	uint32_t expire;                /* seconds */
	uint32_t map;                   /* its mapping */
	uint32_t next, prev;            /* the mapping's sessions */
	uint32_t nbr;                   /* router's hint: the inside host's
					 * neighbour entry (checked on use) */
	uint64_t pkts_out, pkts_in;
	uint32_t last_out, last_in;     /* seconds */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct napt_session) <= 64, "a session is one cache line");

struct napt_mapping {
	rte_be32_t in_ip, ext_ip;
	rte_be16_t in_port, ext_port;
	uint8_t proto;
	uint8_t published;
	uint16_t ext;                   /* index in napt.ext */
	uint32_t n_sessions;
	uint32_t first;                 /* a session, NAPT_NONE */
	uint32_t host;                  /* per-host count */
	uint32_t used;                  /* in use (free-list sanity) */
};

struct napt_stats {
	uint64_t sessions_created;
	uint64_t sessions_expired;
	uint64_t mappings_created;
	uint64_t mappings_freed;
	uint64_t translated_out;
	uint64_t translated_in;
	uint64_t icmp_errors;           /* ICMP errors translated */
	uint64_t hairpin;
};

struct napt_params {
	uint32_t sessions;
	uint32_t per_host;
	uint16_t port_lo, port_hi;
	enum topo_nat_filter filtering;
	uint32_t t_udp, t_tcp_est, t_tcp_trans, t_icmp;
	int socket;
	uint64_t seed;                  /* port choice; 0: from rte_rand() */
};

struct napt_ext {
	rte_be32_t ip;
	struct napt_ports *ports[3];    /* TCP, UDP, ICMP */
};

struct napt {
	struct napt_params p;
	struct rte_hash *h;
	struct rte_hash *hosts;
	struct napt_session *s;
	struct napt_mapping *m;
	uint32_t *host_count;
	uint32_t *free_s, n_free_s;
	uint32_t *free_m, n_free_m;
	uint32_t n_sessions, n_mappings, n_max_mappings;
	uint32_t sweep_pos;
	/* the table's own generator (xorshift64*): replay runs choose the same
	 * ports whatever DPDK drew from rte_rand() meanwhile */
	uint64_t rand;
	unsigned n_ext;
	struct napt_ext ext[NAPT_MAX_EXT];
	struct napt_stats st;
};

/* A table for 'p'. NULL (and 'err') on failure. */
struct napt *napt_create(const struct napt_params *p, char *err, size_t errlen);
void napt_free(struct napt *n);

/*
 * A network went (its gateway removed at run time): end every dynamic
 * mapping, with its sessions, whose inside address is in net/mask
 * (network order). Published rules are objects of their own and stay.
 * Walks every mapping slot: a few ms at a million. The number of
 * sessions ended.
 */
uint32_t napt_flush_inside(struct napt *n, rte_be32_t net, rte_be32_t mask,
			   uint32_t now);

/* Add external address 'ip' (network order). Its index, or -errno. */
int napt_add_external(struct napt *n, rte_be32_t ip);

/*
 * Take external address 'ip' away (its routed port goes): every mapping
 * and session on it is freed (the reconciler has removed its published
 * rules first), and its slot is free for the next napt_add_external().
 * Returns the sessions freed. Under the worker barrier.
 */
uint32_t napt_del_external(struct napt *n, rte_be32_t ip, uint32_t now);

/* Publish ext_ip:ext_port (proto) to in_ip:in_port. 0 or -errno. */
int napt_publish(struct napt *n, uint8_t proto, rte_be32_t ext_ip,
		 uint16_t ext_port, rte_be32_t in_ip, uint16_t in_port);

/*
 * Published ports at run time: one rule is ext_ip:ext_lo..ext_hi (proto,
 * host order ports) -> in_ip:in_lo.. (port ext_lo + k to in_lo + k).
 *
 * napt_publish_add() installs the rule on a running table, all of it or
 * nothing: every external port must be free (not used by a dynamic
 * mapping nor by another published port; a port still held after its
 * mapping went may be published: anyone may open a published port
 * anyway) and no inside endpoint in_ip:in_lo+k may have a mapping on
 * ext_ip already (its outbound packets could use only one). Otherwise
 * -EADDRINUSE and 'err' names the first conflict, as Docker refuses a
 * port that "is already allocated"; -ENOSPC when the mappings do not
 * fit; -EINVAL when ext_ip is not external. Nothing changes on an error.
 *
 * napt_publish_del() removes the rule's mappings and only the sessions
 * made through them (counted in '*sessions', may be NULL); every other
 * mapping and session keeps its state. The freed external ports are held
 * NAPT_PORT_HOLD_S seconds from 'now' like any freed port, so a late
 * packet of a removed session cannot reach a new dynamic mapping. -ENOENT
 * (and 'err') when a port of the range is not published to the rule's
 * inside endpoint; nothing changes then.
 *
 * Calling context: the control thread, under the worker barrier (the
 * worker must not be in the table). Work: O(ports in the rule) hash
 * operations plus O(sessions removed); a 1000-port range takes 0.15 ms
 * to add (3 ms on a table whose memory was never touched) and 0.08 ms to
 * remove (tests/unit/test_publish.c, release build).
 */
int napt_publish_add(struct napt *n, uint8_t proto, rte_be32_t ext_ip,
		     uint16_t ext_lo, uint16_t ext_hi, rte_be32_t in_ip,
		     uint16_t in_lo, char *err, size_t errlen);
int napt_publish_del(struct napt *n, uint8_t proto, rte_be32_t ext_ip,
		     uint16_t ext_lo, uint16_t ext_hi, rte_be32_t in_ip,
		     uint16_t in_lo, uint32_t now, uint32_t *sessions,
		     char *err, size_t errlen);

/* Sessions of the rule's mappings now (control thread, under the worker
 * barrier). */
uint32_t napt_publish_sessions(struct napt *n, uint8_t proto, rte_be32_t ext_ip,
			       uint16_t ext_lo, uint16_t ext_hi);

/*
 * Translate an IPv4 packet going out through external address 'ext_ip'
 * (source becomes ext_ip:port), making the mapping and session if needed.
 * 'm' has l2_len/l3_len set, is whole (not a fragment) and not shared.
 * Returns 0, or the drop reason (the caller drops and counts).
 */
int napt_outbound(struct napt *n, struct rte_mbuf *m, rte_be32_t ext_ip,
		  uint32_t now);

/* Translate a packet that came in to an external address (its
 * destination becomes the inside endpoint). Same contract. */
int napt_inbound(struct napt *n, struct rte_mbuf *m, uint32_t now);

/*
 * The fast path for a burst: translate the packets whose session exists
 * and is alive, with one bulk lookup. res[i]: 0 translated (sess[i] is
 * its session), NAPT_SLOW (no live session, an ICMP error, ...: give it
 * to napt_outbound/_inbound), or a drop reason. 'cnt' <= 64. The
 * outbound packets translated are being forwarded: their TTL is
 * decremented in the same pass.
 */
#define NAPT_SLOW (-1)
void napt_outbound_bulk(struct napt *n, struct rte_mbuf **m, unsigned cnt,
			rte_be32_t ext_ip, uint32_t now, int *res, uint32_t *sess);
void napt_inbound_bulk(struct napt *n, struct rte_mbuf **m, unsigned cnt,
		       uint32_t now, int *res, uint32_t *sess);

/* Is 'ip' one of the external addresses? */
bool napt_is_external(const struct napt *n, rte_be32_t ip);

/* Free up to 'budget' expired sessions' worth of the table. */
void napt_expire(struct napt *n, uint32_t now, unsigned budget);

/* Each live session (control path). */
typedef void (*napt_walk_fn)(void *arg, const struct napt_session *s,
			     uint32_t now);
void napt_walk(const struct napt *n, uint32_t now, napt_walk_fn fn, void *arg);

/*
 * Copy the live sessions of at most 'scan' table slots from '*pos' on into
 * 'out' (room for 'max'), in slot order, and leave '*pos' at the first
 * slot not looked at (the table size when it is done). Returns the number
 * copied. A session keeps its slot while it lives, so a walk in pieces,
 * the worker running between them, sees every session that lives through
 * it exactly once. Control path, under the worker barrier for the call
 * only.
 */
unsigned napt_read(const struct napt *n, uint32_t now, uint32_t *pos, unsigned scan,
		   struct napt_session *out, unsigned max);

/* 'established' / 'transitory' / "-" for a session. */
const char *napt_state_name(const struct napt_session *s);

#endif
