/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The topology writer: every topology the parser accepts comes back from
 * parse(write(t)) as t, and write(parse(write(t))) is write(t) byte for
 * byte: the committed golden-case topologies, the fuzz corpus, a file that
 * gives every key the parser knows (asked of the parser itself) a value
 * other than the default, every value of every choice, odd names, values
 * inih treats specially; the subset writer's output parses on its own.
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/topology.h"

static struct topology t1, t2;
static char errbuf[16384];
static char srcdir[PATH_MAX];

/* The source tree: the binary is BUILD/tests/unit/..., and __FILE__ is
 * this file's path relative to BUILD (or absolute). */
static void
find_srcdir(void)
{
	char exe[PATH_MAX], rel[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	assert_true(n > 0);
	exe[n] = '\0';
	snprintf(rel, sizeof(rel), "%s", __FILE__);
	slash = strstr(rel, "tests/unit/");
	assert_non_null(slash);
	*slash = '\0';
	if (rel[0] == '/') {
		snprintf(srcdir, sizeof(srcdir), "%s", rel);
	} else {
		char joined[PATH_MAX * 2];

		*strrchr(exe, '/') = '\0';      /* BUILD/tests/unit */
		snprintf(joined, sizeof(joined), "%s/../../%s", exe, rel);
		assert_non_null(realpath(joined, srcdir));
	}
	if (srcdir[strlen(srcdir) - 1] == '/')
		srcdir[strlen(srcdir) - 1] = '\0';
}

static int
load_into(struct topology *t, const char *text)
{
	FILE *f = fmemopen(errbuf, sizeof(errbuf), "w");
	int rc;

	memset(errbuf, 0, sizeof(errbuf));
	rc = topo_load_string(t, "w.ini", text, f);
	fclose(f);
	return rc;
}

/* write(t) into a string; rc in *rc (NULL: must be 0) */
static char *
write_str(const struct topology *t, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	assert_non_null(f);
	r = topo_write(f, t);
	fclose(f);
	if (rc != NULL)
		*rc = r;
	else
		assert_int_equal(r, 0);
	return buf;
}

/* The parsed structs agree on every field but the line numbers and the
 * file name: compared as bytes, object by object to say where. */
static void
assert_same_topology(const struct topology *a, const struct topology *b,
		     const char *what)
{
	static struct topology x, y;
	unsigned i;

	x = *a;
	y = *b;
	memset(x.file, 0, sizeof(x.file));
	memset(y.file, 0, sizeof(y.file));
	x.sw.line = y.sw.line = 0;
#define CLEAR(arr, n) for (i = 0; i < TOPO_MAX_##n; i++) x.arr[i].line = y.arr[i].line = 0
	CLEAR(bridges, BRIDGES);
	CLEAR(ports, PORTS);
	CLEAR(statics, STATICS);
	CLEAR(routes, ROUTES);
	CLEAR(publish, PUBLISH);
	CLEAR(macvlans, MACVLANS);
#undef CLEAR
	if (memcmp(&x.sw, &y.sw, sizeof(x.sw)) != 0)
		print_error("%s: [switch] differs\n", what);
	for (i = 0; i < TOPO_MAX_PORTS; i++)
		if (memcmp(&x.ports[i], &y.ports[i], sizeof(x.ports[i])) != 0)
			print_error("%s: port %u (%s) differs\n", what, i, x.ports[i].name);
	for (i = 0; i < TOPO_MAX_BRIDGES; i++)
		if (memcmp(&x.bridges[i], &y.bridges[i], sizeof(x.bridges[i])) != 0)
			print_error("%s: bridge %u (%s) differs\n", what, i, x.bridges[i].name);
	assert_memory_equal(&x, &y, sizeof(x));
}

/* parse -> write -> parse -> write: the same text, the same structs. */
static void
round_trip_parsed(const struct topology *parsed, const char *what)
{
	char *w1, *w2;

	w1 = write_str(parsed, NULL);
	if (load_into(&t2, w1) != 0)
		print_error("%s: the written text does not parse:\n%s\n--\n%s", what,
			    errbuf, w1);
	assert_int_equal(load_into(&t2, w1), 0);
	assert_same_topology(parsed, &t2, what);
	w2 = write_str(&t2, NULL);
	if (strcmp(w1, w2) != 0)
		print_error("%s: not canonical:\n%s\n--\n%s", what, w1, w2);
	assert_string_equal(w1, w2);
	free(w1);
	free(w2);
}

/* Each object alone, with what topo_subset_close() adds, parses on its
 * own and keeps its section as it was. */
static struct {
	enum topo_object kind;
	unsigned index;
} only;

static bool
keep_only(void *arg, const struct topology *t, enum topo_object kind, unsigned i)
{
	(void)arg;
	(void)t;
	return kind == only.kind && i == only.index;
}

static void
subsets_parse_alone(const struct topology *parsed, const char *what)
{
	static struct topology alone;
	const unsigned counts[] = { [TOPO_OBJ_SWITCH] = 1,
		[TOPO_OBJ_BRIDGE] = parsed->n_bridges, [TOPO_OBJ_MACVLAN] = parsed->n_macvlans,
		[TOPO_OBJ_PORT] = parsed->n_ports, [TOPO_OBJ_ROUTE] = parsed->n_routes,
		[TOPO_OBJ_PUBLISH] = parsed->n_publish, [TOPO_OBJ_STATIC] = parsed->n_statics };
	unsigned k;

	for (k = TOPO_OBJ_SWITCH; k <= TOPO_OBJ_STATIC; k++) {
		for (only.index = 0; only.index < counts[k]; only.index++) {
			char *buf = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&buf, &len);

			only.kind = (enum topo_object)k;
			assert_int_equal(topo_write_subset(f, parsed, keep_only, NULL, stderr), 0);
			fclose(f);
			if (load_into(&alone, buf) != 0)
				print_error("%s: object %u of kind %u alone does not parse:\n%s\n--\n%s",
					    what, only.index, k, errbuf, buf);
			assert_int_equal(load_into(&alone, buf), 0);
			free(buf);
		}
	}
}

