/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif
#include <rte_pause.h>

#include "switch/fdb.h"

struct fdb *
fdb_create(const struct fdb_params *p)
{
	uint64_t want = ((uint64_t)p->limit + p->n_static) * 2 / FDB_WAYS + 1;
	uint32_t n = 64;
	struct fdb *f;

	while (n < want && n < (1u << 28))
		n <<= 1;
	f = rte_zmalloc_socket("fdb", sizeof(*f), RTE_CACHE_LINE_SIZE, p->socket);
	if (f == NULL)
		return NULL;
	f->b = rte_zmalloc_socket("fdb_buckets", (size_t)n * sizeof(*f->b),
				  RTE_CACHE_LINE_SIZE, p->socket);
	f->port_gen = rte_zmalloc_socket("fdb_ports", 3 * sizeof(uint32_t) *
					 (p->n_ports + 1u), RTE_CACHE_LINE_SIZE,
					 p->socket);
	if (f->b == NULL || f->port_gen == NULL) {
		fdb_free(f);
		return NULL;
	}
	f->port_count = f->port_gen + p->n_ports + 1;
	f->port_limit = f->port_count + p->n_ports + 1;
	f->mask = n - 1;
	f->seed = p->seed;
	f->hash = p->hash;
	f->aging = p->aging;
	f->limit = p->limit;
	f->n_ports = p->n_ports;
	f->concurrent = p->concurrent;
	rte_spinlock_init(&f->lock);
	return f;
}

void
fdb_free(struct fdb *f)
{
	if (f == NULL)
		return;
	rte_free(f->b);
	rte_free(f->port_gen);
	rte_free(f);
}

/* ---- reading ------------------------------------------------------------ */

/* The way of 'bk' holding 'key', or -1. */
static inline int
bucket_find(const struct fdb_bucket *bk, uint64_t key)
{
#ifdef __AVX2__
	/* the 4 keys are the first 32 bytes of the (aligned) bucket */
	__m256i keys = _mm256_load_si256((const __m256i *)bk->key);
	int m = _mm256_movemask_pd(_mm256_castsi256_pd(
		_mm256_cmpeq_epi64(keys, _mm256_set1_epi64x((long long)key))));

	return m ? __builtin_ctz((unsigned)m) : -1;
#else
	unsigned w;

	for (w = 0; w < FDB_WAYS; w++)
		if (bk->key[w] == key)
			return (int)w;
	return -1;
#endif
}

/* Find 'key' from its home bucket; FDB_MISS when absent. */
static inline uint32_t
find(const struct fdb *f, uint32_t home, uint64_t key)
{
	uint32_t b = home, probes;

	for (probes = 0; probes <= f->mask; probes++) {
		const struct fdb_bucket *bk = &f->b[b];
		int w = bucket_find(bk, key);

		if (w >= 0)
			return b * FDB_WAYS + (uint32_t)w;
		if (likely(bk->overflow == 0))
			return FDB_MISS;
		b = (b + 1) & f->mask;
	}
	return FDB_MISS;
}

