/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns/names.c: queries are built with ldns (or by hand when malformed),
 * replies are parsed back with ldns and checked.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "dns/names.h"

#define OUTCAP 1472

/* the network "lab": web 10.0.0.2 fd00::2, db 10.0.0.3, svc 10.0.0.10-12
 * (an alias of three), v6only fd00::7, a.b (a dotted name) 10.0.0.20 */
static struct dns_zone *lab;

static struct in_addr
V4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct in6_addr
V6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void
add4(struct dns_zone *z, const char *name, const char *a)
{
	struct in_addr v = V4(a);

	assert_int_equal(dns_zone_add(z, name, AF_INET, &v), 0);
}

static void
add6(struct dns_zone *z, const char *name, const char *a)
{
	struct in6_addr v = V6(a);

	assert_int_equal(dns_zone_add(z, name, AF_INET6, &v), 0);
}

static int
setup(void **state)
{
	(void)state;
	lab = dns_zone_new("lab");
	if (lab == NULL)
		return -1;
	add4(lab, "web", "10.0.0.2");
	add6(lab, "web", "fd00::2");
	add4(lab, "db", "10.0.0.3");
	add4(lab, "svc", "10.0.0.10");
	add4(lab, "svc", "10.0.0.11");
	add4(lab, "svc", "10.0.0.12");
	add6(lab, "v6only", "fd00::7");
	add4(lab, "a.b", "10.0.0.20");
	/* a second name of web's address: PTR answers the first */
	add4(lab, "www", "10.0.0.2");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dns_zone_free(lab);
	return 0;
}

/* A query for 'name' 'type' (class IN), RD set, id 0x1234; with EDNS
 * when 'edns' (that UDP size, 'version'). The wire in 'buf', its length
 * returned. */
static size_t
query_ex(const char *name, ldns_rr_type type, ldns_rr_class class, uint16_t edns,
	 uint8_t version, uint8_t *buf, size_t cap)
{
	ldns_rdf *d = ldns_dname_new_frm_str(name);
	ldns_pkt *p;
	uint8_t *wire = NULL;
	size_t len = 0;

	assert_non_null(d);
	p = ldns_pkt_query_new(d, type, class, LDNS_RD);
	assert_non_null(p);
	ldns_pkt_set_id(p, 0x1234);
	if (edns) {
		ldns_pkt_set_edns_udp_size(p, edns);
		ldns_pkt_set_edns_version(p, version);
	}
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	assert_true(len <= cap);
	memcpy(buf, wire, len);
	free(wire);
	ldns_pkt_free(p);
	return len;
}

static size_t
query(const char *name, ldns_rr_type type, uint8_t *buf)
{
	return query_ex(name, type, LDNS_RR_CLASS_IN, 0, 0, buf, 512);
}

static uint8_t out[4096];
static size_t outlen;
static enum dns_bad why;

static enum dns_action
ask_ex(const struct dns_zone *z, const uint8_t *q, size_t qlen, unsigned rotor, size_t outcap)
{
	enum dns_action a;

	memset(out, 0xee, sizeof(out));
	outlen = 12345;
	why = DNS_BAD_MAX;
	a = dns_zone_query(z, q, qlen, rotor, out, outcap, &outlen, &why);
	if (a == DNS_ANSWER) {
		assert_true(outlen >= 12 && outlen <= outcap);
		/* nothing written past what it says */
		assert_int_equal(out[outlen], 0xee);
	} else {
		assert_int_equal(outlen, 0);
	}
	if (a == DNS_DROP)
		assert_true(why > DNS_BAD_NONE && why < DNS_BAD_MAX);
	else
		assert_int_equal(why, DNS_BAD_NONE);
	return a;
}

/* The reply to 'name' 'type' from the lab, parsed (the caller frees it). */
static ldns_pkt *
answer_ex(const char *name, ldns_rr_type type, unsigned rotor)
{
	uint8_t q[512];
	size_t qlen = query(name, type, q);
	ldns_pkt *r = NULL;

	assert_int_equal(ask_ex(lab, q, qlen, rotor, OUTCAP), DNS_ANSWER);
	assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(r), 0x1234);
	assert_true(ldns_pkt_qr(r));
	assert_true(ldns_pkt_rd(r));
	assert_true(ldns_pkt_ra(r));
	assert_int_equal(ldns_pkt_qdcount(r), 1);
	/* the question as asked, byte for byte */
	assert_memory_equal(out + 12, q + 12, qlen - 12);
	return r;
}

static ldns_pkt *
answer(const char *name, ldns_rr_type type)
{
	return answer_ex(name, type, 0);
}

static const char *
rdata_str(const ldns_rr *rr)
{
	static char s[300];
	char *t = ldns_rdf2str(ldns_rr_rdf(rr, 0));

	assert_non_null(t);
	snprintf(s, sizeof(s), "%s", t);
	free(t);
	return s;
}

