/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One network's names and the queries asked of them (names.h).
 *
 * Why ldns: messages are parsed and built with ldns (Debian's
 * libldns-dev, NLnet Labs' library under drill and ldns-utils). It follows
 * compression pointers with loop and bounds checks, knows every record
 * type's wire form, EDNS and its extended RCODE, and writes messages back
 * with name compression. c-ares, the other packaged candidate, is a
 * client library: it parses responses but builds no server replies.
 * Hand-written here is only what runs before ldns sees a packet: the
 * 12-byte header's counts and a walk of the question's name (no pointer
 * may appear there: RFC 1035 4.1.4 lets a pointer point only at an
 * earlier name and there is none), so that ldns never gets a message
 * claiming thousands of records; and dns_servfail / dns_reply_matches,
 * which need the header and question only.
 *
 * ldns 1.8.3 leaks: ldns_wire2pkt() takes a TSIG record out of the
 * additional section with ldns_pkt_set_tsig(), which does not free the one
 * set before (two TSIGs: the first is lost), and the count it decrements
 * is the loop's bound. A query here may carry one additional record and it
 * must be OPT (EDNS): anything else is dropped before ldns sees it
 * (DNS_BAD_ADDITIONAL), which keeps TSIG out. fuzz/fuzz_dns.c runs under
 * LeakSanitizer to keep it that way.
 *
 * Lookups: a zone's names in an array sorted by strcmp() on the
 * lower-case name, found by binary search (12 comparisons at
 * DNS_ZONE_MAX; no DPDK here, and a zone is built once per change, so a
 * sorted array beats a hash table on code and memory). PTR: a second
 * sorted array of (family, address, order added) -> name. Zones are built
 * by insertion (n^2/2 pointer moves: ~8M at the cap, once per change).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "dns/names.h"

#define NAME_MAX_LEN 253                /* text, without the trailing dot */
#define HDR_LEN 12

/* One name and its addresses, in the order added. */
struct zname {
	struct in_addr *a4;
	struct in6_addr *a6;
	unsigned n4, n6;
	char name[NAME_MAX_LEN + 1];    /* lower case, without the domain */
};

/* An address and the name it belongs to, for PTR. */
struct zrev {
	uint8_t addr[16];               /* IPv4 in the first 4 bytes, 0 after */
	uint8_t v6;
	unsigned seq;                   /* order of adding: the first name wins */
	const struct zname *n;
};

struct dns_zone {
	char domain[NAME_MAX_LEN + 1];  /* lower case, no trailing dot */
	size_t dlen;
	struct zname **names;           /* sorted by name */
	unsigned n_names, cap_names;
	struct zrev *revs;              /* sorted by (v6, addr, seq) */
	unsigned n_revs, cap_revs, seq;
};

#define DNS_BAD_STR(n, s) s,
static const char *const bad_str[] = { DNS_BADS(DNS_BAD_STR) };
#undef DNS_BAD_STR

const char *
dns_bad_str(enum dns_bad why)
{
	return (unsigned)why < DNS_BAD_MAX ? bad_str[why] : "?";
}

/* ASCII only: a locale must not change what a name is. */
static inline unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 'a' - 'A') : c;
}

static inline bool
name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* ---- names --------------------------------------------------------------- */

/* 'in' lower-cased into 'out' (NAME_MAX_LEN + 1 bytes) without a trailing
 * dot, if it is a name of labels of [A-Za-z0-9_-], 1-63 each, not
 * beginning or ending with '-', 253 in all. */
static bool
name_norm(const char *in, char *out)
{
	size_t len = strnlen(in, NAME_MAX_LEN + 2), i, label = 0;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > NAME_MAX_LEN)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (label == 0 || in[i - 1] == '-')
				return false;
			label = 0;
		} else if (name_char(c)) {
			if (c == '-' && label == 0)
				return false;
			if (++label > 63)
				return false;
		} else {
			return false;
		}
		out[i] = (char)lower(c);
	}
	out[len] = '\0';
	return in[len - 1] != '-';
}