static void
round_trip(const char *text)
{
	if (load_into(&t1, text) != 0)
		print_error("does not parse:\n%s\n%s", errbuf, text);
	assert_int_equal(load_into(&t1, text), 0);
	round_trip_parsed(&t1, text);
}

static void
test_committed_topologies(void **state)
{
	char pattern[PATH_MAX + 32];
	glob_t g;
	size_t i;

	(void)state;
	snprintf(pattern, sizeof(pattern), "%s/tests/pcap/*/topology.ini", srcdir);
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 10);
	for (i = 0; i < g.gl_pathc; i++) {
		FILE *f = fmemopen(errbuf, sizeof(errbuf), "w");
		int rc = topo_load(&t1, g.gl_pathv[i], f);

		fclose(f);
		if (rc != 0)
			print_error("%s: %s", g.gl_pathv[i], errbuf);
		assert_int_equal(rc, 0);
		round_trip_parsed(&t1, g.gl_pathv[i]);
		subsets_parse_alone(&t1, g.gl_pathv[i]);
	}
	globfree(&g);
}

/* The fuzz corpus and regressions: every input that parses round-trips. */
static void
test_fuzz_corpus(void **state)
{
	static const char *const dirs[] = { "fuzz/corpus/topology",
					    "fuzz/regressions/topology" };
	unsigned d, parsed = 0, total = 0;

	(void)state;
	for (d = 0; d < 2; d++) {
		char path[PATH_MAX * 2];
		struct dirent *e;
		DIR *dir;

		snprintf(path, sizeof(path), "%s/%s", srcdir, dirs[d]);
		dir = opendir(path);
		if (dir == NULL && d == 1)
			continue;
		assert_non_null(dir);
		while ((e = readdir(dir)) != NULL) {
			char file[PATH_MAX * 3], *text;
			FILE *f;
			long len;

			if (e->d_name[0] == '.')
				continue;
			snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
			f = fopen(file, "rb");
			assert_non_null(f);
			fseek(f, 0, SEEK_END);
			len = ftell(f);
			rewind(f);
			text = calloc(1, (size_t)len + 1);
			assert_non_null(text);
			assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
			fclose(f);
			total++;
			if (topo_load_string(&t1, "fuzz.ini", text, NULL) == 0) {
				parsed++;
				round_trip_parsed(&t1, file);
				subsets_parse_alone(&t1, file);
			}
			free(text);
		}
		closedir(dir);
	}
	assert_true(total >= 100);
	assert_true(parsed >= 20);
}

