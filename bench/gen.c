/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vswgen: the packet generator of vsw's benchmarks. pktgen-like, but made to
 * be run by scripts: options in, one JSON object out, nothing interactive.
 *
 *   vswgen --tx DEVARGS [--rx DEVARGS] [--rate PPS] [--size N | --imix]
 *          [--flows N] [--duration S] [--count N] [--warmup S] [--json] ...
 *   vswgen --pcap FILE --count N [--size N | --imix] [--flows N] ...
 *
 * One lcore (EAL's main lcore, pinned by --cpu) does all the work in one
 * loop: build and send a burst of up to 32 frames (paced by the TSC when
 * --rate is given), receive a burst, repeat. Ports are DPDK devices
 * hot-plugged with rte_dev_probe(); each has its own mbuf pool, and frames
 * are sent from the tx port's. Receiving is on the tx port unless --rx
 * names another, except that a net_null tx port receives nothing (its rx
 * would invent frames out of stale buffers).
 *
 * Frames: Ethernet / IPv4 / UDP. One template per frame size (one, or three
 * for IMIX) is built once, with the source MAC, IP and UDP port and the
 * per-frame fields zero, and the raw one's-complement sums of its IPv4
 * header and of its UDP pseudo-header + datagram are taken from
 * rte_ipv4_cksum() and rte_ipv4_udptcp_cksum(). A flow is a 16-byte record:
 * its source MAC, IP and port (counted up from the bases, stepping over the
 * destination's MAC and IP) and their contribution to those sums. A frame
 * is then one rte_memcpy() of the template, a few stores, and both checksums
 * finished from the precomputed sums plus the 14 bytes of sequence number
 * and TSC (rte_raw_cksum) -- RFC 1624 style, nothing re-summed over the
 * payload. Against one prebuilt template per flow and size (copy, then
 * only the sequence number, TSC and UDP checksum), tx only to net_null on
 * one AMD EPYC core, median of 5, Mpps:
 *                        patching   template per flow and size
 *   64 B, 1 flow            70.0        75.4
 *   64 B, 64k flows         70.9        38.6   (templates leave the cache)
 *   1518 B, 1 flow          35.3        36.9
 *   IMIX, 1000 flows        56.9        46.7
 * Patching costs at most ~1 ns a frame, is flat in flows and bounded in
 * memory (16 bytes a flow, not 1.5 KB per flow and size); it stays.
 *
 * The signature: the UDP payload starts with 18 bytes, in network order:
 *   magic (16 bits, 0x5647 "VG") | run id (16 bits, random per run) |
 *   sequence number (48 bits) | TSC when the burst was handed to the PMD (64)
 * 18 and not 32 bytes, because a 64-byte frame (60 without the FCS) has
 * exactly 18 bytes of UDP payload. Received frames whose magic and run id
 * match are "own" frames; the rest are counted as "other". The sequence
 * number separates frames sent during warm-up from measured ones.
 *
 * Measuring: frames sent before --warmup has passed are not counted (their
 * sequence numbers are below the first measured one); the measured window
 * lasts --duration seconds or until --count frames have been taken by the
 * PMD, whichever comes first. Frames the PMD does not take (after retrying
 * while it makes progress) are freed and counted as tx_dropped. With
 * --rate, frames are due at fixed TSC times; a generator that falls behind
 * (its CPU taken away) catches up on at most 1 ms of them, the rest are
 * counted as tx_late, so a stall never becomes a long line-rate burst. When
 * sending stops, receiving goes on until no own frame has arrived for
 * 100 ms (at most 1 s), so that frames in flight are not counted as lost.
 * Latency is rx TSC - tx TSC of own frames (meaningful when both ends are
 * on this machine); min and max are exact, p50 and p99 come from a uniform
 * reservoir sample of up to 100k frames (Algorithm R).
 *
 * --pcap writes the --count frames it would have sent to a file instead,
 * without DPDK and without root: run id 0, TSC 0, timestamps 1/--rate apart
 * (1 us without --rate), so the same options give the same file.
 *
 * Exit status: 0 done, 1 could not start (the message says why), 2 bad
 * usage, 3 mbufs missing from a pool at the end.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_memcpy.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_random.h>
#include <rte_udp.h>

#define GEN_BURST 32
#define GEN_FCS 4
#define GEN_MIN_SIZE 64                 /* on the wire, FCS included */
#define GEN_MAX_SIZE 1518
#define GEN_MAX_FLOWS (1u << 24)
#define GEN_LAT_SAMPLES 100000
#define GEN_RX_DESC 1024
#define GEN_TX_DESC 1024
#define GEN_POOL_CACHE 256
#define GEN_LINK_WAIT_MS 5000
#define GEN_DRAIN_QUIET_MS 100
#define GEN_DRAIN_MAX_MS 1000

/* frame layout: no VLAN tag, no IP options */
#define GEN_OFF_IP (sizeof(struct rte_ether_hdr))
#define GEN_OFF_UDP (GEN_OFF_IP + sizeof(struct rte_ipv4_hdr))
#define GEN_OFF_SIG (GEN_OFF_UDP + sizeof(struct rte_udp_hdr))

/* the signature, at the start of the UDP payload, network order */
#define GEN_MAGIC 0x5647                /* "VG" */
#define SIG_TAG 0                       /* magic (16) | run id (16) */
#define SIG_SEQ 4                       /* 48 bits */
#define SIG_TSC 10                      /* 64 bits */
#define SIG_LEN 18

static_assert(GEN_OFF_SIG == 42, "Ethernet + IPv4 + UDP headers are 42 bytes");
static_assert(GEN_OFF_SIG + SIG_LEN == GEN_MIN_SIZE - GEN_FCS,
	      "the signature fills a minimum frame's UDP payload exactly");
static_assert(GEN_OFF_SIG % 2 == 0 && SIG_SEQ % 2 == 0,
	      "the per-frame fields are whole 16-bit words of the UDP sum");

/* IMIX, the simple one: 7 x 64, 4 x 594, 1 x 1518 bytes */
static const unsigned gen_imix_sizes[] = { 64, 594, 1518 };
static const unsigned gen_imix_weights[] = { 7, 4, 1 };
#define GEN_IMIX_LEN 12
#define GEN_N_TMPL 3

struct gen_opts {
	const char *tx, *rx, *pcap;
	double rate;                    /* frames/s, 0 = as fast as possible */
	double duration, warmup;        /* seconds */
	uint64_t count;                 /* 0 = no limit */
	unsigned size;                  /* on the wire, FCS included */
	bool imix;
	unsigned flows;
	struct rte_ether_addr smac, dmac;
	uint32_t sip, dip;              /* host order */
	uint16_t sport, dport;
	int cpu;                        /* -1: the last CPU we may run on */
	bool json, no_rx;
};

/* A frame of one size with the per-flow and per-frame fields zero. */
struct gen_tmpl {
	uint8_t data[GEN_MAX_SIZE - GEN_FCS] __rte_cache_aligned;
	uint16_t len;                   /* frame length without the FCS */
	uint32_t ip_sum;                /* raw sum of the IPv4 header */
	uint32_t udp_sum;               /* raw sum of pseudo-header + datagram */
};

/* What flow i changes in a frame; 16 bytes. */
struct gen_flow {
	struct rte_ether_addr mac;
	rte_be16_t sport;
	rte_be32_t sip;
	uint16_t ip_sum;                /* raw sum of sip */
	uint16_t udp_sum;               /* raw sum of sip and sport */
};
static_assert(sizeof(struct gen_flow) == 16, "a flow is 16 bytes");

struct gen_port {
	const char *devargs;
	char name[RTE_DEV_NAME_MAX_LEN];
	uint16_t id;
	struct rte_mempool *pool;
	bool probed, started;
	bool keeps_mbufs;               /* af_xdp: keeps some rx mbufs at close */
	char driver[32];
};

struct gen {
	struct gen_opts o;
	struct gen_tmpl *tmpl;          /* GEN_N_TMPL, the first one without IMIX */
	uint8_t pattern[GEN_IMIX_LEN];  /* template index of frame i % len */
	unsigned pattern_len, pattern_i;
	struct gen_flow *flows;
	unsigned flow_i;
	uint16_t run_id;
	uint32_t tag;                   /* the first 4 signature bytes, as stored */

	struct gen_port tx, rx;
	struct gen_port *rxp;           /* NULL: no receiving */

	uint64_t seq;                   /* of the next frame built */
	uint64_t first_seq;             /* the first measured frame's */
	uint64_t tx_pkts, tx_bytes, tx_dropped, tx_nombuf, tx_late;
	uint64_t rx_pkts, rx_bytes, rx_other;
	uint64_t last_own_rx;           /* TSC */

	uint64_t *lat;                  /* reservoir, GEN_LAT_SAMPLES */
	uint64_t lat_seen, lat_min, lat_max;

	uint64_t t_meas, t_stop;        /* TSC: measured window */
	bool measuring;
};

static volatile sig_atomic_t gen_stop;
static char gen_runtime_dir[64];

static void
gen_on_signal(int sig)
{
	(void)sig;
	gen_stop = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: vswgen --tx DEVARGS [options]\n"
		"       vswgen --pcap FILE --count N [frame options]\n"
		"ports (DPDK devices, hot-plugged; e.g. net_af_packet0,iface=veth1  net_af_xdp0,iface=veth1\n"
		"       net_memif0,role=client,socket=/tmp/m.sock  net_null0  net_ring0):\n"
		"  --tx DEVARGS      send on this device\n"
		"  --rx DEVARGS      receive on this device (default: on the --tx device)\n"
		"  --no-rx           do not receive at all\n"
		"traffic:\n"
		"  --rate PPS        frames per second, 0 = as fast as possible (default 0)\n"
		"  --size N          frame size on the wire with the FCS, 64..1518 (default 64)\n"
		"  --imix            7:4:1 of 64, 594 and 1518-byte frames, interleaved\n"
		"  --flows N         flows (1..%u, default 1): source MAC, IP and UDP port vary\n"
		"  --src-mac MAC     first source MAC (default 02:00:00:00:00:01)\n"
		"  --dst-mac MAC     destination MAC (default 02:00:00:00:00:02)\n"
		"  --src-ip IP       first source IP (default 10.0.0.1)\n"
		"  --dst-ip IP       destination IP (default 10.0.0.2)\n"
		"  --sport PORT      first UDP source port (default 1024)\n"
		"  --dport PORT      UDP destination port (default 5000)\n"
		"run:\n"
		"  --duration S      measured seconds, fractions allowed (default 10)\n"
		"  --count N         stop after N measured frames were sent (or at --duration)\n"
		"  --warmup S        send for S seconds first, uncounted (default 0)\n"
		"  --cpu N           the CPU to run on (default: the last one available)\n"
		"  --json            print one JSON object at the end\n"
		"  --pcap FILE       write the --count frames to FILE (pcap) instead of sending\n"
		"  -h, --help        this text\n"
		"exit status: 0 done, 1 could not start, 2 bad usage, 3 mbufs missing at the end\n",
		GEN_MAX_FLOWS);
}

static int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "vswgen: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (vswgen --help lists the options)\n");
	return 2;
}

