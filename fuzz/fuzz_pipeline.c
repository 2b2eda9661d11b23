/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the whole packet pipeline (bridges with VLANs, the router
 * with ARP, ICMP, fragments and NAPT, macvlan networks, output offloads).
 *
 * A real struct vsw is built once, with vsw_start(), from the topology
 * below: every port is a pcap port with only a tx file (/dev/null, spelt
 * differently for each port since two ports may not share a file), so vsw
 * is in replay mode and touches no network. Frames enter exactly as
 * loop.c's poll_port() hands them over: counted as received, m->port set,
 * the port's input stage called on worker 0 with a burst; then every tx
 * buffer is flushed, and housekeeping runs every 10 ms of the worker's
 * clock, as loop_replay() does.
 *
 * Input: records, [b][len, 2 bytes little-endian][len bytes]
 *   b == 0xff   not a frame but the clock: it moves len * 10 ms, housekeeping running
 *               every 100 ms of its first 1.6 s as an idle worker's would,
 *               then once (at most TIME_CAP_S an input); no bytes follow
 *   b & 0x0f    the port (modulo the number of ports)
 *   b & 0x10    the frame is in an exact-size heap buffer (ASan sees reads
 *               past its end; the data is not direct, so a VLAN tag cannot
 *               be pushed into it: such frames are dropped, as DPDK
 *               refuses); otherwise it is copied into pool mbufs, chained
 *               every 2 KiB, as the pcap port reads frames
 *   b & 0x20    the frame starts with a 10-byte virtio-net header that is
 *               applied with offload_from_vnet(), as the AF_PACKET and TAP
 *               ports do (partial checksums, GSO super-frames)
 *   b & 0x40    fix the frame's IPv4 header and ICMP checksums (behind up to
 *               two VLAN tags) so that mutated headers reach the router
 *   b & 0x80    the frame joins the previous one's burst (same port, up to
 *               64 frames)
 * Each burst moves the clock 10 us.
 *
 * After the input, the clock runs on while mbufs are held (ARP gives up
 * on unanswered neighbours and frees what waited, incomplete datagrams
 * time out of the reassembly table): every mbuf must then be back in the
 * pool. Then the neighbours are forgotten and the clock jumps past every
 * timeout (MACs, NAT sessions, held NAT ports), so that the next input
 * starts from the same state and an input means the same thing each time.
 * At exit vsw_stop() must report no mbuf missing.
 */
#include <stdbool.h>

#include <rte_random.h>

#include "config/topology.h"
#include "nat/napt.h"
#include "ports/offload.h"
#include "ports/port.h"
#include "switch/loop.h"
#include "switch/neigh.h"
#include "switch/vsw.h"
#include "fuzz_common.h"

#define NS 1000000000ull
#define START_NS (1000 * NS)
#define BURST_NS 10000ull                       /* 10 us a burst */
#define HOUSEKEEPING_NS 10000000ull             /* loop.c's */
#define IDLE_STEP_NS 100000000ull               /* an idle worker's */
#define TIME_CAP_S 1000                         /* clock records an input */
#define CLOCK_LIMIT_NS (3500000000ull * NS)     /* bridge_now() stays 32-bit */
#define VNET_LEN sizeof(struct virtio_net_hdr)
#define ARP_SWEEP 256                           /* arp.c's */
/* a harness loop libFuzzer need not trace (gcc has no such attribute) */
#ifdef __clang__
#define FUZZ_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define FUZZ_NO_COVERAGE
#endif

