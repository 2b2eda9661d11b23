/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsw: a userspace virtual switch and NAT router.
 *
 *   vsw -c FILE            run in the foreground, log to stderr
 *   vsw --check -c FILE    validate FILE and exit (0 valid, 2 invalid)
 *   vsw --check --draw PICTURE.svg|PICTURE.dot -c FILE
 *                          ... and draw it (config/topology_dot.h)
 *
 * SIGINT and SIGTERM stop vsw; SIGHUP reads FILE again and applies what
 * changed (switch/apply.h), or changes nothing if it is wrong.
 *
 * Exit status: 0 clean stop, 1 could not start, 2 bad topology file or
 * usage, 3 stopped but mbufs leaked.
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "config/topology.h"
#include "config/topology_dot.h"
#include "ctl/dot_run.h"
#include "ctl/server.h"
#include "switch/eal.h"
#include "switch/telemetry.h"
#include "switch/vsw.h"
#include "switch/model.h"

static struct vsw the_switch;

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: vsw -c FILE [--check [--draw PICTURE]]\n"
		"  -c, --config FILE  the topology file (INI)\n"
		"      --check        validate the file and exit: 0 valid, 2 invalid\n"
		"      --draw PICTURE with --check: draw the valid file's networks, ports,\n"
		"                     NAT and publish rules; PICTURE.svg with graphviz's\n"
		"                     dot, PICTURE.dot as DOT text\n"
		"  -h, --help         this text\n");
}

static void
on_signal(int sig)
{
	(void)sig;
	the_switch.stop = true;
}

static void
print_summary(const struct topology *t)
{
	unsigned i;

	fprintf(stderr, "vsw: %s: %u bridge%s, %u port%s%s\n", t->file,
		t->n_bridges, t->n_bridges == 1 ? "" : "s", t->n_ports,
		t->n_ports == 1 ? "" : "s",
		topo_is_replay(t) ? " (replay mode: every port is a pcap port)" : "");
	for (i = 0; i < t->n_ports; i++)
		fprintf(stderr, "vsw:   port %s: %s%s%s\n", t->ports[i].name,
			topo_port_kind_name(t->ports[i].kind),
			t->ports[i].bridge >= 0 ? " on bridge " : "",
			t->ports[i].bridge >= 0 ?
			t->bridges[t->ports[i].bridge].name : "");
}

/* --draw PICTURE: what its extension asks for, "" when nothing known */
static const char *
draw_format(const char *path)
{
	const char *ext = strrchr(path, '.');

	if (ext != NULL && strcasecmp(ext, ".svg") == 0)
		return "svg";
	if (ext != NULL && strcasecmp(ext, ".dot") == 0)
		return "dot";
	return "";
}

/*
 * --check --draw: the valid topology 't' as a picture in 'path', the DOT
 * text itself or dot's svg of it. Returns vsw's exit status: 0 drawn, 2
 * not (the reason said).
 */
static int
draw(const struct topology *t, const char *path)
{
	char *text = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool ok;
	int rc;

	if (f == NULL) {
		fprintf(stderr, "vsw: --draw: out of memory\n");
		return 2;
	}
	rc = topo_dot(t, f);
	if (fclose(f) != 0 || rc != 0) {
		fprintf(stderr, "vsw: --draw: out of memory\n");
		free(text);
		return 2;
	}
	if (strcmp(draw_format(path), "svg") == 0) {
		rc = dot_run(text, len, "svg", path, err, sizeof(err));
		free(text);
		if (rc != 0) {
			fprintf(stderr, "vsw: --draw %s: %s\n", path, err);
			return 2;
		}
		return 0;
	}
	f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "vsw: --draw %s: %s\n", path, strerror(errno));
		free(text);
		return 2;
	}
	ok = fwrite(text, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	free(text);
	if (!ok) {
		fprintf(stderr, "vsw: --draw %s: cannot write it\n", path);
		return 2;
	}
	return 0;
}

/* Replay: what was dropped where, one line per port and reason, so that
 * golden tests check why frames vanished, not only that they did. */
