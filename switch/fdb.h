/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_FDB_H
#define VSW_FDB_H

/*
 * The forwarding database of one bridge: (VLAN, MAC) -> port.
 *
 * Why not rte_hash: a learning bridge looks up two keys per frame (source
 * and destination) within a budget of about 70 cycles a frame at 30 Mpps.
 * bench/micro_fdb measures both tables on the same keys, 64-key bulk
 * lookups (AMD EPYC, 2.1 GHz): rte_hash_lookup_bulk_data 20 / 25 / 80
 * cycles a key with 1k / 64k / 1M entries (16-byte keys, its fastest; and
 * its data pointer is one more load to reach the port), this table 10 / 12
 * / 32. It is made for the one job:
 *  - a key is MAC + VID + a valid bit packed in 64 bits; a bucket's 4 keys
 *    are compared in one AVX2 instruction;
 *  - a bucket is one cache line: 4 keys, their ports and last-seen times;
 *  - a seeded CRC32 picks the home bucket; a full bucket overflows into the
 *    next ones, and each bucket counts the entries that passed it, so a
 *    lookup stops at the first bucket nobody passed (F14-style);
 *  - lookups are done in bulk: every home bucket is prefetched first.
 *
 * Entries:
 *  - learned entries age: one not seen for more than 'aging' seconds (1 s
 *    resolution) is a miss on lookup at once, and the sweep (fdb_sweep,
 *    bounded work per call) removes it. aging = 0: never.
 *  - static entries never age, move or flush.
 *  - flushing a port bumps its generation: every entry learned on it turns
 *    into a miss in O(1), and the sweep or the next insert reclaims them.
 *
 * Limits: at most 'limit' learned entries in the table and, optionally,
 * 'port_limit' per port. At a limit a new MAC is not learned (fdb_full is
 * counted) and its frames are flooded; nothing is ever evicted, so a port
 * flooding random source MACs cannot push out what other ports learned.
 * The table holds twice the limit, so inserts below it always find room.
 *
 * Threads: one worker reads and writes without locks. With several workers
 * ('concurrent'), writers serialise on a spinlock and bump the bucket's
 * sequence number, and readers retry a bucket that changed under them.
 * Control-path calls (flush, walk, static) run under the worker barrier.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>
#include <rte_spinlock.h>

#define FDB_WAYS 4
#define FDB_KEY_VALID (1ull << 63)
#define FDB_MAC_MASK ((1ull << 48) - 1)
#define FDB_MISS UINT32_MAX
#define FDB_BULK_MAX 128
#define FDB_AGING_MAX 30000             /* seconds; the clock is 16-bit */

/* val: port (12 bits) | static (1) | port generation (19) */
#define FDB_PORT_MASK 0xfffu
#define FDB_STATIC (1u << 12)
#define FDB_GEN_SHIFT 13
#define FDB_GEN_MASK ((1u << 19) - 1)

struct fdb_bucket {
	uint64_t key[FDB_WAYS];         /* 0: empty */
	uint32_t val[FDB_WAYS];
	uint16_t seen[FDB_WAYS];        /* seconds, low 16 bits */
	uint16_t overflow;              /* entries stored past this bucket */
	uint16_t seq;                   /* odd while a writer is in it */
	uint32_t pad;
} __rte_cache_aligned;

_Static_assert(sizeof(struct fdb_bucket) == RTE_CACHE_LINE_SIZE,
	       "a bucket is one cache line");

typedef uint32_t (*fdb_hash_fn)(uint64_t key, uint32_t seed);

struct fdb_stats {
	uint64_t learned;
	uint64_t moved;
	uint64_t aged;
	uint64_t flushed;
	uint64_t fdb_full;
	uint64_t static_conflict;       /* a static MAC seen on another port */
};

struct fdb_params {
	uint32_t limit;                 /* learned entries */
	uint32_t n_static;              /* room for static entries */
	uint32_t aging;                 /* seconds, 0 = never */
	uint16_t n_ports;               /* port ids are below this */
	uint32_t seed;
	fdb_hash_fn hash;               /* NULL: CRC32; tests inject their own */
	bool concurrent;                /* several workers write */
	int socket;
};

struct fdb {
	struct fdb_bucket *b;
	uint32_t mask;                  /* buckets - 1 */
	uint32_t seed;
	fdb_hash_fn hash;
	uint32_t aging;
	uint32_t limit;
	uint32_t count;                 /* learned entries that count */
	uint32_t n_static;
	uint32_t sweep_pos;
	bool concurrent;
	rte_spinlock_t lock;
	uint16_t n_ports;
	uint32_t *port_gen;
	uint32_t *port_count;
	uint32_t *port_limit;           /* 0: no per-port limit */
	struct fdb_stats st;
};

enum fdb_learn_result {
	FDB_REFRESHED,
	FDB_LEARNED,
	FDB_MOVED,
	FDB_FULL,
	FDB_STATIC_HELD,
};

/* NULL on allocation failure. */
struct fdb *fdb_create(const struct fdb_params *p);
void fdb_free(struct fdb *f);

static inline uint64_t
fdb_key(const uint8_t *mac, uint16_t vid)
{
	uint64_t k = 0;

	memcpy(&k, mac, RTE_ETHER_ADDR_LEN);
	return k | (uint64_t)(vid & 0xfff) << 48 | FDB_KEY_VALID;
}

/*
 * The same key from a MAC inside an Ethernet header (destination at 0,
 * source at 6): one 8-byte load, masked. The two bytes after either MAC
 * are part of the 14-byte header, so the load never leaves the frame;
 * building the key byte by byte costs a store-forwarding stall instead.
 */