/* Parses 's' as a number in [lo, hi]; false if it is not one. */
static bool
parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}

static bool
parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '-' || *s == '\0')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* The last CPU this process may run on, or -1. */
static int
last_allowed_cpu(void)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return -1;
	for (i = CPU_SETSIZE - 1; i >= 0; i--)
		if (CPU_ISSET(i, &set))
			return i;
	return -1;
}

static bool
cpu_allowed(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	return cpu >= 0 && cpu < CPU_SETSIZE &&
	       sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_ISSET(cpu, &set);
}

enum {
	OPT_TX = 256, OPT_RX, OPT_NO_RX, OPT_RATE, OPT_SIZE, OPT_IMIX, OPT_FLOWS,
	OPT_SMAC, OPT_DMAC, OPT_SIP, OPT_DIP, OPT_SPORT, OPT_DPORT, OPT_DURATION,
	OPT_COUNT, OPT_WARMUP, OPT_CPU, OPT_JSON, OPT_PCAP,
};

/*
 * Fills 'o' from the command line. Returns 0, 1 when help was printed, or
 * 2 after printing what is wrong.
 */
static int
parse_args(int argc, char **argv, struct gen_opts *o)
{
	static const struct option longopts[] = {
		{ "tx", required_argument, NULL, OPT_TX },
		{ "rx", required_argument, NULL, OPT_RX },
		{ "no-rx", no_argument, NULL, OPT_NO_RX },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "imix", no_argument, NULL, OPT_IMIX },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "src-mac", required_argument, NULL, OPT_SMAC },
		{ "dst-mac", required_argument, NULL, OPT_DMAC },
		{ "src-ip", required_argument, NULL, OPT_SIP },
		{ "dst-ip", required_argument, NULL, OPT_DIP },
		{ "sport", required_argument, NULL, OPT_SPORT },
		{ "dport", required_argument, NULL, OPT_DPORT },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "warmup", required_argument, NULL, OPT_WARMUP },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool size_set = false;
	uint64_t v;
	struct in_addr a;
	int c;

	memset(o, 0, sizeof(*o));
	o->size = GEN_MIN_SIZE;
	o->flows = 1;
	o->duration = 10;
	o->cpu = -1;
	o->sip = RTE_IPV4(10, 0, 0, 1);
	o->dip = RTE_IPV4(10, 0, 0, 2);
	o->sport = 1024;
	o->dport = 5000;
	rte_ether_unformat_addr("02:00:00:00:00:01", &o->smac);
	rte_ether_unformat_addr("02:00:00:00:00:02", &o->dmac);

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_TX:
			o->tx = optarg;
			break;
		case OPT_RX:
			o->rx = optarg;
			break;
		case OPT_NO_RX:
			o->no_rx = true;
			break;
		case OPT_RATE:
			if (!parse_double(optarg, 0, 1e12, &o->rate))
				return usage_error("--rate %s: want frames per second, 0 or more", optarg);
			break;
		case OPT_SIZE:
			if (!parse_u64(optarg, 64, 1518, &v))
				return usage_error("--size %s: want a frame size from 64 to 1518 bytes (FCS included)", optarg);
			o->size = (unsigned)v;
			size_set = true;
			break;
		case OPT_IMIX:
			o->imix = true;
			break;
		case OPT_FLOWS:
			if (!parse_u64(optarg, 1, GEN_MAX_FLOWS, &v))
				return usage_error("--flows %s: want 1 to 16777216", optarg);
			o->flows = (unsigned)v;
			break;
		case OPT_SMAC:
		case OPT_DMAC: {
			struct rte_ether_addr *m = c == OPT_SMAC ? &o->smac : &o->dmac;

			if (rte_ether_unformat_addr(optarg, m) != 0)
				return usage_error("%s: not a MAC address (want xx:xx:xx:xx:xx:xx)", optarg);
			if (c == OPT_SMAC && !rte_is_unicast_ether_addr(m))
				return usage_error("--src-mac %s: a source MAC must be unicast", optarg);
			break;
		}
		case OPT_SIP:
		case OPT_DIP:
			if (inet_pton(AF_INET, optarg, &a) != 1)
				return usage_error("%s: not an IPv4 address", optarg);
			*(c == OPT_SIP ? &o->sip : &o->dip) = ntohl(a.s_addr);
			break;
		case OPT_SPORT:
		case OPT_DPORT:
			if (!parse_u64(optarg, 1, 65535, &v))
				return usage_error("%s: want a UDP port from 1 to 65535", optarg);
			*(c == OPT_SPORT ? &o->sport : &o->dport) = (uint16_t)v;
			break;
		case OPT_DURATION:
			if (!parse_double(optarg, 1e-3, 1e9, &o->duration))
				return usage_error("--duration %s: want seconds, more than 0", optarg);
			break;
		case OPT_COUNT:
			if (!parse_u64(optarg, 1, UINT64_MAX / 2, &o->count))
				return usage_error("--count %s: want a number of frames, 1 or more", optarg);
			break;
		case OPT_WARMUP:
			if (!parse_double(optarg, 0, 1e6, &o->warmup))
				return usage_error("--warmup %s: want seconds, 0 or more", optarg);
			break;
		case OPT_CPU:
			if (!parse_u64(optarg, 0, CPU_SETSIZE - 1, &v))
				return usage_error("--cpu %s: want a CPU number", optarg);
			o->cpu = (int)v;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_PCAP:
			o->pcap = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			if (optopt >= OPT_TX)
				return usage_error("%s needs a value", argv[optind - 1]);
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->imix && size_set)
		return usage_error("%s", "--size and --imix exclude each other");
	if (o->pcap != NULL) {
		if (o->count == 0)
			return usage_error("%s", "--pcap needs --count N (how many frames to write)");
		if (o->tx != NULL || o->rx != NULL)
			return usage_error("%s", "--pcap writes a file instead of sending: drop --tx/--rx");
		return 0;
	}
	if (o->tx == NULL)
		return usage_error("%s", "--tx DEVARGS is required (or --pcap FILE)");
	if (o->rx != NULL && o->no_rx)
		return usage_error("%s", "--rx and --no-rx exclude each other");
	if (o->cpu < 0) {
		o->cpu = last_allowed_cpu();
		if (o->cpu < 0) {
			fprintf(stderr, "vswgen: sched_getaffinity: %s\n", strerror(errno));
			return 2;
		}
	} else if (!cpu_allowed(o->cpu)) {
		fprintf(stderr, "vswgen: --cpu %d: that CPU is not available to this process\n",
			o->cpu);
		return 2;
	}
	return 0;
}

