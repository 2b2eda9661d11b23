/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the control protocol (ctl/server.c, ctl/table.c), a request
 * as bytes, exactly as the socket hands it to ctl_execute().
 *
 * A real struct vsw is built once, with vsw_start(), from the topology
 * below: pcap ports with only a tx file (/dev/null spelt differently for
 * each), so vsw is in replay mode and touches no network; a bridge with a
 * gateway and masquerade, a VLAN bridge with a static entry, a routed
 * uplink with a route, a macvlan network. FDB entries and NAT sessions are
 * put in so that show fdb and show sessions have rows (and pages).
 *
 * Input: the request, any bytes (the socket reads at most 4095 and a line
 * ends it; ctl_execute() takes whatever it is given).
 *
 * The reply must be "OK\n" and a body ending in '\n', or one line "ERR
 * reason\n" with nothing after it. What a request changes is undone after
 * it (ports set down are set up again, flushed FDB entries are learned
 * again), so that an input means the same thing each time it runs.
 * FUZZ_VERBOSE=1: every reply on stderr.
 */
#include <stdbool.h>

#include <arpa/inet.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "config/topology.h"
#include "ctl/server.h"
#include "nat/napt.h"
#include "switch/fdb.h"
#include "switch/vsw.h"
#include "fuzz_common.h"

#define N_MACS 40               /* learned, per bridge */
#define N_SESSIONS 40

#define TX(n) "tx = /dev/" n "null\n"
static const char topology_text[] =
	"[switch]\n"
	"nat_sessions = 1024\n"
	"nat_sessions_per_host = 64\n"
	"nat_ports = 40000-40999\n"
	"[bridge docker0]\n"
	"subnet = 172.17.0.0/16\n"
	"gateway = 172.17.0.1\n"
	"masquerade = uplink\n"
	"mac_limit = 256\n"
	"[port c1]\nkind = pcap\n" TX("") "bridge = docker0\n"
	"[port c2]\nkind = pcap\n" TX("./") "bridge = docker0\n"
	"[bridge lab]\n"
	"static = 02:00:00:00:10:0a@a10\n"
	"[port a10]\nkind = pcap\n" TX("././") "bridge = lab\nvlan = 10\n"
	"[port tr]\nkind = pcap\n" TX("./././") "bridge = lab\ntrunk = 10,20\n"
	"[port uplink]\nkind = pcap\n" TX("././././")
	"address = 198.51.100.2/24\n"
	"gateway = 198.51.100.1\n"
	"gateway_mac = 02:00:00:00:01:01\n"
	"[route far]\nprefix = 10.1.0.0/16\nvia = 198.51.100.3\nport = uplink\n"
	"[publish web]\nport = uplink\nproto = tcp\nlisten = 8080\nto = 172.17.0.2:80\n"
	"[macvlan mvb]\nparent = uplink\nmode = bridge\n"
	"[port m1]\nkind = pcap\n" TX("./././././") "macvlan = mvb\n"
	"mac = 02:42:c0:00:02:0a\n"
	"[port m2]\nkind = pcap\n" TX("././././././") "macvlan = mvb\n"
	"mac = 02:42:c0:00:02:0b\n";

static struct topology topo;
static struct vsw sw;
static struct rte_mempool *pool;
static bool verbose;                    /* FUZZ_VERBOSE=1: every reply */

static uint32_t
now_s(void)
{
	return bridge_now(sw.workers[0]->now);
}

/* The FDB entries the show commands list (again after a flush). */
static void
learn_all(void)
{
	unsigned b, i;

	for (b = 0; b < sw.n_bridges; b++)
		for (i = 0; i < N_MACS; i++) {
			uint8_t mac[6] = { 0x02, 0xaa, (uint8_t)b, 0, 0, (uint8_t)i };
			struct bridge *br = &sw.bridges[b];

			fdb_learn(br->fdb, fdb_key(mac, b ? 10 : 0),
				  br->ports[i % br->n_ports], now_s());
		}
}

/* A UDP datagram from 172.17.0.(10 + i % 8) out through NAPT: a session. */
static void
session(unsigned i)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *d;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *u;

	FUZZ_CHECK(m != NULL);
	d = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + 8);
	memset(d, 0, 14 + 20 + 8);
	d[12] = 0x08;
	ip = (struct rte_ipv4_hdr *)(d + 14);
	u = (struct rte_udp_hdr *)(ip + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(20 + 8);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = htonl(0xac11000au + (i % 8));
	ip->dst_addr = inet_addr("203.0.113.9");
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	u->src_port = rte_cpu_to_be_16((uint16_t)(40000 + i));
	u->dst_port = rte_cpu_to_be_16(53);
	u->dgram_len = rte_cpu_to_be_16(8);
	m->l2_len = 14;
	m->l3_len = 20;
	FUZZ_CHECK(napt_outbound(sw.router->napt, m, inet_addr("198.51.100.2"),
				 now_s()) == 0);
	rte_pktmbuf_free(m);
}

static void
teardown(void)
{
	unsigned leaked;

	rte_mempool_free(pool);
	leaked = vsw_stop(&sw);
	if (leaked != 0) {
		fprintf(stderr, "fuzz_ctl: vsw_stop: %u mbufs missing\n", leaked);
		abort();
	}
}

static void
setup(void)
{
	static bool done;
	char err[512];
	unsigned i;

	if (done)
		return;
	done = true;
	if (topo_load_string(&topo, "fuzz_ctl.ini", topology_text, stderr) != 0)
		abort();
	FUZZ_CHECK(topo_is_replay(&topo));
	fuzz_eal_init("fuzz_ctl", vsw_memory_mb(&topo) + 32);
	if (vsw_start(&sw, &topo, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_ctl: vsw_start: %s\n", err);
		abort();
	}
	pool = rte_pktmbuf_pool_create("fuzz_ctl", 63, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	FUZZ_CHECK(pool != NULL);
	atexit(teardown);
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	sw.workers[0]->now = 1000ull * 1000000000ull;
	learn_all();
	for (i = 0; i < N_SESSIONS; i++)
		session(i);
}

/* What a request changed, changed back. */
static void
restore(void)
{
	unsigned i;

	for (i = 0; i < sw.n_ports; i++) {
		char req[64], *out;
		int len;

		if (!sw.ports[i].admin_down)
			continue;
		len = snprintf(req, sizeof(req), "port %s up", sw.ports[i].name);
		out = ctl_execute(&sw, req, (size_t)len);
		FUZZ_CHECK(out != NULL && strncmp(out, "OK\n", 3) == 0);
		FUZZ_CHECK(!sw.ports[i].admin_down);
		free(out);
	}
	learn_all();
}

/* libFuzzer calls this before the first input; replay_main.c too. */
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
	char *out;
	size_t len;

	setup();
	out = ctl_execute(&sw, (const char *)data, size);
	FUZZ_CHECK(out != NULL);
	if (verbose)
		fputs(out, stderr);
	len = strlen(out);
	FUZZ_CHECK(len >= 3 && out[len - 1] == '\n');
	if (strncmp(out, "OK\n", 3) != 0) {
		/* one line: the reason */
		FUZZ_CHECK(len > 4 && strncmp(out, "ERR ", 4) == 0);
		FUZZ_CHECK(strchr(out, '\n') == out + len - 1);
	}
	free(out);
	restore();
	return 0;
}