static inline uint64_t
fdb_key_hdr(const uint8_t *mac_in_header, uint16_t vid)
{
	uint64_t k;

	memcpy(&k, mac_in_header, sizeof(k));
	return (k & FDB_MAC_MASK) | (uint64_t)(vid & 0xfff) << 48 | FDB_KEY_VALID;
}

static inline void
fdb_key_mac(uint64_t key, struct rte_ether_addr *mac)
{
	memcpy(mac->addr_bytes, &key, RTE_ETHER_ADDR_LEN);
}

static inline uint16_t
fdb_key_vid(uint64_t key)
{
	return (uint16_t)((key >> 48) & 0xfff);
}

static inline uint32_t
fdb_crc(uint64_t key, uint32_t seed)
{
#ifdef __SSE4_2__
	/* rte_hash_crc_8byte() looks up which CRC32 to use on every call */
	return (uint32_t)__builtin_ia32_crc32di(seed, key);
#else
	return rte_hash_crc_8byte(key, seed);
#endif
}

static inline uint32_t
fdb_home(const struct fdb *f, uint64_t key)
{
	uint32_t h = likely(f->hash == NULL) ? fdb_crc(key, f->seed) :
					       f->hash(key, f->seed);

	return h & f->mask;
}

/* Is the entry in slot 'i' of 'b' still good at 'now16'? */
static inline bool
fdb_entry_live(const struct fdb *f, uint32_t val, uint16_t seen, uint16_t now16)
{
	if (val & FDB_STATIC)
		return true;
	if ((val >> FDB_GEN_SHIFT) != (f->port_gen[val & FDB_PORT_MASK] & FDB_GEN_MASK))
		return false;
	return f->aging == 0 || (uint16_t)(now16 - seen) <= f->aging;
}

/* Start fetching the home bucket of 'key'; returns it for the lookup. */
static inline uint32_t
fdb_prefetch(const struct fdb *f, uint64_t key)
{
	uint32_t home = fdb_home(f, key);

	rte_prefetch0(&f->b[home]);
	return home;
}

/*
 * Look up 'n' keys whose home buckets fdb_prefetch() gave, so that the
 * fetches ran while the caller did other work. Results as below.
 */
void fdb_lookup_homes(const struct fdb *f, const uint64_t *keys,
		      const uint32_t *homes, unsigned n, uint32_t now,
		      uint32_t *val, uint32_t *slot);

/*
 * Look up 'n' (at most FDB_BULK_MAX) keys at time 'now' (seconds).
 * val[i]: the entry's value when it is there and live, FDB_MISS otherwise.
 * slot[i]: where the key is (bucket * FDB_WAYS + way), live or not, or
 * FDB_MISS; fdb_refresh() takes it. Worker context.
 */
void fdb_lookup_bulk(const struct fdb *f, const uint64_t *keys, unsigned n,
		     uint32_t now, uint32_t *val, uint32_t *slot);

static inline uint16_t
fdb_val_port(uint32_t val)
{
	return (uint16_t)(val & FDB_PORT_MASK);
}

/* Note that the live entry in 'slot' was seen now (cheap: writes once a
 * second at most). */
static inline void
fdb_refresh(struct fdb *f, uint32_t slot, uint32_t now)
{
	uint16_t *seen = &f->b[slot / FDB_WAYS].seen[slot % FDB_WAYS];

	if (*seen != (uint16_t)now)
		__atomic_store_n(seen, (uint16_t)now, __ATOMIC_RELAXED);
}

/* Learn that 'key' lives behind 'port' (the slow path: a new MAC, a move,
 * a dead entry). Worker context. */
enum fdb_learn_result fdb_learn(struct fdb *f, uint64_t key, uint16_t port,
				uint32_t now);

/* Add a static entry. 0, -EEXIST (another static for the key), -ENOSPC. */
int fdb_add_static(struct fdb *f, uint64_t key, uint16_t port);

/* Forget what was learned on 'port' / on every port. O(1) and O(ports). */
void fdb_flush_port(struct fdb *f, uint16_t port);
void fdb_flush(struct fdb *f);

/* Remove dead entries from the next 'n_buckets' buckets. Returns the
 * number of entries that aged out. Worker context (bounded work). */
unsigned fdb_sweep(struct fdb *f, uint32_t now, unsigned n_buckets);

/* Call 'fn' for each live entry (control path, under the barrier). */
typedef void (*fdb_walk_fn)(void *arg, uint64_t key, uint16_t port,
			    bool is_static, uint32_t age);
void fdb_walk(const struct fdb *f, uint32_t now, fdb_walk_fn fn, void *arg);

/* A live entry as fdb_read() copies it out. */
struct fdb_row {
	uint64_t key;
	uint32_t age;                   /* seconds; 0 for a static entry */
	uint16_t port;
	bool is_static;
};

/* Slots of the table (bucket * FDB_WAYS + way): the positions fdb_read() walks. */
static inline uint32_t
fdb_slots(const struct fdb *f)
{
	return (f->mask + 1) * FDB_WAYS;
}

/*
 * Copy the live entries of at most 'scan' slots from '*pos' on into 'out'
 * (room for 'max'), in slot order, and leave '*pos' at the first slot not
 * looked at (fdb_slots() when the table is done). Returns the number
 * copied. An entry keeps its slot while it lives (an insert takes an empty
 * slot, a removal empties one, nothing moves), so a walk in pieces with
 * the workers running between them sees every entry that lives through
 * the whole walk exactly once. Control path, under the worker barrier for
 * the call only: it bounds what one hold costs the workers.
 */
unsigned fdb_read(const struct fdb *f, uint32_t now, uint32_t *pos, unsigned scan,
		  struct fdb_row *out, unsigned max);

/* Learned entries live on 'port' (static ones not counted). */
static inline uint32_t
fdb_port_count(const struct fdb *f, uint16_t port)
{
	return f->port_count[port];
}

#endif