/* The reply has 'n' answers of 'type', TTL DNS_TTL, the first 'first'. */
static void
expect_answers(const ldns_pkt *r, unsigned n, ldns_rr_type type, const char *first)
{
	const ldns_rr_list *an = ldns_pkt_answer(r);
	unsigned i;

	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	assert_true(ldns_pkt_aa(r));
	assert_int_equal(ldns_rr_list_rr_count(an), n);
	for (i = 0; i < n; i++) {
		assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(an, i)), type);
		assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(an, i)), DNS_TTL);
		assert_int_equal(ldns_rr_get_class(ldns_rr_list_rr(an, i)), LDNS_RR_CLASS_IN);
	}
	if (first != NULL)
		assert_string_equal(rdata_str(ldns_rr_list_rr(an, 0)), first);
}

static void
test_a_aaaa_any(void **state)
{
	ldns_pkt *r;

	(void)state;
	r = answer("web", LDNS_RR_TYPE_A);
	expect_answers(r, 1, LDNS_RR_TYPE_A, "10.0.0.2");
	assert_false(ldns_pkt_tc(r));
	assert_int_equal(ldns_pkt_arcount(r), 0);       /* no OPT: none asked */
	ldns_pkt_free(r);
	r = answer("web", LDNS_RR_TYPE_AAAA);
	expect_answers(r, 1, LDNS_RR_TYPE_AAAA, "fd00::2");
	ldns_pkt_free(r);
	r = answer("web", LDNS_RR_TYPE_ANY);
	assert_int_equal(ldns_pkt_ancount(r), 2);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(r), 0)), LDNS_RR_TYPE_A);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(r), 1)),
			 LDNS_RR_TYPE_AAAA);
	ldns_pkt_free(r);
	/* no address of that family: NOERROR, nothing */
	r = answer("db", LDNS_RR_TYPE_AAAA);
	expect_answers(r, 0, LDNS_RR_TYPE_AAAA, NULL);
	ldns_pkt_free(r);
	r = answer("v6only", LDNS_RR_TYPE_A);
	expect_answers(r, 0, LDNS_RR_TYPE_A, NULL);
	ldns_pkt_free(r);
	r = answer("v6only.lab", LDNS_RR_TYPE_AAAA);
	expect_answers(r, 1, LDNS_RR_TYPE_AAAA, "fd00::7");
	ldns_pkt_free(r);
	/* a dotted name, with and without the domain */
	r = answer("a.b", LDNS_RR_TYPE_A);
	expect_answers(r, 1, LDNS_RR_TYPE_A, "10.0.0.20");
	ldns_pkt_free(r);
	r = answer("a.b.lab", LDNS_RR_TYPE_A);
	expect_answers(r, 1, LDNS_RR_TYPE_A, "10.0.0.20");
	ldns_pkt_free(r);
}

static void
test_name_forms_and_case(void **state)
{
	static const char *forms[] = { "web", "web.", "web.lab", "web.lab.", "WEB", "WeB.LaB.",
				       "web.LAB" };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ldns_pkt *r = answer(forms[i], LDNS_RR_TYPE_A);
		ldns_rdf *want = ldns_dname_new_frm_str(forms[i]);
		const ldns_rdf *owner;

		expect_answers(r, 1, LDNS_RR_TYPE_A, "10.0.0.2");
		/* the answer's owner is the question's name, case and all */
		owner = ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(r), 0));
		assert_int_equal(ldns_rdf_size(owner), ldns_rdf_size(want));
		assert_memory_equal(ldns_rdf_data(owner), ldns_rdf_data(want), ldns_rdf_size(want));
		owner = ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(r), 0));
		assert_memory_equal(ldns_rdf_data(owner), ldns_rdf_data(want), ldns_rdf_size(want));
		ldns_rdf_deep_free(want);
		ldns_pkt_free(r);
	}
}