/* What the tests of the parser (test_topology.c) accept. */
static void
test_parser_test_topologies(void **state)
{
	(void)state;
	round_trip("[switch]\nhugepages = auto\ncontrol = /run/vsw/lab.sock\nworkers = 1\n"
		   "[bridge br0]\n[port c1]\nkind = afpacket\niface = veth-c1\nbridge = br0\n"
		   "[port t1]\nkind = tap\niface = vsw-t1\nbridge = br0\n"
		   "[port replay]\nkind = pcap\nrx = in.pcap\ntx = out.pcap\nbridge = br0\n");
	round_trip("[bridge b]\n[port a]\nkind = pcap\nrx = x.pcap\nbridge = b\n");
	round_trip("[port a]\nkind = tap\niface = t0\nbridge = late\n[bridge late]\n");
	round_trip("# comment\n; comment\n  [bridge b]  ; trailing\n"
		   "[port a]\n   kind = tap ; inline\n\tiface = t0\n  bridge = b\n");
#define LAN "[port lan]\nkind = tap\niface = l\n"
#define EP(n, net, mac) "[port " n "]\nkind = tap\niface = " n "\nmacvlan = " net "\nmac = " mac "\n"
	round_trip("[macvlan m]\nparent = lan\nmode = vepa\n[macvlan m10]\nparent = lan.10\n" LAN
		   EP("e1", "m", "02:00:00:00:00:01") EP("e2", "m10", "02:00:00:00:00:01"));
	round_trip("[macvlan m]\nparent = eth0.5\n[port eth0.5]\nkind = tap\niface = l\n"
		   "[port eth0]\nkind = tap\niface = k\naddress = 192.0.2.1/24\n");
	round_trip("[macvlan m]\nparent = lan\n[port lan]\nkind = tap\niface = l\n"
		   "address = 192.0.2.1/24\n" EP("e1", "m", "02:00:00:00:00:01"));
	round_trip("[macvlan m]\nparent = lan.3\nmode = passthru\n[macvlan n]\nparent = lan\n" LAN
		   "[port e]\nkind = tap\niface = e\nmacvlan = m\n");
#undef LAN
#undef EP
	round_trip("");
}

