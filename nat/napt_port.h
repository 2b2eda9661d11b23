/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_NAPT_PORT_H
#define VSW_NAPT_PORT_H

/*
 * External port allocation for one external address and protocol (TCP, UDP
 * or ICMP identifiers), RFC 4787 / 6056 style:
 *  - keep the inside port when it is free ("port preservation");
 *  - otherwise start at a random point of the range and take the first free
 *    port; a port below 1024 stays below 1024 (REQ-3: privileged ports map
 *    to privileged ports), others come from [lo, hi] (nat_ports);
 *  - a freed port is not handed out again for NAPT_PORT_HOLD_S seconds, so a
 *    late packet of the old mapping cannot reach the new one.
 * Published ports are reserved for good.
 *
 * A bitmap of 65536 ports and the time each was freed: 264 KiB. A full
 * range answers at once (counters); otherwise the search goes 64 ports a
 * bitmap word, so a port flood cannot make allocation slow.
 */

#include <stdbool.h>
#include <stdint.h>

#define NAPT_PORT_HOLD_S 120

struct napt_ports {
	uint16_t lo, hi;
	uint32_t in_use;
	uint32_t in_range;              /* of them in [lo, hi] */
	uint32_t privileged;            /* of them below 1024 */
	uint64_t used[65536 / 64];
	uint64_t reserved[65536 / 64];  /* published: never allocated */
	uint32_t freed_at[65536];       /* seconds; 0: never used */
};

void napt_ports_init(struct napt_ports *p, uint16_t lo, uint16_t hi);

/* Reserve 'port' for good (a published port). false: already taken. */
bool napt_ports_reserve(struct napt_ports *p, uint16_t port);

/* Undo napt_ports_reserve (a rule removed at run time): 'port' is then
 * an ordinary used port, for napt_ports_free() to give back. */
void napt_ports_unreserve(struct napt_ports *p, uint16_t port);

/*
 * A free port for inside port 'want' at time 'now' (seconds); 'random' is a
 * random number for the start point. Returns the port, or 0 when none is
 * free.
 */
uint16_t napt_ports_alloc(struct napt_ports *p, uint16_t want, uint32_t now,
			  uint32_t random);

/* Give 'port' back at 'now'; it is held for NAPT_PORT_HOLD_S seconds. */
void napt_ports_free(struct napt_ports *p, uint16_t port, uint32_t now);

static inline bool
napt_ports_is_used(const struct napt_ports *p, uint16_t port)
{
	return (p->used[port / 64] >> (port % 64)) & 1;
}

#endif
