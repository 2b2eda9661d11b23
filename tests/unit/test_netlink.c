/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model/netlink against the real kernel (needs root): each test makes its own
 * namespace vswnl-PID-N with `ip netns add` and removes it, and every host
 * end it may have made, in its teardown, which cmocka runs even when the
 * test fails. What the kernel holds is read back with `ip -j` (JSON, matched
 * as text). Addresses: 198.18.0.0/15 and 10.x, inside those namespaces only.
 */
#include <dirent.h>
#include <errno.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/netlink.h"

#define N_HOSTS 4
#define CYCLES 200

struct fix {
	char ns[32];                    /* the test's named namespace */
	char host[N_HOSTS][NETLINK_IFNAMSIZ];
	pid_t child;                    /* holder of an unnamed namespace */
	char child_ns[64];              /* its /proc/PID/ns/net */
};

static unsigned n_ns;

/* Run a shell command; its stdout (stderr dropped) into 'out' if not NULL. */
__attribute__((format(printf, 2, 3))) static int
sh(char **out, const char *fmt, ...)
{
	char *cmd, *full, *buf = NULL;
	size_t len = 0, cap = 0, n;
	va_list ap;
	FILE *f;
	int st;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	assert_true(asprintf(&full, "%s 2>/dev/null", cmd) > 0);
	f = popen(full, "r");
	assert_non_null(f);
	for (;;) {
		if (cap - len < 4096) {
			cap += 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	st = pclose(f);
	free(cmd);
	free(full);
	if (out != NULL)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The output of 'fmt' must contain each of the NULL-ended needles. */
__attribute__((sentinel)) static void
expect_in(const char *cmd, ...)
{
	const char *needle;
	char *out;
	va_list ap;

	assert_int_equal(sh(&out, "%s", cmd), 0);
	va_start(ap, cmd);
	while ((needle = va_arg(ap, const char *)) != NULL) {
		if (strstr(out, needle) == NULL)
			print_error("'%s' has no %s in: %s\n", cmd, needle, out);
		assert_non_null(strstr(out, needle));
	}
	va_end(ap);
	free(out);
}

static bool
host_exists(const char *name)
{
	return sh(NULL, "ip link show dev %s", name) == 0;
}

static bool
in_ns_exists(const char *ns, const char *name)
{
	return sh(NULL, "ip -n %s link show dev %s", ns, name) == 0;
}

static void
read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, (int)len, f));
	fclose(f);
}

static uint32_t
ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	int i;

	if (f == NULL)
		return -1;
	snprintf(f->ns, sizeof(f->ns), "vswnl-%d-%u", (int)getpid(), ++n_ns);
	for (i = 0; i < N_HOSTS; i++)
		snprintf(f->host[i], sizeof(f->host[i]), "vnl%dx%u%d",
			 (int)getpid(), n_ns, i);
	f->child = -1;
	*state = f;
	return sh(NULL, "ip netns add %s", f->ns) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	int i;

	if (f->child > 0) {
		kill(f->child, SIGKILL);
		waitpid(f->child, NULL, 0);
	}
	for (i = 0; i < N_HOSTS; i++)
		if (host_exists(f->host[i]))
			sh(NULL, "ip link del dev %s", f->host[i]);
	sh(NULL, "ip netns del %s", f->ns);
	free(f);
	return 0;
}

static struct netlink_veth
spec(const struct fix *f, int host, const char *ifname, const char *ip,
     uint8_t prefix, const char *gw)
{
	struct netlink_veth v = {
		.netns = f->ns, .host = f->host[host], .ifname = ifname,
		.ip = ip4(ip), .prefix = prefix,
		.gateway = gw != NULL ? ip4(gw) : 0,
	};

	return v;
}

static void
mac_str(const uint8_t *m, char *s)
{
	sprintf(s, "\"address\":\"%02x:%02x:%02x:%02x:%02x:%02x\"", m[0], m[1],
		m[2], m[3], m[4], m[5]);
}

static void
connect_ok(const struct netlink_veth *v, struct netlink_link *host,
	   struct netlink_link *peer)
{
	char err[256] = "";
	int rc = netlink_connect(v, host, peer, err, sizeof(err));

	if (rc != 0)
		print_error("connect %s: %d %s\n", v->host, rc, err);
	assert_int_equal(rc, 0);
}

