/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_DNS_NAMES_H
#define VSW_DNS_NAMES_H

/*
 * DNS messages for the name service (switch/dns.h): one network's names
 * (a zone: NAME -> IPv4 and IPv6 addresses, and back for PTR), and the
 * handling of one query against it. No I/O, no threads, no DPDK.
 *
 * Threads: a zone is built by one thread (dns_zone_new, dns_zone_add) and
 * then only read: dns_zone_query takes it const and writes nothing, not
 * even a counter (the rotation is the caller's 'rotor'), so once built it
 * may be handed to another thread (with a release/acquire, as any
 * pointer) and queried there while the first thread builds the next one.
 * Zones share nothing. Every other function here works on its arguments
 * only and is safe from any thread.
 *
 * What a query gets (dns_zone_query), the network's domain being its
 * name (e.g. "lab"):
 *   NAME or NAME.lab, A/AAAA/ANY   the addresses of that family, all of
 *                                  them, rotated by 'rotor' (AA)
 *   another type for NAME          NOERROR, no data (AA)
 *   lab itself                     NOERROR, no data (AA)
 *   X.lab not in the zone          NXDOMAIN (AA: vsw is the network's
 *                                  authority)
 *   PTR of an address in the zone  NAME.lab. (the name added first)
 *   anything else: another name,   DNS_FORWARD (the caller asks upstream,
 *   one label not in the zone,     the query as it is)
 *   a class other than IN, the
 *   PTR of another address
 *   opcode other than QUERY        NOTIMP (header and question echoed)
 *   EDNS version other than 0      BADVERS
 *   a response, truncated,         DNS_DROP, 'why' says which
 *   pointers in the question,
 *   counts other than 1 question
 *   and at most one additional
 *   record, which must be OPT
 * NAME is matched case-insensitively and the answer echoes the question
 * as asked (0x20 case kept). Answers have TTL DNS_TTL (endpoints come and
 * go), carry OPT (DNS_EDNS_SIZE) when the query did, and fit the larger
 * of 512 and the query's EDNS size, at most 'outcap'; when the answers do
 * not, the ones that fit are sent with TC set.
 */

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define DNS_ZONE_MAX 4096               /* names of one zone */
#define DNS_NAME_MAX_ADDRS 64           /* addresses of one name, v4 and v6 */
#define DNS_TTL 5                       /* seconds */
#define DNS_EDNS_SIZE 1232              /* the UDP size our answers offer */

struct dns_zone;

/* A zone for 'domain' (one label or a dotted name, case-insensitive, a
 * trailing dot allowed). NULL with errno EINVAL (not a DNS name: see
 * dns_zone_add) or ENOMEM. Any thread; the zone is the caller's. */
struct dns_zone *dns_zone_new(const char *domain);

/*
 * Add 'name' (one label like "web" or a dotted name like "web.lab"; stored
 * lower-case; NAME.<domain> is stored as NAME) with an address: 'af'
 * AF_INET ('addr' a struct in_addr *) or AF_INET6 (a struct in6_addr *).
 * A name given several addresses (an alias of several endpoints) is
 * answered with all of them in rotation; the same (name, address) twice is
 * kept once (0). Returns 0, -EINVAL (not a DNS name: labels of 1-63 of
 * A-Z a-z 0-9 '-' '_', not beginning or ending with '-', 253 in all, also
 * as NAME.<domain>; the domain itself; a bad 'af' or NULL 'addr'),
 * -ENOSPC (DNS_ZONE_MAX names already, or DNS_NAME_MAX_ADDRS addresses of
 * this name), -ENOMEM (the zone is unchanged). The building thread only,
 * before the zone is handed over.
 */
int dns_zone_add(struct dns_zone *z, const char *name, int af, const void *addr);
/* Free 'z' (NULL is fine). No query may be running on it. */
void dns_zone_free(struct dns_zone *z);
/* The number of distinct names of 'z' (0 for NULL). */
unsigned dns_zone_count(const struct dns_zone *z);

enum dns_action {
	DNS_ANSWER,     /* 'out' holds the reply to send back */
	DNS_FORWARD,    /* not this zone's: ask upstream, the query unchanged */
	DNS_DROP,       /* malformed ('why'): drop it and count it */
};

#define DNS_BADS(X) \
	X(NONE, "none") \
	X(SHORT, "shorter than a header and a question") \
	X(NOT_QUERY, "a response (QR set), not a query") \
	X(COUNTS, "not one question, or records a query does not carry") \
	X(NAME, "question truncated or its name malformed (pointer, length)") \
	X(ADDITIONAL, "an additional record other than EDNS (OPT)") \
	X(PARSE, "the message does not parse") \
	X(ROOM, "no room for a reply in 'outcap'")
#define DNS_BAD_ENUM(n, s) DNS_BAD_##n,
enum dns_bad { DNS_BADS(DNS_BAD_ENUM) DNS_BAD_MAX };
#undef DNS_BAD_ENUM
/* 'why' as text (static; "?" for a value out of range). */
const char *dns_bad_str(enum dns_bad why);

/*
 * Handle the query 'q' ('qlen' bytes, any bytes at all) received at the
 * gateway of 'z''s network (see the top for what it gets). DNS_ANSWER: the
 * reply is in 'out' (room for 'outcap' bytes), its length in '*outlen'.
 * DNS_FORWARD: send 'q' upstream as it is. DNS_DROP: '*why' says why.
 * 'rotor' is where the rotation of a name's addresses starts (the caller
 * counts queries: rotor, rotor + 1 ... start with successive addresses).
 * Reads 'z' only: see the top for threads. Allocates (ldns) and frees
 * before it returns.
 */
enum dns_action dns_zone_query(const struct dns_zone *z, const uint8_t *q, size_t qlen,
			       unsigned rotor, uint8_t *out, size_t outcap, size_t *outlen,
			       enum dns_bad *why);

/* A SERVFAIL reply to 'q' in 'out': id, opcode, RD and the question
 * copied, QR and RA set, no records (no OPT either). Its length, or 0 when
 * 'q' has no header and one uncompressed question, or they do not fit
 * 'outcap'. For when no upstream answered. */
size_t dns_servfail(const uint8_t *q, size_t qlen, uint8_t *out, size_t outcap);

/* The message id of 'm' (at least 12 bytes), and setting it (host order
 * in and out): the forwarder's id rewriting. */
uint16_t dns_msg_id(const uint8_t *m);
void dns_msg_set_id(uint8_t *m, uint16_t id);

/* Is 'r' ('rlen' bytes) a plausible reply to the forwarded query 'q': QR
 * set, one question, uncompressed, the same name (case-insensitive),
 * type and class? 1 or 0 (also for anything shorter than that). The id is
 * the caller's to check. */
int dns_reply_matches(const uint8_t *q, size_t qlen, const uint8_t *r, size_t rlen);

#endif