#define TX(n) "tx = /dev/" n "null\n"
static const char topology_text[] =
	"[switch]\n"
	"nat_sessions = 1024\n"
	"nat_sessions_per_host = 64\n"
	"nat_ports = 40000-40015\n"
	"nat_timeout_udp = 30\n"
	"nat_timeout_tcp_established = 120\n"
	"nat_timeout_tcp_transitory = 30\n"
	"nat_timeout_icmp = 10\n"
	"nat_full_icmp = yes\n"
	/* a VLAN-aware bridge: access ports, a trunk, an unaware port */
	"[bridge lab]\n"
	"mac_aging = 10\n"
	"mac_limit = 64\n"
	"static = 02:00:00:00:10:0a@a10, 02:00:00:00:20:0a@tr.20\n"
	"[port a10]\nkind = pcap\n" TX("") "bridge = lab\nvlan = 10\n"
	"[port a20]\nkind = pcap\n" TX("./") "bridge = lab\nvlan = 20\nhairpin = yes\n"
	"[port tr]\nkind = pcap\n" TX("././") "bridge = lab\ntrunk = 10,20\nnative = 30\n"
	"mac_limit = 8\n"
	"[port plain]\nkind = pcap\n" TX("./././") "bridge = lab\n"
	"[port b20]\nkind = pcap\n" TX("/") "bridge = lab\nvlan = 20\n"
	/* docker0: a gateway, masqueraded out of the uplink */
	"[bridge docker0]\n"
	"subnet = 172.17.0.0/16\n"
	"gateway = 172.17.0.1\n"
	"masquerade = uplink\n"
	"mac_aging = 10\n"
	"mac_limit = 64\n"
	"[port c1]\nkind = pcap\n" TX("././././") "bridge = docker0\n"
	"[port c2]\nkind = pcap\n" TX("./././././") "bridge = docker0\n"
	/* the routed uplink, also a macvlan parent */
	"[port uplink]\nkind = pcap\n" TX("././././././")
	"address = 198.51.100.2/24\n"
	"gateway = 198.51.100.1\n"
	"gateway_mac = 02:00:00:00:01:01\n"
	/* a routed inside LAN, masqueraded too, with a route behind it */
	"[port lan]\nkind = pcap\n" TX("./././././././")
	"address = 10.0.0.1/24\n"
	"masquerade = uplink\n"
	"[route far]\nprefix = 10.1.0.0/16\nvia = 10.0.0.2\nport = lan\n"
	"[publish web]\nport = uplink\nproto = tcp\nlisten = 8080\nto = 172.17.0.2:80\n"
	"[publish dns]\nport = uplink\nproto = udp\nlisten = 5300-5301\n"
	"to = 10.0.0.5:53-54\n"
	"[publish dns2]\nport = uplink\nproto = udp\nlisten = 5353\nto = 172.17.0.2:53\n"
	/* macvlan: bridge mode on the routed uplink, private on its VLAN 10,
	 * vepa on its VLAN 20, and a port given whole to one endpoint */
	"[macvlan mvb]\nparent = uplink\nmode = bridge\n"
	"[port m1]\nkind = pcap\n" TX("././././././././") "macvlan = mvb\n"
	"mac = 02:42:c0:00:02:0a\n"
	"[port m2]\nkind = pcap\n" TX("./././././././././") "macvlan = mvb\n"
	"mac = 02:42:c0:00:02:0b\n"
	"[macvlan mvp]\nparent = uplink.10\nmode = private\n"
	"[port p1]\nkind = pcap\n" TX("././././././././././") "macvlan = mvp\n"
	"mac = 02:42:c0:00:02:1a\n"
	"[port p2]\nkind = pcap\n" TX("./././././././././././") "macvlan = mvp\n"
	"mac = 02:42:c0:00:02:1b\n"
	"[macvlan mvv]\nparent = uplink.20\nmode = vepa\n"
	"[port v1]\nkind = pcap\n" TX("././././././././././././") "macvlan = mvv\n"
	"mac = 02:42:c0:00:02:2a\n"
	"[port wire]\nkind = pcap\n" TX("./././././././././././././") "\n"
	"[macvlan whole]\nparent = wire\nmode = passthru\n"
	"[port pt]\nkind = pcap\n" TX("././././././././././././././") "macvlan = whole\n";

static struct topology topo;
static struct vsw sw;
static struct worker *w;
static uint32_t n_permanent;                    /* neighbours */

static void
teardown(void)
{
	unsigned leaked = vsw_stop(&sw);

	if (leaked != 0) {
		fprintf(stderr, "fuzz_pipeline: vsw_stop: %u mbufs missing\n", leaked);
		abort();
	}
}

