/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "switch/fdb.h"
#include "helpers.h"

static uint32_t
hash_zero(uint64_t key, uint32_t seed)
{
	(void)key;
	(void)seed;
	return 0;
}

static uint32_t
hash_last(uint64_t key, uint32_t seed)
{
	(void)key;
	(void)seed;
	return UINT32_MAX;      /* the last bucket: probes wrap to the first */
}

static struct fdb *
make(uint32_t limit, uint32_t aging, fdb_hash_fn hash)
{
	struct fdb_params p = {
		.limit = limit, .n_static = 8, .aging = aging, .n_ports = 16,
		.seed = 1234, .hash = hash, .socket = SOCKET_ID_ANY,
	};
	struct fdb *f = fdb_create(&p);

	assert_non_null(f);
	return f;
}

static uint64_t
key_n(unsigned n, uint16_t vid)
{
	uint8_t mac[6] = { 0x02, 0, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
			   (uint8_t)(n >> 8), (uint8_t)n };

	return fdb_key(mac, vid);
}

/* The port 'key' maps to at 'now', or -1 for a miss. */
static int
port_of(struct fdb *f, uint64_t key, uint32_t now)
{
	uint32_t val, slot;

	fdb_lookup_bulk(f, &key, 1, now, &val, &slot);
	return val == FDB_MISS ? -1 : fdb_val_port(val);
}

static void
test_key_packing(void **state)
{
	uint8_t mac[6] = { 0x02, 0x42, 0xac, 0x11, 0x00, 0x02 };
	struct rte_ether_addr back;
	uint64_t k = fdb_key(mac, 4094);

	(void)state;
	fdb_key_mac(k, &back);
	assert_memory_equal(back.addr_bytes, mac, 6);
	assert_int_equal(fdb_key_vid(k), 4094);
	assert_true(k & FDB_KEY_VALID);
	assert_int_not_equal(fdb_key(mac, 1), fdb_key(mac, 2));
}

static void
test_learn_refresh_lookup(void **state)
{
	struct fdb *f = make(1000, 300, NULL);

	(void)state;
	assert_int_equal(port_of(f, key_n(1, 0), 100), -1);
	assert_int_equal(fdb_learn(f, key_n(1, 0), 3, 100), FDB_LEARNED);
	assert_int_equal(port_of(f, key_n(1, 0), 100), 3);
	/* the same MAC in another VLAN is another entry */
	assert_int_equal(port_of(f, key_n(1, 5), 100), -1);
	assert_int_equal(fdb_learn(f, key_n(1, 0), 3, 101), FDB_REFRESHED);
	assert_int_equal(f->count, 1);
	assert_int_equal(f->st.learned, 1);
	assert_int_equal(fdb_port_count(f, 3), 1);
	fdb_free(f);
}

static void
test_move(void **state)
{
	struct fdb *f = make(1000, 300, NULL);

	(void)state;
	fdb_learn(f, key_n(7, 0), 1, 10);
	assert_int_equal(fdb_learn(f, key_n(7, 0), 2, 11), FDB_MOVED);
	assert_int_equal(port_of(f, key_n(7, 0), 11), 2);
	assert_int_equal(f->st.moved, 1);
	assert_int_equal(fdb_port_count(f, 1), 0);
	assert_int_equal(fdb_port_count(f, 2), 1);
	assert_int_equal(f->count, 1);
	fdb_free(f);
}

static void
test_aging_with_an_injected_clock(void **state)
{
	struct fdb *f = make(1000, 10, NULL);

	(void)state;
	fdb_learn(f, key_n(1, 0), 1, 1000);
	fdb_learn(f, key_n(2, 0), 1, 1005);
	/* seen at 1000, aging 10: alive through 1010, a miss from 1011 */
	assert_int_equal(port_of(f, key_n(1, 0), 1010), 1);
	assert_int_equal(port_of(f, key_n(1, 0), 1011), -1);
	assert_int_equal(port_of(f, key_n(2, 0), 1011), 1);
	/* the sweep removes it, bounded by the buckets it is given */
	assert_int_equal(fdb_sweep(f, 1011, f->mask + 1), 1);
	assert_int_equal(f->st.aged, 1);
	assert_int_equal(f->count, 1);
	/* a refresh keeps an entry alive */
	fdb_refresh(f, 0, 0);   /* slot 0 is not ours: harmless on a miss */
	assert_int_equal(fdb_learn(f, key_n(2, 0), 1, 1014), FDB_REFRESHED);
	assert_int_equal(port_of(f, key_n(2, 0), 1024), 1);
	/* learning an expired key counts it aged and learned again */
	assert_int_equal(fdb_learn(f, key_n(2, 0), 1, 1100), FDB_LEARNED);
	assert_int_equal(f->st.aged, 2);
	assert_int_equal(f->count, 1);
	fdb_free(f);
}