/* Every key of every section, with a value that is not its default. */
static const char every_key_l3[] =
	"[switch]\n"
	"hugepages = no\npoll = busy\nmbufs = 4096\ncontrol = /tmp/vsw test/ctl.sock\n"
	"eal = --log-level=lib.eal:8 -n 2 --file-prefix=x#y\ncpus = 2-3,5\n"
	"nat_sessions = 2048\nnat_sessions_per_host = 100\nnat_ports = 2000-3000\n"
	"nat_filtering = endpoint-independent\nnat_timeout_udp = 30\n"
	"nat_timeout_tcp_established = 600\nnat_timeout_tcp_transitory = 20\n"
	"nat_timeout_icmp = 5\nnat_full_icmp = yes\nstate = /tmp/vsw test/state\n"
	"subnet_pool = 10.200.0.0/16:24,10.201.0.0/16:26\nport_cache = 0\n"
	"dns_upstream = 192.0.2.53, [2001:db8::53]:5353 198.51.100.53:53\ndns_netns = outside\n"
	"metrics = 127.0.0.1:9417\npdump = yes\n"
	"[bridge lan]\nmac_aging = 0\nmac_limit = 10\nsubnet = 10.1.0.0/24\ngateway = 10.1.0.1\n"
	"mac = 02:00:00:00:aa:01\nmasquerade = up\nisolated = no\nmtu = 1400\n"
	"ip_range = 10.1.0.128/25\ndns = no\nhost = printer 10.1.0.250\nhost = printer 2001:db8::250\n"
	"static = 02:00:00:00:00:11@c1\nstatic = 02:00:00:00:00:12@c2, 02:00:00:00:00:13@c1\n"
	"[bridge vl]\nmac_aging = 30000\ninternal = yes\n"
	"static = 02:00:00:00:00:21@acc, 02:00:00:00:00:22@tr, 02:00:00:00:00:23@tr.30\n"
	"static = 02:00:00:00:00:24@acc.7\n"
	"[macvlan mv]\nparent = par.12\nmode = private\ngateway = 203.0.113.129\n"
	"[macvlan pt]\nparent = par2\nmode = passthru\n"
	"[port up]\nkind = dpdk\ndevargs = net_null0,size=64\nmbufs = 2048\n"
	"address = 192.0.2.2/24\ngateway = 192.0.2.1\nmac = 02:00:00:00:00:01\nmtu = 9000\n"
	"gateway_mac = 02:00:00:00:00:fe\n"
	"[port c1]\nkind = tap\niface = c;1#x=y\nbridge = lan\nhairpin = yes\nmac_limit = 5\n"
	"storm_limit = 100\nmtu = 1400\n"
	"[port c2]\nkind = afpacket\niface = veth.c2\nbridge = lan\nnetns = ns-c2\nifname = eth1\n"
	"ip = 10.1.0.5\npeer_mac = 02:00:00:00:c2:01\nname = web\nalias = www\nalias = web.lan\n"
	"[port acc]\nkind = pcap\nrx = in a.pcap\ntx = /abs/out.pcap\nbridge = vl\nvlan = 7\n"
	"[port tr]\nkind = pcap\ntx = out;tr.pcap\nbridge = vl\ntrunk = 30, 20-29,4094,1,2\nnative = 5\n"
	"[port inside]\nkind = tap\niface = in0\naddress = 172.16.5.1/24\nmasquerade = up\n"
	"[port par]\nkind = afpacket\niface = par0\naddress = 198.18.0.1/16\nstorm_limit = 7\n"
	"[port par2]\nkind = afpacket\niface = par2\n"
	"[port e1]\nkind = tap\niface = e1\nmacvlan = mv\nmac = 02:00:00:00:00:e1\n"
	"[port e2]\nkind = tap\niface = e2\nmacvlan = pt\n"
	"[route r1]\nprefix = 203.0.113.0/24\nvia = 192.0.2.9\nport = up\n"
	"[route bench6]\nprefix = 198.18.0.0/15\nvia = 172.16.5.9\nport = inside\n"
	"[publish web]\nport = up\nproto = tcp\nlisten = 8080\nto = 10.1.0.5:80\n"
	"[publish dns]\nport = up\nproto = udp\nlisten = 5300-5310\nto = 172.16.5.3:5300-5310\n";

/* workers > 1 goes with neither routing nor replay */
static const char every_key_workers[] =
	"[switch]\nworkers = 2\n[bridge b]\n[port a]\nkind = tap\niface = a\nbridge = b\n";

/* The keys the parser knows for a section, from its own message. */
static unsigned
parser_keys(const char *section, char keys[][40], unsigned max)
{
	char text[128], *list, *end, *tok, *save = NULL;
	unsigned n = 0;

	snprintf(text, sizeof(text), "[%s]\nno_such_key = 1\n", section);
	assert_int_equal(load_into(&t1, text), -EINVAL);
	list = strstr(errbuf, "(known here: ");
	assert_non_null(list);
	list += strlen("(known here: ");
	end = strchr(list, ')');
	assert_non_null(end);
	*end = '\0';
	for (tok = strtok_r(list, ", ", &save); tok != NULL && n < max;
	     tok = strtok_r(NULL, ", ", &save))
		snprintf(keys[n++], 40, "%s", tok);
	return n;
}

/* Is "key = " a line of some section of 'type' in 'w'? */
static bool
section_has(const char *w, const char *type, const char *key)
{
	char hdr[64], want[64];
	const char *sect, *end, *hit;

	snprintf(hdr, sizeof(hdr), "[%.*s", (int)strcspn(type, " "), type);
	snprintf(want, sizeof(want), "\n%s = ", key);
	for (sect = strstr(w, hdr); sect != NULL; sect = strstr(sect + 1, hdr)) {
		end = strstr(sect + 1, "\n[");
		hit = strstr(sect, want);
		if (hit != NULL && (end == NULL || hit < end))
			return true;
	}
	return false;
}