/* ---- frames ------------------------------------------------------------ */

static inline uint32_t
csum_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	return (s & 0xffff) + (s >> 16);
}

/* Builds 't' as a 'size'-byte frame (FCS included) of run 'run_id'. */
static void
gen_tmpl_build(struct gen_tmpl *t, const struct gen_opts *o, unsigned size,
	       uint16_t run_id)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)t->data;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(t->data + GEN_OFF_IP);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(t->data + GEN_OFF_UDP);
	uint8_t *sig = t->data + GEN_OFF_SIG;
	rte_be16_t magic = rte_cpu_to_be_16(GEN_MAGIC), run = rte_cpu_to_be_16(run_id);

	memset(t, 0, sizeof(*t));
	t->len = (uint16_t)(size - GEN_FCS);
	eth->dst_addr = o->dmac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(t->len - GEN_OFF_IP));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->dst_addr = rte_cpu_to_be_32(o->dip);
	udp->dst_port = rte_cpu_to_be_16(o->dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(t->len - GEN_OFF_UDP));
	memcpy(sig + SIG_TAG, &magic, 2);
	memcpy(sig + SIG_TAG + 2, &run, 2);
	/* the rest of the payload is a counting pattern, not zeros, so that a
	 * path that zeroes or truncates it shows in the checksum */
	for (unsigned i = GEN_OFF_SIG + SIG_LEN; i < t->len; i++)
		t->data[i] = (uint8_t)i;
	/* both with the checksum fields zero: these give ~sum */
	t->ip_sum = (uint16_t)~rte_ipv4_cksum(ip);
	t->udp_sum = (uint16_t)~rte_ipv4_udptcp_cksum(ip, udp);
}

/*
 * Flow i: source MAC, IP and UDP port counted up from the bases, stepping
 * over the destination MAC and IP (02:..:01 + 1 would be 02:..:02, and a
 * switch would learn the destination's MAC on the generator's port).
 */
