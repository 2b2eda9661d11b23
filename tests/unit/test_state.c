/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state file (model/state.c): written and read back the same; a write
 * that fails at any step leaves the old file as it was and no temporary;
 * a file cut short at any byte, of another format, or corrupted is refused
 * with FILE:LINE, a missing one is an empty state; the merge with the
 * topology file keeps what only one has, one copy of what both have the
 * same, the file's of what they have differently, and says so.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/topology.h"
#include "model/state.h"

static struct topology file_t, state_t, out_t, back_t;
static char dir[64], path[128], tmp[160];
static char errbuf[16384];

static const char lab[] =
	"[bridge br0]\nsubnet = 10.1.0.0/24\ngateway = 10.1.0.1\nmasquerade = up\n"
	"static = 02:00:00:00:00:01@c1\n"
	"[port up]\nkind = tap\niface = up0\naddress = 192.0.2.2/24\ngateway = 192.0.2.1\n"
	"[port c1]\nkind = tap\niface = c1\nbridge = br0\n"
	"[macvlan mv]\nparent = lan.5\n[port lan]\nkind = afpacket\niface = lan0\n"
	"[port e1]\nkind = tap\niface = e1\nmacvlan = mv\nmac = 02:00:00:00:00:e1\n"
	"[route r]\nprefix = 203.0.113.0/24\nvia = 192.0.2.9\nport = up\n"
	"[publish web]\nport = up\nproto = tcp\nlisten = 8080\nto = 10.1.0.5:80\n";

static void
load(struct topology *t, const char *name, const char *text)
{
	FILE *f = fmemopen(errbuf, sizeof(errbuf), "w");
	int rc;

	memset(errbuf, 0, sizeof(errbuf));
	rc = topo_load_string(t, name, text, f);
	fclose(f);
	if (rc != 0)
		print_error("%s", errbuf);
	assert_int_equal(rc, 0);
}

static char *
canon(const struct topology *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(topo_write(f, t), 0);
	fclose(f);
	return buf;
}

static char *
slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