static void
test_every_key(void **state)
{
	static const char *const sections[] = { "switch", "bridge b", "port p",
						"macvlan m", "route r", "publish u" };
	char *w, *w2, keys[40][40];
	unsigned s, i, n, total = 0;

	(void)state;
	round_trip(every_key_l3);
	round_trip(every_key_workers);
	assert_int_equal(load_into(&t1, every_key_l3), 0);
	subsets_parse_alone(&t1, "every_key_l3");
	w = write_str(&t1, NULL);
	assert_int_equal(load_into(&t1, every_key_workers), 0);
	w2 = write_str(&t1, NULL);
	for (s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
		n = parser_keys(sections[s], keys, 40);
		assert_true(n >= 2);
		for (i = 0; i < n; i++) {
			bool found = section_has(w, sections[s], keys[i]) ||
				section_has(w2, sections[s], keys[i]);

			if (!found)
				print_error("[%s] %s is not written:\n%s", sections[s], keys[i], w);
			assert_true(found);
			total++;
		}
	}
	assert_non_null(strstr(w2, "[switch]\nworkers = 2\n"));
	assert_true(total >= 50);
	/* canonical: trunk as ranges with native in it, statics one a line,
	 * .VID only where the port does not imply it */
	assert_non_null(strstr(w, "\ntrunk = 1-2,5,20-30,4094\nnative = 5\n"));
	assert_non_null(strstr(w, "\nstatic = 02:00:00:00:00:21@acc\nstatic = 02:00:00:00:00:22@tr\n"
			       "static = 02:00:00:00:00:23@tr.30\nstatic = 02:00:00:00:00:24@acc\n"));
	assert_non_null(strstr(w, "\nparent = par.12\n"));
	assert_non_null(strstr(w, "\nlisten = 8080\nto = 10.1.0.5:80\n"));
	free(w);
	free(w2);
}

/* Defaults are left out, derived MACs too; an empty [switch] is not written. */
static void
test_defaults_left_out(void **state)
{
	char *w;

	(void)state;
	assert_int_equal(load_into(&t1, "[switch]\nworkers = 1\npoll = adaptive\n"
				   "control = /run/vsw/vsw.sock\n"
				   "[bridge b]\nmac_aging = 300\nsubnet = 10.0.0.0/24\n"
				   "gateway = 10.0.0.1\nmac = 02:42:0a:00:00:01\nisolated = yes\n"
				   "[port u]\nkind = tap\niface = u\naddress = 192.0.2.2/24\n"
				   "mac = 02:42:c0:00:02:02\n"
				   "[port a]\nkind = tap\niface = a\nbridge = b\nhairpin = no\n"), 0);
	w = write_str(&t1, NULL);
	assert_string_equal(w, "[bridge b]\nsubnet = 10.0.0.0/24\ngateway = 10.0.0.1\n\n"
			    "[port u]\nkind = tap\niface = u\naddress = 192.0.2.2/24\n\n"
			    "[port a]\nkind = tap\niface = a\nbridge = b\n");
	free(w);
}

/* Every value of every choice and flag comes back. */
static void
test_every_choice(void **state)
{
	static const char *const hp[] = { "auto", "yes", "no" };
	static const char *const poll[] = { "adaptive", "busy" };
	static const char *const filt[] = { "endpoint-independent", "address-dependent",
					    "address-port-dependent" };
	static const char *const modes[] = { "bridge", "private", "vepa", "passthru" };
	char text[1024];
	unsigned i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "[switch]\nhugepages = %s\nnat_filtering = %s\n"
			 "poll = %s\nnat_full_icmp = %s\n", hp[i], filt[i], poll[i % 2],
			 i % 2 ? "yes" : "no");
		round_trip(text);
		assert_int_equal(t2.sw.hugepages, i);
		assert_int_equal(t2.sw.nat_filtering, i);
		assert_int_equal(t2.sw.poll, i % 2);
		assert_int_equal(t2.sw.nat_full_icmp, i % 2);
	}
	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "[macvlan m]\nparent = lan\nmode = %s\n"
			 "[port lan]\nkind = tap\niface = l\n"
			 "[port e]\nkind = tap\niface = e\nmacvlan = m\n%s", modes[i],
			 i == 3 ? "" : "mac = 02:00:00:00:00:01\n");
		round_trip(text);
		assert_int_equal(t2.macvlans[0].mode, i);
	}
	round_trip("[bridge b]\n[port a]\nkind = dpdk\ndevargs = 0000:01:00.0\nbridge = b\n"
		   "[port c]\nkind = afpacket\niface = c\nbridge = b\n");
	assert_int_equal(t2.ports[0].kind, TOPO_PORT_DPDK);
	assert_int_equal(t2.ports[1].kind, TOPO_PORT_AFPACKET);
}