static void
gen_flows_build(struct gen_flow *flows, const struct gen_opts *o)
{
	uint64_t smac = 0, dmac = 0;
	unsigned i, b;

	for (b = 0; b < RTE_ETHER_ADDR_LEN; b++) {
		smac = smac << 8 | o->smac.addr_bytes[b];
		dmac = dmac << 8 | o->dmac.addr_bytes[b];
	}
	for (i = 0; i < o->flows; i++) {
		struct gen_flow *f = &flows[i];
		uint64_t m = smac + i;
		uint32_t ip = o->sip + i;

		if (smac <= dmac && m >= dmac)
			m++;
		if (o->sip <= o->dip && ip >= o->dip)
			ip++;

		for (b = 0; b < RTE_ETHER_ADDR_LEN; b++)
			f->mac.addr_bytes[b] = (uint8_t)(m >> (8 * (RTE_ETHER_ADDR_LEN - 1 - b)));
		f->sip = rte_cpu_to_be_32(ip);
		f->sport = rte_cpu_to_be_16((uint16_t)(o->sport + i % (65536u - o->sport)));
		f->ip_sum = rte_raw_cksum(&f->sip, sizeof(f->sip));
		f->udp_sum = (uint16_t)csum_fold((uint32_t)f->ip_sum +
						 rte_raw_cksum(&f->sport, sizeof(f->sport)));
	}
}

/*
 * The IMIX order: smooth weighted round robin over the three sizes, so
 * that the 1518-byte frame does not come with its neighbours in a clump.
 */
static void
gen_pattern_build(struct gen *g)
{
	int cur[GEN_N_TMPL] = { 0 };
	unsigned i, k;

	if (!g->o.imix) {
		g->pattern[0] = 0;
		g->pattern_len = 1;
		return;
	}
	for (i = 0; i < GEN_IMIX_LEN; i++) {
		unsigned best = 0;

		for (k = 0; k < GEN_N_TMPL; k++) {
			cur[k] += (int)gen_imix_weights[k];
			if (cur[k] > cur[best])
				best = k;
		}
		cur[best] -= GEN_IMIX_LEN;
		g->pattern[i] = (uint8_t)best;
	}
	g->pattern_len = GEN_IMIX_LEN;
}

/* Templates, flows and pattern for run 'run_id'; 0 or -ENOMEM. */
static int
gen_frames_init(struct gen *g, uint16_t run_id)
{
	rte_be16_t tag[2] = { rte_cpu_to_be_16(GEN_MAGIC), rte_cpu_to_be_16(run_id) };
	unsigned k;

	g->run_id = run_id;
	memcpy(&g->tag, tag, sizeof(g->tag));
	g->tmpl = aligned_alloc(RTE_CACHE_LINE_SIZE, GEN_N_TMPL * sizeof(*g->tmpl));
	g->flows = malloc((size_t)g->o.flows * sizeof(*g->flows));
	if (g->tmpl == NULL || g->flows == NULL)
		return -ENOMEM;
	for (k = 0; k < GEN_N_TMPL; k++)
		gen_tmpl_build(&g->tmpl[k], &g->o,
			       g->o.imix ? gen_imix_sizes[k] : g->o.size, run_id);
	gen_flows_build(g->flows, &g->o);
	gen_pattern_build(g);
	return 0;
}

/*
 * Copies the next frame into 'p': template, flow fields, IPv4 checksum and
 * sequence number 'seq'. Returns the raw UDP sum so far, which
 * gen_frame_finish() completes once the TSC is known. Advances the flow
 * and size counters in 'fi' and 'pi'.
 */
static inline uint32_t
gen_frame_fill(const struct gen *g, uint8_t *p, unsigned *fi, unsigned *pi,
	       uint64_t seq, uint16_t *len)
{
	const struct gen_tmpl *t = &g->tmpl[g->pattern[*pi]];
	const struct gen_flow *f = &g->flows[*fi];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + GEN_OFF_IP);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + GEN_OFF_UDP);
	uint64_t be_seq = rte_cpu_to_be_64(seq << 16);

	rte_memcpy(p, t->data, t->len);
	memcpy(p + RTE_ETHER_ADDR_LEN, &f->mac, RTE_ETHER_ADDR_LEN);
	ip->src_addr = f->sip;
	ip->hdr_checksum = (uint16_t)~csum_fold(t->ip_sum + f->ip_sum);
	udp->src_port = f->sport;
	memcpy(p + GEN_OFF_SIG + SIG_SEQ, &be_seq, 6);
	*len = t->len;
	if (++*fi == g->o.flows)
		*fi = 0;
	if (++*pi == g->pattern_len)
		*pi = 0;
	return t->udp_sum + f->udp_sum;
}

/* Stores 'tsc' and the UDP checksum of a frame gen_frame_fill() made. */
static inline void
gen_frame_finish(uint8_t *p, uint32_t sum, uint64_t tsc)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + GEN_OFF_UDP);
	uint64_t be_tsc = rte_cpu_to_be_64(tsc);
	uint16_t c;

	memcpy(p + GEN_OFF_SIG + SIG_TSC, &be_tsc, 8);
	sum += rte_raw_cksum(p + GEN_OFF_SIG + SIG_SEQ, SIG_LEN - SIG_SEQ);
	c = (uint16_t)~csum_fold(sum);
	udp->dgram_cksum = c == 0 ? 0xffff : c;
}

/* ---- pcap mode --------------------------------------------------------- */

