/* SPDX-License-Identifier: BSD-3-Clause */
/* The name service's commands (names.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_common.h>

#include "ctl/connect.h"
#include "ctl/names.h"
#include "switch/apply.h"
#include "switch/dns.h"

/* The bridge 'name' that answers names, or -1 with the reason. */
static int
dns_network(const struct vsw *sw, const char *verb, const char *name, char *err,
	    size_t errlen)
{
	int b = topo_bridge_find(sw->run, name);

	if (b < 0) {
		snprintf(err, errlen, "name %s: no network '%s'%s", verb, name,
			 topo_macvlan_find(sw->run, name) >= 0 ?
			 " with a gateway (a macvlan network's names are its LAN's)" : "");
		return -1;
	}
	if (sw->run->bridges[b].prefix == 0) {
		snprintf(err, errlen, "name %s: network %s has no gateway: names are answered at the gateway",
			 verb, name);
		return -1;
	}
	return b;
}

static int
parse_addr(const char *s, int *af, uint8_t *a)
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET, s, a) == 1)
		*af = AF_INET;
	else if (inet_pton(AF_INET6, s, a) == 1)
		*af = AF_INET6;
	else
		return -1;
	return 0;
}

/*
 * The running text with the host lines of [bridge NET] changed: 'add'
 * (a line) appended to the section, or the lines of NAME (and IP when
 * given) taken out. NULL on ENOMEM.
 */
static char *
text_hosts(const struct vsw *sw, const char *net, const char *add, const char *del_name,
	   int del_af, const uint8_t *del_addr)
{
	char *text = vsw_running_text(sw, NULL, NULL), *out = NULL, *line, *save = NULL;
	char head[TOPO_NAME_MAX + 16];
	size_t len = 0;
	FILE *f;
	bool in = false;

	if (text == NULL)
		return NULL;
	f = open_memstream(&out, &len);
	if (f == NULL) {
		free(text);
		return NULL;
	}
	snprintf(head, sizeof(head), "[bridge %s]", net);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char name[TOPO_DNS_NAME_MAX + 1], a[INET6_ADDRSTRLEN + 1];
		uint8_t addr[16];
		int af;

		if (line[0] == '[')
			in = strcmp(line, head) == 0;
		if (in && del_name != NULL &&
		    sscanf(line, "host = %64s %46s", name, a) == 2 &&
		    strcasecmp(name, del_name) == 0 &&
		    (del_addr == NULL || (parse_addr(a, &af, addr) == 0 && af == del_af &&
					  memcmp(addr, del_addr, 16) == 0)))
			continue;
		fprintf(f, "%s\n", line);
		if (line[0] == '[' && in && add != NULL)
			fprintf(f, "%s\n", add);
	}
	fclose(f);
	free(text);
	return out;
}

int
ctl_name_add(struct vsw *sw, struct reply *r, int argc, char **argv, char *err,
	     size_t errlen)
{
	const struct topo_bridge *tb;
	char line[TOPO_DNS_NAME_MAX + INET6_ADDRSTRLEN + 16], canon[INET6_ADDRSTRLEN];
	uint8_t a[16];
	unsigned i;
	int b, af;

	if (argc != 3) {
		snprintf(err, errlen, "usage: name add NETWORK NAME IP");
		return -1;
	}
	b = dns_network(sw, "add", argv[0], err, errlen);
	if (b < 0)
		return -1;
	if (parse_addr(argv[2], &af, a) != 0) {
		snprintf(err, errlen, "name add: '%s' is not an IPv4 or IPv6 address", argv[2]);
		return -1;
	}
	tb = &sw->run->bridges[b];
	for (i = 0; i < tb->n_hosts; i++)
		if (strcasecmp(tb->hosts[i].name, argv[1]) == 0 && tb->hosts[i].af == af &&
		    memcmp(tb->hosts[i].addr, a, 16) == 0) {
			reply_note(r, "%s %s is a name of network %s already", argv[1], argv[2],
				   argv[0]);
			return 0;
		}
	inet_ntop(af, a, canon, sizeof(canon));
	snprintf(line, sizeof(line), "host = %s %s", argv[1], canon);
	return apply_text(sw, r, "name add", text_hosts(sw, argv[0], line, NULL, 0, NULL),
			  err, errlen);
}