/* Names of every legal character, at the longest; values inih bends. */
static void
test_odd_names_and_values(void **state)
{
	char text[2048], eal[256], *w;
	int rc;

	(void)state;
	round_trip("[bridge .]\n[bridge ..]\nstatic = 02:00:00:00:00:01@p.5.6, 02:00:00:00:00:02@p.5\n"
		   "static = 02:00:00:00:00:03@p.5, 02:00:00:00:00:04@p, 02:00:00:00:00:05@p.5.5\n"
		   "[bridge -]\n[bridge _]\n"
		   "[bridge A.b-C_9.0123456789012345678901]\n"
		   "[port 7]\nkind = tap\niface = -\nbridge = .\n"
		   "[port p.5]\nkind = tap\niface = p5\nbridge = ..\ntrunk = 5-6\nnative = 6\n"
		   "[port p]\nkind = tap\niface = p\nbridge = ..\ntrunk = 5,7\nnative = 7\n"
		   "[port p.7.8]\nkind = tap\niface = ...\nbridge = -\n"
		   "[bridge x]\n"
		   "[macvlan m.1]\nparent = p.7.8.9\n[port p.7.8.9]\nkind = tap\niface = w\n");
	/* a value that starts with ';', holds '#', ';', '=' and ':' */
	round_trip("[switch]\neal =;starts with a semicolon;x=y:z #no comment\n"
		   "control = @abstract:name=1\n");
	assert_string_equal(t2.sw.eal, ";starts with a semicolon;x=y:z #no comment");
	/* the longest value a line takes: written without the spaces */
	memset(eal, 'e', sizeof(eal));
	eal[198 - 4] = '\0';
	snprintf(text, sizeof(text), "[switch]\neal=%s\n", eal);
	round_trip(text);
	assert_string_equal(t2.sw.eal, eal);
	/* what the parser cannot read back is refused, not mangled */
	assert_int_equal(load_into(&t1, "[switch]\neal = x\n"), 0);
	snprintf(t1.sw.eal, sizeof(t1.sw.eal), "a ;b");
	w = write_str(&t1, &rc);
	assert_int_equal(rc, -EINVAL);
	free(w);
	snprintf(t1.sw.eal, sizeof(t1.sw.eal), "trailing ");
	w = write_str(&t1, &rc);
	assert_int_equal(rc, -EINVAL);
	free(w);
	memset(t1.sw.eal, 'e', 300);
	t1.sw.eal[300] = '\0';
	w = write_str(&t1, &rc);
	assert_int_equal(rc, -EINVAL);
	free(w);
	/* VLAN 5 of port q when a port is named q.5: not expressible */
	assert_int_equal(load_into(&t1, "[bridge x]\nstatic = 02:00:00:00:00:01@q\n"
				   "[port q]\nkind = tap\niface = q\nbridge = x\ntrunk = 5-6\nnative = 6\n"
				   "[port q.5]\nkind = tap\niface = q5\nbridge = x\n"), 0);
	assert_int_equal(t1.statics[0].vid, 6);
	t1.statics[0].vid = 5;
	w = write_str(&t1, &rc);
	assert_int_equal(rc, -EINVAL);
	free(w);
}

/* Keep only c1's publish rule and port s2: what they need comes along,
 * nothing else, and the text parses alone. */