static void
spill(const char *p, const char *text, size_t len)
{
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* state_read into back_t; messages in errbuf */
static int
read_state(const char *p)
{
	FILE *f = fmemopen(errbuf, sizeof(errbuf), "w");
	int rc;

	memset(errbuf, 0, sizeof(errbuf));
	rc = state_read(p, &back_t, f);
	fclose(f);
	return rc;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vsw-state-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	state_fault = NULL;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	state_fault = NULL;
	unlink(path);
	rmdir(path);    /* where a test made it a directory */
	unlink(tmp);
	rmdir(dir);
	return 0;
}

static void
test_write_then_read(void **state)
{
	char *a, *b, *text;
	size_t len;

	(void)state;
	load(&file_t, "lab.ini", lab);
	assert_int_equal(state_write(path, &file_t, NULL, NULL, stderr), 0);
	text = slurp(path, &len);
	assert_non_null(text);
	assert_int_equal(strncmp(text, "# vsw state 1\n", 14), 0);
	assert_string_equal(text + len - 6, "# end\n");
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(read_state(path), 0);
	a = canon(&file_t);
	b = canon(&back_t);
	assert_string_equal(a, b);
	assert_string_equal(back_t.file, path);
	/* lines name the state file's lines: the header is line 1 */
	{
		const char *c, *br = strstr(text, "[bridge br0]");
		unsigned line = 1;

		assert_non_null(br);
		for (c = text; c < br; c++)
			line += *c == '\n';
		assert_int_equal(back_t.bridges[0].line, line);
		assert_true(line >= 3);
	}
	free(a);
	free(b);
	free(text);
}

/* Only c1 kept: the state holds c1 and what it needs (br0, br0's uplink),
 * not the static entry, the route, the macvlan network. */
static bool
keep_c1(void *arg, const struct topology *t, enum topo_object kind, unsigned i)
{
	(void)arg;
	return kind == TOPO_OBJ_PORT && strcmp(t->ports[i].name, "c1") == 0;
}

static void
test_write_subset(void **state)
{
	(void)state;
	load(&file_t, "lab.ini", lab);
	assert_int_equal(state_write(path, &file_t, keep_c1, NULL, stderr), 0);
	assert_int_equal(read_state(path), 0);
	assert_int_equal(back_t.n_ports, 2);
	assert_int_equal(topo_port_find(&back_t, "c1") >= 0, 1);
	assert_int_equal(topo_port_find(&back_t, "up") >= 0, 1);
	assert_int_equal(back_t.n_bridges, 1);
	assert_int_equal(back_t.n_statics, 0);
	assert_int_equal(back_t.n_routes, 0);
	assert_int_equal(back_t.n_macvlans, 0);
}

static const char *fail_at;
static int
fail_step(const char *step)
{
	return strcmp(step, fail_at) == 0 ? EIO : 0;
}

/* A write that fails at any step before the rename: the old file stays
 * byte for byte, no PATH.tmp is left. */
static void
test_interrupted_write_keeps_old(void **state)
{
	static const char *const steps[] = { "open", "write", "fsync", "rename" };
	char *old, *now;
	size_t old_len, now_len;
	unsigned i;

	(void)state;
	load(&file_t, "lab.ini", "[bridge old]\n");
	assert_int_equal(state_write(path, &file_t, NULL, NULL, stderr), 0);
	old = slurp(path, &old_len);
	load(&file_t, "lab.ini", lab);
	for (i = 0; i < 4; i++) {
		FILE *f = fmemopen(errbuf, sizeof(errbuf), "w");

		memset(errbuf, 0, sizeof(errbuf));
		fail_at = steps[i];
		state_fault = fail_step;
		assert_int_equal(state_write(path, &file_t, NULL, NULL, f), -EIO);
		state_fault = NULL;
		fclose(f);
		assert_non_null(strstr(errbuf, steps[i]));
		now = slurp(path, &now_len);
		assert_int_equal(now_len, old_len);
		assert_memory_equal(now, old, old_len);
		free(now);
		assert_int_equal(access(tmp, F_OK), -1);
	}
	/* the directory's fsync comes after the rename: the new state is in */
	fail_at = "dirsync";
	state_fault = fail_step;
	assert_int_equal(state_write(path, &file_t, NULL, NULL, NULL), -EIO);
	state_fault = NULL;
	assert_int_equal(read_state(path), 0);
	assert_int_equal(back_t.n_ports, file_t.n_ports);
	/* a real failure: PATH is a directory, the rename cannot replace it */
	unlink(path);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_not_equal(state_write(path, &file_t, NULL, NULL, NULL), 0);
	assert_int_equal(access(tmp, F_OK), -1);
	/* nowhere to write: nothing made */
	assert_int_equal(state_write("/nonexistent-vsw-dir/state", &file_t, NULL, NULL, NULL),
			 -ENOENT);
	free(old);
}

/* Without sync: written and renamed, no fsync asked for (a fault on
 * "fsync" or "dirsync" does not fail it); state_sync() does both later
 * and reports each step's failure. */
static void
test_write_nosync_then_sync(void **state)
{
	(void)state;
	load(&file_t, "lab.ini", lab);
	fail_at = "fsync";
	state_fault = fail_step;
	assert_int_equal(state_write_how(path, &file_t, NULL, NULL, stderr, false), 0);
	fail_at = "dirsync";
	assert_int_equal(state_write_how(path, &file_t, NULL, NULL, stderr, false), 0);
	state_fault = NULL;
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(read_state(path), 0);
	assert_int_equal(back_t.n_ports, file_t.n_ports);
	assert_int_equal(back_t.n_bridges, file_t.n_bridges);
	assert_int_equal(state_sync(path, stderr), 0);
	fail_at = "fsync";
	state_fault = fail_step;
	assert_int_equal(state_sync(path, NULL), -EIO);
	fail_at = "dirsync";
	assert_int_equal(state_sync(path, NULL), -EIO);
	state_fault = NULL;
	assert_int_equal(state_sync("/nonexistent-vsw-dir/state", NULL), -ENOENT);
	/* the rename still refuses what it cannot replace */
	unlink(path);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_not_equal(state_write_how(path, &file_t, NULL, NULL, NULL, false), 0);
	assert_int_equal(access(tmp, F_OK), -1);
}

static void
test_missing_is_empty(void **state)
{
	(void)state;
	assert_int_equal(read_state(path), 0);
	assert_string_equal(errbuf, "");
	assert_int_equal(back_t.n_ports + back_t.n_bridges + back_t.n_publish, 0);
}

/* Refused with FILE:LINE: reason. */
static void
expect_refused(const char *text, size_t len, const char *needle)
{
	int rc;

	spill(path, text, len);
	rc = read_state(path);
	if (rc != -EINVAL || strstr(errbuf, needle) == NULL)
		print_error("rc %d, looked for '%s' in: %s\n", rc, needle, errbuf);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(errbuf, needle));
}