int
ctl_name_del(struct vsw *sw, struct reply *r, int argc, char **argv, char *err,
	     size_t errlen)
{
	const struct topo_bridge *tb;
	uint8_t a[16];
	unsigned i, n = 0;
	int b, af = 0;

	if (argc != 2 && argc != 3) {
		snprintf(err, errlen, "usage: name del NETWORK NAME [IP]");
		return -1;
	}
	b = dns_network(sw, "del", argv[0], err, errlen);
	if (b < 0)
		return -1;
	if (argc == 3 && parse_addr(argv[2], &af, a) != 0) {
		snprintf(err, errlen, "name del: '%s' is not an IPv4 or IPv6 address", argv[2]);
		return -1;
	}
	tb = &sw->run->bridges[b];
	for (i = 0; i < tb->n_hosts; i++)
		if (strcasecmp(tb->hosts[i].name, argv[1]) == 0 &&
		    (argc == 2 || (tb->hosts[i].af == af && memcmp(tb->hosts[i].addr, a, 16) == 0)))
			n++;
	if (n == 0) {
		snprintf(err, errlen, "name del: network %s has no static name %s%s%s (endpoints' names go with the endpoint)",
			 argv[0], argv[1], argc == 3 ? " " : "", argc == 3 ? argv[2] : "");
		return -1;
	}
	return apply_text(sw, r, "name del",
			  text_hosts(sw, argv[0], NULL, argv[1], af, argc == 3 ? a : NULL),
			  err, errlen);
}

int
ctl_name_ls(struct vsw *sw, struct reply *r, int argc, char **argv, char *err,
	    size_t errlen)
{
	static const char *const cols[] = { "network", "name", "address", "kind", "endpoint" };
	const struct topology *t = sw->run;
	unsigned b, i, j;
	int only = -1;

	if (argc > 1) {
		snprintf(err, errlen, "usage: name ls [NETWORK]");
		return -1;
	}
	if (argc == 1) {
		only = dns_network(sw, "ls", argv[0], err, errlen);
		if (only < 0)
			return -1;
	}
	reply_table(r, "names", NULL, RTE_DIM(cols), cols);
	for (b = 0; b < t->n_bridges; b++) {
		const struct topo_bridge *tb = &t->bridges[b];

		if (tb->name[0] == '\0' || tb->prefix == 0 || (only >= 0 && (int)b != only))
			continue;
		for (i = 0; i < t->n_ports; i++) {
			const struct topo_port *tp = &t->ports[i];
			char a[INET_ADDRSTRLEN];
			struct in_addr ia;

			if (tp->name[0] == '\0' || tp->bridge != (int)b || tp->ip == 0)
				continue;
			ia.s_addr = htonl(tp->ip);
			inet_ntop(AF_INET, &ia, a, sizeof(a));
			if (tp->ep_name[0])
				reply_row(r, tb->name, tp->ep_name, a, "name", tp->name);
			for (j = 0; j < tp->n_aliases; j++)
				reply_row(r, tb->name, tp->aliases[j], a, "alias", tp->name);
		}
		for (j = 0; j < tb->n_hosts; j++) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(tb->hosts[j].af, tb->hosts[j].addr, a, sizeof(a));
			reply_row(r, tb->name, tb->hosts[j].name, a, "static", "-");
		}
	}
	return 0;
}

int
ctl_show_dns(struct vsw *sw, struct reply *r, int argc, char **argv, char *err,
	     size_t errlen)
{
	static const char *const cols[] = { "counter", "#value", "what" };
	static const char *const ncols[] = { "network", "gateway", "dns", "#names" };
	struct dns_stats st;
	char servers[TOPO_ARGS_MAX], v[32];
	unsigned inflight, b, i, j;

	(void)argv;
	if (argc != 0) {
		snprintf(err, errlen, "usage: show dns");
		return -1;
	}
	if (!dns_read(sw, &st, &inflight, servers, sizeof(servers))) {
		snprintf(err, errlen, "no name service: it runs with routing (one worker), not in replay mode");
		return -1;
	}
	reply_note(r, "upstream: %s%s%s", servers, sw->run->sw.dns_netns[0] ? ", from namespace " : "",
		   sw->run->sw.dns_netns);
	reply_table(r, "dns", NULL, RTE_DIM(cols), cols);
	snprintf(v, sizeof(v), "%u", inflight);
	reply_row(r, "inflight", v, "queries upstream now");
#define ROW(n, d) snprintf(v, sizeof(v), "%" PRIu64, st.n); reply_row(r, #n, v, d);
	DNS_COUNTERS(ROW)
#undef ROW
	reply_table(r, "networks", "networks:", RTE_DIM(ncols), ncols);
	for (b = 0; b < sw->run->n_bridges; b++) {
		const struct topo_bridge *tb = &sw->run->bridges[b];
		char gw[INET_ADDRSTRLEN];
		struct in_addr ia;
		unsigned n = tb->n_hosts;

		if (tb->name[0] == '\0' || tb->prefix == 0)
			continue;
		for (i = 0; i < sw->run->n_ports; i++) {
			const struct topo_port *tp = &sw->run->ports[i];

			if (tp->name[0] && tp->bridge == (int)b && tp->ip != 0) {
				n += tp->ep_name[0] ? 1 : 0;
				for (j = 0; j < tp->n_aliases; j++)
					n++;
			}
		}
		ia.s_addr = htonl(tb->gateway);
		inet_ntop(AF_INET, &ia, gw, sizeof(gw));
		snprintf(v, sizeof(v), "%u", n);
		reply_row(r, tb->name, gw, tb->dns ? "yes" : "no", v);
	}
	return 0;
}