/* Writes o.count frames to o.pcap; 0, or 1 after printing why not. */
static int
gen_write_pcap(struct gen *g)
{
	static uint8_t buf[GEN_MAX_SIZE];
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d;
	uint64_t i, bytes = 0;
	double gap_us = g->o.rate > 0 ? 1e6 / g->o.rate : 1.0;
	int rc = 0;

	if (pd == NULL) {
		fprintf(stderr, "vswgen: pcap_open_dead failed\n");
		return 1;
	}
	d = pcap_dump_open(pd, g->o.pcap);
	if (d == NULL) {
		fprintf(stderr, "vswgen: cannot write %s: %s\n", g->o.pcap, pcap_geterr(pd));
		pcap_close(pd);
		return 1;
	}
	for (i = 0; i < g->o.count && !gen_stop; i++) {
		struct pcap_pkthdr h;
		uint64_t us = (uint64_t)((double)i * gap_us);
		uint16_t len;
		uint32_t sum = gen_frame_fill(g, buf, &g->flow_i, &g->pattern_i, i, &len);

		gen_frame_finish(buf, sum, 0);
		/* the generator checks itself: both checksums must verify */
		if (rte_raw_cksum(buf + GEN_OFF_IP, sizeof(struct rte_ipv4_hdr)) != 0xffff ||
		    rte_ipv4_udptcp_cksum_verify((struct rte_ipv4_hdr *)(buf + GEN_OFF_IP),
						 buf + GEN_OFF_UDP) != 0) {
			fprintf(stderr, "vswgen: internal error: frame %" PRIu64 " has a bad checksum\n", i);
			rc = 1;
			break;
		}
		h.ts.tv_sec = (time_t)(us / 1000000);
		h.ts.tv_usec = (suseconds_t)(us % 1000000);
		h.caplen = h.len = len;
		pcap_dump((u_char *)d, &h, buf);
		bytes += len;
	}
	if (pcap_dump_flush(d) != 0 || ferror(pcap_dump_file(d))) {
		fprintf(stderr, "vswgen: writing %s failed: %s\n", g->o.pcap, strerror(errno));
		rc = 1;
	}
	pcap_dump_close(d);
	pcap_close(pd);
	if (rc != 0)
		return rc;
	if (g->o.json) {
		char size[16];

		snprintf(size, sizeof(size), g->o.imix ? "\"imix\"" : "%u", g->o.size);
		printf("{\"pcap\": \"%s\", \"frames\": %" PRIu64 ", \"bytes\": %" PRIu64
		       ", \"size\": %s, \"flows\": %u}\n", g->o.pcap, i, bytes, size,
		       g->o.flows);
	} else {
		printf("vswgen: wrote %" PRIu64 " frames (%" PRIu64 " bytes without FCS) to %s\n",
		       i, bytes, g->o.pcap);
	}
	return 0;
}

/* ---- EAL and ports ----------------------------------------------------- */

/* Free 2 MiB hugepages, in MB. */
static size_t
free_huge_2m_mb(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	unsigned long n = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu", &n) != 1)
		n = 0;
	fclose(f);
	return n * 2;
}

static bool
is_af_xdp(const char *devargs)
{
	return strncmp(devargs, "net_af_xdp", 10) == 0;
}

/* mbufs in a port's pool: its rings and a burst each way, as 2^n - 1 */
static unsigned
gen_pool_size(const char *devargs)
{
	/* af_xdp keeps a 4096-slot fill ring full from this pool, and copies
	 * what it sends into buffers of it until the kernel completes them */
	return is_af_xdp(devargs) ? 32767 : 4095;
}

static size_t
gen_pool_bytes(const char *devargs)
{
	/* page-sized objects for af_xdp's UMEM; otherwise mbuf + 2 KiB room */
	return (size_t)gen_pool_size(devargs) * (is_af_xdp(devargs) ? 4096 : 2560);
}

static void
remove_runtime_dir(void)
{
	struct dirent *de;
	DIR *d;

	if (gen_runtime_dir[0] == '\0')
		return;
	d = opendir(gen_runtime_dir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char path[600];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", gen_runtime_dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(gen_runtime_dir);
}

/*
 * Starts EAL on --cpu with its own file prefix, hugepages if 'mem_mb' of
 * free 2 MiB pages exist and ordinary memory otherwise, no PCI scan.
 * Returns 0, or 1 after printing why not.
 */
static int
gen_eal_init(const struct gen_opts *o, size_t mem_mb)
{
	static char store[16][64];
	char *argv[17];
	int argc = 0, i;
	bool huge = free_huge_2m_mb() >= mem_mb;

#define ARG(...) do { \
		snprintf(store[argc], sizeof(store[argc]), __VA_ARGS__); \
		argv[argc] = store[argc]; argc++; \
	} while (0)
	ARG("vswgen");
	ARG("--file-prefix=vswgen-%d", (int)getpid());
	ARG("--no-telemetry");
	ARG("--log-level=*:warning");
	if (huge) {
		ARG("--in-memory");
	} else {
		ARG("--no-huge");
		ARG("-m");
		ARG("%zu", mem_mb);
		ARG("--no-shconf");
	}
	ARG("--no-pci");
	ARG("-l");
	ARG("%d", o->cpu);
	argv[argc] = NULL;
#undef ARG
	snprintf(gen_runtime_dir, sizeof(gen_runtime_dir), "/var/run/dpdk/vswgen-%d",
		 (int)getpid());
	rte_openlog_stream(stderr);
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "vswgen: DPDK EAL init failed: %s (arguments:",
			rte_strerror(rte_errno));
		for (i = 1; i < argc; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, ")\n");
		remove_runtime_dir();
		return 1;
	}
	return 0;
}

/*
 * A pool of 'n' mbufs. Without hugepages DPDK would keep each mbuf inside
 * one 4 KiB page (4 KiB an mbuf); IOVA is the virtual address then, so they
 * may span pages, except for af_xdp whose UMEM wants page-sized objects.
 */
static struct rte_mempool *
gen_pool_create(const char *name, unsigned n, int socket, bool page_objects)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE,
	};
	struct rte_mempool *mp;

	if (rte_eal_has_hugepages() || page_objects)
		return rte_pktmbuf_pool_create(name, n, GEN_POOL_CACHE, 0,
					       RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) +
				      RTE_MBUF_DEFAULT_BUF_SIZE, GEN_POOL_CACHE,
				      sizeof(priv), socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	if (rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL) != 0)
		goto fail;
	rte_pktmbuf_pool_init(mp, &priv);
	if (rte_mempool_populate_default(mp) < 0)
		goto fail;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
fail:
	rte_mempool_free(mp);
	return NULL;
}

/*
 * Hot-plugs 'devargs' and starts it with one rx and one tx queue, its own
 * pool, promiscuous. Returns 0, or -errno with 'err' saying why; what was
 * done is undone by gen_port_close().
 */
