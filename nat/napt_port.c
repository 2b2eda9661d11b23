/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

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
takeable(const struct napt_ports *p, uint16_t port, uint32_t now)
{
	return !((p->used[port / 64] >> (port % 64)) & 1) &&
	       (p->freed_at[port] == 0 || now - p->freed_at[port] >= NAPT_PORT_HOLD_S);
}

static inline void
take(struct napt_ports *p, uint16_t port)
{
	p->used[port / 64] |= 1ull << (port % 64);
	p->in_use++;
}

bool
napt_ports_reserve(struct napt_ports *p, uint16_t port)
{
	if ((p->used[port / 64] >> (port % 64)) & 1)
		return false;
	take(p, port);
	p->reserved[port / 64] |= 1ull << (port % 64);
	return true;
}

uint16_t
napt_ports_alloc(struct napt_ports *p, uint16_t want, uint32_t now,
		 uint32_t random)
{
	uint32_t lo, hi, span, i, port;

	if (want != 0 && takeable(p, want, now) &&
	    (want < 1024 || (want >= p->lo && want <= p->hi))) {
		take(p, want);
		return want;
	}
	if (want != 0 && want < 1024) {
		lo = 1;
		hi = 1023;
	} else {
		lo = p->lo;
		hi = p->hi;
	}
	span = hi - lo + 1;
	for (i = 0; i < span; i++) {
		port = lo + (random + i) % span;
		if (takeable(p, (uint16_t)port, now)) {
			take(p, (uint16_t)port);
			return (uint16_t)port;
		}
	}
	return 0;
}

void
napt_ports_free(struct napt_ports *p, uint16_t port, uint32_t now)
{
	if (port == 0 || ((p->reserved[port / 64] >> (port % 64)) & 1) ||
	    !((p->used[port / 64] >> (port % 64)) & 1))
		return;
	p->used[port / 64] &= ~(1ull << (port % 64));
	p->freed_at[port] = now ? now : 1;
	p->in_use--;
}