struct dns_zone *
dns_zone_new(const char *domain)
{
	struct dns_zone *z;

	if (domain == NULL) {
		errno = EINVAL;
		return NULL;
	}
	z = calloc(1, sizeof(*z));
	if (z == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (!name_norm(domain, z->domain)) {
		free(z);
		errno = EINVAL;
		return NULL;
	}
	z->dlen = strlen(z->domain);
	return z;
}

static void
zname_free(struct zname *n)
{
	if (n == NULL)
		return;
	free(n->a4);
	free(n->a6);
	free(n);
}

void
dns_zone_free(struct dns_zone *z)
{
	unsigned i;

	if (z == NULL)
		return;
	for (i = 0; i < z->n_names; i++)
		zname_free(z->names[i]);
	free(z->names);
	free(z->revs);
	free(z);
}

unsigned
dns_zone_count(const struct dns_zone *z)
{
	return z != NULL ? z->n_names : 0;
}

/* Index of 'name' in z->names, or where it would go (*found says which). */
static unsigned
name_pos(const struct dns_zone *z, const char *name, bool *found)
{
	unsigned lo = 0, hi = z->n_names;

	*found = false;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int c = strcmp(z->names[mid]->name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct zname *
name_find(const struct dns_zone *z, const char *name)
{
	bool found;
	unsigned i = name_pos(z, name, &found);

	return found ? z->names[i] : NULL;
}

static int
rev_cmp(const struct zrev *a, uint8_t v6, const uint8_t *addr, unsigned seq)
{
	int c;

	if (a->v6 != v6)
		return a->v6 < v6 ? -1 : 1;
	c = memcmp(a->addr, addr, 16);
	if (c != 0)
		return c;
	return a->seq < seq ? -1 : a->seq > seq ? 1 : 0;
}

/* The first entry not below (v6, addr, seq). */
static unsigned
rev_lower(const struct dns_zone *z, uint8_t v6, const uint8_t *addr, unsigned seq)
{
	unsigned lo = 0, hi = z->n_revs;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (rev_cmp(&z->revs[mid], v6, addr, seq) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Room for one more reverse entry (the zone is unchanged on failure). */
static int
rev_reserve(struct dns_zone *z)
{
	unsigned cap;
	struct zrev *r;

	if (z->n_revs < z->cap_revs)
		return 0;
	cap = z->cap_revs ? z->cap_revs * 2 : 16;
	r = realloc(z->revs, cap * sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	z->revs = r;
	z->cap_revs = cap;
	return 0;
}

static void
rev_insert(struct dns_zone *z, uint8_t v6, const uint8_t *addr, const struct zname *n)
{
	unsigned pos = rev_lower(z, v6, addr, z->seq);

	memmove(&z->revs[pos + 1], &z->revs[pos], (z->n_revs - pos) * sizeof(*z->revs));
	z->revs[pos] = (struct zrev){ .v6 = v6, .seq = z->seq++, .n = n };
	memcpy(z->revs[pos].addr, addr, 16);
	z->n_revs++;
}

/* The first name given address 'addr' (16 bytes, IPv4 in the first 4). */
static const struct zname *
rev_find(const struct dns_zone *z, uint8_t v6, const uint8_t *addr)
{
	unsigned i = rev_lower(z, v6, addr, 0);

	if (i < z->n_revs && z->revs[i].v6 == v6 && memcmp(z->revs[i].addr, addr, 16) == 0)
		return z->revs[i].n;
	return NULL;
}

/* NAME.<domain> -> NAME in place; false if 'norm' is the domain itself. */
static bool
strip_domain(const struct dns_zone *z, char *norm)
{
	size_t len = strlen(norm);

	if (len == z->dlen)
		return strcmp(norm, z->domain) != 0;
	if (len > z->dlen && norm[len - z->dlen - 1] == '.' &&
	    strcmp(norm + len - z->dlen, z->domain) == 0)
		norm[len - z->dlen - 1] = '\0';
	return true;
}

int
dns_zone_add(struct dns_zone *z, const char *name, int af, const void *addr)
{
	char norm[NAME_MAX_LEN + 1];
	uint8_t a[16] = { 0 };
	struct zname *n;
	unsigned i, pos;
	bool found;
	int rc;

	if (z == NULL || name == NULL || addr == NULL || (af != AF_INET && af != AF_INET6) ||
	    !name_norm(name, norm) || !strip_domain(z, norm))
		return -EINVAL;
	/* answered as NAME.<domain>. too (PTR): that must be a name */
	if (strlen(norm) + 1 + z->dlen > NAME_MAX_LEN)
		return -EINVAL;
	memcpy(a, addr, af == AF_INET ? 4 : 16);
	pos = name_pos(z, norm, &found);
	if (found) {
		n = z->names[pos];
		if (af == AF_INET) {
			for (i = 0; i < n->n4; i++)
				if (memcmp(&n->a4[i], a, 4) == 0)
					return 0;
		} else {
			for (i = 0; i < n->n6; i++)
				if (memcmp(&n->a6[i], a, 16) == 0)
					return 0;
		}
		if (n->n4 + n->n6 >= DNS_NAME_MAX_ADDRS)
			return -ENOSPC;
	} else {
		if (z->n_names >= DNS_ZONE_MAX)
			return -ENOSPC;
		if (z->n_names == z->cap_names) {
			unsigned cap = z->cap_names ? z->cap_names * 2 : 16;
			struct zname **v = realloc(z->names, cap * sizeof(*v));

			if (v == NULL)
				return -ENOMEM;
			z->names = v;
			z->cap_names = cap;
		}
		n = calloc(1, sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		memcpy(n->name, norm, strlen(norm) + 1);
	}
	/* the arrays grow one at a time: a name has a few addresses */
	rc = rev_reserve(z);
	if (rc == 0 && af == AF_INET) {
		struct in_addr *v = realloc(n->a4, (n->n4 + 1) * sizeof(*v));

		if (v != NULL) {
			n->a4 = v;
			memcpy(&v[n->n4++], a, 4);
		} else {
			rc = -ENOMEM;
		}
	} else if (rc == 0) {
		struct in6_addr *v = realloc(n->a6, (n->n6 + 1) * sizeof(*v));

		if (v != NULL) {
			n->a6 = v;
			memcpy(&v[n->n6++], a, 16);
		} else {
			rc = -ENOMEM;
		}
	}
	if (rc != 0) {
		if (!found)
			zname_free(n);
		return rc;
	}
	rev_insert(z, af == AF_INET6, a, n);
	if (!found) {
		memmove(&z->names[pos + 1], &z->names[pos],
			(z->n_names - pos) * sizeof(*z->names));
		z->names[pos] = n;
		z->n_names++;
	}
	return 0;
}

/* ---- the wire, before ldns ------------------------------------------------ */

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint16_t
dns_msg_id(const uint8_t *m)
{
	return rd16(m);
}

void
dns_msg_set_id(uint8_t *m, uint16_t id)
{
	m[0] = (uint8_t)(id >> 8);
	m[1] = (uint8_t)id;
}

/* The length of the uncompressed name at 'm'[off], or 0 if there is none
 * (a pointer, a reserved label type, longer than 255, past the end). */
static size_t
plain_name(const uint8_t *m, size_t len, size_t off)
{
	size_t start = off;

	while (off < len) {
		uint8_t l = m[off];

		if (l == 0)
			return off + 1 - start;
		if (l & 0xc0)
			return 0;
		off += 1u + l;
		if (off - start >= 255)
			return 0;
	}
	return 0;
}

/* The length on the wire of the name at 'm'[off] that may end in a
 * pointer (where it points is ldns's to check), or 0. */
static size_t
skip_name(const uint8_t *m, size_t len, size_t off)
{
	size_t start = off;

	while (off < len) {
		uint8_t l = m[off];

		if (l == 0)
			return off + 1 - start;
		if ((l & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 - start : 0;
		if (l & 0xc0)
			return 0;
		off += 1u + l;
	}
	return 0;
}

/* The end of the question section of 'm': one question with an
 * uncompressed name, in 'len'; or 0. */
static size_t
question_end(const uint8_t *m, size_t len)
{
	size_t n;

	if (len < HDR_LEN + 1 + 4 || rd16(m + 4) != 1)
		return 0;
	n = plain_name(m, len, HDR_LEN);
	if (n == 0 || HDR_LEN + n + 4 > len)
		return 0;
	return HDR_LEN + n + 4;
}

size_t
dns_servfail(const uint8_t *q, size_t qlen, uint8_t *out, size_t outcap)
{
	size_t end = question_end(q, qlen);

	if (end == 0 || end > outcap)
		return 0;
	memmove(out, q, end);
	/* opcode and RD kept; QR and RA on; AA, TC, Z, AD, CD off; SERVFAIL */
	out[2] = (uint8_t)(0x80 | (q[2] & 0x79));
	out[3] = 0x80 | LDNS_RCODE_SERVFAIL;
	memset(out + 6, 0, 6);          /* no answer, authority, additional */
	return end;
}

int
dns_reply_matches(const uint8_t *q, size_t qlen, const uint8_t *r, size_t rlen)
{
	size_t qe, re, i;

	if (qlen < HDR_LEN || rlen < HDR_LEN || !(r[2] & 0x80))
		return 0;
	qe = question_end(q, qlen);
	re = question_end(r, rlen);
	if (qe == 0 || qe != re)
		return 0;
	/* label lengths are below 64, letters above: lower() keeps them
	 * apart, so equal bytes mean equal labels */
	for (i = HDR_LEN; i < qe; i++)
		if (lower(q[i]) != lower(r[i]))
			return 0;
	return 1;
}

/* ---- queries ------------------------------------------------------------- */

/* The question's name as lower-case text without the trailing dot ("" for
 * the root) in 'out' (NAME_MAX_LEN + 1 bytes). false when it has a
 * character no name of ours has (then it is none of ours). */
static bool
owner_text(const ldns_rdf *owner, char *out)
{
	const uint8_t *d = ldns_rdf_data(owner);
	size_t sz = ldns_rdf_size(owner), i = 0, o = 0;

	while (i < sz && d[i] != 0) {
		size_t l = d[i++], k;

		if (o > 0) {
			if (o >= NAME_MAX_LEN)
				return false;
			out[o++] = '.';
		}
		if (l > 63 || i + l > sz || o + l > NAME_MAX_LEN)
			return false;
		for (k = 0; k < l; k++) {
			unsigned char c = d[i++];

			if (!name_char(c))
				return false;
			out[o++] = (char)lower(c);
		}
	}
	out[o] = '\0';
	return true;
}

/* A decimal label of 0-255 without leading zeros at 's', up to a dot. */
static bool
octet(const char **s, uint8_t *v)
{
	const char *p = *s;
	unsigned n = 0, digits = 0;

	while (*p >= '0' && *p <= '9' && digits < 4) {
		n = n * 10 + (unsigned)(*p++ - '0');
		digits++;
	}
	if (digits == 0 || digits > 3 || n > 255 || (digits > 1 && **s == '0') || *p != '.')
		return false;
	*v = (uint8_t)n;
	*s = p + 1;
	return true;
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "4.3.2.1.in-addr.arpa" -> 1.2.3.4, "b.a.9.8...ip6.arpa" -> the IPv6
 * address, from the lower-case text 'n'; into 'addr' (16 bytes). */
static bool
reverse_addr(const char *n, uint8_t *v6, uint8_t *addr)
{
	size_t len = strlen(n);
	unsigned i;

	memset(addr, 0, 16);
	if (len > 12 && strcmp(n + len - 12, "in-addr.arpa") == 0) {
		const char *p = n;

		for (i = 0; i < 4; i++)
			if (!octet(&p, &addr[3 - i]))
				return false;
		*v6 = 0;
		return strcmp(p, "in-addr.arpa") == 0;
	}
	if (len == 64 + 8 && strcmp(n + 64, "ip6.arpa") == 0) {
		for (i = 0; i < 32; i++) {
			int v = nibble(n[i * 2]);

			if (v < 0 || n[i * 2 + 1] != '.')
				return false;
			/* the lowest nibble first */
			addr[15 - i / 2] |= (uint8_t)(i % 2 ? v << 4 : v);
		}
		*v6 = 1;
		return true;
	}
	return false;
}

/* Append to the answer section of 'r' a record of 'owner' with data 'rd'
 * (taken, freed on failure). */
static bool
push_rr(ldns_pkt *r, const ldns_rdf *owner, ldns_rr_type type, ldns_rdf *rd)
{
	ldns_rr *rr;
	ldns_rdf *o;

	if (rd == NULL)
		return false;
	rr = ldns_rr_new();
	o = ldns_rdf_clone(owner);
	if (rr == NULL || o == NULL) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(o);
		ldns_rdf_deep_free(rd);
		return false;
	}
	ldns_rr_set_owner(rr, o);
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, DNS_TTL);
	if (!ldns_rr_push_rdf(rr, rd)) {
		ldns_rdf_deep_free(rd);
		ldns_rr_free(rr);
		return false;
	}
	if (!ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr)) {
		ldns_rr_free(rr);
		return false;
	}
	return true;
}

/* The addresses of 'n' (IPv4 when 'v4', IPv6 when 'v6'), each family
 * starting at 'rotor'. */
static bool
push_addrs(ldns_pkt *r, const ldns_rdf *owner, const struct zname *n, bool v4, bool v6,
	   unsigned rotor)
{
	unsigned i;

	for (i = 0; v4 && i < n->n4; i++)
		if (!push_rr(r, owner, LDNS_RR_TYPE_A,
			     ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4,
						   &n->a4[(rotor + i) % n->n4])))
			return false;
	for (i = 0; v6 && i < n->n6; i++)
		if (!push_rr(r, owner, LDNS_RR_TYPE_AAAA,
			     ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16,
						   &n->a6[(rotor + i) % n->n6])))
			return false;
	return true;
}

/* 'r' on the wire into 'out' in at most 'limit' bytes: when it is larger,
 * answers are taken off the end, with TC, until it fits. */
static enum dns_action
emit(ldns_pkt *r, size_t limit, uint8_t *out, size_t *outlen, enum dns_bad *why)
{
	ldns_rr_list *an = ldns_pkt_answer(r);

	for (;;) {
		uint8_t *wire = NULL;
		size_t size = 0, cut;

		if (ldns_pkt2wire(&wire, r, &size) != LDNS_STATUS_OK) {
			free(wire);
			*why = DNS_BAD_ROOM;
			return DNS_DROP;
		}
		if (size <= limit) {
			memcpy(out, wire, size);
			*outlen = size;
			free(wire);
			return DNS_ANSWER;
		}
		free(wire);
		if (ldns_rr_list_rr_count(an) == 0) {
			*why = DNS_BAD_ROOM;
			return DNS_DROP;
		}
		/* as many as the excess: each answer is a pointer to the
		 * question's name (2), type, class, TTL, length (10) and its
		 * data; a guess too small only costs another round */
		cut = 0;
		while (cut < size - limit && ldns_rr_list_rr_count(an) > 0) {
			ldns_rr *rr = ldns_rr_list_pop_rr(an);

			cut += 12 + ldns_rr_uncompressed_size(rr) -
			       ldns_rdf_size(ldns_rr_owner(rr)) - 10;
			ldns_rr_free(rr);
		}
		ldns_pkt_set_ancount(r, (uint16_t)ldns_rr_list_rr_count(an));
		ldns_pkt_set_tc(r, true);
	}
}

/* A reply to 'q' with its header and question: the caller adds answers. */
static ldns_pkt *
reply_for(const ldns_pkt *q, ldns_pkt_rcode rcode, bool aa)
{
	ldns_pkt *r = ldns_pkt_new();
	ldns_rr *qr;

	if (r == NULL)
		return NULL;
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(q));
	ldns_pkt_set_aa(r, aa);
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_cd(r, ldns_pkt_cd(q));
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_rcode(r, (uint8_t)rcode);
	qr = ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0));
	if (qr == NULL || !ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, qr)) {
		ldns_rr_free(qr);
		ldns_pkt_free(r);
		return NULL;
	}
	if (ldns_pkt_edns(q))
		ldns_pkt_set_edns_udp_size(r, DNS_EDNS_SIZE);
	return r;
}

/* The checks before ldns (see the top): DNS_FORWARD when they pass. */
static enum dns_action
precheck(const uint8_t *q, size_t qlen, enum dns_bad *why)
{
	size_t end;

	if (qlen < HDR_LEN + 1 + 4) {
		*why = DNS_BAD_SHORT;
		return DNS_DROP;
	}
	if (q[2] & 0x80) {
		*why = DNS_BAD_NOT_QUERY;
		return DNS_DROP;
	}
	if (rd16(q + 4) != 1 || rd16(q + 6) != 0 || rd16(q + 8) != 0 || rd16(q + 10) > 1) {
		*why = DNS_BAD_COUNTS;
		return DNS_DROP;
	}
	end = question_end(q, qlen);
	if (end == 0) {
		*why = DNS_BAD_NAME;
		return DNS_DROP;
	}
	/* bytes after the question (when no record follows) are tolerated,
	 * as other servers do; the one additional record must be OPT */
	if (rd16(q + 10) == 1) {
		size_t n = skip_name(q, qlen, end);

		if (n == 0 || end + n + 10 > qlen || rd16(q + end + n) != LDNS_RR_TYPE_OPT) {
			*why = DNS_BAD_ADDITIONAL;
			return DNS_DROP;
		}
	}
	return DNS_FORWARD;
}

enum dns_action
dns_zone_query(const struct dns_zone *z, const uint8_t *q, size_t qlen, unsigned rotor,
	       uint8_t *out, size_t outcap, size_t *outlen, enum dns_bad *why)
{
	ldns_pkt *pkt = NULL, *r = NULL;
	const ldns_rr *qrr;
	const ldns_rdf *owner;
	char name[NAME_MAX_LEN + 1];
	size_t limit = 512, nlen;
	const struct zname *n;
	enum dns_action act = DNS_FORWARD;
	ldns_rr_type type;
	bool under = false;

	*outlen = 0;
	*why = DNS_BAD_NONE;
	if (precheck(q, qlen, why) == DNS_DROP)
		return DNS_DROP;
	if (((q[2] >> 3) & 0x0f) != LDNS_PACKET_QUERY) {
		/* NOTIMP, from the header and question alone */
		size_t len = dns_servfail(q, qlen, out, outcap);

		if (len == 0) {
			*why = DNS_BAD_ROOM;
			return DNS_DROP;
		}
		out[3] = (uint8_t)((out[3] & 0xf0) | LDNS_RCODE_NOTIMPL);
		*outlen = len;
		return DNS_ANSWER;
	}
	if (ldns_wire2pkt(&pkt, q, qlen) != LDNS_STATUS_OK || pkt == NULL ||
	    ldns_rr_list_rr_count(ldns_pkt_question(pkt)) != 1) {
		ldns_pkt_free(pkt);
		*why = DNS_BAD_PARSE;
		return DNS_DROP;
	}
	/* RFC 6891 6.2.5: a size below 512 is taken as 512 */
	if (ldns_pkt_edns(pkt) && ldns_pkt_edns_udp_size(pkt) > limit)
		limit = ldns_pkt_edns_udp_size(pkt);
	if (limit > outcap)
		limit = outcap;
	qrr = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	owner = ldns_rr_owner(qrr);
	type = ldns_rr_get_type(qrr);
	if (ldns_pkt_edns(pkt) && ldns_pkt_edns_version(pkt) != 0) {
		/* RFC 6891 6.1.3: BADVERS (16) is 1 in the OPT's upper bits
		 * over NOERROR in the header, whatever the name */
		r = reply_for(pkt, LDNS_RCODE_NOERROR, false);
		if (r != NULL)
			ldns_pkt_set_edns_extended_rcode(r, 1);
		goto answer;
	}
	if (ldns_rr_get_class(qrr) != LDNS_RR_CLASS_IN || !owner_text(owner, name) ||
	    name[0] == '\0')
		goto done;      /* none of ours: upstream's to answer */
	if (strcmp(name, z->domain) == 0) {
		r = reply_for(pkt, LDNS_RCODE_NOERROR, true);
		goto answer;
	}
	nlen = strlen(name);
	if (nlen > z->dlen + 1 && name[nlen - z->dlen - 1] == '.' &&
	    strcmp(name + nlen - z->dlen, z->domain) == 0) {
		under = true;
		name[nlen - z->dlen - 1] = '\0';
	}
	n = name_find(z, name);
	if (n != NULL) {
		r = reply_for(pkt, LDNS_RCODE_NOERROR, true);
		if (r != NULL &&
		    !push_addrs(r, owner, n, type == LDNS_RR_TYPE_A || type == LDNS_RR_TYPE_ANY,
				type == LDNS_RR_TYPE_AAAA || type == LDNS_RR_TYPE_ANY, rotor)) {
			ldns_pkt_free(r);
			r = NULL;
		}
		goto answer;
	}
	if (under) {
		r = reply_for(pkt, LDNS_RCODE_NXDOMAIN, true);
		goto answer;
	}
	if (type == LDNS_RR_TYPE_PTR || type == LDNS_RR_TYPE_ANY) {
		uint8_t a[16], v6;

		if (reverse_addr(name, &v6, a) && (n = rev_find(z, v6, a)) != NULL) {
			char target[NAME_MAX_LEN + 2];

			snprintf(target, sizeof(target), "%s.%s.", n->name, z->domain);
			r = reply_for(pkt, LDNS_RCODE_NOERROR, true);
			if (r != NULL && !push_rr(r, owner, LDNS_RR_TYPE_PTR,
						  ldns_dname_new_frm_str(target))) {
				ldns_pkt_free(r);
				r = NULL;
			}
			goto answer;
		}
	}
	goto done;              /* another name, another address: upstream's */
answer:
	if (r == NULL) {
		*why = DNS_BAD_ROOM;    /* out of memory: nothing better to say */
		act = DNS_DROP;
	} else {
		act = emit(r, limit, out, outlen, why);
	}
done:
	ldns_pkt_free(r);
	ldns_pkt_free(pkt);
	return act;
}