/* The host end as a switch port: up, no IPv6, no ARP answers. */
static void
expect_host_port(const char *host, uint32_t mtu)
{
	char path[128], val[16], cmd[128], m[32];

	snprintf(cmd, sizeof(cmd), "ip -j link show dev %s", host);
	snprintf(m, sizeof(m), "\"mtu\":%u,", mtu);
	expect_in(cmd, "\"operstate\":\"UP\"", m, "\"link_netnsid\"", NULL);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 host);
	read_file(path, val, sizeof(val));
	assert_string_equal(val, "1\n");
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/arp_ignore",
		 host);
	read_file(path, val, sizeof(val));
	assert_string_equal(val, "8\n");
}

static void
test_connect_named_netns(void **state)
{
	struct fix *f = *state;
	struct netlink_veth v = spec(f, 0, "eth0", "198.18.0.2", 24,
				     "198.18.0.1");
	const uint8_t mac[6] = { 0x02, 0x42, 0xc6, 0x12, 0x00, 0x02 };
	struct netlink_link host, peer, got;
	char cmd[256], m[64], err[256];

	memcpy(v.mac, mac, 6);
	v.mtu = 1400;
	connect_ok(&v, &host, &peer);

	snprintf(cmd, sizeof(cmd), "ip -n %s -j addr show dev eth0", f->ns);
	mac_str(mac, m);
	expect_in(cmd, "\"local\":\"198.18.0.2\",\"prefixlen\":24",
		  "\"broadcast\":\"198.18.0.255\"", "\"mtu\":1400,", m,
		  "\"operstate\":\"UP\"", NULL);
	snprintf(cmd, sizeof(cmd), "ip -n %s -j route show default", f->ns);
	expect_in(cmd, "\"gateway\":\"198.18.0.1\",\"dev\":\"eth0\"", NULL);
	snprintf(cmd, sizeof(cmd), "ip -n %s -j link show dev lo", f->ns);
	expect_in(cmd, "\"UP\"", NULL);
	expect_host_port(f->host[0], 1400);

	/* what the call reported is what the kernel holds */
	assert_int_equal(host.ifindex, (int)if_nametoindex(f->host[0]));
	assert_true(host.up);
	assert_int_equal(host.mtu, 1400);
	assert_memory_equal(peer.mac, mac, 6);
	assert_int_equal(peer.mtu, 1400);
	assert_true(peer.up);
	assert_int_equal(netlink_link_get(f->ns, "eth0", &got, err,
					  sizeof(err)), 0);
	assert_memory_equal(got.mac, mac, 6);
	assert_int_equal(got.ifindex, peer.ifindex);
	assert_int_equal(netlink_link_get(NULL, f->host[0], &got, err,
					  sizeof(err)), 0);
	assert_int_equal(got.ifindex, host.ifindex);
	assert_memory_equal(got.mac, host.mac, 6);

	assert_int_equal(netlink_disconnect(f->host[0], err, sizeof(err)), 0);
	assert_false(host_exists(f->host[0]));
	assert_false(in_ns_exists(f->ns, "eth0"));
	expect_in(cmd, "\"UP\"", NULL);         /* lo stays */
	snprintf(cmd, sizeof(cmd), "ip -n %s -j route show default", f->ns);
	assert_int_equal(sh(NULL, "%s | grep -q gateway", cmd), 1);
	/* idempotent: gone already is done */
	assert_int_equal(netlink_disconnect(f->host[0], err, sizeof(err)), 0);
	assert_int_equal(netlink_link_get(f->ns, "eth0", NULL, err,
					  sizeof(err)), -ENODEV);
}