static void
test_nxdomain_nodata(void **state)
{
	ldns_pkt *r;

	(void)state;
	r = answer("nope.lab", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
	assert_true(ldns_pkt_aa(r));
	assert_int_equal(ldns_pkt_ancount(r), 0);
	ldns_pkt_free(r);
	r = answer("x.web.LAB.", LDNS_RR_TYPE_AAAA);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(r);
	/* the domain itself: there, with no data */
	r = answer("lab", LDNS_RR_TYPE_A);
	expect_answers(r, 0, LDNS_RR_TYPE_A, NULL);
	ldns_pkt_free(r);
	r = answer("Lab.", LDNS_RR_TYPE_SOA);
	expect_answers(r, 0, LDNS_RR_TYPE_A, NULL);
	ldns_pkt_free(r);
	/* another type of a name: NODATA */
	r = answer("web.lab", LDNS_RR_TYPE_MX);
	expect_answers(r, 0, LDNS_RR_TYPE_MX, NULL);
	ldns_pkt_free(r);
	r = answer("web", LDNS_RR_TYPE_TXT);
	expect_answers(r, 0, LDNS_RR_TYPE_TXT, NULL);
	ldns_pkt_free(r);
}

static void
test_forward(void **state)
{
	static const struct { const char *name; ldns_rr_type type; } cases[] = {
		{ "example.com", LDNS_RR_TYPE_A },
		{ "www.example.com.", LDNS_RR_TYPE_AAAA },
		{ "nope", LDNS_RR_TYPE_A },             /* one label, not ours: as Docker */
		{ "laboratory", LDNS_RR_TYPE_A },
		{ "xlab", LDNS_RR_TYPE_A },
		{ "web.lab.example.com", LDNS_RR_TYPE_A },
		{ ".", LDNS_RR_TYPE_NS },
		{ "has space", LDNS_RR_TYPE_A },        /* none of ours can be */
		{ "9.9.9.9.in-addr.arpa", LDNS_RR_TYPE_PTR },   /* not our address */
		{ "02.0.0.10.in-addr.arpa", LDNS_RR_TYPE_PTR }, /* not an address */
		{ "2.0.0.10.in-addr.arpa", LDNS_RR_TYPE_A },    /* not PTR */
		{ "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.f.ip6.arpa",
		  LDNS_RR_TYPE_PTR },
		{ "1.0.0.10.in-addr.arpa", LDNS_RR_TYPE_PTR },
	};
	uint8_t q[512];
	size_t qlen;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		qlen = query(cases[i].name, cases[i].type, q);
		if (ask_ex(lab, q, qlen, 0, OUTCAP) != DNS_FORWARD)
			fail_msg("%s: not forwarded", cases[i].name);
	}
	/* another class */
	qlen = query_ex("web", LDNS_RR_TYPE_A, LDNS_RR_CLASS_CH, 0, 0, q, sizeof(q));
	assert_int_equal(ask_ex(lab, q, qlen, 0, OUTCAP), DNS_FORWARD);
	/* a zone with no names (what the dns thread asks for a network
	 * without a table) forwards them all but its domain's */
	{
		struct dns_zone *z = dns_zone_new("invalid");

		assert_non_null(z);
		assert_int_equal(dns_zone_count(z), 0);
		qlen = query("web", LDNS_RR_TYPE_A, q);
		assert_int_equal(ask_ex(z, q, qlen, 0, OUTCAP), DNS_FORWARD);
		qlen = query("2.0.0.10.in-addr.arpa", LDNS_RR_TYPE_PTR, q);
		assert_int_equal(ask_ex(z, q, qlen, 0, OUTCAP), DNS_FORWARD);
		dns_zone_free(z);
	}
}

static void
test_ptr(void **state)
{
	ldns_pkt *r;

	(void)state;
	/* the first name of 10.0.0.2 is web (www came after) */
	r = answer("2.0.0.10.in-addr.arpa", LDNS_RR_TYPE_PTR);
	expect_answers(r, 1, LDNS_RR_TYPE_PTR, "web.lab.");
	ldns_pkt_free(r);
	r = answer("20.0.0.10.IN-ADDR.ARPA.", LDNS_RR_TYPE_PTR);
	expect_answers(r, 1, LDNS_RR_TYPE_PTR, "a.b.lab.");
	ldns_pkt_free(r);
	r = answer("2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa",
		   LDNS_RR_TYPE_PTR);
	expect_answers(r, 1, LDNS_RR_TYPE_PTR, "web.lab.");
	ldns_pkt_free(r);
	r = answer("7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.D.F.ip6.arpa.",
		   LDNS_RR_TYPE_PTR);
	expect_answers(r, 1, LDNS_RR_TYPE_PTR, "v6only.lab.");
	ldns_pkt_free(r);
	r = answer("12.0.0.10.in-addr.arpa", LDNS_RR_TYPE_PTR);
	expect_answers(r, 1, LDNS_RR_TYPE_PTR, "svc.lab.");
	ldns_pkt_free(r);
}

static void
test_rotation(void **state)
{
	char firsts[3][32];
	unsigned rotor, i, j;

	(void)state;
	for (rotor = 0; rotor < 3; rotor++) {
		ldns_pkt *r = answer_ex("svc.lab", LDNS_RR_TYPE_A, rotor);
		const ldns_rr_list *an = ldns_pkt_answer(r);
		bool seen[3] = { false };

		expect_answers(r, 3, LDNS_RR_TYPE_A, NULL);
		snprintf(firsts[rotor], sizeof(firsts[rotor]), "%s",
			 rdata_str(ldns_rr_list_rr(an, 0)));
		/* all three every time */
		for (i = 0; i < 3; i++) {
			const char *s = rdata_str(ldns_rr_list_rr(an, i));

			for (j = 0; j < 3; j++) {
				char a[32];

				snprintf(a, sizeof(a), "10.0.0.%u", 10 + j);
				if (strcmp(s, a) == 0)
					seen[j] = true;
			}
		}
		assert_true(seen[0] && seen[1] && seen[2]);
		ldns_pkt_free(r);
	}
	assert_string_not_equal(firsts[0], firsts[1]);
	assert_string_not_equal(firsts[1], firsts[2]);
	assert_string_not_equal(firsts[0], firsts[2]);
	/* and round again */
	{
		ldns_pkt *r = answer_ex("svc.lab", LDNS_RR_TYPE_A, 3);

		assert_string_equal(rdata_str(ldns_rr_list_rr(ldns_pkt_answer(r), 0)), firsts[0]);
		ldns_pkt_free(r);
	}
}