static void
test_aging_zero_never_expires(void **state)
{
	struct fdb *f = make(1000, 0, NULL);

	(void)state;
	fdb_learn(f, key_n(1, 0), 1, 5);
	assert_int_equal(port_of(f, key_n(1, 0), 5 + 65000), 1);
	assert_int_equal(fdb_sweep(f, 5 + 65000, f->mask + 1), 0);
	fdb_free(f);
}

static void
test_sweep_is_bounded(void **state)
{
	struct fdb *f = make(4000, 10, NULL);
	unsigned i, total = 0, calls = 0;

	(void)state;
	for (i = 0; i < 3000; i++)
		fdb_learn(f, key_n(i, 0), 1, 100);
	/* every entry expired: a pass in 64-bucket steps finds them all */
	while (calls * 64 <= f->mask + 64) {
		total += fdb_sweep(f, 200, 64);
		calls++;
	}
	assert_int_equal(total, 3000);
	assert_int_equal(f->count, 0);
	assert_true(calls > 10);
	fdb_free(f);
}

static void
test_flush_port_and_all(void **state)
{
	struct fdb *f = make(1000, 300, NULL);

	(void)state;
	fdb_learn(f, key_n(1, 0), 1, 10);
	fdb_learn(f, key_n(2, 0), 1, 10);
	fdb_learn(f, key_n(3, 0), 2, 10);
	assert_int_equal(fdb_add_static(f, key_n(4, 0), 1), 0);
	fdb_flush_port(f, 1);
	assert_int_equal(port_of(f, key_n(1, 0), 10), -1);
	assert_int_equal(port_of(f, key_n(2, 0), 10), -1);
	assert_int_equal(port_of(f, key_n(3, 0), 10), 2);
	assert_int_equal(port_of(f, key_n(4, 0), 10), 1);  /* static stays */
	assert_int_equal(f->count, 1);
	assert_int_equal(f->st.flushed, 2);
	/* relearning on the flushed port works and counts right */
	assert_int_equal(fdb_learn(f, key_n(1, 0), 1, 11), FDB_LEARNED);
	assert_int_equal(f->count, 2);
	/* the sweep reclaims the flushed entry without counting it aged */
	fdb_sweep(f, 11, f->mask + 1);
	assert_int_equal(f->st.aged, 0);
	assert_int_equal(f->count, 2);
	fdb_flush(f);
	assert_int_equal(f->count, 0);
	assert_int_equal(port_of(f, key_n(3, 0), 11), -1);
	assert_int_equal(port_of(f, key_n(4, 0), 11), 1);
	fdb_free(f);
}

static void
test_static_entries(void **state)
{
	struct fdb *f = make(1000, 10, NULL);

	(void)state;
	fdb_learn(f, key_n(9, 0), 2, 1);
	/* a static entry replaces a learned one */
	assert_int_equal(fdb_add_static(f, key_n(9, 0), 3), 0);
	assert_int_equal(f->count, 0);
	assert_int_equal(fdb_add_static(f, key_n(9, 0), 4), -EEXIST);
	/* it never moves, ages or counts against the limit */
	assert_int_equal(fdb_learn(f, key_n(9, 0), 5, 2), FDB_STATIC_HELD);
	assert_int_equal(f->st.static_conflict, 1);
	assert_int_equal(port_of(f, key_n(9, 0), 60000), 3);
	fdb_sweep(f, 60000, f->mask + 1);
	assert_int_equal(port_of(f, key_n(9, 0), 60001), 3);
	assert_int_equal(f->n_static, 1);
	fdb_free(f);
}

static void
test_table_full(void **state)
{
	struct fdb *f = make(8, 10, NULL);
	unsigned i;

	(void)state;
	for (i = 0; i < 8; i++)
		assert_int_equal(fdb_learn(f, key_n(i, 0), 1, 100), FDB_LEARNED);
	assert_int_equal(fdb_learn(f, key_n(100, 0), 1, 100), FDB_FULL);
	assert_int_equal(f->st.fdb_full, 1);
	assert_int_equal(port_of(f, key_n(100, 0), 100), -1);
	/* known ones still refresh and move at the limit */
	assert_int_equal(fdb_learn(f, key_n(0, 0), 1, 101), FDB_REFRESHED);
	assert_int_equal(fdb_learn(f, key_n(0, 0), 2, 101), FDB_MOVED);
	/* expired entries hold their room until the sweep takes them */
	assert_int_equal(fdb_learn(f, key_n(100, 0), 1, 200), FDB_FULL);
	assert_int_equal(fdb_sweep(f, 200, f->mask + 1), 8);
	assert_int_equal(fdb_learn(f, key_n(100, 0), 1, 200), FDB_LEARNED);
	assert_int_equal(f->count, 1);
	fdb_free(f);
}