static void
test_corrupt_or_truncated(void **state)
{
	char want[256], *text, *bad;
	size_t len, cut;

	(void)state;
	load(&file_t, "lab.ini", lab);
	assert_int_equal(state_write(path, &file_t, NULL, NULL, stderr), 0);
	text = slurp(path, &len);
	snprintf(want, sizeof(want), "%s:1: empty", path);
	expect_refused("", 0, want);
	snprintf(want, sizeof(want), "%s:1: not a vsw state file", path);
	expect_refused("[bridge b]\n# end\n", 17, want);
	snprintf(want, sizeof(want), "%s:1: state format 2; this vsw reads format 1", path);
	expect_refused("# vsw state 2\n[bridge b]\n# end\n", 31, want);
	snprintf(want, sizeof(want), "%s:3: cut short: the last line is not '# end'", path);
	expect_refused("# vsw state 1\n[bridge b]\n[bridge c]\n", 36, want);
	snprintf(want, sizeof(want), "%s:2: holds a NUL byte", path);
	expect_refused("# vsw state 1\n[bridge\0b]\n# end\n", 31, want);
	/* cut at every byte: refused, with the file's name, never read as less */
	for (cut = 0; cut < len; cut++) {
		snprintf(want, sizeof(want), "%s:", path);
		expect_refused(text, cut, want);
	}
	/* a bad value inside: the parser's FILE:LINE error */
	bad = strdup(text);
	memcpy(strstr(bad, "iface = c1"), "iface = c/", 10);
	snprintf(want, sizeof(want), "%s:", path);
	expect_refused(bad, len, want);
	assert_non_null(strstr(errbuf, "[port c1] iface: 'c/'"));
	/* any byte flipped: read or refused with a message, never a crash */
	for (cut = 0; cut < len; cut++) {
		int rc;

		memcpy(bad, text, len);
		bad[cut] = (char)(bad[cut] ^ 0x21);
		spill(path, bad, len);
		rc = read_state(path);
		assert_true(rc == 0 || (rc == -EINVAL && strstr(errbuf, path) == errbuf));
	}
	free(bad);
	free(text);
}

/* ---- merge ------------------------------------------------------------ */

static struct state_messages msgs;

static void
merge(const char *file_text, const char *state_text)
{
	char *w;

	load(&file_t, "lab.ini", file_text);
	load(&state_t, "state.ini", state_text);
	state_messages_free(&msgs);
	assert_int_equal(state_merge(&out_t, &file_t, &state_t, &msgs), 0);
	/* the effective topology is one the parser takes */
	w = canon(&out_t);
	load(&back_t, "again", w);
	free(w);
}

static const char *
find_msg(const char *needle)
{
	unsigned i;

	for (i = 0; i < msgs.n; i++)
		if (strstr(msgs.text[i], needle) != NULL)
			return msgs.text[i];
	return NULL;
}

#define BR "[bridge br0]\n"
#define UP "[port up]\nkind = tap\niface = up0\naddress = 192.0.2.2/24\n"
#define PORT(n, extra) "[port " n "]\nkind = tap\niface = " n "\nbridge = br0\n" extra

static void
test_merge_only_in_one(void **state)
{
	int p;

	(void)state;
	/* only in the state: kept, on the file's bridge */
	merge(BR PORT("c1", ""), BR PORT("c2", ""));
	assert_int_equal(out_t.n_ports, 2);
	assert_int_equal(out_t.n_bridges, 1);
	p = topo_port_find(&out_t, "c2");
	assert_true(p >= 0);
	assert_int_equal(out_t.ports[p].bridge, topo_bridge_find(&out_t, "br0"));
	assert_int_equal(msgs.n, 0);
	/* lines from where each came */
	assert_int_equal(out_t.ports[topo_port_find(&out_t, "c1")].line, 2);
	assert_int_equal(out_t.ports[p].line, 2);
	assert_string_equal(out_t.file, "lab.ini");
	/* only in the file: kept; an empty state changes nothing */
	merge(BR PORT("c1", "") UP, "");
	assert_int_equal(out_t.n_ports, 2);
	assert_int_equal(msgs.n, 0);
	/* a state port on a bridge the file no longer has: both kept */
	merge(UP, BR PORT("c2", ""));
	assert_int_equal(out_t.n_ports, 2);
	assert_int_equal(out_t.n_bridges, 1);
	/* a publish rule and its network made at run time, on the file's uplink */
	merge(UP, UP "[bridge net1]\nsubnet = 10.9.0.0/24\ngateway = 10.9.0.1\nmasquerade = up\n"
	      "[publish web]\nport = up\nproto = tcp\nlisten = 80\nto = 10.9.0.2:80\n");
	assert_int_equal(out_t.n_publish, 1);
	assert_int_equal(out_t.publish[0].port, topo_port_find(&out_t, "up"));
	assert_int_equal(out_t.bridges[0].masquerade, topo_port_find(&out_t, "up"));
	assert_int_equal(msgs.n, 0);
}