static void
print_drops(const struct vsw *sw)
{
	unsigned i, d;

	for (i = 0; i < sw->n_ports; i++) {
		struct vsw_counters c;

		vsw_port_counters(sw, (uint16_t)i, &c);
		for (d = 0; d < VSW_DROP_MAX; d++)
			if (c.drops[d] != 0)
				fprintf(stderr, "vsw: drop %s %s %" PRIu64 "\n",
					sw->ports[i].name, vsw_drop_name[d], c.drops[d]);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "draw", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct topology file_topo, topo;
	struct vsw *sw = &the_switch;
	char state_path[TOPO_PATH_MAX];
	const char *file = NULL, *picture = NULL;
	bool check = false;
	struct ctl *ctl = NULL;
	char err[1024];
	sigset_t sigs;
	int opt, rc, sigfd = -1;
	unsigned i, leaked;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': file = optarg; break;
		case 'k': check = true; break;
		case 'd': picture = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (file == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	/* before the file is read: a bad --draw is a usage error either way */
	if (picture != NULL && !check) {
		fprintf(stderr, "vsw: --draw %s goes with --check: vsw draws a topology file, it does not run it then\n",
			picture);
		return 2;
	}
	if (picture != NULL && draw_format(picture)[0] == '\0') {
		fprintf(stderr, "vsw: --draw %s: the picture must end in .svg (drawn by graphviz's dot) or .dot (the DOT text)\n",
			picture);
		return 2;
	}
	rc = topo_load(&file_topo, file, stderr);
	if (rc != 0)
		return 2;
	topo = file_topo;
	if (check) {
		printf("%s: valid (%u bridges, %u ports)\n", file, topo.n_bridges,
		       topo.n_ports);
		if (picture == NULL)
			return 0;
		rc = draw(&topo, picture);
		if (rc == 0)
			printf("%s: drawn in %s\n", file, picture);
		return rc;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "vsw: must run as root (it creates and attaches to network interfaces)\n");
		return 1;
	}
	if (!topo_is_replay(&file_topo)) {
		/* what was made at run time, under the file (switch/model.h) */
		vsw_state_path(&file_topo, state_path, sizeof(state_path));
		if (vsw_state_load(state_path, &file_topo, &topo, stderr) != 0)
			return 2;
	}
	print_summary(&topo);

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	if (topo_is_replay(&topo)) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
	} else {
		/* every thread EAL makes inherits the mask: only signalfd sees them */
		pthread_sigmask(SIG_BLOCK, &sigs, NULL);
		sigfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	}

	rc = vsw_eal_init(&topo, argv[0], vsw_memory_mb(&topo), err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "vsw: %s\n", err);
		return 1;
	}
	rc = vsw_start(sw, &topo, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "vsw: cannot start: %s\n", err);
		vsw_eal_cleanup();
		return 1;
	}
	if (!sw->replay) {
		sw->file = malloc(sizeof(*sw->file));
		if (sw->file != NULL)
			*sw->file = file_topo;
		snprintf(sw->state_path, sizeof(sw->state_path), "%s", state_path);
		fprintf(stderr, "vsw: state file %s\n", state_path);
	}
	fprintf(stderr, "vsw: %u mbufs, %u worker%s, %s polling\n", sw->n_mbufs,
		sw->n_workers, sw->n_workers == 1 ? "" : "s",
		sw->replay ? "replay" : sw->busy_poll ? "busy" : "adaptive");

	if (sw->replay) {
		loop_replay(sw->workers[0]);
		print_drops(sw);
	} else {
		rc = vsw_telemetry_init(sw);
		if (rc != 0 && rc != -ENOTSUP)
			fprintf(stderr, "vsw: telemetry: /vsw/ commands not registered: %s\n",
				strerror(-rc));
		ctl = ctl_open(sw, topo.sw.control, err, sizeof(err));
		if (ctl == NULL) {
			fprintf(stderr, "vsw: cannot start: %s\n", err);
			vsw_stop(sw);
			vsw_eal_cleanup();
			return 1;
		}
		for (i = 0; i < sw->n_workers; i++) {
			rc = rte_eal_remote_launch(loop_worker_main, sw->workers[i],
						   vsw_eal_worker_lcore(i));
			if (rc != 0) {
				fprintf(stderr, "vsw: cannot launch worker %u: %s\n", i,
					strerror(-rc));
				sw->stop = true;
			}
		}
		fprintf(stderr, "vsw: running; control socket %s\n", topo.sw.control);
		ctl_run(ctl, sigfd);
		sw->stop = true;
		for (i = 0; i < sw->n_workers; i++)
			loop_wake(sw->workers[i]);
		rte_eal_mp_wait_lcore();
		ctl_close(ctl);
	}

	fprintf(stderr, "vsw: stopping\n");
#ifdef VSW_TEST_HOOKS
	/* tests/vsw-leaktest only (never in vsw): one mbuf that never comes
	 * back, so that the check below is seen to catch a leak */
	if (rte_pktmbuf_alloc(sw->pool) != NULL)
		fprintf(stderr, "vsw: test hook: one mbuf leaked on purpose\n");
#endif
	leaked = vsw_stop(sw);
	vsw_eal_cleanup();
	if (sigfd >= 0)
		close(sigfd);
	if (leaked != 0) {
		fprintf(stderr, "vsw: %u mbuf%s not returned to the pool\n", leaked,
			leaked == 1 ? " was" : "s were");
		return 3;
	}
	fprintf(stderr, "vsw: stopped; every mbuf back in its pool\n");
	return 0;
}
