/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_CSUM_H
#define VSW_CSUM_H

/*
 * Incremental Internet checksum updates (RFC 1624) for header rewrites.
 * DPDK has full checksum routines (rte_ipv4_cksum, rte_raw_cksum) but no
 * incremental ones; a full recomputation of every translated TCP segment
 * would touch its whole payload.
 *
 * Two kinds of checksum fields:
 *  - complete: the field is the complemented sum; HC' = ~(~HC + ~m + m')
 *    (eqn. 3 of RFC 1624);
 *  - partial: the field holds the uncomplemented pseudo-header sum that a
 *    NIC (or the kernel) finishes later, as vsw carries it for veths
 *    (ports/offload.h); P' = P + ~m + m', and only the pseudo-header's
 *    fields (the addresses) enter it, not the ports.
 */

#include <stdint.h>
#include <string.h>

static inline uint16_t
csum_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Add the 16-bit words of a 32-bit value (either byte order: the sum's
 * byte order follows the data's). */
static inline uint32_t
csum_add32(uint32_t sum, uint32_t v)
{
	return sum + (v & 0xffff) + (v >> 16);
}

/* Checksum fields live in packed headers: load and store them bytewise
 * (the compiler makes plain moves of it). */
static inline uint16_t
csum_ld(const void *field)
{
	uint16_t v;

	memcpy(&v, field, sizeof(v));
	return v;
}

static inline void
csum_st(void *field, uint16_t v)
{
	memcpy(field, &v, sizeof(v));
}

/*
 * Is a 20-byte IPv4 header's checksum right? Five 32-bit words summed with
 * their carries, as Linux's ip_fast_csum(): rte_raw_cksum() walks 16-bit
 * words and compiles to a slow loop for this fixed, hot case.
 */
static inline int
csum_ipv4_hdr_ok(const void *hdr)
{
	const uint8_t *p = hdr;
	uint64_t s = 0;
	uint32_t w;
	int i;

	for (i = 0; i < 5; i++) {
		memcpy(&w, p + 4 * i, 4);
		s += w;
	}
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return csum_fold((uint32_t)s) == 0xffff;
}

/* A complete checksum at 'field' after a 16-bit word changed 'from' 'to'. */
static inline void
csum_replace2(void *field, uint16_t from, uint16_t to)
{
	uint32_t s = (uint16_t)~csum_ld(field) + (uint16_t)~from + (uint32_t)to;

	csum_st(field, (uint16_t)~csum_fold(s));
}

/* A complete checksum after a 32-bit field changed. */
static inline void
csum_replace4(void *field, uint32_t from, uint32_t to)
{
	uint32_t s = (uint16_t)~csum_ld(field);

	s = csum_add32(s, ~from);
	s = csum_add32(s, to);
	csum_st(field, (uint16_t)~csum_fold(s));
}

/*
 * For a checksum over data that may be all zeros (an ICMP echo with
 * identifier, sequence number and payload 0): an update by eqn. 3 gives
 * 0x0000 there, where only 0xffff is right. Both are zero in one's
 * complement, so 0xffff is right whenever 0x0000 is: never leave 0x0000.
 */
static inline void
csum_not_zero(void *field)
{
	if (csum_ld(field) == 0)
		csum_st(field, 0xffff);
}

/* A partial (pseudo-header) sum after a 32-bit pseudo-header field changed. */
static inline void
csum_partial_replace4(void *field, uint32_t from, uint32_t to)
{
	uint32_t s = csum_ld(field);

	s = csum_add32(s, ~from);
	s = csum_add32(s, to);
	csum_st(field, csum_fold(s));
}

#endif
