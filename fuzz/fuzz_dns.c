/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: DNS messages (dns/names.c).
 *
 * The input is one UDP payload received at a gateway. It is asked of a
 * small zone built once (names with one address, an alias of three, a
 * name of DNS_NAME_MAX_ADDRS addresses whose answers never fit, a dotted
 * name), with a frame's room and with a small one; then made a SERVFAIL
 * and compared as a reply. What must hold whatever the bytes: an answer
 * fits its room, parses with ldns, has the query's id and is a reply to
 * it (dns_reply_matches), and the same query gets the same answer; a drop
 * says why. Under LeakSanitizer this is also the check that ldns leaks
 * nothing on what dns_zone_query lets through to it (names.c, the top).
 * The input's text is also tried as a name for dns_zone_add.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "dns/names.h"

#define CHECK(c) do { if (!(c)) { \
		fprintf(stderr, "fuzz_dns: !(%s)\n", #c); \
		abort(); } } while (0)

#define FRAME_ROOM 1472

static struct dns_zone *zone;

static void
add(const char *name, const char *addr)
{
	uint8_t a[16];
	int af = strchr(addr, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(af, addr, a) != 1 || dns_zone_add(zone, name, af, a) != 0) {
		fprintf(stderr, "fuzz_dns: the zone: %s %s\n", name, addr);
		abort();
	}
}

static void
make_zone(void)
{
	unsigned i;

	zone = dns_zone_new("lab");
	CHECK(zone != NULL);
	add("web", "10.0.0.2");
	add("web", "fd00::2");
	add("db.lab", "10.0.0.3");
	add("svc", "10.0.0.10");
	add("svc", "10.0.0.11");
	add("svc", "fd00::10");
	add("a.b", "10.0.0.20");
	add("www", "10.0.0.2");
	for (i = 0; i < DNS_NAME_MAX_ADDRS; i++) {
		char a[64];

		snprintf(a, sizeof(a), i % 2 ? "fd00::1:%x" : "10.0.1.%u", i);
		add("big", a);
	}
}

/* One query with 'room' bytes for the answer: the invariants. */
static void
ask(const uint8_t *q, size_t qlen, unsigned rotor, size_t room)
{
	static uint8_t out[FRAME_ROOM + 1], again[FRAME_ROOM + 1];
	size_t outlen = 1, len2 = 2;
	enum dns_bad why = DNS_BAD_MAX, why2 = DNS_BAD_MAX;
	enum dns_action a, a2;
	ldns_pkt *r = NULL;

	out[room] = 0xa5;
	a = dns_zone_query(zone, q, qlen, rotor, out, room, &outlen, &why);
	CHECK(out[room] == 0xa5);
	switch (a) {
	case DNS_ANSWER:
		CHECK(why == DNS_BAD_NONE);
		CHECK(outlen >= 12 && outlen <= room);
		CHECK(dns_msg_id(out) == dns_msg_id(q));
		CHECK(ldns_wire2pkt(&r, out, outlen) == LDNS_STATUS_OK);
		CHECK(ldns_pkt_qr(r) && ldns_pkt_qdcount(r) == 1);
		ldns_pkt_free(r);
		CHECK(dns_reply_matches(q, qlen, out, outlen) == 1);
		break;
	case DNS_FORWARD:
		CHECK(why == DNS_BAD_NONE && outlen == 0);
		/* what is forwarded is a query with a question */
		CHECK(qlen >= 12 && !(q[2] & 0x80));
		break;
	case DNS_DROP:
		CHECK(why > DNS_BAD_NONE && why < DNS_BAD_MAX && outlen == 0);
		CHECK(strcmp(dns_bad_str(why), "?") != 0);
		break;
	default:
		CHECK(!"an action");
	}
	/* nothing kept from one query to the next */
	a2 = dns_zone_query(zone, q, qlen, rotor, again, room, &len2, &why2);
	CHECK(a2 == a && why2 == why && len2 == outlen);
	CHECK(a != DNS_ANSWER || memcmp(out, again, outlen) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[FRAME_ROOM];
	unsigned rotor = 0;
	size_t i, len;

	if (zone == NULL)
		make_zone();
	for (i = 0; i < size; i++)
		rotor = rotor * 31 + data[i];
	ask(data, size, rotor, FRAME_ROOM);
	ask(data, size, rotor + 1, 12 + rotor % 600);

	len = dns_servfail(data, size, out, sizeof(out));
	CHECK(len <= sizeof(out) && len <= size);
	if (len > 0) {
		CHECK(dns_msg_id(out) == dns_msg_id(data));
		CHECK((out[3] & 0x0f) == LDNS_RCODE_SERVFAIL);
		CHECK(dns_reply_matches(data, size, out, len) == 1);
	}
	(void)dns_reply_matches(data, size, data, size);
	(void)dns_reply_matches(data, size / 2, data + size / 2, size - size / 2);

	/* the input as a name */
	if (size < 300) {
		struct dns_zone *z = dns_zone_new("fz");
		struct in_addr a = { htonl(0x0a000001) };
		char name[300];
		int rc;

		CHECK(z != NULL);
		memcpy(name, data, size);
		name[size] = '\0';
		rc = dns_zone_add(z, name, AF_INET, &a);
		CHECK(rc == 0 || rc == -EINVAL);
		CHECK(dns_zone_count(z) == (rc == 0));
		dns_zone_free(z);
	}
	return 0;
}
