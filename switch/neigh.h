/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_NEIGH_H
#define VSW_NEIGH_H

/*
 * The neighbour (ARP) table: (L3 interface, IPv4 address) -> MAC.
 *
 * Entries are learned from ARP (requests to us and replies) and made when
 * vsw needs to send to an address it does not know: the entry is then
 * INCOMPLETE, holds the first few frames for it (NEIGH_QUEUE, more are
 * dropped and counted) and ARP asks at most once a second, NEIGH_PROBES
 * times; the answer releases the frames, silence fails the entry and its
 * frames (the caller answers with ICMP host unreachable). An entry made
 * INCOMPLETE is also on a list ('pending') until it is answered or
 * deleted; the ARP timer walks the list every time it runs, so a probe is
 * never later than the timer's period, whatever the table's size (the
 * sweep that ages REACHABLE entries takes seconds). A REACHABLE entry
 * is trusted for NEIGH_REACHABLE_S seconds after it was last confirmed, then
 * used while being asked again. vsw's own addresses are never learned, so a
 * container's gratuitous ARP cannot take over a gateway.
 *
 * The table is an rte_hash with 8-byte keys (a 64-bit compare instead of
 * memcmp) over a preallocated array; 'n_max' entries, and when it is full
 * new neighbours are not learned (counted). Unsolicited ARP (a request to
 * us from an unknown sender) may fill only three quarters of it: the rest
 * is kept for the neighbours vsw itself needs to resolve.
 *
 * Threads: the one routing worker; the control thread reads under the
 * worker barrier.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#define NEIGH_QUEUE 4
#define NEIGH_PROBES 3
#define NEIGH_REACHABLE_S 300
#define NEIGH_FAILED_S 5
#define NEIGH_NONE UINT32_MAX

enum neigh_state { NEIGH_FREE, NEIGH_INCOMPLETE, NEIGH_REACHABLE, NEIGH_FAILED };

struct neigh {
	rte_be32_t ip;
	uint16_t l3if;
	uint8_t state;
	uint8_t probes;                 /* ARP requests sent without answer */
	bool permanent;                 /* from the topology: never aged */
	bool listed;                    /* on the pending list */
	struct rte_ether_addr mac;
	uint16_t n_queued;
	uint64_t confirmed;             /* ns, last time its ARP was seen */
	uint64_t next_probe;            /* ns */
	struct rte_mbuf *queue[NEIGH_QUEUE];
};

struct neigh_stats {
	uint64_t learned;
	uint64_t updated;               /* a neighbour changed MAC */
	uint64_t resolved;              /* an INCOMPLETE entry got its answer */
	uint64_t failed;
	uint64_t queue_drops;
	uint64_t full;
	uint64_t own_claims;            /* ARP claiming one of our addresses */
};

struct neigh_table {
	struct rte_hash *h;
	struct neigh *e;
	uint32_t n_max;
	uint32_t n_used;
	uint32_t gen;                   /* bumped when entries are made or freed */
	uint32_t sweep_pos;
	uint32_t *pending;              /* INCOMPLETE and FAILED entries */
	uint32_t n_pending;
	struct neigh_stats st;
};

struct neigh_table *neigh_create(uint32_t n_max, int socket);
void neigh_free(struct neigh_table *t);

/* The entry for (l3if, ip), or NEIGH_NONE. */
uint32_t neigh_find(const struct neigh_table *t, uint16_t l3if, rte_be32_t ip);

/* Find or make the entry (INCOMPLETE when new). NEIGH_NONE when full. */
uint32_t neigh_get(struct neigh_table *t, uint16_t l3if, rte_be32_t ip);

/*
 * Learn 'mac' for (l3if, ip) at 'now'. 'create': make the entry if there
 * is none (ARP addressed to us); otherwise only known entries are updated.
 * Returns the entry or NEIGH_NONE. Frames it held are for the caller to
 * send: neigh_take_queue().
 */
uint32_t neigh_learn(struct neigh_table *t, uint16_t l3if, rte_be32_t ip,
		     const struct rte_ether_addr *mac, uint64_t now, bool create);

/* Hold 'm' until the entry resolves. false: the queue is full (the caller
 * drops it). */
bool neigh_enqueue(struct neigh_table *t, uint32_t idx, struct rte_mbuf *m);

/* Move the held frames to 'out' (at most NEIGH_QUEUE); returns how many. */
unsigned neigh_take_queue(struct neigh_table *t, uint32_t idx,
			  struct rte_mbuf **out);

/* Forget an entry (its held frames are freed). */
void neigh_delete(struct neigh_table *t, uint32_t idx);

#endif
