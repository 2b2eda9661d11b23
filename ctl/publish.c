/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_common.h>

#include "ctl/publish.h"
#include "ctl/connect.h"
#include "nat/napt.h"
#include "switch/bridge.h"
#include "switch/loop.h"

/* The rules in force are the running topology's (sw->run->publish): the
 * reconciler installs and removes them, and the state file keeps them. */
#define RULES(sw) ((sw)->run->publish)
#define N_RULES(sw) ((sw)->run->n_publish)

static int
rules_find(const struct vsw *sw, const char *name)
{
	unsigned i;

	for (i = 0; i < N_RULES(sw); i++)
		if (strcmp(RULES(sw)[i].name, name) == 0)
			return (int)i;
	return -1;
}

static struct napt *
nat_of(struct vsw *sw, char *err, size_t errlen)
{
	if (sw->router == NULL || sw->router->napt == NULL) {
		snprintf(err, errlen, "no NAT in this topology (publish needs a port that masquerades)");
		return NULL;
	}
	return sw->router->napt;
}

/* "KEY" of "KEY=VALUE": lower case letters and '_' only, so that no word
 * can make a line the parser reads as something else. */
static bool
good_key(const char *w, const char *eq)
{
	const char *c;

	if (eq == w)
		return false;
	for (c = w; c < eq; c++)
		if ((*c < 'a' || *c > 'z') && *c != '_')
			return false;
	return true;
}

/* The parser's messages, "vswctl:LINE: " taken off, joined by "; ". */
static void
parser_errors(const char *text, char *err, size_t errlen)
{
	const char *line = text;
	size_t off = 0;

	err[0] = '\0';
	while (line != NULL && *line != '\0' && off < errlen) {
		const char *end = strchr(line, '\n'), *msg = line;
		int len;

		if (strncmp(line, "vswctl:", 7) == 0 && (msg = strstr(line, ": ")) != NULL)
			msg += 2;
		else
			msg = line;
		len = end != NULL ? (int)(end - msg) : (int)strlen(msg);
		off += (size_t)snprintf(err + off, errlen - off, "%s%.*s",
					off ? "; " : "", len, msg);
		line = end != NULL ? end + 1 : NULL;
	}
}

/* 't' without the slots removed at run time (an empty name): every
 * object the running switch has, as the reconciler writes it. */
static int
write_running(FILE *f, const struct topology *t, const char *skip)
{
	struct topo_subset *s = calloc(1, sizeof(*s));
	unsigned i;
	int rc;

	if (s == NULL)
		return -ENOMEM;
	s->sw = true;
	for (i = 0; i < t->n_bridges; i++)
		s->bridge[i] = t->bridges[i].name[0] != '\0';
	for (i = 0; i < t->n_ports; i++)
		s->port[i] = t->ports[i].name[0] != '\0';
	for (i = 0; i < t->n_macvlans; i++)
		s->macvlan[i] = true;
	for (i = 0; i < t->n_routes; i++)
		s->route[i] = true;
	for (i = 0; i < t->n_publish; i++)
		s->publish[i] = skip == NULL || strcmp(t->publish[i].name, skip) != 0;
	for (i = 0; i < t->n_statics; i++)
		s->stat[i] = s->bridge[t->statics[i].bridge] && s->port[t->statics[i].port];
	rc = topo_write_set(f, t, s, NULL);
	free(s);
	return rc;
}

/*
 * Check 'name' with the words 'kv' as the parser checks a [publish]
 * section: the running topology with the rules in force but 'name',
 * written out, and the section after it. The rule, resolved, in '*out'.
 */
static int
rule_parse(struct vsw *sw, const char *name, int argc, char **argv,
	   struct topo_publish *out, char *err, size_t errlen)
{
	struct topology *t = malloc(sizeof(*t)), *parsed = malloc(sizeof(*parsed));
	char *text = NULL, *msgs = NULL;
	size_t tlen = 0, mlen = 0;
	FILE *f = NULL, *e = NULL;
	unsigned i, n = 0;
	int rc = -EINVAL;