static int
gen_port_open(struct gen_port *gp, const char *devargs, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nrx = GEN_RX_DESC, ntx = GEN_TX_DESC;
	char pname[RTE_MEMPOOL_NAMESIZE];
	int rc, socket;

	gp->devargs = devargs;
	snprintf(gp->name, sizeof(gp->name), "%.*s", (int)strcspn(devargs, ","), devargs);
	if (rte_eth_dev_get_port_by_name(gp->name, &gp->id) == 0) {
		snprintf(err, errlen, "device %s already exists", gp->name);
		return -EEXIST;
	}
	rc = rte_dev_probe(devargs);
	if (rc != 0) {
		snprintf(err, errlen, "DPDK refused device '%s': %s (see the messages above)",
			 devargs, strerror(-rc));
		return rc;
	}
	gp->probed = true;
	if (rte_eth_dev_get_port_by_name(gp->name, &gp->id) != 0) {
		snprintf(err, errlen, "device '%s' was probed but made no ethdev named %s",
			 devargs, gp->name);
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(gp->id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "cannot query %s: %s", gp->name, strerror(-rc));
		return rc;
	}
	snprintf(gp->driver, sizeof(gp->driver), "%s", info.driver_name);
	gp->keeps_mbufs = strcmp(info.driver_name, "net_af_xdp") == 0;
	socket = rte_eth_dev_socket_id(gp->id);
	snprintf(pname, sizeof(pname), "vswgen_p%u", gp->id);
	gp->pool = gen_pool_create(pname, gen_pool_size(devargs), socket, gp->keeps_mbufs);
	if (gp->pool == NULL) {
		snprintf(err, errlen, "cannot make a pool of %u mbufs for %s: %s",
			 gen_pool_size(devargs), gp->name, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(gp->id, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(gp->id, &nrx, &ntx);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(gp->id, 0, nrx, (unsigned)socket, NULL, gp->pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(gp->id, 0, ntx, (unsigned)socket, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot configure %s: %s", gp->name, strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_start(gp->id);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start %s: %s", gp->name, strerror(-rc));
		return rc;
	}
	gp->started = true;
	/* not every PMD has it (net_null, net_ring): not an error */
	rte_eth_promiscuous_enable(gp->id);
	return 0;
}

/* Waits up to GEN_LINK_WAIT_MS for the link (memif waits for its peer). */
static void
gen_port_wait_link(const struct gen_port *gp)
{
	struct rte_eth_link link;
	unsigned ms;

	for (ms = 0; ms < GEN_LINK_WAIT_MS && !gen_stop; ms += 10) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(gp->id, &link) != 0 ||
		    link.link_status == RTE_ETH_LINK_UP)
			return;
		rte_delay_us_sleep(10 * 1000);
	}
	if (!gen_stop)
		fprintf(stderr, "vswgen: warning: %s: link still down after %u ms; going on\n",
			gp->name, GEN_LINK_WAIT_MS);
}

/*
 * Stops, closes and unplugs 'gp', then frees its pool. Returns the mbufs
 * missing from the pool (a PMD known to keep some is reported, not
 * counted). Safe on a port that was never or only partly opened.
 */
static unsigned
gen_port_close(struct gen_port *gp)
{
	unsigned used = 0;

	if (gp->started) {
		struct rte_mbuf *pkts[GEN_BURST];
		unsigned i;
		uint16_t n;

		/* a PMD that queues what it sent (net_ring) gives it back here */
		for (i = 0; i < 1024; i++) {
			n = rte_eth_rx_burst(gp->id, 0, pkts, GEN_BURST);
			if (n == 0)
				break;
			rte_pktmbuf_free_bulk(pkts, n);
		}
		rte_eth_dev_stop(gp->id);
	}
	if (gp->probed) {
		rte_eth_dev_close(gp->id);
		rte_eal_hotplug_remove("vdev", gp->name);
	}
	if (gp->pool != NULL) {
		used = rte_mempool_in_use_count(gp->pool);
		if (used > 0 && gp->keeps_mbufs)
			fprintf(stderr, "vswgen: %s: its PMD kept %u mbufs at close (a known limit of net_af_xdp, not a leak)\n",
				gp->name, used);
		else if (used > 0)
			fprintf(stderr, "vswgen: %s: %u mbufs were not returned to its pool\n",
				gp->name, used);
		if (gp->keeps_mbufs)
			used = 0;
		rte_mempool_free(gp->pool);
		gp->pool = NULL;
	}
	gp->started = gp->probed = false;
	return used;
}

/* ---- the loop ---------------------------------------------------------- */

/* Records one latency sample: Algorithm R over a GEN_LAT_SAMPLES reservoir. */
static inline void
gen_lat_add(struct gen *g, uint64_t d)
{
	if (d < g->lat_min)
		g->lat_min = d;
	if (d > g->lat_max)
		g->lat_max = d;
	if (g->lat_seen < GEN_LAT_SAMPLES) {
		g->lat[g->lat_seen] = d;
	} else {
		uint64_t j = (uint64_t)(((unsigned __int128)rte_rand() * (g->lat_seen + 1)) >> 64);

		if (j < GEN_LAT_SAMPLES)
			g->lat[j] = d;
	}
	g->lat_seen++;
}

/* Builds 'n' frames and hands them to the tx port; counts what it took. */
static void
gen_tx_burst(struct gen *g, unsigned n)
{
	struct rte_mbuf *pkts[GEN_BURST];
	uint32_t sum[GEN_BURST];
	uint16_t len[GEN_BURST];
	unsigned i, fi = g->flow_i, pi = g->pattern_i;
	uint64_t seq = g->seq, tsc, bytes = 0;
	uint16_t sent = 0, k;

	if (unlikely(rte_pktmbuf_alloc_bulk(g->tx.pool, pkts, n) != 0)) {
		g->tx_nombuf += n;
		return;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		sum[i] = gen_frame_fill(g, rte_pktmbuf_mtod(m, uint8_t *), &fi, &pi,
					seq++, &len[i]);
		m->data_len = len[i];
		m->pkt_len = len[i];
	}
	tsc = rte_rdtsc();
	for (i = 0; i < n; i++)
		gen_frame_finish(rte_pktmbuf_mtod(pkts[i], uint8_t *), sum[i], tsc);
	g->flow_i = fi;
	g->pattern_i = pi;
	g->seq = seq;

	/* a PMD may take a burst in parts: retry while it makes progress */
	do {
		k = rte_eth_tx_burst(g->tx.id, 0, pkts + sent, (uint16_t)(n - sent));
		sent = (uint16_t)(sent + k);
	} while (k > 0 && sent < n);
	for (i = 0; i < sent; i++)
		bytes += len[i];
	g->tx_pkts += sent;
	g->tx_bytes += bytes + (uint64_t)sent * GEN_FCS;
	if (unlikely(sent < n)) {
		g->tx_dropped += n - sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

/* Receives a burst: counts own frames (measured ones) and others. */
static void
gen_rx_burst(struct gen *g)
{
	struct rte_mbuf *pkts[GEN_BURST];
	uint16_t n = rte_eth_rx_burst(g->rxp->id, 0, pkts, GEN_BURST), i;
	uint64_t now;

	if (n == 0)
		return;
	now = rte_rdtsc();
	rte_prefetch0(rte_pktmbuf_mtod(pkts[0], void *));
	for (i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		uint64_t seq = 0, tsc;
		uint32_t tag;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (m->data_len < GEN_MIN_SIZE - GEN_FCS ||
		    p[12] != 0x08 || p[13] != 0x00 ||           /* IPv4 */
		    p[GEN_OFF_IP] != RTE_IPV4_VHL_DEF ||        /* no options */
		    p[GEN_OFF_IP + 9] != IPPROTO_UDP) {
			g->rx_other++;
			continue;
		}
		memcpy(&tag, p + GEN_OFF_SIG + SIG_TAG, 4);
		if (tag != g->tag) {
			g->rx_other++;
			continue;
		}
		memcpy((uint8_t *)&seq + 2, p + GEN_OFF_SIG + SIG_SEQ, 6);
		seq = rte_be_to_cpu_64(seq);
		if (seq < g->first_seq)
			continue;               /* sent during warm-up */
		memcpy(&tsc, p + GEN_OFF_SIG + SIG_TSC, 8);
		tsc = rte_be_to_cpu_64(tsc);
		g->rx_pkts++;
		g->rx_bytes += m->pkt_len + GEN_FCS;
		g->last_own_rx = now;
		gen_lat_add(g, now > tsc ? now - tsc : 0);
	}
	rte_pktmbuf_free_bulk(pkts, n);
}

/*
 * Sends (and receives) until --duration or --count or a signal, then
 * receives until the frames in flight have arrived.
 */
static void
gen_run(struct gen *g)
{
	const struct gen_opts *o = &g->o;
	const uint64_t hz = rte_get_tsc_hz();
	const uint64_t t0 = rte_rdtsc();
	uint64_t t_warm_end = t0 + (uint64_t)(o->warmup * (double)hz);
	uint64_t t_end = 0, now = t0;
	double gap = o->rate > 0 ? (double)hz / o->rate : 0;    /* cycles a frame */
	double next = (double)t0, backlog = RTE_MAX((double)hz / 1000, GEN_BURST * gap);

	g->first_seq = UINT64_MAX;
	g->measuring = false;
	while (!gen_stop) {
		unsigned n = GEN_BURST;

		now = rte_rdtsc();
		if (unlikely(!g->measuring)) {
			if (now >= t_warm_end) {
				/* the measured window starts: forget the warm-up */
				g->measuring = true;
				g->t_meas = now;
				t_end = now + (uint64_t)(o->duration * (double)hz);
				g->first_seq = g->seq;
				g->tx_pkts = g->tx_bytes = g->tx_dropped = g->tx_nombuf = 0;
				g->tx_late = 0;
				g->rx_other = 0;
			}
		} else if (unlikely(now >= t_end || (o->count && g->tx_pkts >= o->count))) {
			break;
		}
		if (gap > 0) {
			double late = (double)now - next;

			if (late < 0) {
				n = 0;
			} else {
				/* a stall is made up for 1 ms of frames at most, so
				 * that it never turns into a long line-rate burst */
				if (unlikely(late > backlog)) {
					if (g->measuring)
						g->tx_late += (uint64_t)((late - backlog) / gap);
					next = (double)now - backlog;
					late = backlog;
				}
				n = (unsigned)RTE_MIN(late / gap + 1, (double)GEN_BURST);
				next += n * gap;
			}
		}
		if (o->count && g->measuring && o->count - g->tx_pkts < n)
			n = (unsigned)(o->count - g->tx_pkts);
		if (n > 0)
			gen_tx_burst(g, n);
		if (g->rxp != NULL)
			gen_rx_burst(g);
	}
	if (!g->measuring) {
		fprintf(stderr, "vswgen: stopped during the warm-up: nothing was measured\n");
		g->tx_pkts = g->tx_bytes = g->tx_dropped = g->tx_nombuf = g->tx_late = 0;
		g->rx_other = 0;
		g->t_meas = g->t_stop = 0;
		return;
	}
	g->t_stop = now;

	/* what is in flight still counts, after a signal too (1 s at most) */
	if (g->rxp != NULL) {
		uint64_t quiet = hz * GEN_DRAIN_QUIET_MS / 1000, limit = hz * GEN_DRAIN_MAX_MS / 1000;

		g->last_own_rx = RTE_MAX(g->last_own_rx, now);
		for (;;) {
			now = rte_rdtsc();
			if (now - g->last_own_rx > quiet || now - g->t_stop > limit)
				break;
			gen_rx_burst(g);
		}
	}
}

/* ---- the report -------------------------------------------------------- */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct gen_result {
	double secs, tx_pps, tx_bps, rx_pps, rx_bps;
	double lat_min, lat_p50, lat_p99, lat_max;      /* us */
	uint64_t lat_n;
	bool rx;
};

static void
gen_result(struct gen *g, struct gen_result *r)
{
	double hz = (double)rte_get_tsc_hz(), us = 1e6 / hz;
	uint64_t n = RTE_MIN(g->lat_seen, (uint64_t)GEN_LAT_SAMPLES);

	memset(r, 0, sizeof(*r));
	r->rx = g->rxp != NULL;
	r->secs = g->t_stop > g->t_meas ? (double)(g->t_stop - g->t_meas) / hz : 0;
	if (r->secs > 0) {
		r->tx_pps = (double)g->tx_pkts / r->secs;
		r->tx_bps = (double)g->tx_bytes * 8 / r->secs;
		r->rx_pps = (double)g->rx_pkts / r->secs;
		r->rx_bps = (double)g->rx_bytes * 8 / r->secs;
	}
	r->lat_n = n;
	if (n > 0) {
		qsort(g->lat, n, sizeof(g->lat[0]), cmp_u64);
		r->lat_min = (double)g->lat_min * us;
		r->lat_max = (double)g->lat_max * us;
		/* nearest rank */
		r->lat_p50 = (double)g->lat[(n * 50 + 99) / 100 - 1] * us;
		r->lat_p99 = (double)g->lat[(n * 99 + 99) / 100 - 1] * us;
	}
}

static void
gen_print_json(const struct gen *g, const struct gen_result *r)
{
	const struct gen_opts *o = &g->o;

	printf("{\"tx_pkts\": %" PRIu64 ", \"tx_bytes\": %" PRIu64
	       ", \"tx_pps\": %.1f, \"tx_bps\": %.1f, \"tx_dropped\": %" PRIu64
	       ", \"tx_nombuf\": %" PRIu64 ", \"tx_late\": %" PRIu64 ", ",
	       g->tx_pkts, g->tx_bytes, r->tx_pps, r->tx_bps, g->tx_dropped, g->tx_nombuf,
	       g->tx_late);
	printf("\"rx_pkts\": %" PRIu64 ", \"rx_bytes\": %" PRIu64
	       ", \"rx_pps\": %.1f, \"rx_bps\": %.1f, \"rx_other\": %" PRIu64 ", ",
	       g->rx_pkts, g->rx_bytes, r->rx_pps, r->rx_bps, g->rx_other);
	if (r->rx)
		printf("\"lost\": %" PRId64 ", ", (int64_t)(g->tx_pkts - g->rx_pkts));
	else
		printf("\"lost\": null, ");
	if (r->lat_n > 0)
		printf("\"latency_us\": {\"min\": %.3f, \"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f, \"samples\": %" PRIu64 "}, ",
		       r->lat_min, r->lat_p50, r->lat_p99, r->lat_max, r->lat_n);
	else
		printf("\"latency_us\": {\"min\": null, \"p50\": null, \"p99\": null, \"max\": null, \"samples\": 0}, ");
	printf("\"duration_s\": %.6f, \"warmup_s\": %g, ", r->secs, o->warmup);
	if (o->imix)
		printf("\"size\": \"imix\", ");
	else
		printf("\"size\": %u, ", o->size);
	printf("\"flows\": %u, \"rate_requested\": %.1f, \"rx_enabled\": %s, \"run_id\": %u}\n",
	       o->flows, o->rate, r->rx ? "true" : "false", g->run_id);
}

static void
gen_print_human(const struct gen *g, const struct gen_result *r)
{
	printf("vswgen: tx %" PRIu64 " frames, %" PRIu64 " bytes in %.3f s: %.3f Mpps, %.3f Gbit/s; %" PRIu64 " not taken by the PMD",
	       g->tx_pkts, g->tx_bytes, r->secs, r->tx_pps / 1e6, r->tx_bps / 1e9,
	       g->tx_dropped);
	if (g->tx_nombuf)
		printf(", %" PRIu64 " not built (pool empty)", g->tx_nombuf);
	if (g->tx_late)
		printf(", %" PRIu64 " skipped (vswgen was more than 1 ms behind --rate)", g->tx_late);
	printf("\n");
	if (!r->rx) {
		printf("vswgen: rx off\n");
		return;
	}
	printf("vswgen: rx %" PRIu64 " own frames: %.3f Mpps, %.3f Gbit/s; lost %" PRId64 " (%.3f%%); %" PRIu64 " other frames\n",
	       g->rx_pkts, r->rx_pps / 1e6, r->rx_bps / 1e9,
	       (int64_t)(g->tx_pkts - g->rx_pkts),
	       g->tx_pkts ? 100.0 * ((double)g->tx_pkts - (double)g->rx_pkts) / (double)g->tx_pkts : 0.0,
	       g->rx_other);
	if (r->lat_n > 0)
		printf("vswgen: latency us: min %.3f p50 %.3f p99 %.3f max %.3f (%" PRIu64 " samples)\n",
		       r->lat_min, r->lat_p50, r->lat_p99, r->lat_max, r->lat_n);
}

/* ---- main -------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	static struct gen g;
	struct gen_result r;
	struct sigaction sa;
	char err[512];
	unsigned missing = 0;
	size_t mem_mb;
	int rc;

	rc = parse_args(argc, argv, &g.o);
	if (rc != 0)
		return rc == 1 ? 0 : rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = gen_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (g.o.pcap != NULL) {
		if (gen_frames_init(&g, 0) != 0) {
			fprintf(stderr, "vswgen: out of memory for %u flows\n", g.o.flows);
			return 1;
		}
		rc = gen_write_pcap(&g);
		free(g.tmpl);
		free(g.flows);
		return rc;
	}

	if (geteuid() != 0) {
		fprintf(stderr, "vswgen: must run as root (DPDK devices, hugepages)\n");
		return 1;
	}
	mem_mb = (gen_pool_bytes(g.o.tx) +
		  (g.o.rx != NULL ? gen_pool_bytes(g.o.rx) : 0)) / (1024 * 1024) + 256;
	if (gen_eal_init(&g.o, mem_mb) != 0)
		return 1;
	g.lat = malloc(GEN_LAT_SAMPLES * sizeof(*g.lat));
	g.lat_min = UINT64_MAX;
	if (g.lat == NULL || gen_frames_init(&g, (uint16_t)rte_rand()) != 0) {
		fprintf(stderr, "vswgen: out of memory for %u flows\n", g.o.flows);
		rc = 1;
		goto out;
	}

	rc = gen_port_open(&g.tx, g.o.tx, err, sizeof(err));
	if (rc == 0 && g.o.rx != NULL) {
		if (strncmp(g.o.rx, g.tx.name, strlen(g.tx.name)) == 0 &&
		    (g.o.rx[strlen(g.tx.name)] == '\0' || g.o.rx[strlen(g.tx.name)] == ','))
			g.rxp = &g.tx;          /* the same device */
		else if ((rc = gen_port_open(&g.rx, g.o.rx, err, sizeof(err))) == 0)
			g.rxp = &g.rx;
	} else if (rc == 0 && !g.o.no_rx) {
		/* net_null's rx makes frames out of nothing (stale buffers of
		 * this very pool, own frames among them): nothing to measure */
		if (strcmp(g.tx.driver, "net_null") == 0)
			fprintf(stderr, "vswgen: %s is net_null, which has nothing to receive: rx off (--rx to force it)\n",
				g.tx.name);
		else
			g.rxp = &g.tx;
	}
	if (rc != 0) {
		fprintf(stderr, "vswgen: cannot start: %s\n", err);
		rc = 1;
		goto out;
	}
	gen_port_wait_link(&g.tx);
	if (g.rxp != NULL && g.rxp != &g.tx)
		gen_port_wait_link(g.rxp);

	gen_run(&g);
	gen_result(&g, &r);
	if (g.o.json)
		gen_print_json(&g, &r);
	else
		gen_print_human(&g, &r);
	fflush(stdout);
	rc = 0;
out:
	missing += gen_port_close(&g.rx);
	missing += gen_port_close(&g.tx);
	free(g.lat);
	free(g.tmpl);
	free(g.flows);
	rte_eal_cleanup();
	remove_runtime_dir();
	if (missing > 0) {
		fprintf(stderr, "vswgen: %u mbufs were not returned to their pools\n", missing);
		return 3;
	}
	return rc;
}
