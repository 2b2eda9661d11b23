/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_common.h>

#include "nat/napt_port.h"

void
napt_ports_init(struct napt_ports *p, uint16_t lo, uint16_t hi)
{
	memset(p, 0, sizeof(*p));
	p->lo = lo;
	p->hi = hi;
	/* port 0 is never a port */
	p->used[0] |= 1;
	p->reserved[0] |= 1;
}

static inline bool
is_used(const struct napt_ports *p, uint32_t port)
{
	return (p->used[port / 64] >> (port % 64)) & 1;
}

static inline bool
takeable(const struct napt_ports *p, uint32_t port, uint32_t now)
{
	return !is_used(p, port) &&
	       (p->freed_at[port] == 0 || now - p->freed_at[port] >= NAPT_PORT_HOLD_S);
}

/* Count a port taken or given back in the counters of its ranges. */
static inline void
count(struct napt_ports *p, uint32_t port, int d)
{
	p->in_use += (uint32_t)d;
	if (port >= p->lo && port <= p->hi)
		p->in_range += (uint32_t)d;
	if (port < 1024)
		p->privileged += (uint32_t)d;
}

static inline void
take(struct napt_ports *p, uint32_t port)
{
	p->used[port / 64] |= 1ull << (port % 64);
	count(p, port, 1);
}

bool
napt_ports_reserve(struct napt_ports *p, uint16_t port)
{
	if (port == 0 || is_used(p, port))
		return false;
	take(p, port);
	p->reserved[port / 64] |= 1ull << (port % 64);
	return true;
}

void
napt_ports_unreserve(struct napt_ports *p, uint16_t port)
{
	if (port != 0)
		p->reserved[port / 64] &= ~(1ull << (port % 64));
}

uint16_t
napt_ports_alloc(struct napt_ports *p, uint16_t want, uint32_t now,
		 uint32_t random)
{
	uint32_t lo, hi, span, used, i, port;

	if (want != 0 && takeable(p, want, now) &&
	    (want < 1024 || (want >= p->lo && want <= p->hi))) {
		take(p, want);
		return want;
	}
	if (want != 0 && want < 1024) {
		lo = 1;
		hi = 1023;
		used = p->privileged;
	} else {
		lo = p->lo;
		hi = p->hi;
		used = p->in_range;
	}
	span = hi - lo + 1;
	if (used >= span)
		return 0;       /* full: say so at once, do not scan */
	/* from the random start, 64 ports (a bitmap word) at a time */
	port = lo + random % span;
	for (i = 0; i < span; ) {
		uint32_t run = RTE_MIN(64 - port % 64, hi - port + 1);
		uint64_t free = ~p->used[port / 64] >> (port % 64);

		if (run < 64)
			free &= (1ull << run) - 1;
		while (free != 0) {
			uint32_t cand = port + (uint32_t)__builtin_ctzll(free);

			if (takeable(p, cand, now)) {
				take(p, cand);
				return (uint16_t)cand;
			}
			free &= free - 1;       /* held: the next free one */
		}
		i += run;
		port = port + run > hi ? lo : port + run;
	}
	return 0;
}

void
napt_ports_free(struct napt_ports *p, uint16_t port, uint32_t now)
{
	if (port == 0 || ((p->reserved[port / 64] >> (port % 64)) & 1) ||
	    !is_used(p, port))
		return;
	p->used[port / 64] &= ~(1ull << (port % 64));
	p->freed_at[port] = now ? now : 1;
	count(p, port, -1);
}
