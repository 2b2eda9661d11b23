/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl/pcapng.c: the blocks vswctl capture streams, read back by libpcap
 * (as tcpdump and tshark read them), and walked block by block: each
 * block's two lengths agree and the blocks tile the buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "ctl/pcapng.h"

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Block types in order; -1 when the lengths do not tile the buffer. */
static int
walk(const struct pcapng_buf *b, uint32_t *types, int max)
{
	size_t off = 0;
	int n = 0;

	while (off < b->len) {
		uint32_t len;

		if (b->len - off < 12 || n == max)
			return -1;
		len = get32(b->data + off + 4);
		if (len < 12 || len % 4 || off + len > b->len ||
		    get32(b->data + off + len - 4) != len)
			return -1;
		types[n++] = get32(b->data + off);
		off += len;
	}
	return n;
}

static void
fill(uint8_t *d, uint32_t n, uint8_t seed)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		d[i] = (uint8_t)(seed + i * 7);
}

static void
test_libpcap_reads_it_back(void **state)
{
	struct pcapng_buf b = { .max = 1u << 20 };
	static const uint32_t caplen[] = { 60, 61, 1514, 97 };
	static const uint32_t orig[] = { 60, 61, 9000, 97 };
	uint32_t types[16];
	char errbuf[PCAP_ERRBUF_SIZE], path[] = "/tmp/vsw-pcapng-XXXXXX";
	struct pcap_pkthdr *h;
	const u_char *data;
	uint8_t want[1514];
	unsigned i;
	pcap_t *pc;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(pcapng_shb(&b, NULL, "Linux test", "vsw test"), 0);
	assert_int_equal(pcapng_idb(&b, "c1", "vsw port c1: afpacket v1", 262144), 0);
	/* libpcap takes one snaplen for all (vsw gives every interface the capture's) */
	assert_int_equal(pcapng_idb(&b, "a-much-longer-port-name", NULL, 262144), 0);
	for (i = 0; i < 4; i++) {
		uint8_t *d = pcapng_epb(&b, i % 2, 1700000000123456789ull + i, caplen[i],
					orig[i], i == 3 ? 0 : (i % 2 ? PCAPNG_OUTBOUND : PCAPNG_INBOUND),
					i == 2 ? "vsw drop nat_no_mapping: inbound with no mapping" : NULL);

		assert_non_null(d);
		fill(d, caplen[i], (uint8_t)i);
	}
	assert_int_equal(pcapng_isb(&b, 0, 1, 2, 10, 4, 3, 2), 0);
	assert_int_equal(walk(&b, types, 16), 8);
	assert_int_equal(types[0], 0x0A0D0D0A);
	assert_int_equal(types[1], 1);
	assert_int_equal(types[3], 6);
	assert_int_equal(types[7], 5);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
	fclose(f);
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (pc == NULL)
		fail_msg("libpcap: %s", errbuf);
	assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
	for (i = 0; i < 4; i++) {
		if (pcap_next_ex(pc, &h, &data) != 1)
			fail_msg("frame %u: %s", i, pcap_geterr(pc));
		assert_int_equal(h->caplen, caplen[i]);
		assert_int_equal(h->len, orig[i]);
		assert_int_equal(h->ts.tv_sec, 1700000000);
		assert_int_equal(h->ts.tv_usec, 123456789 + i);  /* ns here */
		fill(want, caplen[i], (uint8_t)i);
		assert_memory_equal(data, want, caplen[i]);
	}
	assert_int_equal(pcap_next_ex(pc, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(pc);
	unlink(path);
	pcapng_free(&b);
}

static void
test_never_past_max(void **state)
{
	struct pcapng_buf b = { .max = 4096 };
	size_t len;
	uint32_t types[64];
	int n = 0;

	(void)state;
	assert_int_equal(pcapng_shb(&b, NULL, NULL, NULL), 0);
	assert_int_equal(pcapng_idb(&b, "p", NULL, 65535), 0);
	while (pcapng_epb(&b, 0, 0, 1000, 1000, PCAPNG_INBOUND, NULL) != NULL)
		n++;
	if (n != 3)
		fail_msg("%d blocks of 1000 bytes in 4096 (len %zu)", n, b.len);
	len = b.len;
	assert_true(len <= b.max);
	/* a refused block leaves nothing behind */
	assert_null(pcapng_epb(&b, 0, 0, 1000, 1000, 0, NULL));
	assert_int_equal(b.len, len);
	assert_int_equal(pcapng_isb(&b, 0, 0, 0, 0, 0, 0, 0), 0);
	assert_true(b.len > len);
	assert_true(walk(&b, types, 64) > 0);
	/* consumed from the front: what is left still tiles */
	len = get32(b.data + 4);
	pcapng_consume(&b, len);
	assert_int_equal(walk(&b, types, 64) > 0, 1);
	assert_int_equal(types[0], 1);
	/* a comment longer than an option holds is cut, not overflowed */
	{
		char big[70000];
		struct pcapng_buf c = { .max = 1u << 20 };

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		assert_non_null(pcapng_epb(&c, 0, 0, 4, 4, 0, big));
		assert_int_equal(walk(&c, types, 64), 1);
		assert_true(c.len < 1024);
		pcapng_free(&c);
	}
	pcapng_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libpcap_reads_it_back),
		cmocka_unit_test(test_never_past_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
