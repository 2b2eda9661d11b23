/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "switch/neigh.h"

struct neigh_key {
	rte_be32_t ip;
	uint16_t l3if;
	uint16_t zero;
};

_Static_assert(sizeof(struct neigh_key) == 8, "an 8-byte key");

/* rte_hash_crc() works out the key's length at run time; this key is 8 */
static uint32_t
key_hash(const void *key, uint32_t len, uint32_t init)
{
	uint64_t k;

	(void)len;
	memcpy(&k, key, 8);
	return rte_hash_crc_8byte(k, init);
}

/* rte_hash compares keys of other lengths than 16/32/... with memcmp */
static int
key_cmp(const void *a, const void *b, size_t len)
{
	uint64_t x, y;

	(void)len;
	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	return x != y;
}

struct neigh_table *
neigh_create(uint32_t n_max, int socket)
{
	static unsigned seq;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.entries = n_max,
		.key_len = sizeof(struct neigh_key),
		.hash_func = key_hash,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct neigh_table *t = rte_zmalloc_socket("neigh", sizeof(*t), 0, socket);

	if (t == NULL)
		return NULL;
	snprintf(name, sizeof(name), "vsw_neigh%u", seq++);
	hp.name = name;
	t->h = rte_hash_create(&hp);
	t->e = rte_zmalloc_socket("neigh_entries", sizeof(*t->e) * n_max,
				  RTE_CACHE_LINE_SIZE, socket);
	t->pending = rte_malloc_socket("neigh_pending", sizeof(*t->pending) * n_max,
				       0, socket);
	if (t->h == NULL || t->e == NULL || t->pending == NULL) {
		neigh_free(t);
		return NULL;
	}
	rte_hash_set_cmp_func(t->h, key_cmp);
	t->n_max = n_max;
	return t;
}

void
neigh_free(struct neigh_table *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	if (t->e != NULL)
		for (i = 0; i < t->n_max; i++)
			if (t->e[i].state != NEIGH_FREE)
				neigh_delete(t, i);
	rte_hash_free(t->h);
	rte_free(t->e);
	rte_free(t->pending);
	rte_free(t);
}

uint32_t
neigh_find(const struct neigh_table *t, uint16_t l3if, rte_be32_t ip)
{
	struct neigh_key k = { .ip = ip, .l3if = l3if };
	int32_t pos = rte_hash_lookup(t->h, &k);

	/* the hash's key position is the entry's index */
	return pos < 0 ? NEIGH_NONE : (uint32_t)pos;
}

uint32_t
neigh_get(struct neigh_table *t, uint16_t l3if, rte_be32_t ip)
{
	struct neigh_key k = { .ip = ip, .l3if = l3if };
	uint32_t idx = neigh_find(t, l3if, ip);
	int32_t pos;

	if (idx != NEIGH_NONE)
		return idx;
	if (t->n_used >= t->n_max) {
		t->st.full++;
		return NEIGH_NONE;
	}
	/* the hash's key position is a free, stable index into the array */
	pos = rte_hash_add_key(t->h, &k);
	if (pos < 0 || (uint32_t)pos >= t->n_max) {
		if (pos >= 0)
			rte_hash_del_key(t->h, &k);
		t->st.full++;
		return NEIGH_NONE;
	}
	idx = (uint32_t)pos;
	t->gen++;
	{
		/* a deleted entry may still be on the list: never twice */
		bool listed = t->e[idx].listed;

		memset(&t->e[idx], 0, sizeof(t->e[idx]));
		t->e[idx].listed = true;
		if (!listed)
			t->pending[t->n_pending++] = idx;
	}
	t->e[idx].ip = ip;
	t->e[idx].l3if = l3if;
	t->e[idx].state = NEIGH_INCOMPLETE;
	t->n_used++;
	return idx;
}

uint32_t
neigh_learn(struct neigh_table *t, uint16_t l3if, rte_be32_t ip,
	    const struct rte_ether_addr *mac, uint64_t now, bool create)
{
	uint32_t idx = neigh_find(t, l3if, ip);
	struct neigh *e;

	if (idx == NEIGH_NONE && create) {
		/* ARP asking us makes an entry only while a quarter of the
		 * table is free: a flood of made-up senders cannot take the
		 * room vsw needs to resolve the neighbours it sends to */
		if (t->n_used >= t->n_max - t->n_max / 4) {
			t->st.full++;
			return NEIGH_NONE;
		}
		idx = neigh_get(t, l3if, ip);
	}
	if (idx == NEIGH_NONE)
		return NEIGH_NONE;
	e = &t->e[idx];
	if (e->state == NEIGH_REACHABLE && !rte_is_same_ether_addr(&e->mac, mac))
		t->st.updated++;
	else if (e->state == NEIGH_INCOMPLETE && e->probes > 0)
		t->st.resolved++;
	else if (e->state != NEIGH_REACHABLE)
		t->st.learned++;
	if (e->permanent)
		return idx;     /* the topology's word stands */
	e->mac = *mac;
	e->state = NEIGH_REACHABLE;
	e->probes = 0;
	e->confirmed = now;
	return idx;
}

bool
neigh_enqueue(struct neigh_table *t, uint32_t idx, struct rte_mbuf *m)
{
	struct neigh *e = &t->e[idx];

	if (e->n_queued == NEIGH_QUEUE) {
		t->st.queue_drops++;
		return false;
	}
	e->queue[e->n_queued++] = m;
	return true;
}

unsigned
neigh_take_queue(struct neigh_table *t, uint32_t idx, struct rte_mbuf **out)
{
	struct neigh *e = &t->e[idx];
	unsigned n = e->n_queued;

	memcpy(out, e->queue, n * sizeof(*out));
	e->n_queued = 0;
	return n;
}

void
neigh_delete(struct neigh_table *t, uint32_t idx)
{
	struct neigh *e = &t->e[idx];
	struct neigh_key k = { .ip = e->ip, .l3if = e->l3if };
	bool listed = e->listed;
	unsigned i;

	if (e->state == NEIGH_FREE)
		return;
	for (i = 0; i < e->n_queued; i++)
		rte_pktmbuf_free(e->queue[i]);
	rte_hash_del_key(t->h, &k);
	memset(e, 0, sizeof(*e));
	e->listed = listed;     /* the list forgets it on its next walk */
	t->n_used--;
	t->gen++;
}