static inline void
read_slot(const struct fdb *f, uint32_t home, uint64_t key, uint16_t now16,
	  uint32_t *val, uint32_t *slot)
{
	uint32_t s, v;
	uint16_t seen;

	if (likely(!f->concurrent)) {
		s = find(f, home, key);
		*slot = s;
		if (s == FDB_MISS) {
			*val = FDB_MISS;
			return;
		}
		v = f->b[s / FDB_WAYS].val[s % FDB_WAYS];
		seen = f->b[s / FDB_WAYS].seen[s % FDB_WAYS];
		*val = fdb_entry_live(f, v, seen, now16) ? v : FDB_MISS;
		return;
	}
	/* several writers: the bucket must not change while it is read */
	for (;;) {
		const struct fdb_bucket *bk;
		uint16_t q1, q2;

		s = find(f, home, key);
		if (s == FDB_MISS) {
			*slot = *val = FDB_MISS;
			return;
		}
		bk = &f->b[s / FDB_WAYS];
		q1 = __atomic_load_n(&bk->seq, __ATOMIC_ACQUIRE);
		if (q1 & 1) {
			rte_pause();
			continue;
		}
		v = bk->val[s % FDB_WAYS];
		seen = bk->seen[s % FDB_WAYS];
		if (bk->key[s % FDB_WAYS] != key) {
			continue;
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		q2 = __atomic_load_n(&bk->seq, __ATOMIC_RELAXED);
		if (q1 == q2)
			break;
	}
	*slot = s;
	*val = fdb_entry_live(f, v, seen, now16) ? v : FDB_MISS;
}

void
fdb_lookup_homes(const struct fdb *f, const uint64_t *keys,
		 const uint32_t *homes, unsigned n, uint32_t now, uint32_t *val,
		 uint32_t *slot)
{
	unsigned i;

	for (i = 0; i < n; i++)
		read_slot(f, homes[i], keys[i], (uint16_t)now, &val[i], &slot[i]);
}

void
fdb_lookup_bulk(const struct fdb *f, const uint64_t *keys, unsigned n,
		uint32_t now, uint32_t *val, uint32_t *slot)
{
	uint32_t home[FDB_BULK_MAX];
	unsigned i;

	for (i = 0; i < n; i++)
		home[i] = fdb_prefetch(f, keys[i]);
	fdb_lookup_homes(f, keys, home, n, now, val, slot);
}

/* ---- writing ------------------------------------------------------------ */

static inline void
write_begin(struct fdb *f, struct fdb_bucket *bk)
{
	if (f->concurrent) {
		__atomic_store_n(&bk->seq, (uint16_t)(bk->seq + 1), __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
	}
}

static inline void
write_end(struct fdb *f, struct fdb_bucket *bk)
{
	if (f->concurrent)
		__atomic_store_n(&bk->seq, (uint16_t)(bk->seq + 1), __ATOMIC_RELEASE);
}

static inline void
lock(struct fdb *f)
{
	if (f->concurrent)
		rte_spinlock_lock(&f->lock);
}

static inline void
unlock(struct fdb *f)
{
	if (f->concurrent)
		rte_spinlock_unlock(&f->lock);
}

/* Empty slot 's' and undo what its entry added to the overflow counts. */
static void
slot_clear(struct fdb *f, uint32_t s)
{
	uint32_t at = s / FDB_WAYS, b = fdb_home(f, f->b[at].key[s % FDB_WAYS]);
	struct fdb_bucket *bk = &f->b[at];

	for (; b != at; b = (b + 1) & f->mask) {
		write_begin(f, &f->b[b]);
		f->b[b].overflow--;
		write_end(f, &f->b[b]);
	}
	write_begin(f, bk);
	bk->key[s % FDB_WAYS] = 0;
	bk->val[s % FDB_WAYS] = 0;
	write_end(f, bk);
}

/* Does the (dead or live) learned entry in 's' still count against the
 * limits? Entries of a flushed port were uncounted at the flush. */
static inline bool
slot_counted(const struct fdb *f, uint32_t val)
{
	return !(val & FDB_STATIC) &&
	       (val >> FDB_GEN_SHIFT) ==
	       (f->port_gen[val & FDB_PORT_MASK] & FDB_GEN_MASK);
}

static void
uncount(struct fdb *f, uint32_t val)
{
	f->count--;
	f->port_count[val & FDB_PORT_MASK]--;
}

/* Remove the dead entry in 's', counting it as aged when it was. */
static void
reclaim(struct fdb *f, uint32_t s)
{
	uint32_t val = f->b[s / FDB_WAYS].val[s % FDB_WAYS];

	if (slot_counted(f, val)) {
		uncount(f, val);
		f->st.aged++;
	}
	slot_clear(f, s);
}

static inline bool
slot_live(const struct fdb *f, uint32_t s, uint16_t now16)
{
	const struct fdb_bucket *bk = &f->b[s / FDB_WAYS];

	return fdb_entry_live(f, bk->val[s % FDB_WAYS], bk->seen[s % FDB_WAYS],
			      now16);
}

static inline uint32_t
make_val(const struct fdb *f, uint16_t port, bool is_static)
{
	if (is_static)
		return port | FDB_STATIC;
	return port | (f->port_gen[port] & FDB_GEN_MASK) << FDB_GEN_SHIFT;
}

/* Put 'key' in the first free or dead slot from its home. */
static int
insert(struct fdb *f, uint64_t key, uint32_t val, uint16_t now16)
{
	uint32_t home = fdb_home(f, key), b = home, probes, s = FDB_MISS;
	struct fdb_bucket *bk;

	for (probes = 0; probes <= f->mask && s == FDB_MISS; probes++) {
		unsigned w;

		bk = &f->b[b];
		for (w = 0; w < FDB_WAYS; w++) {
			if (bk->key[w] == 0) {
				s = b * FDB_WAYS + w;
				break;
			}
			if (!slot_live(f, b * FDB_WAYS + w, now16)) {
				reclaim(f, b * FDB_WAYS + w);
				s = b * FDB_WAYS + w;
				break;
			}
		}
		if (s == FDB_MISS)
			b = (b + 1) & f->mask;
	}
	if (s == FDB_MISS)
		return -ENOSPC;
	for (b = home; b != s / FDB_WAYS; b = (b + 1) & f->mask) {
		write_begin(f, &f->b[b]);
		f->b[b].overflow++;
		write_end(f, &f->b[b]);
	}
	bk = &f->b[s / FDB_WAYS];
	write_begin(f, bk);
	bk->val[s % FDB_WAYS] = val;
	bk->seen[s % FDB_WAYS] = now16;
	bk->key[s % FDB_WAYS] = key;
	write_end(f, bk);
	return 0;
}

static inline bool
has_room(const struct fdb *f, uint16_t port)
{
	return f->count < f->limit &&
	       (f->port_limit[port] == 0 || f->port_count[port] < f->port_limit[port]);
}

enum fdb_learn_result
fdb_learn(struct fdb *f, uint64_t key, uint16_t port, uint32_t now)
{
	uint16_t now16 = (uint16_t)now;
	enum fdb_learn_result r;
	uint32_t s, val;
	struct fdb_bucket *bk;

	lock(f);
	s = find(f, fdb_home(f, key), key);
	if (s != FDB_MISS) {
		bk = &f->b[s / FDB_WAYS];
		val = bk->val[s % FDB_WAYS];
		if (val & FDB_STATIC) {
			r = FDB_REFRESHED;
			if ((val & FDB_PORT_MASK) != port) {
				f->st.static_conflict++;
				r = FDB_STATIC_HELD;
			}
			goto out;
		}
		if (slot_live(f, s, now16)) {
			uint16_t old = (uint16_t)(val & FDB_PORT_MASK);

			if (old == port) {
				fdb_refresh(f, s, now);
				r = FDB_REFRESHED;
				goto out;
			}
			/* a station that moved; the new port may be full */
			uncount(f, val);
			if (!has_room(f, port)) {
				slot_clear(f, s);
				f->st.fdb_full++;
				r = FDB_FULL;
				goto out;
			}
			f->count++;
			f->port_count[port]++;
			write_begin(f, bk);
			bk->val[s % FDB_WAYS] = make_val(f, port, false);
			bk->seen[s % FDB_WAYS] = now16;
			write_end(f, bk);
			f->st.moved++;
			r = FDB_MOVED;
			goto out;
		}
		reclaim(f, s);  /* dead: learn it afresh below */
	}
	if (!has_room(f, port) || insert(f, key, make_val(f, port, false), now16) != 0) {
		f->st.fdb_full++;
		r = FDB_FULL;
		goto out;
	}
	f->count++;
	f->port_count[port]++;
	f->st.learned++;
	r = FDB_LEARNED;
out:
	unlock(f);
	return r;
}

int
fdb_add_static(struct fdb *f, uint64_t key, uint16_t port)
{
	uint32_t s;
	int rc;

	lock(f);
	s = find(f, fdb_home(f, key), key);
	if (s != FDB_MISS) {
		uint32_t val = f->b[s / FDB_WAYS].val[s % FDB_WAYS];

		if (val & FDB_STATIC) {
			unlock(f);
			return -EEXIST;
		}
		if (slot_counted(f, val))
			uncount(f, val);
		slot_clear(f, s);
	}
	rc = insert(f, key, make_val(f, port, true), 0);
	if (rc == 0)
		f->n_static++;
	unlock(f);
	return rc;
}

void
fdb_flush_port(struct fdb *f, uint16_t port)
{
	lock(f);
	f->st.flushed += f->port_count[port];
	f->count -= f->port_count[port];
	f->port_count[port] = 0;
	__atomic_store_n(&f->port_gen[port], f->port_gen[port] + 1, __ATOMIC_RELEASE);
	unlock(f);
}

void
fdb_flush(struct fdb *f)
{
	uint16_t p;

	for (p = 0; p < f->n_ports; p++)
		fdb_flush_port(f, p);
}

unsigned
fdb_sweep(struct fdb *f, uint32_t now, unsigned n_buckets)
{
	uint64_t aged = f->st.aged;
	unsigned i, w;

	lock(f);
	for (i = 0; i < n_buckets && i <= f->mask; i++) {
		uint32_t b = f->sweep_pos;

		f->sweep_pos = (b + 1) & f->mask;
		for (w = 0; w < FDB_WAYS; w++)
			if (f->b[b].key[w] != 0 &&
			    !slot_live(f, b * FDB_WAYS + w, (uint16_t)now))
				reclaim(f, b * FDB_WAYS + w);
	}
	unlock(f);
	return (unsigned)(f->st.aged - aged);
}

void
fdb_walk(const struct fdb *f, uint32_t now, fdb_walk_fn fn, void *arg)
{
	uint32_t b;
	unsigned w;

	for (b = 0; b <= f->mask; b++) {
		const struct fdb_bucket *bk = &f->b[b];

		for (w = 0; w < FDB_WAYS; w++) {
			uint32_t val = bk->val[w];

			if (bk->key[w] == 0 ||
			    !fdb_entry_live(f, val, bk->seen[w], (uint16_t)now))
				continue;
			fn(arg, bk->key[w], (uint16_t)(val & FDB_PORT_MASK),
			   (val & FDB_STATIC) != 0,
			   (val & FDB_STATIC) ? 0 : (uint16_t)((uint16_t)now - bk->seen[w]));
		}
	}
}

unsigned
fdb_read(const struct fdb *f, uint32_t now, uint32_t *pos, unsigned scan,
	 struct fdb_row *out, unsigned max)
{
	uint32_t s = *pos, end = fdb_slots(f);
	unsigned n = 0;

	if (s > end)
		s = end;
	if (scan < end - s)
		end = s + scan;
	for (; s < end && n < max; s++) {
		const struct fdb_bucket *bk = &f->b[s / FDB_WAYS];
		unsigned w = s % FDB_WAYS;
		uint32_t val = bk->val[w];

		if (bk->key[w] == 0 || !fdb_entry_live(f, val, bk->seen[w], (uint16_t)now))
			continue;
		out[n].key = bk->key[w];
		out[n].port = (uint16_t)(val & FDB_PORT_MASK);
		out[n].is_static = (val & FDB_STATIC) != 0;
		out[n].age = out[n].is_static ? 0 :
			     (uint16_t)((uint16_t)now - bk->seen[w]);
		n++;
	}
	*pos = s;
	return n;
}