static bool
keep_named(void *arg, const struct topology *t, enum topo_object kind, unsigned i)
{
	const char *const *names = arg;

	(void)t;
	for (; *names != NULL; names++) {
		if (kind == TOPO_OBJ_PORT && strcmp(t->ports[i].name, *names) == 0)
			return true;
		if (kind == TOPO_OBJ_PUBLISH && strcmp(t->publish[i].name, *names) == 0)
			return true;
		if (kind == TOPO_OBJ_MACVLAN && strcmp(t->macvlans[i].name, *names) == 0)
			return true;
	}
	return false;
}

static char *
write_subset_str(const struct topology *t, const char *const *names)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(topo_write_subset(f, t, keep_named, (void *)names, stderr), 0);
	fclose(f);
	return buf;
}

static void
test_subset(void **state)
{
	static const char *const web[] = { "web", NULL };
	static const char *const c1[] = { "c1", NULL };
	static const char *const e1[] = { "e1", NULL };
	static const char *const e2[] = { "e2", NULL };
	static const char *const par[] = { "par", NULL };
	static const char *const none[] = { NULL };
	char *w;

	(void)state;
	assert_int_equal(load_into(&t1, every_key_l3), 0);
	/* publish web: its port and the network its 'to' is in, that
	 * network's ports not */
	w = write_subset_str(&t1, web);
	assert_int_equal(load_into(&t2, w), 0);
	assert_int_equal(t2.n_publish, 1);
	assert_int_equal(t2.n_bridges, 1);
	assert_string_equal(t2.bridges[0].name, "lan");
	assert_int_equal(t2.n_ports, 1);
	assert_string_equal(t2.ports[0].name, "up");
	assert_null(strstr(w, "[switch]"));
	assert_null(strstr(w, "static"));
	free(w);
	/* a bridge port: its bridge, the bridge's uplink; no statics */
	w = write_subset_str(&t1, c1);
	assert_int_equal(load_into(&t2, w), 0);
	assert_int_equal(t2.n_ports, 2);
	assert_int_equal(t2.n_bridges, 1);
	assert_int_equal(t2.n_statics, 0);
	assert_int_equal(t2.n_routes, 0);
	free(w);
	/* an endpoint: its network and parent, not the other network */
	w = write_subset_str(&t1, e1);
	assert_int_equal(load_into(&t2, w), 0);
	assert_int_equal(t2.n_macvlans, 1);
	assert_string_equal(t2.macvlans[0].name, "mv");
	assert_int_equal(t2.n_ports, 2);
	free(w);
	/* a passthru endpoint: the network and its parent */
	w = write_subset_str(&t1, e2);
	assert_int_equal(load_into(&t2, w), 0);
	assert_int_equal(t2.n_ports, 2);
	free(w);
	/* a parent with storm_limit keeps its role: one network over it */
	w = write_subset_str(&t1, par);
	if (load_into(&t2, w) != 0)
		print_error("%s\n%s", errbuf, w);
	assert_int_equal(load_into(&t2, w), 0);
	assert_int_equal(t2.n_macvlans, 1);
	free(w);
	w = write_subset_str(&t1, none);
	assert_string_equal(w, "");
	free(w);
}

/* One section alone, for the state merge's comparisons. */
static void
test_write_object(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(load_into(&t1, every_key_l3), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(topo_write_object(f, &t1, TOPO_OBJ_PORT,
					   (unsigned)topo_port_find(&t1, "c2"), NULL), 0);
	assert_int_equal(topo_write_object(f, &t1, TOPO_OBJ_PORT, 999, NULL), -EINVAL);
	fclose(f);
	assert_string_equal(buf, "[port c2]\nkind = afpacket\niface = veth.c2\nbridge = lan\n"
			    "netns = ns-c2\nifname = eth1\nip = 10.1.0.5\npeer_mac = 02:00:00:00:c2:01\n"
			    "name = web\nalias = www\nalias = web.lan\n");
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_committed_topologies),
		cmocka_unit_test(test_fuzz_corpus),
		cmocka_unit_test(test_parser_test_topologies),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_defaults_left_out),
		cmocka_unit_test(test_every_choice),
		cmocka_unit_test(test_odd_names_and_values),
		cmocka_unit_test(test_subset),
		cmocka_unit_test(test_write_object),
	};

	find_srcdir();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