/* A namespace with no name: a child in its own, as a container's PID. */
static void
unnamed_ns(struct fix *f)
{
	int p[2];
	char c;

	assert_int_equal(pipe(p), 0);
	f->child = fork();
	assert_true(f->child >= 0);
	if (f->child == 0) {
		if (unshare(CLONE_NEWNET) != 0 || write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	snprintf(f->child_ns, sizeof(f->child_ns), "/proc/%d/ns/net",
		 (int)f->child);
}

static void
test_connect_proc_path(void **state)
{
	struct fix *f = *state;
	struct netlink_veth v = spec(f, 1, "eth1", "10.77.0.5", 16, NULL);
	struct netlink_link host, peer, got;
	char cmd[256], m[64], err[256];

	unnamed_ns(f);
	v.netns = f->child_ns;
	connect_ok(&v, &host, &peer);

	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ip -j addr show dev eth1",
		 (int)f->child);
	mac_str(peer.mac, m);
	expect_in(cmd, "\"local\":\"10.77.0.5\",\"prefixlen\":16",
		  "\"mtu\":1500,", m, "\"operstate\":\"UP\"", NULL);
	assert_int_equal(peer.mac[0] & 1, 0);
	/* no gateway asked: no default route */
	snprintf(cmd, sizeof(cmd),
		 "nsenter -t %d -n ip -j route show default | grep -q gateway",
		 (int)f->child);
	assert_int_equal(sh(NULL, "%s", cmd), 1);
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ip -j link show dev lo",
		 (int)f->child);
	expect_in(cmd, "\"UP\"", NULL);
	expect_host_port(f->host[1], 1500);
	assert_int_equal(netlink_link_get(f->child_ns, "eth1", &got, err,
					  sizeof(err)), 0);
	assert_memory_equal(got.mac, peer.mac, 6);
	/* the peer is not in the named namespace nor on the host */
	assert_false(in_ns_exists(f->ns, "eth1"));

	assert_int_equal(netlink_disconnect(f->host[1], err, sizeof(err)), 0);
	assert_false(host_exists(f->host[1]));
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ip link show dev eth1",
		 (int)f->child);
	assert_int_not_equal(sh(NULL, "%s", cmd), 0);
}

struct bad {
	const char *what;
	int rc;
	const char *needle;             /* in the reason */
};

static void
expect_refused(const struct fix *f, const struct netlink_veth *v,
	       const struct bad *b)
{
	char err[512] = "";
	int rc = netlink_connect(v, NULL, NULL, err, sizeof(err));

	print_message("  %-26s %d %s\n", b->what, rc, err);
	if (rc != b->rc || strstr(err, b->needle) == NULL)
		print_error("%s: want %d '%s', got %d '%s'\n", b->what, b->rc,
			    b->needle, rc, err);
	assert_int_equal(rc, b->rc);
	assert_non_null(strstr(err, b->needle));
	assert_null(strchr(err, '\n'));
	/* nothing made: the new host end nor the new peer */
	if (v->host != f->host[0] && strlen(v->host) < NETLINK_IFNAMSIZ)
		assert_false(host_exists(v->host));
	if (v->ifname != NULL && strcmp(v->ifname, "eth0") != 0 &&
	    strlen(v->ifname) < NETLINK_IFNAMSIZ)
		assert_false(in_ns_exists(f->ns, v->ifname));
}

static void
test_failures_leave_nothing(void **state)
{
	struct fix *f = *state;
	struct netlink_veth ok = spec(f, 0, "eth0", "198.18.0.2", 24,
				      "198.18.0.1");
	struct netlink_veth v;
	char missing[48], cmd[256], *out;

	connect_ok(&ok, NULL, NULL);
	snprintf(missing, sizeof(missing), "vswnl-%d-none", (int)getpid());

#define TRY(field_edits, ...) do { \
		v = spec(f, 1, "eth1", "198.18.0.3", 24, NULL); \
		field_edits; \
		expect_refused(f, &v, &(struct bad){ __VA_ARGS__ }); \
	} while (0)

	TRY(v.netns = missing, "missing namespace", -ENOENT, missing);
	TRY(v.netns = "/proc/self/ns/net", "own namespace", -EINVAL,
	    "own namespace");
	TRY(v.netns = "/etc/hostname", "not a namespace", -EINVAL,
	    "not a network namespace");
	TRY(v.host = f->host[0], "host name in use", -EEXIST, f->host[0]);
	TRY(v.ifname = "eth0", "ifname in use", -EEXIST, "eth0");
	TRY(v.host = "vswnl0123456789a", "host name too long", -ENAMETOOLONG,
	    "vswnl0123456789a");
	TRY(v.ifname = "eth0123456789abc", "ifname too long", -ENAMETOOLONG,
	    "eth0123456789abc");
	TRY(v.ifname = "a/b", "ifname with /", -EINVAL, "a/b");
	TRY(v.prefix = 33, "prefix 33", -EINVAL, "/33");
	TRY(v.prefix = 0, "prefix 0", -EINVAL, "/0");
	TRY(v.ip = 0, "no address", -EINVAL, "no address");
	TRY(v.gateway = ip4("198.18.1.1"), "gateway outside", -EINVAL,
	    "198.18.1.1");
	TRY(v.mac[0] = 0x01, "multicast MAC", -EINVAL, "multicast");
	TRY(v.ip = ip4("198.18.0.2"), "duplicate address", -EADDRINUSE,
	    "198.18.0.2 is already on eth0");
	TRY(v.mtu = 10, "MTU below minimum", -EINVAL, "MTU 10");
	TRY(v.mtu = 65536, "MTU above maximum", -EINVAL, "MTU 65536");
	/* refused halfway, with the veth, address and links made: undone */
	TRY((v.gateway = ip4("198.18.0.1")), "second default route", -EEXIST,
	    "default route already");
