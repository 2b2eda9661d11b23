/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include "ctl/pcapng.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 1u
#define BT_ISB 5u
#define BT_EPB 6u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define LINKTYPE_ETHERNET 1u

#define OPT_END 0
#define OPT_COMMENT 1
#define SHB_HARDWARE 2
#define SHB_OS 3
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define EPB_FLAGS 2
#define ISB_STARTTIME 2
#define ISB_ENDTIME 3
#define ISB_IFRECV 4
#define ISB_IFDROP 5
#define ISB_FILTERACCEPT 6
#define ISB_USRDELIV 8

static inline size_t
pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static size_t
opt_size(const char *s)
{
	return s != NULL && s[0] ? 4 + pad4(strlen(s)) : 0;
}

/* Room for 'n' more bytes, zeroed; NULL when past max. */
static uint8_t *
reserve(struct pcapng_buf *b, size_t n)
{
	uint8_t *p;

	if (b->len + n > b->max)
		return NULL;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;

		while (cap < b->len + n)
			cap *= 2;
		if (cap > b->max)
			cap = b->max;
		p = realloc(b->data, cap);
		if (p == NULL)
			return NULL;
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	memset(p, 0, n);
	b->len += n;
	return p;
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return p + 4;
}

static uint8_t *
put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
	return p + 8;
}

static uint8_t *
put_opt(uint8_t *p, uint16_t code, const void *v, size_t len)
{
	uint16_t h[2] = { code, (uint16_t)len };

	memcpy(p, h, 4);
	memcpy(p + 4, v, len);
	return p + 4 + pad4(len);
}

static uint8_t *
put_str(uint8_t *p, uint16_t code, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return p;
	return put_opt(p, code, s, strlen(s));
}

/* options are strings up to 65535 bytes: longer ones are cut */
static const char *
cut(const char *s, char *buf, size_t len)
{
	if (s == NULL || strlen(s) < len)
		return s;
	memcpy(buf, s, len - 1);
	buf[len - 1] = '\0';
	return buf;
}

int
pcapng_shb(struct pcapng_buf *b, const char *hardware, const char *os,
	   const char *app)
{
	size_t n = 28 + opt_size(hardware) + opt_size(os) + opt_size(app) + 4;
	uint8_t *p = reserve(b, n), *q;

	if (p == NULL)
		return -1;
	q = put32(p, BT_SHB);
	q = put32(q, (uint32_t)n);
	q = put32(q, BYTE_ORDER_MAGIC);
	q = put32(q, 1);                /* version 1.0 */
	q = put64(q, UINT64_MAX);       /* section length: not known (a stream) */
	q = put_str(q, SHB_HARDWARE, hardware);
	q = put_str(q, SHB_OS, os);
	q = put_str(q, SHB_USERAPPL, app);
	q = put32(q, OPT_END);
	put32(q, (uint32_t)n);
	return 0;
}

int
pcapng_idb(struct pcapng_buf *b, const char *name, const char *desc,
	   uint32_t snaplen)
{
	char nb[256], db[1024];
	uint8_t tsresol = 9;            /* nanoseconds */
	size_t n;
	uint8_t *p, *q;

	name = cut(name, nb, sizeof(nb));
	desc = cut(desc, db, sizeof(db));
	n = 16 + opt_size(name) + opt_size(desc) + 8 + 4 + 4;
	p = reserve(b, n);
	if (p == NULL)
		return -1;
	q = put32(p, BT_IDB);
	q = put32(q, (uint32_t)n);
	q = put32(q, LINKTYPE_ETHERNET);        /* linktype, reserved */
	q = put32(q, snaplen);
	q = put_str(q, IF_NAME, name);
	q = put_str(q, IF_DESCRIPTION, desc);
	q = put_opt(q, IF_TSRESOL, &tsresol, 1);
	q = put32(q, OPT_END);
	put32(q, (uint32_t)n);
	return 0;
}

uint8_t *
pcapng_epb(struct pcapng_buf *b, uint32_t ifid, uint64_t ns, uint32_t caplen,
	   uint32_t orig_len, uint32_t flags, const char *comment)
{
	char cb[512];
	size_t n;
	uint8_t *p, *q, *data;

	comment = cut(comment, cb, sizeof(cb));
	n = 28 + pad4(caplen) + (flags ? 8 : 0) + opt_size(comment) + 4 + 4;
	p = reserve(b, n);
	if (p == NULL)
		return NULL;
	q = put32(p, BT_EPB);
	q = put32(q, (uint32_t)n);
	q = put32(q, ifid);
	q = put32(q, (uint32_t)(ns >> 32));
	q = put32(q, (uint32_t)ns);
	q = put32(q, caplen);
	q = put32(q, orig_len);
	data = q;
	q += pad4(caplen);
	if (flags)
		q = put_opt(q, EPB_FLAGS, &flags, 4);
	q = put_str(q, OPT_COMMENT, comment);
	q = put32(q, OPT_END);
	put32(q, (uint32_t)n);
	return data;
}

int
pcapng_isb(struct pcapng_buf *b, uint32_t ifid, uint64_t start_ns, uint64_t end_ns,
	   uint64_t recv, uint64_t accepted, uint64_t lost, uint64_t delivered)
{
	size_t n = 20 + 2 * 12 + 4 * 12 + 4 + 4;
	uint8_t *p = reserve(b, n), *q;
	uint32_t ts[2];

	if (p == NULL)
		return -1;
	q = put32(p, BT_ISB);
	q = put32(q, (uint32_t)n);
	q = put32(q, ifid);
	q = put32(q, (uint32_t)(end_ns >> 32));
	q = put32(q, (uint32_t)end_ns);
	ts[0] = (uint32_t)(start_ns >> 32);
	ts[1] = (uint32_t)start_ns;
	q = put_opt(q, ISB_STARTTIME, ts, 8);
	ts[0] = (uint32_t)(end_ns >> 32);
	ts[1] = (uint32_t)end_ns;
	q = put_opt(q, ISB_ENDTIME, ts, 8);
	q = put_opt(q, ISB_IFRECV, &recv, 8);
	q = put_opt(q, ISB_IFDROP, &lost, 8);
	q = put_opt(q, ISB_FILTERACCEPT, &accepted, 8);
	q = put_opt(q, ISB_USRDELIV, &delivered, 8);
	q = put32(q, OPT_END);
	put32(q, (uint32_t)n);
	return 0;
}

void
pcapng_consume(struct pcapng_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void
pcapng_free(struct pcapng_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