static void
setup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	char err[512];

	if (topo_load_string(&topo, "fuzz_pipeline.ini", topology_text, stderr) != 0)
		abort();
	FUZZ_CHECK(topo_is_replay(&topo) && topo.n_ports <= 16);
	fuzz_eal_init("fuzz_pipeline", vsw_memory_mb(&topo));
	if (vsw_start(&sw, &topo, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_pipeline: vsw_start: %s\n", err);
		abort();
	}
	atexit(teardown);
	w = sw.workers[0];
	w->now = START_NS;
	w->next_housekeeping = 0;
	n_permanent = sw.router->neigh->n_used;        /* gateway_mac */
}

/* One iteration of loop_replay() with a burst for 'p'. */
static void
poll_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct vsw_counters *c = &w->cnt[p->id];
	uint16_t i;

	w->now += BURST_NS;
	w->stats.iterations++;
	if (w->now >= w->next_housekeeping) {
		loop_housekeeping(w);
		w->next_housekeeping = w->now + HOUSEKEEPING_NS;
	}
	c->rx += n;
	for (i = 0; i < n; i++) {
		c->rx_bytes += pkts[i]->pkt_len;
		pkts[i]->port = p->id;
	}
	sw.attach[p->id].input(w, p, pkts, n);
	w->stats.busy++;
	loop_tx_flush_all(w);
}

/* The clock moves 'ns' with nothing received: housekeeping as an idle
 * worker runs it (a few steps, then the rest at once). */
static void
idle(uint64_t ns)
{
	unsigned steps = 0;

	if (w->now + ns > CLOCK_LIMIT_NS)
		return;
	while (ns > 0) {
		uint64_t d = ns > IDLE_STEP_NS && steps < 16 ? IDLE_STEP_NS : ns;

		w->now += d;
		ns -= d;
		steps++;
		loop_housekeeping(w);
		loop_tx_flush_all(w);
		w->next_housekeeping = w->now + HOUSEKEEPING_NS;
	}
}

/* One full pass of the neighbour table's sweep (arp.c looks at 256
 * entries a call), and the rest of housekeeping once. */
static void
sweep_all(void)
{
	unsigned i, calls = sw.router->neigh->n_max / ARP_SWEEP + 1;

	loop_housekeeping(w);
	loop_tx_flush_all(w);
	for (i = 0; i < calls; i++) {
		arp_housekeeping(w);
		loop_tx_flush_all(w);
	}
	w->next_housekeeping = w->now + HOUSEKEEPING_NS;
}

/* Forget every neighbour but the permanent ones (none holds frames by
 * then): what 330 s of silence and a few sweeps would do, at once. */
static void FUZZ_NO_COVERAGE
forget_neighbours(void)
{
	struct neigh_table *t = sw.router->neigh;
	uint32_t i;

	for (i = 0; i < t->n_max && t->n_used > n_permanent; i++)
		if (t->e[i].state != NEIGH_FREE && !t->e[i].permanent)
			neigh_delete(t, i);
}

/* Let everything that waits time out (see the top of the file). */
static void
drain(void)
{
	unsigned i, in_use;

	/* frames waiting for ARP: NEIGH_PROBES probes a second apart, then
	 * the failure frees them; incomplete datagrams time out after 2 s */
	for (i = 0; i < NEIGH_PROBES + 2 && rte_mempool_in_use_count(sw.pool) != 0; i++) {
		w->now += NS + NS / 20;
		sweep_all();
	}
	in_use = rte_mempool_in_use_count(sw.pool);
	if (in_use != 0) {
		fprintf(stderr, "fuzz_pipeline: %u mbufs not back in the pool after the input's timers ran out\n",
			in_use);
		abort();
	}
	/* past every timeout (MACs, NAT sessions, held NAT ports): the next
	 * input finds the tables as they were */
	forget_neighbours();
	if (w->now + 700 * NS < CLOCK_LIMIT_NS) {
		w->now += 700 * NS;
		loop_housekeeping(w);
		loop_tx_flush_all(w);
		w->next_housekeeping = w->now + HOUSEKEEPING_NS;
	}
	FUZZ_CHECK(sw.router->napt == NULL || sw.router->napt->n_sessions == 0);
	FUZZ_CHECK(rte_mempool_in_use_count(sw.pool) == 0);
	/* what follows the reassembly death row in struct router is sane (it
	 * is rte_malloc memory: ASan does not watch it) */
	FUZZ_CHECK(sw.router->dr.cnt <= RTE_IP_FRAG_DEATH_ROW_MBUF_LEN);
	FUZZ_CHECK(sw.router->icmp_tokens <= 1000);
}