static void
test_merge_in_both(void **state)
{
	const char *m;

	(void)state;
	/* the same: one copy, nothing said */
	merge(BR PORT("c1", "mtu = 1400\n"), BR PORT("c1", "mtu = 1400\n"));
	assert_int_equal(out_t.n_ports, 1);
	assert_int_equal(out_t.n_bridges, 1);
	assert_int_equal(msgs.n, 0);
	/* different: the file's, and the message names both places */
	merge("\n" BR PORT("c1", "mtu = 1400\n"), BR PORT("c1", "mtu = 9000\n"));
	assert_int_equal(out_t.n_ports, 1);
	assert_int_equal(out_t.ports[0].mtu, 1400);
	assert_int_equal(msgs.n, 1);
	m = find_msg("[port c1]");
	assert_non_null(m);
	assert_string_equal(m, "state.ini:2: [port c1] differs from lab.ini:3 "
			    "(lab.ini: mtu = 1400; state: mtu = 9000); the topology file wins");
	/* a bridge that differs: the file's; its statics merge apart */
	merge("[bridge br0]\nmac_aging = 10\nstatic = 02:00:00:00:00:01@c1\n" PORT("c1", ""),
	      "[bridge br0]\nmac_aging = 20\nstatic = 02:00:00:00:00:02@c1\n"
	      "static = 02:00:00:00:00:01@c3\n" PORT("c1", "") PORT("c3", ""));
	assert_int_equal(out_t.bridges[0].mac_aging, 10);
	assert_non_null(find_msg("state.ini:1: [bridge br0] differs from lab.ini:1"));
	/* 02:..:02 only in the state: kept; 02:..:01 on c3 in the state, on c1
	 * in the file: the file's */
	assert_int_equal(out_t.n_statics, 2);
	assert_int_equal(out_t.n_ports, 2);
	m = find_msg("static 02:00:00:00:00:01");
	assert_non_null(m);
	assert_non_null(strstr(m, "is on port c3, on port c1 in lab.ini:"));
	assert_non_null(strstr(m, "the topology file wins"));
	assert_int_equal(out_t.statics[0].port, topo_port_find(&out_t, "c1"));
}

/* What no longer fits beside the file is dropped, with the reason; the
 * rest stays. */
static void
test_merge_conflicts(void **state)
{
	const char *m;

	(void)state;
	/* the file now has a port on c2's interface */
	merge(BR PORT("c1", "") "[port new]\nkind = tap\niface = c2\nbridge = br0\n",
	      BR PORT("c2", "") PORT("c3", ""));
	assert_true(topo_port_find(&out_t, "c2") < 0);
	assert_true(topo_port_find(&out_t, "c3") >= 0);
	assert_true(topo_port_find(&out_t, "new") >= 0);
	m = find_msg("[port c2] is not restored");
	assert_non_null(m);
	assert_non_null(strstr(m, "state.ini:"));
	assert_non_null(strstr(m, "iface"));
	/* a publish rule whose uplink is no longer routed in the file */
	merge("[bridge br0]\n[port up]\nkind = tap\niface = up0\nbridge = br0\n",
	      UP "[bridge net1]\nsubnet = 10.9.0.0/24\ngateway = 10.9.0.1\nmasquerade = up\n"
	      "[publish web]\nport = up\nproto = tcp\nlisten = 80\nto = 10.9.0.2:80\n");
	assert_int_equal(out_t.n_publish, 0);
	assert_non_null(find_msg("[port up] differs from lab.ini:2"));
	assert_non_null(find_msg("[bridge net1] is not restored: [bridge net1] masquerade: "
				 "port up is not a routed port"));
	assert_non_null(find_msg("[publish web] is not restored: it needs [bridge net1], "
				 "which is not restored"));
	assert_true(topo_port_find(&out_t, "up") >= 0);
	assert_int_equal(out_t.ports[topo_port_find(&out_t, "up")].bridge, 0);
	/* an overlapping subnet */
	merge(UP "[bridge a]\nsubnet = 10.9.0.0/16\ngateway = 10.9.0.1\n",
	      "[bridge b]\nsubnet = 10.9.1.0/24\ngateway = 10.9.1.1\n"
	      "[bridge c]\nsubnet = 10.10.0.0/24\ngateway = 10.10.0.1\n");
	assert_int_equal(out_t.n_bridges, 2);
	assert_true(topo_bridge_find(&out_t, "c") >= 0);
	assert_non_null(find_msg("[bridge b] is not restored"));
	state_messages_free(&msgs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_then_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_subset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_write_keeps_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_nosync_then_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_is_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_or_truncated, setup, teardown),
		cmocka_unit_test(test_merge_only_in_one),
		cmocka_unit_test(test_merge_in_both),
		cmocka_unit_test(test_merge_conflicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