	if (t == NULL || parsed == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < (unsigned)argc; i++) {
		const char *eq = strchr(argv[i], '=');

		if (eq == NULL || !good_key(argv[i], eq)) {
			snprintf(err, errlen, "'%s' is not KEY=VALUE (keys: port, proto, listen, to)",
				 argv[i]);
			goto out;
		}
	}
	*t = *sw->topo;
	for (i = 0; i < N_RULES(sw); i++)
		if (strcmp(RULES(sw)[i].name, name) != 0)
			t->publish[n++] = RULES(sw)[i];
	t->n_publish = n;
	f = open_memstream(&text, &tlen);
	if (f == NULL || write_running(f, t, NULL) != 0) {
		snprintf(err, errlen, "cannot write the running topology out");
		goto out;
	}
	fprintf(f, "[publish %s]\n", name);
	for (i = 0; i < (unsigned)argc; i++) {
		const char *eq = strchr(argv[i], '=');

		fprintf(f, "%.*s = %s\n", (int)(eq - argv[i]), argv[i], eq + 1);
	}
	if (fclose(f) != 0) {
		f = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	f = NULL;
	e = open_memstream(&msgs, &mlen);
	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = topo_load_string(parsed, "vswctl", text, e);
	fclose(e);
	if (rc != 0) {
		parser_errors(msgs, err, errlen);
		rc = -EINVAL;
		goto out;
	}
	*out = parsed->publish[parsed->n_publish - 1];
	/* its port as the running switch numbers them */
	i = (unsigned)out->port;
	out->port = topo_port_find(sw->topo, parsed->ports[i].name);
	out->line = 0;
	rc = out->port >= 0 ? 0 : -EINVAL;
	if (rc != 0)
		snprintf(err, errlen, "port %s is not running", parsed->ports[i].name);
out:
	if (f != NULL)
		fclose(f);
	free(text);
	free(msgs);
	free(t);
	free(parsed);
	return rc;
}

static bool
same_rule(const struct topo_publish *a, const struct topo_publish *b)
{
	return a->port == b->port && a->proto == b->proto &&
	       a->listen_lo == b->listen_lo && a->listen_hi == b->listen_hi &&
	       a->to_ip == b->to_ip && a->to_lo == b->to_lo && a->to_hi == b->to_hi;
}

static const char *
range(char *buf, size_t len, unsigned lo, unsigned hi)
{
	if (lo == hi)
		snprintf(buf, len, "%u", lo);
	else
		snprintf(buf, len, "%u-%u", lo, hi);
	return buf;
}

/* "tcp 8080-8081 -> 172.17.0.2:80-81 on uplink" */
static void
rule_str(const struct vsw *sw, const struct topo_publish *u, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN], l[16], t[16];
	struct in_addr in = { .s_addr = htonl(u->to_ip) };

	inet_ntop(AF_INET, &in, a, sizeof(a));
	snprintf(buf, len, "%s %s -> %s:%s on %s", u->proto == IPPROTO_TCP ? "tcp" : "udp",
		 range(l, sizeof(l), u->listen_lo, u->listen_hi), a,
		 range(t, sizeof(t), u->to_lo, u->to_hi), sw->topo->ports[u->port].name);
}

/* The running topology, less rule 'skip' (NULL: none), and 'extra'. */
static char *
running_text(const struct vsw *sw, const char *skip, const char *extra)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	if (write_running(f, sw->run, skip) != 0 || fputs(extra, f) < 0) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