/* 64 addresses of one name do not fit 512 bytes: TC and what fits. */
static void
test_truncation(void **state)
{
	struct dns_zone *z = dns_zone_new("lab");
	uint8_t q[512];
	size_t qlen;
	ldns_pkt *r;
	unsigned i;

	(void)state;
	assert_non_null(z);
	for (i = 0; i < DNS_NAME_MAX_ADDRS; i++) {
		struct in6_addr a = V6("fd00::");
		struct in_addr b = { htonl(0x0a000100 + i) };

		a.s6_addr[15] = (uint8_t)(i + 1);
		assert_int_equal(dns_zone_add(z, i % 2 ? "big" : "big.lab", AF_INET6, &a), 0);
		assert_int_equal(dns_zone_add(z, "many", AF_INET, &b), 0);
	}
	assert_int_equal(dns_zone_count(z), 2);
	/* no EDNS: 512 */
	qlen = query("big", LDNS_RR_TYPE_AAAA, q);
	assert_int_equal(ask_ex(z, q, qlen, 0, OUTCAP), DNS_ANSWER);
	assert_true(outlen <= 512);
	assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
	assert_true(ldns_pkt_tc(r));
	assert_true(ldns_pkt_ancount(r) > 0 && ldns_pkt_ancount(r) < 64);
	/* as many as fit: one more would not */
	assert_true(outlen + 28 > 512);
	ldns_pkt_free(r);
	qlen = query("many.lab", LDNS_RR_TYPE_A, q);
	assert_int_equal(ask_ex(z, q, qlen, 5, OUTCAP), DNS_ANSWER);
	assert_true(outlen <= 512 && outlen + 16 > 512);
	assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
	assert_true(ldns_pkt_tc(r));
	/* the rotation still starts where it should */
	assert_string_equal(rdata_str(ldns_rr_list_rr(ldns_pkt_answer(r), 0)), "10.0.1.5");
	ldns_pkt_free(r);
	/* EDNS 4096, but the frame has room for 1472 */
	qlen = query_ex("big", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, 4096, 0, q, sizeof(q));
	assert_int_equal(ask_ex(z, q, qlen, 0, OUTCAP), DNS_ANSWER);
	assert_true(outlen > 512 && outlen <= OUTCAP);
	assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
	assert_true(ldns_pkt_tc(r));
	assert_true(ldns_pkt_edns(r));
	ldns_pkt_free(r);
	/* room for all */
	assert_int_equal(ask_ex(z, q, qlen, 0, sizeof(out) - 1), DNS_ANSWER);
	assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
	assert_false(ldns_pkt_tc(r));
	assert_int_equal(ldns_pkt_ancount(r), 64);
	ldns_pkt_free(r);
	/* EDNS smaller than 512 counts as 512 */
	qlen = query_ex("big", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, 100, 0, q, sizeof(q));
	assert_int_equal(ask_ex(z, q, qlen, 0, OUTCAP), DNS_ANSWER);
	assert_true(outlen <= 512 && outlen > 400);
	/* 'outcap' below 512 is obeyed */
	qlen = query("big", LDNS_RR_TYPE_AAAA, q);
	assert_int_equal(ask_ex(z, q, qlen, 0, 200), DNS_ANSWER);
	assert_true(outlen <= 200);
	assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
	assert_true(ldns_pkt_tc(r));
	ldns_pkt_free(r);
	/* no room even for the question */
	assert_int_equal(ask_ex(z, q, qlen, 0, 16), DNS_DROP);
	assert_int_equal(why, DNS_BAD_ROOM);
	dns_zone_free(z);
}

static void
test_edns(void **state)
{
	uint8_t q[512];
	size_t qlen;
	ldns_pkt *r;

	(void)state;
	qlen = query_ex("web.lab", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 4096, 0, q, sizeof(q));
	assert_int_equal(ask_ex(lab, q, qlen, 0, OUTCAP), DNS_ANSWER);
	assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
	expect_answers(r, 1, LDNS_RR_TYPE_A, "10.0.0.2");
	assert_true(ldns_pkt_edns(r));
	assert_int_equal(ldns_pkt_edns_udp_size(r), DNS_EDNS_SIZE);
	assert_int_equal(ldns_pkt_edns_version(r), 0);
	ldns_pkt_free(r);
	/* NXDOMAIN carries it too */
	qlen = query_ex("no.lab", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 1232, 0, q, sizeof(q));
	assert_int_equal(ask_ex(lab, q, qlen, 0, OUTCAP), DNS_ANSWER);
	assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
	assert_true(ldns_pkt_edns(r));
	ldns_pkt_free(r);
	/* and a forwarded one is forwarded as it is */
	qlen = query_ex("example.com", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 1232, 0, q, sizeof(q));
	assert_int_equal(ask_ex(lab, q, qlen, 0, OUTCAP), DNS_FORWARD);
}