/* Fix the IPv4 header and ICMP checksums of an Ethernet frame. */
static void
fix_csums(uint8_t *f, uint32_t len)
{
	uint32_t off = 12;
	int tags = 0;

	while (off + 2 <= len && tags < 2 &&
	       ((f[off] == 0x81 && f[off + 1] == 0x00) || (f[off] == 0x88 && f[off + 1] == 0xa8))) {
		off += 4;
		tags++;
	}
	if (off + 2 > len || f[off] != 0x08 || f[off + 1] != 0x00)
		return;
	off += 2;
	fuzz_fix_icmp_csum(f + off, len - off);
	fuzz_fix_ip_csum(f + off, len - off);
}

/* A frame as a port would hand it over, or NULL (dropped at the port). */
static struct rte_mbuf *
make_frame(struct port *p, uint8_t flags, const uint8_t *data, uint32_t len)
{
	static uint8_t buf[65536];
	struct virtio_net_hdr vh;
	struct rte_mbuf *m;

	if ((flags & 0x20) != 0) {
		if (len < VNET_LEN)
			return NULL;
		memcpy(&vh, data, VNET_LEN);
		data += VNET_LEN;
		len -= VNET_LEN;
	}
	if (len == 0)
		return NULL;
	memcpy(buf, data, len);
	if (flags & 0x40)
		fix_csums(buf, len);
	if (flags & 0x10) {
		m = fuzz_mbuf_exact(p->pool, buf, len, RTE_PKTMBUF_HEADROOM);
	} else {
		m = rte_pktmbuf_alloc(p->pool);
		if (m != NULL && port_mbuf_append(p->pool, m, buf, len) != 0) {
			rte_pktmbuf_free(m);
			m = NULL;
		}
	}
	if (m == NULL)
		return NULL;
	if ((flags & 0x20) != 0 && offload_from_vnet(m, &vh) != 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/* libFuzzer calls this before the first input, outside its time limit
 * (setting up the EAL and the switch takes seconds); replay_main.c too. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *burst[LOOP_BURST];
	struct port *bp = NULL;
	uint64_t clock_used = 0;
	uint16_t nb = 0;
	size_t off = 0;

	setup();        /* done already, unless a driver skipped the above */
	rte_srand(0x5eed);
	while (off + 3 <= size) {
		uint8_t b = data[off];
		uint32_t len = (uint32_t)data[off + 1] | (uint32_t)data[off + 2] << 8;
		struct rte_mbuf *m;
		struct port *p;

		off += 3;
		if (b == 0xff) {
			uint64_t ns = (uint64_t)len * 10000000ull;

			if (nb > 0) {
				poll_burst(bp, burst, nb);
				nb = 0;
			}
			if (clock_used + ns > TIME_CAP_S * NS)
				ns = TIME_CAP_S * NS - clock_used;
			clock_used += ns;
			idle(ns);
			continue;
		}
		if (len > size - off)
			len = (uint32_t)(size - off);
		p = &sw.ports[(b & 0x0f) % sw.n_ports];
		m = make_frame(p, b, data + off, len);
		off += len;
		if (nb > 0 && (!(b & 0x80) || p != bp || nb == LOOP_BURST)) {
			poll_burst(bp, burst, nb);
			nb = 0;
		}
		if (m == NULL)
			continue;
		bp = p;
		burst[nb++] = m;
	}
	if (nb > 0)
		poll_burst(bp, burst, nb);
	drain();
	return 0;
}