int
ctl_publish_add(struct vsw *sw, struct reply *r, int argc, char **argv,
		char *err, size_t errlen)
{
	struct topo_publish u = { 0 };
	char what[256], *sect = NULL;
	size_t off = 0, len = 0;
	FILE *f;
	int old, i;

	if (argc < 1 || strchr(argv[0], '=') != NULL) {
		snprintf(err, errlen, "usage: publish add NAME port=PORT proto=tcp|udp listen=N[-M] to=IP:P[-Q]");
		return -1;
	}
	old = rules_find(sw, argv[0]);
	/* a new rule is checked once, by the reconciler's parse; a name in
	 * use is parsed on its own first, to tell a retry from a clash */
	if (old >= 0 && rule_parse(sw, argv[0], argc - 1, argv + 1, &u, err, errlen) != 0)
		return -1;
	for (i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		if (eq == NULL || !good_key(argv[i], eq)) {
			snprintf(err, errlen, "'%s' is not KEY=VALUE (keys: port, proto, listen, to)",
				 argv[i]);
			return -1;
		}
	}
	if (old >= 0) {
		rule_str(sw, &RULES(sw)[old], what, sizeof(what));
		if (same_rule(&RULES(sw)[old], &u)) {
			reply_note(r, "publish %s: already %s", argv[0], what);
			return 0;
		}
		snprintf(err, errlen, "publish %s exists as %s (publish del it first)",
			 argv[0], what);
		return -1;
	}
	if (N_RULES(sw) == TOPO_MAX_PUBLISH) {
		snprintf(err, errlen, "%u publish rules already (the most there can be)",
			 TOPO_MAX_PUBLISH);
		return -1;
	}
	f = open_memstream(&sect, &len);
	if (f == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fprintf(f, "\n[publish %s]\n", argv[0]);
	for (i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		fprintf(f, "%.*s = %s\n", (int)(eq - argv[i]), argv[i], eq + 1);
	}
	fclose(f);
	(void)off;
	i = apply_text(sw, r, "publish add", running_text(sw, NULL, sect), err, errlen);
	free(sect);
	if (i != 0)
		return -1;
	if ((old = rules_find(sw, argv[0])) < 0) {
		snprintf(err, errlen, "publish %s: not in force after the change", argv[0]);
		return -1;
	}
	rule_str(sw, &RULES(sw)[old], what, sizeof(what));
	reply_note(r, "publish %s: %s", argv[0], what);
	return 0;
}

int
ctl_publish_del(struct vsw *sw, struct reply *r, int argc, char **argv,
		char *err, size_t errlen)
{
	const struct topo_publish *u;
	struct napt *nt;
	uint32_t freed;
	int i;

	if (argc != 1) {
		snprintf(err, errlen, "usage: publish del NAME");
		return -1;
	}
	if ((nt = nat_of(sw, err, errlen)) == NULL)
		return -1;
	if ((i = rules_find(sw, argv[0])) < 0) {
		snprintf(err, errlen, "no publish rule named '%s'", argv[0]);
		return -1;
	}
	u = &RULES(sw)[i];
	loop_barrier_sync(sw);
	freed = napt_publish_sessions(nt, u->proto,
				      rte_cpu_to_be_32(sw->run->ports[u->port].address),
				      u->listen_lo, u->listen_hi);
	loop_barrier_release(sw);
	if (apply_text(sw, r, "publish del", running_text(sw, argv[0], ""), err, errlen) != 0)
		return -1;
	reply_note(r, "publish %s removed with its %u session%s", argv[0], freed,
		   freed == 1 ? "" : "s");
	return 0;
}

int
ctl_show_publish(struct vsw *sw, struct reply *r, int argc, char **argv,
		 char *err, size_t errlen)
{
	static const char *const cols[] = { "name", "port", "proto", "listen", "to",
					    "#sessions" };
	uint32_t sessions[TOPO_MAX_PUBLISH];
	struct napt *nt;
	unsigned i;

	(void)argc; (void)argv;
	if ((nt = nat_of(sw, err, errlen)) == NULL)
		return -1;
	loop_barrier_sync(sw);
	for (i = 0; i < N_RULES(sw); i++)
		sessions[i] = napt_publish_sessions(nt, RULES(sw)[i].proto,
			rte_cpu_to_be_32(sw->topo->ports[RULES(sw)[i].port].address),
			RULES(sw)[i].listen_lo, RULES(sw)[i].listen_hi);
	loop_barrier_release(sw);
	reply_table(r, "publish", NULL, RTE_DIM(cols), cols);
	for (i = 0; i < N_RULES(sw); i++) {
		const struct topo_publish *u = &RULES(sw)[i];
		char l[16], t[40], a[INET_ADDRSTRLEN], p[16], n[16];
		struct in_addr in = { .s_addr = htonl(u->to_ip) };

		inet_ntop(AF_INET, &in, a, sizeof(a));
		snprintf(t, sizeof(t), "%s:%s", a, range(p, sizeof(p), u->to_lo, u->to_hi));
		reply_row(r, u->name, sw->topo->ports[u->port].name,
			  u->proto == IPPROTO_TCP ? "tcp" : "udp",
			  range(l, sizeof(l), u->listen_lo, u->listen_hi), t,
			  fmt_u64(n, sizeof(n), sessions[i]));
	}
	return 0;
}