static void
test_badvers(void **state)
{
	uint8_t q[512];
	size_t qlen;
	ldns_pkt *r;

	(void)state;
	qlen = query_ex("web.lab", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 4096, 1, q, sizeof(q));
	assert_int_equal(ask_ex(lab, q, qlen, 0, OUTCAP), DNS_ANSWER);
	assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
	/* 16: NOERROR in the header, 1 in OPT's upper bits */
	assert_int_equal(out[3] & 0x0f, 0);
	assert_true(ldns_pkt_edns(r));
	assert_int_equal(ldns_pkt_edns_extended_rcode(r), 1);
	assert_int_equal(ldns_pkt_edns_version(r), 0);
	assert_int_equal(ldns_pkt_ancount(r), 0);
	ldns_pkt_free(r);
	/* whoever's name it is */
	qlen = query_ex("example.com", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 4096, 2, q, sizeof(q));
	assert_int_equal(ask_ex(lab, q, qlen, 0, OUTCAP), DNS_ANSWER);
	assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_edns_extended_rcode(r), 1);
	ldns_pkt_free(r);
}

/* 'q' is dropped for 'want'. */
static void
expect_drop(const uint8_t *q, size_t qlen, enum dns_bad want, const char *what)
{
	enum dns_action a = ask_ex(lab, q, qlen, 0, OUTCAP);

	if (a != DNS_DROP || why != want)
		fail_msg("%s: action %d why %d (%s), want drop %d (%s)", what, a, why,
			 dns_bad_str(why), want, dns_bad_str(want));
}

static void
test_malformed(void **state)
{
	/* "web" A IN, id 0x1234, RD */
	static const uint8_t good[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'w', 'e', 'b', 0, 0, 1, 0, 1,
	};
	uint8_t q[512];
	size_t qlen;
	unsigned len;

	(void)state;
	assert_int_equal(ask_ex(lab, good, sizeof(good), 0, OUTCAP), DNS_ANSWER);
	expect_drop(good, 0, DNS_BAD_SHORT, "empty");
	expect_drop(good, 5, DNS_BAD_SHORT, "truncated header");
	expect_drop(good, 12, DNS_BAD_SHORT, "header alone");
	for (len = 17; len < sizeof(good); len++)
		expect_drop(good, len, DNS_BAD_NAME, "truncated question");
	/* a response */
	memcpy(q, good, sizeof(good));
	q[2] |= 0x80;
	expect_drop(q, sizeof(good), DNS_BAD_NOT_QUERY, "QR set");
	/* counts */
	memcpy(q, good, sizeof(good));
	q[5] = 2;
	expect_drop(q, sizeof(good), DNS_BAD_COUNTS, "qdcount 2");
	q[5] = 0;
	expect_drop(q, sizeof(good), DNS_BAD_COUNTS, "qdcount 0");
	memcpy(q, good, sizeof(good));
	memset(q + 4, 0xff, 8);
	expect_drop(q, sizeof(good), DNS_BAD_COUNTS, "counts 65535");
	memcpy(q, good, sizeof(good));
	q[7] = 1;
	expect_drop(q, sizeof(good), DNS_BAD_COUNTS, "an answer");
	memcpy(q, good, sizeof(good));
	q[9] = 1;
	expect_drop(q, sizeof(good), DNS_BAD_COUNTS, "an authority record");
	memcpy(q, good, sizeof(good));
	q[11] = 2;
	expect_drop(q, sizeof(good), DNS_BAD_COUNTS, "arcount 2");
	/* compression loop: the name a pointer to itself */
	{
		static const uint8_t loop[] = {
			0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
			0xc0, 0x0c, 0, 1, 0, 1,
		};
		static const uint8_t loop2[] = {
			0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
			3, 'w', 'e', 'b', 0xc0, 0x0c, 0, 1, 0, 1,
		};
		/* a reserved label type (0x40), a label past the end */
		static const uint8_t ext[] = {
			0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
			0x41, 'w', 0, 0, 1, 0, 1,
		};
		static const uint8_t past[] = {
			0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
			0x3f, 'w', 0, 0, 1, 0, 1,
		};

		expect_drop(loop, sizeof(loop), DNS_BAD_NAME, "pointer loop");
		expect_drop(loop2, sizeof(loop2), DNS_BAD_NAME, "pointer back to the name");
		expect_drop(ext, sizeof(ext), DNS_BAD_NAME, "label type 0x40");
		expect_drop(past, sizeof(past), DNS_BAD_NAME, "label past the end");
	}
	/* a name longer than 255 */
	{
		size_t o = 12;
		unsigned i;

		memcpy(q, good, 12);
		for (i = 0; i < 5; i++) {
			q[o++] = 63;
			memset(q + o, 'a', 63);
			o += 63;
		}
		q[o++] = 0;
		memcpy(q + o, "\0\1\0\1", 4);
		o += 4;
		expect_drop(q, o, DNS_BAD_NAME, "name of 321 bytes");
	}
	/* the additional record: OPT only, and its owner checked by ldns */
	{
		static const uint8_t opt_loop[] = {
			0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
			3, 'w', 'e', 'b', 0, 0, 1, 0, 1,
			0xc0, 21, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0,
		};
		static const uint8_t tsig[] = {
			0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
			3, 'w', 'e', 'b', 0, 0, 1, 0, 1,
			0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 0,
		};
		static const uint8_t opt_short[] = {
			0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
			3, 'w', 'e', 'b', 0, 0, 1, 0, 1,
			0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 9, 1,
		};

		expect_drop(opt_loop, sizeof(opt_loop), DNS_BAD_PARSE, "OPT owner a loop");
		expect_drop(tsig, sizeof(tsig), DNS_BAD_ADDITIONAL, "TSIG");
		expect_drop(tsig, 23, DNS_BAD_ADDITIONAL, "additional cut");
		expect_drop(opt_short, sizeof(opt_short), DNS_BAD_PARSE, "OPT data cut");
	}
	/* bytes after the question are tolerated */
	memcpy(q, good, sizeof(good));
	memset(q + sizeof(good), 0, 7);
	assert_int_equal(ask_ex(lab, q, sizeof(good) + 7, 0, OUTCAP), DNS_ANSWER);
	/* a query built by ldns, cut anywhere, never answers */
	qlen = query_ex("web.lab", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 4096, 0, q, sizeof(q));
	for (len = 0; len < qlen; len++)
		assert_int_equal(ask_ex(lab, q, len, 0, OUTCAP), DNS_DROP);
	assert_string_equal(dns_bad_str(DNS_BAD_COUNTS), "not one question, or records a query does not carry");
	assert_string_equal(dns_bad_str(DNS_BAD_MAX), "?");
}