static void
test_one_port_flooding_cannot_evict_others(void **state)
{
	struct fdb *f = make(100, 300, NULL);
	unsigned i, full = 0;

	(void)state;
	f->port_limit[1] = 10;
	for (i = 0; i < 30; i++)
		assert_int_equal(fdb_learn(f, key_n(1000 + i, 0), 2, 1), FDB_LEARNED);
	/* port 1 has its own limit */
	for (i = 0; i < 20; i++)
		if (fdb_learn(f, key_n(i, 0), 1, 1) == FDB_FULL)
			full++;
	assert_int_equal(full, 10);
	assert_int_equal(fdb_port_count(f, 1), 10);
	/* port 3 has none: it fills the bridge, and nothing is evicted */
	full = 0;
	for (i = 0; i < 10000; i++)
		if (fdb_learn(f, key_n(50000 + i, 0), 3, 1) == FDB_FULL)
			full++;
	assert_int_equal(f->count, 100);
	assert_int_equal(full, 10000 - 60);
	for (i = 0; i < 30; i++)
		assert_int_equal(port_of(f, key_n(1000 + i, 0), 2), 2);
	/* and a move into a full port is refused without losing the station
	 * to the wrong port */
	assert_int_equal(fdb_learn(f, key_n(1000, 0), 1, 2), FDB_FULL);
	assert_int_equal(port_of(f, key_n(1000, 0), 2), -1);
	fdb_free(f);
}

static void
colliding(fdb_hash_fn h)
{
	struct fdb *f = make(200, 10, h);
	unsigned i;

	for (i = 0; i < 200; i++)
		assert_int_equal(fdb_learn(f, key_n(i, 0), (uint16_t)(i % 7), 50),
				 FDB_LEARNED);
	for (i = 0; i < 200; i++)
		assert_int_equal(port_of(f, key_n(i, 0), 50), (int)(i % 7));
	assert_int_equal(port_of(f, key_n(999, 0), 50), -1);
	/* holes in the middle of the chain: the rest must still be found */
	fdb_flush_port(f, 3);
	fdb_sweep(f, 50, f->mask + 1);
	for (i = 0; i < 200; i++)
		assert_int_equal(port_of(f, key_n(i, 0), 50), i % 7 == 3 ? -1 : (int)(i % 7));
	/* holes are reused, and everything ages out cleanly */
	for (i = 200; i < 220; i++)
		assert_int_equal(fdb_learn(f, key_n(i, 0), 1, 55), FDB_LEARNED);
	for (i = 200; i < 220; i++)
		assert_int_equal(port_of(f, key_n(i, 0), 55), 1);
	fdb_sweep(f, 1000, f->mask + 1);
	assert_int_equal(f->count, 0);
	for (i = 0; i <= f->mask; i++)
		assert_int_equal(f->b[i].overflow, 0);
	fdb_free(f);
}

static void
test_forced_collision_hash(void **state)
{
	(void)state;
	colliding(hash_zero);
	colliding(hash_last);
}

static void
test_bulk_lookup_and_concurrent_mode(void **state)
{
	struct fdb_params p = {
		.limit = 5000, .aging = 300, .n_ports = 16, .seed = 99,
		.concurrent = true, .socket = SOCKET_ID_ANY,
	};
	struct fdb *f = fdb_create(&p);
	uint64_t keys[FDB_BULK_MAX];
	uint32_t val[FDB_BULK_MAX], slot[FDB_BULK_MAX];
	unsigned i;

	(void)state;
	assert_non_null(f);
	for (i = 0; i < 4000; i++)
		fdb_learn(f, key_n(i, 7), (uint16_t)(i % 16), 1);
	for (i = 0; i < FDB_BULK_MAX; i++)
		keys[i] = key_n(i * 97 % 8000, 7);      /* about half known */
	fdb_lookup_bulk(f, keys, FDB_BULK_MAX, 2, val, slot);
	for (i = 0; i < FDB_BULK_MAX; i++) {
		unsigned n = i * 97 % 8000;

		if (n < 4000) {
			assert_int_equal(fdb_val_port(val[i]), n % 16);
			assert_int_not_equal(slot[i], FDB_MISS);
		} else {
			assert_int_equal(val[i], FDB_MISS);
		}
	}
	fdb_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_packing),
		cmocka_unit_test(test_learn_refresh_lookup),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_aging_with_an_injected_clock),
		cmocka_unit_test(test_aging_zero_never_expires),
		cmocka_unit_test(test_sweep_is_bounded),
		cmocka_unit_test(test_flush_port_and_all),
		cmocka_unit_test(test_static_entries),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_one_port_flooding_cannot_evict_others),
		cmocka_unit_test(test_forced_collision_hash),
		cmocka_unit_test(test_bulk_lookup_and_concurrent_mode),
	};

	return cmocka_run_group_tests(tests, test_eal_setup, test_eal_teardown);
}