#undef TRY

	/* the first endpoint is untouched, and nothing of the others is left */
	snprintf(cmd, sizeof(cmd), "ip -n %s -j addr show", f->ns);
	assert_int_equal(sh(&out, "%s", cmd), 0);
	assert_null(strstr(out, "198.18.0.3"));
	assert_null(strstr(out, "eth1"));
	assert_non_null(strstr(out, "\"local\":\"198.18.0.2\""));
	free(out);
	snprintf(cmd, sizeof(cmd), "ip -n %s -j route show default", f->ns);
	expect_in(cmd, "\"gateway\":\"198.18.0.1\",\"dev\":\"eth0\"", NULL);
	assert_true(host_exists(f->host[0]));
	assert_false(host_exists(f->host[1]));
}

static void
test_disconnect_and_lookup_errors(void **state)
{
	struct fix *f = *state;
	struct netlink_link got;
	char err[256] = "";

	/* not a veth: refused, left alone */
	assert_int_equal(netlink_disconnect("lo", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a veth"));
	assert_true(host_exists("lo"));
	assert_int_equal(netlink_disconnect("vswnl0123456789a", err,
					    sizeof(err)), -ENAMETOOLONG);
	assert_int_equal(netlink_disconnect(f->host[2], err, sizeof(err)), 0);

	assert_int_equal(netlink_link_get(NULL, "lo", &got, err, sizeof(err)),
			 0);
	assert_int_equal(got.ifindex, (int)if_nametoindex("lo"));
	assert_true(got.up);
	assert_int_equal(netlink_link_get(NULL, f->host[2], NULL, err,
					  sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, f->host[2]));
	assert_int_equal(netlink_link_get(f->ns, "lo", &got, err, sizeof(err)),
			 0);
	assert_false(got.up);                   /* a new namespace's lo */
	assert_int_equal(netlink_link_get("vswnl-no-such", "lo", NULL, err,
					  sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "vswnl-no-such"));
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static double
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static void
test_cycles_leave_nothing(void **state)
{
	struct fix *f = *state;
	struct netlink_veth v = spec(f, 3, NULL, "10.99.0.2", 24, "10.99.0.1");
	struct stat before, after;
	struct timespec t0, t1, t2;
	double ms_conn = 0, ms_disc = 0;
	char err[256], *out;
	int fds, i;

	assert_int_equal(stat("/proc/thread-self/ns/net", &before), 0);
	fds = count_fds();
	for (i = 0; i < CYCLES; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		connect_ok(&v, NULL, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_int_equal(netlink_disconnect(f->host[3], err,
						    sizeof(err)), 0);
		clock_gettime(CLOCK_MONOTONIC, &t2);
		ms_conn += ms_between(&t0, &t1);
		ms_disc += ms_between(&t1, &t2);
	}
	print_message("  %d cycles: connect %.3f ms, disconnect %.3f ms each\n",
		      CYCLES, ms_conn / CYCLES, ms_disc / CYCLES);
	assert_int_equal(count_fds(), fds);
	assert_int_equal(stat("/proc/thread-self/ns/net", &after), 0);
	assert_true(before.st_ino == after.st_ino &&
		    before.st_dev == after.st_dev);
	assert_false(host_exists(f->host[3]));
	assert_int_equal(sh(&out, "ip -n %s -j link show", f->ns), 0);
	assert_null(strstr(out, "eth0"));
	assert_non_null(strstr(out, "\"lo\""));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_named_netns,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_proc_path,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_leave_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_and_lookup_errors,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycles_leave_nothing,
						setup, teardown),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_netlink: needs root (namespaces, veth)\n");
		return 77;      /* skipped */
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