static void
test_notimp(void **state)
{
	uint8_t q[512];
	size_t qlen = query("web.lab", LDNS_RR_TYPE_SOA, q);

	(void)state;
	q[2] = (uint8_t)((q[2] & 0x87) | 4 << 3);      /* NOTIFY */
	assert_int_equal(ask_ex(lab, q, qlen, 0, OUTCAP), DNS_ANSWER);
	assert_int_equal(outlen, qlen);
	assert_int_equal(out[3] & 0x0f, LDNS_RCODE_NOTIMPL);
	assert_int_equal((out[2] >> 3) & 0x0f, 4);
	assert_true(out[2] & 0x80);
	assert_int_equal(dns_msg_id(out), 0x1234);
	assert_memory_equal(out + 12, q + 12, qlen - 12);
}

static void
test_servfail_and_ids(void **state)
{
	uint8_t q[512], r[512];
	size_t qlen = query_ex("Example.COM", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, 4096, 0, q,
			       sizeof(q));
	size_t len;
	ldns_pkt *p;

	(void)state;
	len = dns_servfail(q, qlen, r, sizeof(r));
	assert_true(len > 12 && len < qlen);    /* the OPT is not copied */
	assert_int_equal(ldns_wire2pkt(&p, r, len), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(p), 0x1234);
	assert_true(ldns_pkt_qr(p));
	assert_true(ldns_pkt_rd(p));
	assert_true(ldns_pkt_ra(p));
	assert_false(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	assert_int_equal(ldns_pkt_ancount(p) + ldns_pkt_nscount(p) + ldns_pkt_arcount(p), 0);
	assert_memory_equal(r + 12, q + 12, len - 12);
	ldns_pkt_free(p);
	assert_int_equal(dns_reply_matches(q, qlen, r, len), 1);
	/* no room, no question */
	assert_int_equal(dns_servfail(q, qlen, r, len - 1), 0);
	assert_int_equal(dns_servfail(q, 11, r, sizeof(r)), 0);
	assert_int_equal(dns_servfail(q, 20, r, sizeof(r)), 0);
	/* in place */
	memcpy(r, q, qlen);
	assert_int_equal(dns_servfail(r, qlen, r, sizeof(r)), len);
	assert_int_equal(r[3] & 0x0f, LDNS_RCODE_SERVFAIL);
	/* ids */
	assert_int_equal(dns_msg_id(q), 0x1234);
	dns_msg_set_id(q, 0xbeef);
	assert_int_equal(q[0], 0xbe);
	assert_int_equal(q[1], 0xef);
	assert_int_equal(dns_msg_id(q), 0xbeef);
	dns_msg_set_id(q, 1);
	assert_int_equal(dns_msg_id(q), 1);
	assert_int_equal(q[0], 0);
}

static void
test_reply_matches(void **state)
{
	uint8_t q[512], r[512], other[512];
	size_t qlen = query("web.lab", LDNS_RR_TYPE_A, q), rlen, olen;

	(void)state;
	/* our own answer to it */
	assert_int_equal(ask_ex(lab, q, qlen, 0, OUTCAP), DNS_ANSWER);
	memcpy(r, out, outlen);
	rlen = outlen;
	assert_int_equal(dns_reply_matches(q, qlen, r, rlen), 1);
	/* the case of the name may differ */
	r[13] = 'W';
	assert_int_equal(dns_reply_matches(q, qlen, r, rlen), 1);
	/* the query itself is no reply */
	assert_int_equal(dns_reply_matches(q, qlen, q, qlen), 0);
	/* short */
	assert_int_equal(dns_reply_matches(q, qlen, r, 11), 0);
	assert_int_equal(dns_reply_matches(q, qlen, r, 12), 0);
	assert_int_equal(dns_reply_matches(q, qlen, r, qlen - 1), 0);
	assert_int_equal(dns_reply_matches(q, 5, r, rlen), 0);
	/* another name, of the same length and not */
	olen = query("wex.lab", LDNS_RR_TYPE_A, other);
	other[2] |= 0x80;
	assert_int_equal(dns_reply_matches(q, qlen, other, olen), 0);
	olen = query("web.lab.example", LDNS_RR_TYPE_A, other);
	other[2] |= 0x80;
	assert_int_equal(dns_reply_matches(q, qlen, other, olen), 0);
	/* another type, another class */
	olen = query("web.lab", LDNS_RR_TYPE_AAAA, other);
	other[2] |= 0x80;
	assert_int_equal(dns_reply_matches(q, qlen, other, olen), 0);
	olen = query_ex("web.lab", LDNS_RR_TYPE_A, LDNS_RR_CLASS_CH, 0, 0, other, sizeof(other));
	other[2] |= 0x80;
	assert_int_equal(dns_reply_matches(q, qlen, other, olen), 0);
	/* no question */
	memcpy(other, r, rlen);
	other[5] = 0;
	assert_int_equal(dns_reply_matches(q, qlen, other, rlen), 0);
}

static void
test_add_refusals(void **state)
{
	static const char *bad[] = {
		"", ".", "..", "a..b", ".a", "-a", "a-", "a.-b", "a-.b", "a b", "a*", "a/b",
		"caf\xc3\xa9", "a\\.b", "lab", "LAB.",
		/* 64 characters in a label */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct dns_zone *z = dns_zone_new("Lab.");
	struct in_addr a = V4("10.0.0.2"), b = V4("10.0.0.3");
	struct in6_addr a6 = V6("fd00::1");
	char name[400];
	unsigned i;
	int rc;

	(void)state;
	assert_non_null(z);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = dns_zone_add(z, bad[i], AF_INET, &a);
		if (rc != -EINVAL)
			fail_msg("'%s' added: %d", bad[i], rc);
	}
	/* 253 in all, as NAME.lab too */
	memset(name, 'a', sizeof(name));
	for (i = 63; i < 253; i += 64)
		name[i] = '.';
	name[253] = '\0';
	assert_int_equal(dns_zone_add(z, name, AF_INET, &a), -EINVAL);
	name[249] = '\0';               /* 249 + ".lab" = 253 */
	assert_int_equal(dns_zone_add(z, name, AF_INET, &a), 0);
	name[249] = 'a';
	name[250] = '\0';              /* 254 */
	assert_int_equal(dns_zone_add(z, name, AF_INET, &a), -EINVAL);
	/* a label of 63, '_' and '-' inside, a trailing dot */
	assert_int_equal(dns_zone_add(z, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
				      AF_INET, &a), 0);
	assert_int_equal(dns_zone_add(z, "my_app-1.", AF_INET, &a), 0);
	assert_int_equal(dns_zone_count(z), 3);
	/* bad arguments */
	assert_int_equal(dns_zone_add(z, "web", AF_UNIX, &a), -EINVAL);
	assert_int_equal(dns_zone_add(z, "web", AF_INET, NULL), -EINVAL);
	assert_int_equal(dns_zone_add(z, NULL, AF_INET, &a), -EINVAL);
	assert_int_equal(dns_zone_add(NULL, "web", AF_INET, &a), -EINVAL);
	assert_int_equal(dns_zone_count(z), 3);
	/* the same name, the same address: once; NAME.lab is NAME */
	assert_int_equal(dns_zone_add(z, "web", AF_INET, &a), 0);
	assert_int_equal(dns_zone_add(z, "WEB", AF_INET, &a), 0);
	assert_int_equal(dns_zone_add(z, "web.LAB.", AF_INET, &a), 0);
	assert_int_equal(dns_zone_add(z, "web", AF_INET, &b), 0);
	assert_int_equal(dns_zone_count(z), 4);
	{
		uint8_t q[512];
		size_t qlen = query("web", LDNS_RR_TYPE_A, q);
		ldns_pkt *r;

		assert_int_equal(ask_ex(z, q, qlen, 0, OUTCAP), DNS_ANSWER);
		assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
		assert_int_equal(ldns_pkt_ancount(r), 2);
		ldns_pkt_free(r);
	}
	/* DNS_NAME_MAX_ADDRS of one name, v4 and v6 together */
	for (i = 0; i < DNS_NAME_MAX_ADDRS; i++) {
		struct in_addr c = { htonl(0x0b000000 + i) };

		a6.s6_addr[15] = (uint8_t)i;
		if (i % 2)
			assert_int_equal(dns_zone_add(z, "full", AF_INET, &c), 0);
		else
			assert_int_equal(dns_zone_add(z, "full", AF_INET6, &a6), 0);
	}
	a6.s6_addr[15] = 0xff;
	assert_int_equal(dns_zone_add(z, "full", AF_INET6, &a6), -ENOSPC);
	assert_int_equal(dns_zone_add(z, "full", AF_INET, &a), -ENOSPC);
	a6.s6_addr[15] = 0;
	assert_int_equal(dns_zone_add(z, "full", AF_INET6, &a6), 0);  /* had it */
	dns_zone_free(z);
	/* domains */
	errno = 0;
	assert_null(dns_zone_new(""));
	assert_int_equal(errno, EINVAL);
	assert_null(dns_zone_new("-lab"));
	assert_null(dns_zone_new("a..b"));
	assert_null(dns_zone_new(NULL));
	z = dns_zone_new("my-net.example");
	assert_non_null(z);
	dns_zone_free(z);
	dns_zone_free(NULL);
	assert_int_equal(dns_zone_count(NULL), 0);
}

/* DNS_ZONE_MAX names, then no more; every one found, and by PTR. */
static void
test_zone_full(void **state)
{
	struct dns_zone *z = dns_zone_new("big");
	char name[32];
	unsigned i;

	(void)state;
	assert_non_null(z);
	/* added in an order that is not the sorted one */
	for (i = 0; i < DNS_ZONE_MAX; i++) {
		unsigned k = (i * 2654435761u) % DNS_ZONE_MAX;
		struct in_addr a = { htonl(0x0a000000 + k) };

		snprintf(name, sizeof(name), "n%u", k);
		assert_int_equal(dns_zone_add(z, name, AF_INET, &a), 0);
	}
	assert_int_equal(dns_zone_count(z), DNS_ZONE_MAX);
	{
		struct in_addr a = V4("10.200.0.1");

		assert_int_equal(dns_zone_add(z, "one-more", AF_INET, &a), -ENOSPC);
		/* a name already there still takes addresses */
		assert_int_equal(dns_zone_add(z, "n7", AF_INET, &a), 0);
	}
	assert_int_equal(dns_zone_count(z), DNS_ZONE_MAX);
	for (i = 0; i < DNS_ZONE_MAX; i += 97) {
		uint8_t q[512];
		size_t qlen;
		ldns_pkt *r;
		char want[32];

		snprintf(name, sizeof(name), "N%u.Big", i);
		qlen = query(name, LDNS_RR_TYPE_A, q);
		assert_int_equal(ask_ex(z, q, qlen, 0, OUTCAP), DNS_ANSWER);
		assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
		snprintf(want, sizeof(want), "10.0.%u.%u", i >> 8, i & 0xff);
		assert_string_equal(rdata_str(ldns_rr_list_rr(ldns_pkt_answer(r), 0)), want);
		ldns_pkt_free(r);
		snprintf(name, sizeof(name), "%u.%u.0.10.in-addr.arpa", i & 0xff, i >> 8);
		qlen = query(name, LDNS_RR_TYPE_PTR, q);
		assert_int_equal(ask_ex(z, q, qlen, 0, OUTCAP), DNS_ANSWER);
		assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
		snprintf(want, sizeof(want), "n%u.big.", i);
		assert_string_equal(rdata_str(ldns_rr_list_rr(ldns_pkt_answer(r), 0)), want);
		ldns_pkt_free(r);
	}
	dns_zone_free(z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_aaaa_any),
		cmocka_unit_test(test_name_forms_and_case),
		cmocka_unit_test(test_nxdomain_nodata),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_ptr),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_badvers),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_notimp),
		cmocka_unit_test(test_servfail_and_ids),
		cmocka_unit_test(test_reply_matches),
		cmocka_unit_test(test_add_refusals),
		cmocka_unit_test(test_zone_full),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
