/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Topology file parser.
 *
 * inih splits "key = value" lines, trims them and strips inline comments.
 * It does not tell its handler the line number (Debian builds it without
 * INI_HANDLER_LINENO) and never calls it for a section with no keys, so the
 * line reader given to ini_parse_stream() does three small jobs itself: it
 * counts lines, opens sections as their headers go by, and refuses lines
 * inih would silently mangle (over-long lines, indented continuation lines).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ini.h>
#include <rte_config.h>             /* RTE_MAX_ETHPORTS */

#include "config/topology.h"
#include "model/ipam.h"

#define MAX_KEYS 32
#define LINE_MAX_LEN 1024

enum sect_type { SECT_SWITCH, SECT_BRIDGE, SECT_PORT, SECT_ROUTE,
		 SECT_PUBLISH, SECT_MACVLAN, SECT_MAX };

static const char *const sect_names[SECT_MAX] = {
	[SECT_SWITCH] = "switch",
	[SECT_BRIDGE] = "bridge",
	[SECT_PORT] = "port",
	[SECT_ROUTE] = "route",
	[SECT_PUBLISH] = "publish",
	[SECT_MACVLAN] = "macvlan",
};

struct sect {
	enum sect_type type;
	int index;                      /* in topology's array for 'type' */
	char title[TOPO_NAME_MAX + 16]; /* "port c1", for messages */
	unsigned line;
	unsigned key_line[MAX_KEYS];    /* 0: key absent */
};

struct message {
	unsigned line;
	unsigned seq;
	char *text;
};

struct parser {
	struct topology *topo;
	FILE *err;
	struct message *msgs;           /* printed sorted by line at the end */
	unsigned n_msgs, cap_msgs;
	const char *file;
	char dir[TOPO_PATH_MAX];        /* the file's directory, for rx/tx paths */
	unsigned lineno;
	unsigned errors;
	struct sect sects[TOPO_MAX_PORTS + TOPO_MAX_BRIDGES + TOPO_MAX_ROUTES +
			  TOPO_MAX_PUBLISH + TOPO_MAX_MACVLANS + 1];
	unsigned n_sects;
	struct sect *cur;               /* NULL: outside or in a bad section */
	/* names waiting for the whole file before they can be resolved */
	char port_bridge[TOPO_MAX_PORTS][TOPO_NAME_MAX];
	char port_masq[TOPO_MAX_PORTS][TOPO_NAME_MAX];
	char bridge_masq[TOPO_MAX_BRIDGES][TOPO_NAME_MAX];
	char route_port[TOPO_MAX_ROUTES][TOPO_NAME_MAX];
	char publish_port[TOPO_MAX_PUBLISH][TOPO_NAME_MAX];
	char port_macvlan[TOPO_MAX_PORTS][TOPO_NAME_MAX];
	char macvlan_parent[TOPO_MAX_MACVLANS][TOPO_NAME_MAX];
	struct pending_static {
		int bridge;
		unsigned line;
		char text[LINE_MAX_LEN];
	} *statics;
	unsigned n_pending_statics, cap_pending_statics;
	/* input */
	FILE *fp;
	const char *str;
	char buf[LINE_MAX_LEN + 2];
};

struct key {
	const char *name;
	bool repeat;                    /* may be given more than once */
	int (*parse)(struct parser *, void *obj, const struct key *, const char *);
	size_t off;
	size_t size;
	const char *const *choices;     /* enum keys: names, index = value */
	unsigned min, max;              /* numeric keys */
};

static void __attribute__((format(printf, 4, 5)))
report(struct parser *ps, unsigned line, const char *where, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	int n;

	ps->errors++;
	if (ps->err == NULL)
		return;
	n = snprintf(msg, sizeof(msg), "%s:%u: %s", ps->file, line,
		     where != NULL ? where : "");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (ps->n_msgs == ps->cap_msgs) {
		unsigned cap = ps->cap_msgs ? ps->cap_msgs * 2 : 16;
		struct message *m = realloc(ps->msgs, cap * sizeof(*m));

		if (m == NULL) {
			fprintf(ps->err, "%s\n", msg);
			return;
		}
		ps->msgs = m;
		ps->cap_msgs = cap;
	}
	ps->msgs[ps->n_msgs].line = line;
	ps->msgs[ps->n_msgs].seq = ps->n_msgs;
	ps->msgs[ps->n_msgs].text = strdup(msg);
	ps->n_msgs++;
}

static int
message_cmp(const void *a, const void *b)
{
	const struct message *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
flush_messages(struct parser *ps)
{
	unsigned i;

	if (ps->n_msgs == 0)
		return;
	qsort(ps->msgs, ps->n_msgs, sizeof(*ps->msgs), message_cmp);
	for (i = 0; i < ps->n_msgs; i++) {
		if (ps->msgs[i].text != NULL)
			fprintf(ps->err, "%s\n", ps->msgs[i].text);
		free(ps->msgs[i].text);
	}
	free(ps->msgs);
	ps->msgs = NULL;
	ps->n_msgs = ps->cap_msgs = 0;
}

/* "[port c1] kind: " */
static const char *
key_where(const struct sect *s, const char *key, char *buf, size_t len)
{
	snprintf(buf, len, "[%s] %s: ", s->title, key);
	return buf;
}

static void __attribute__((format(printf, 4, 5)))
key_error(struct parser *ps, const struct sect *s, const char *key,
	  const char *fmt, ...)
{
	char where[128], msg[512];
	unsigned line = s->line;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key != NULL)
		key_where(s, key, where, sizeof(where));
	else
		snprintf(where, sizeof(where), "[%s] ", s->title);
	/* the caller sets ps->lineno to the key's line when it knows it */
	if (ps->lineno != 0)
		line = ps->lineno;
	report(ps, line, where, "%s", msg);
}

/* ---- value parsers ---------------------------------------------------- */

static bool
valid_name(const char *v)
{
	if (*v == '\0' || strlen(v) >= TOPO_NAME_MAX)
		return false;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && *v != '_' && *v != '-' &&
		    *v != '.')
			return false;
	return true;
}

static int
parse_uint(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0 ||
	    n < k->min || n > k->max) {
		key_error(ps, ps->cur, k->name,
			  "'%s' is not a number from %u to %u", v, k->min, k->max);
		return -1;
	}
	*(unsigned *)((char *)obj + k->off) = (unsigned)n;
	return 0;
}

static int
parse_choice(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	char list[256] = "";
	unsigned i;

	for (i = 0; k->choices[i] != NULL; i++) {
		if (strcmp(v, k->choices[i]) == 0) {
			*(int *)((char *)obj + k->off) = (int)i;
			return 0;
		}
		if (i > 0)
			strncat(list, " | ", sizeof(list) - strlen(list) - 1);
		strncat(list, k->choices[i], sizeof(list) - strlen(list) - 1);
	}
	key_error(ps, ps->cur, k->name, "'%s' is not one of: %s", v, list);
	return -1;
}

static int
parse_string(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	if (strlen(v) >= k->size) {
		key_error(ps, ps->cur, k->name, "longer than %zu characters",
			  k->size - 1);
		return -1;
	}
	memcpy((char *)obj + k->off, v, strlen(v) + 1);
	return 0;
}

static int
parse_ifname(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	const char *c;

	if (strlen(v) >= TOPO_IFNAME_MAX || strcmp(v, ".") == 0 ||
	    strcmp(v, "..") == 0) {
		key_error(ps, ps->cur, k->name,
			  "'%s' is not an interface name (1 to %d characters)",
			  v, TOPO_IFNAME_MAX - 1);
		return -1;
	}
	for (c = v; *c; c++) {
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c)) {
			key_error(ps, ps->cur, k->name,
				  "'%s': an interface name has no '/', ':' or spaces", v);
			return -1;
		}
	}
	return parse_string(ps, obj, k, v);
}

/* A path relative to the topology file's directory. */
static int
parse_path(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	char full[TOPO_PATH_MAX * 2];

	if (v[0] == '/' || ps->dir[0] == '\0')
		snprintf(full, sizeof(full), "%s", v);
	else
		snprintf(full, sizeof(full), "%s/%s", ps->dir, v);
	return parse_string(ps, obj, k, full);
}

static int
parse_ref(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	if (!valid_name(v)) {
		key_error(ps, ps->cur, k->name, "'%s' is not a valid name", v);
		return -1;
	}
	return parse_string(ps, obj, k, v);
}

static int
parse_cpus(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	const char *c;

	for (c = v; *c; c++) {
		if (!isdigit((unsigned char)*c) && *c != ',' && *c != '-') {
			key_error(ps, ps->cur, k->name,
				  "'%s' is not a CPU list such as 1 or 2-3,5", v);
			return -1;
		}
	}
	return parse_string(ps, obj, k, v);
}

static int
parse_bool(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };
	unsigned i;

	for (i = 0; yes[i] != NULL; i++) {
		if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
			*(bool *)((char *)obj + k->off) = strcmp(v, yes[i]) == 0;
			return 0;
		}
	}
	key_error(ps, ps->cur, k->name, "'%s' is not yes or no", v);
	return -1;
}

/* A VLAN ID, 1 to 4094. */
static int
vid_value(struct parser *ps, const struct key *k, const char *v, unsigned *vid)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0 ||
	    n < 1 || n > TOPO_VID_MAX) {
		key_error(ps, ps->cur, k->name, "'%s' is not a VLAN ID from 1 to %d",
			  v, TOPO_VID_MAX);
		return -1;
	}
	*vid = (unsigned)n;
	return 0;
}

static int
parse_access_vlan(struct parser *ps, void *obj, const struct key *k,
		  const char *v)
{
	struct topo_port *p = obj;
	unsigned vid;

	if (vid_value(ps, k, v, &vid) != 0)
		return -1;
	p->vlan_mode = TOPO_VLAN_ACCESS;
	p->pvid = (uint16_t)vid;
	return 0;
}

static int
parse_native(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	struct topo_port *p = obj;
	unsigned vid;

	if (vid_value(ps, k, v, &vid) != 0)
		return -1;
	p->pvid = (uint16_t)vid;
	return 0;
}

/* trunk = 10,20-29,100 */
static int
parse_trunk(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	struct topo_port *p = obj;
	char buf[LINE_MAX_LEN], *tok, *save = NULL;
	bool any = false;

	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save), any = true) {
		char *dash, *a = tok, *e;
		unsigned lo, hi, i;

		while (isspace((unsigned char)*a))
			a++;
		for (e = a + strlen(a); e > a && isspace((unsigned char)e[-1]); )
			*--e = '\0';
		dash = strchr(a, '-');
		if (dash != NULL)
			*dash = '\0';
		if (vid_value(ps, k, a, &lo) != 0 ||
		    (dash != NULL && vid_value(ps, k, dash + 1, &hi) != 0))
			return -1;
		if (dash == NULL)
			hi = lo;
		if (hi < lo) {
			key_error(ps, ps->cur, k->name, "'%s-%s' is an empty range",
				  a, dash + 1);
			return -1;
		}
		for (i = lo; i <= hi; i++)
			p->trunk[i / 64] |= 1ull << (i % 64);
	}
	if (!any) {     /* "trunk = ,": strtok_r finds no VID */
		key_error(ps, ps->cur, k->name, "'%s' lists no VLAN ID", v);
		return -1;
	}
	p->vlan_mode = TOPO_VLAN_TRUNK;
	return 0;
}

/* static = MAC@PORT[.VID], ...: kept as text until every port is known */
static int
parse_static(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	struct pending_static *st;

	(void)obj;
	(void)k;
	if (ps->n_pending_statics == ps->cap_pending_statics) {
		unsigned cap = ps->cap_pending_statics ? ps->cap_pending_statics * 2 : 8;
		struct pending_static *n = realloc(ps->statics, cap * sizeof(*n));

		if (n == NULL) {
			key_error(ps, ps->cur, "static", "out of memory");
			return -1;
		}
		ps->statics = n;
		ps->cap_pending_statics = cap;
	}
	st = &ps->statics[ps->n_pending_statics++];
	st->bridge = ps->cur->index;
	st->line = ps->lineno;
	snprintf(st->text, sizeof(st->text), "%s", v);
	return 0;
}

/* An IPv4 address, host byte order. */
static bool
ipv4_value(const char *v, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, v, &a) != 1)
		return false;
	*ip = ntohl(a.s_addr);
	return true;
}

static int
parse_ipv4(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	uint32_t ip;

	if (!ipv4_value(v, &ip) || ip == 0) {
		key_error(ps, ps->cur, k->name, "'%s' is not an IPv4 address", v);
		return -1;
	}
	*(uint32_t *)((char *)obj + k->off) = ip;
	return 0;
}

/* "A.B.C.D/LEN" into the uint32 at 'off' and the uint8 right after it in
 * the struct (named by k->size: the prefix field's offset). */
static int
cidr_value(struct parser *ps, const struct key *k, const char *v, uint32_t *ip,
	   unsigned *len)
{
	char buf[64], *slash, *end;
	unsigned long n;

	snprintf(buf, sizeof(buf), "%s", v);
	slash = strchr(buf, '/');
	if (slash == NULL) {
		key_error(ps, ps->cur, k->name, "'%s' is not ADDRESS/LENGTH (like 172.17.0.0/16)", v);
		return -1;
	}
	*slash = '\0';
	n = strtoul(slash + 1, &end, 10);
	if (!ipv4_value(buf, ip) || *end != '\0' || !isdigit((unsigned char)slash[1]) ||
	    n > 32) {
		key_error(ps, ps->cur, k->name, "'%s' is not ADDRESS/LENGTH (like 172.17.0.0/16)", v);
		return -1;
	}
	*len = (unsigned)n;
	return 0;
}

/* A network: host bits must be zero. */
static int
parse_net(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	uint32_t ip, mask;
	unsigned len;

	if (cidr_value(ps, k, v, &ip, &len) != 0)
		return -1;
	mask = len ? ~0u << (32 - len) : 0;
	if (len == 0 && k->min) {
		key_error(ps, ps->cur, k->name, "/0 is not a subnet");
		return -1;
	}
	if (ip & ~mask) {
		struct in_addr a = { .s_addr = htonl(ip & mask) };

		key_error(ps, ps->cur, k->name, "'%s' has host bits set (the network is %s/%u)",
			  v, inet_ntoa(a), len);
		return -1;
	}
	*(uint32_t *)((char *)obj + k->off) = ip;
	*((uint8_t *)obj + k->size) = (uint8_t)len;
	return 0;
}

/* An interface address: ADDRESS/LENGTH, not the network or broadcast. */
static int
parse_ifaddr(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	uint32_t ip, mask;
	unsigned len;

	if (cidr_value(ps, k, v, &ip, &len) != 0)
		return -1;
	mask = len ? ~0u << (32 - len) : 0;
	if (len < 8 || (len < 31 && ((ip & ~mask) == 0 || (ip & ~mask) == ~mask))) {
		key_error(ps, ps->cur, k->name,
			  "'%s' is not a host address in a /8 to /32 network", v);
		return -1;
	}
	*(uint32_t *)((char *)obj + k->off) = ip;
	*((uint8_t *)obj + k->size) = (uint8_t)len;
	return 0;
}

static int
parse_mac_key(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	uint8_t *mac = (uint8_t *)obj + k->off;
	bool parse_mac(const char *v, uint8_t mac[6]);

	if (!parse_mac(v, mac) || (mac[0] & 1) ||
	    !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		key_error(ps, ps->cur, k->name,
			  "'%s' is not a unicast MAC address like 02:42:ac:11:00:01", v);
		memset(mac, 0, 6);
		return -1;
	}
	return 0;
}

/* ip_range = CIDR: the inclusive range range_lo..range_hi of a bridge. */
static int
parse_range(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	struct topo_bridge *b = obj;
	uint32_t ip, mask;
	unsigned len;

	if (cidr_value(ps, k, v, &ip, &len) != 0)
		return -1;
	mask = len ? ~0u << (32 - len) : 0;
	if (len == 0 || (ip & ~mask)) {
		key_error(ps, ps->cur, k->name, "'%s' is not a network (host bits zero, /1 to /32)", v);
		return -1;
	}
	b->range_lo = ip;
	b->range_hi = ip | ~mask;
	return 0;
}

/* An endpoint's name or alias: a DNS name of letters, digits, '-', '_'
 * and '.', starting with a letter or digit. */
static int
parse_dns_name(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	const char *c;

	if (strlen(v) >= TOPO_DNS_NAME_MAX || !isalnum((unsigned char)v[0])) {
		key_error(ps, ps->cur, k->name,
			  "'%s' is not a name (1 to %d letters, digits, '-', '_' or '.', starting with a letter or digit)",
			  v, TOPO_DNS_NAME_MAX - 1);
		return -1;
	}
	for (c = v; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.') {
			key_error(ps, ps->cur, k->name, "'%s': '%c' is not allowed in a name", v, *c);
			return -1;
		}
	return parse_string(ps, obj, k, v);
}

static int
parse_alias(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	struct topo_port *p = obj;
	struct key one = *k;
	unsigned i;

	if (p->n_aliases == TOPO_MAX_ALIASES) {
		key_error(ps, ps->cur, k->name, "more than %d aliases", TOPO_MAX_ALIASES);
		return -1;
	}
	for (i = 0; i < p->n_aliases; i++)
		if (strcasecmp(p->aliases[i], v) == 0) {
			key_error(ps, ps->cur, k->name, "'%s' is given twice", v);
			return -1;
		}
	one.off = offsetof(struct topo_port, aliases) + p->n_aliases * TOPO_DNS_NAME_MAX;
	one.size = TOPO_DNS_NAME_MAX;
	if (parse_dns_name(ps, obj, &one, v) != 0)
		return -1;
	p->n_aliases++;
	return 0;
}

int
topo_dns_upstreams(const char *spec, struct sockaddr_storage *out, unsigned max,
		   char *err, size_t errlen)
{
	char buf[TOPO_ARGS_MAX], *w, *save = NULL;
	unsigned n = 0;

	if (strcmp(spec, "none") == 0)
		return 0;
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	for (w = strtok_r(buf, " ,\t", &save); w != NULL; w = strtok_r(NULL, " ,\t", &save)) {
		char host[INET6_ADDRSTRLEN + 2];
		const char *port = NULL;
		char *end;
		unsigned long pn = 53;
		struct sockaddr_in *a4;
		struct sockaddr_in6 *a6;

		if (n == max) {
			snprintf(err, errlen, "more than %u servers", max);
			return -1;
		}
		if (w[0] == '[') {
			char *close = strchr(w, ']');

			if (close == NULL || close - w - 1 >= (long)sizeof(host) ||
			    (close[1] != '\0' && close[1] != ':')) {
				snprintf(err, errlen, "'%s' is not [IPv6]:PORT", w);
				return -1;
			}
			snprintf(host, sizeof(host), "%.*s", (int)(close - w - 1), w + 1);
			if (close[1] == ':')
				port = close + 2;
		} else if (strchr(w, ':') != NULL && strchr(w, ':') == strrchr(w, ':')) {
			/* one colon: IPv4:PORT */
			snprintf(host, sizeof(host), "%.*s", (int)(strchr(w, ':') - w), w);
			port = strchr(w, ':') + 1;
		} else if (strlen(w) < sizeof(host)) {
			snprintf(host, sizeof(host), "%s", w);
		} else {
			snprintf(err, errlen, "'%s' is not an address", w);
			return -1;
		}
		if (port != NULL) {
			errno = 0;
			pn = strtoul(port, &end, 10);
			if (*port < '0' || *port > '9' || *end != '\0' || errno || pn == 0 ||
			    pn > 65535) {
				snprintf(err, errlen, "'%s': the port is not 1-65535", w);
				return -1;
			}
		}
		memset(&out[n], 0, sizeof(out[n]));
		a4 = (struct sockaddr_in *)&out[n];
		a6 = (struct sockaddr_in6 *)&out[n];
		if (w[0] != '[' && inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
			a4->sin_family = AF_INET;
			a4->sin_port = htons((uint16_t)pn);
		} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
			a6->sin6_family = AF_INET6;
			a6->sin6_port = htons((uint16_t)pn);
		} else {
			snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address (IP, IP:PORT, [IPv6]:PORT or none)",
				 w);
			return -1;
		}
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "no server (give IP[:PORT]... or none)");
		return -1;
	}
	return (int)n;
}

static int
parse_upstream(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	struct sockaddr_storage ss[TOPO_DNS_UPSTREAMS_MAX];
	char why[160];

	if (topo_dns_upstreams(v, ss, sizeof(ss) / sizeof(ss[0]), why, sizeof(why)) < 0) {
		key_error(ps, ps->cur, k->name, "%s", why);
		return -1;
	}
	return parse_string(ps, obj, k, v);
}

int
topo_listen_parse(const char *spec, struct sockaddr_storage *ss, char *why,
		  size_t whylen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = spec;
	unsigned long port;
	size_t hl;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (strncmp(spec, "unix:", 5) == 0)
		spec += 5;
	if (spec[0] == '/') {
		struct sockaddr_un *su = (struct sockaddr_un *)ss;

		if (strlen(spec) >= sizeof(su->sun_path)) {
			snprintf(why, whylen, "'%s': a unix socket path is at most %zu characters",
				 spec, sizeof(su->sun_path) - 1);
			return -1;
		}
		su->sun_family = AF_UNIX;
		snprintf(su->sun_path, sizeof(su->sun_path), "%s", spec);
		return 0;
	}
	colon = strrchr(spec, ':');
	if (colon == NULL || colon == spec) {
		snprintf(why, whylen, "'%s' is not HOST:PORT (127.0.0.1:9417) or a unix socket path", spec);
		return -1;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || *end != '\0' || errno != 0 ||
	    port == 0 || port > 65535) {
		snprintf(why, whylen, "'%s': the port is not 1 to 65535", spec);
		return -1;
	}
	hl = (size_t)(colon - spec);
	if (h[0] == '[') {
		if (hl < 3 || h[hl - 1] != ']') {
			snprintf(why, whylen, "'%s': an IPv6 address goes in brackets ([::1]:9417)", spec);
			return -1;
		}
		h++;
		hl -= 2;
	}
	if (hl >= sizeof(host)) {
		snprintf(why, whylen, "'%s': the host is not a numeric address", spec);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (spec[0] != '[') {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
			snprintf(why, whylen, "'%s': '%s' is not a numeric IPv4 address (IPv6 goes in brackets)",
				 spec, host);
			return -1;
		}
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
			snprintf(why, whylen, "'%s': '%s' is not a numeric IPv6 address", spec, host);
			return -1;
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
	}
	return 0;
}

static int
parse_listen(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	struct sockaddr_storage ss;
	char why[200];

	if (topo_listen_parse(v, &ss, why, sizeof(why)) < 0) {
		key_error(ps, ps->cur, k->name, "%s", why);
		return -1;
	}
	return parse_string(ps, obj, k, v);
}

/* host = NAME IP: a static name of the bridge's name service (IPv4 or
 * IPv6), like docker run --add-host or a --link's name. */
static int
parse_host(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	struct topo_bridge *b = obj;
	struct topo_host *h;
	struct key one = *k;
	char name[TOPO_DNS_NAME_MAX + 1], addr[INET6_ADDRSTRLEN + 1], extra[2];
	unsigned i;

	if (sscanf(v, "%64s %46s %1s", name, addr, extra) != 2) {
		key_error(ps, ps->cur, k->name, "'%s' is not NAME IP", v);
		return -1;
	}
	if (b->n_hosts == TOPO_MAX_HOSTS) {
		key_error(ps, ps->cur, k->name, "more than %d static names", TOPO_MAX_HOSTS);
		return -1;
	}
	h = &b->hosts[b->n_hosts];
	memset(h, 0, sizeof(*h));
	if (inet_pton(AF_INET, addr, h->addr) == 1) {
		h->af = AF_INET;
	} else if (inet_pton(AF_INET6, addr, h->addr) == 1) {
		h->af = AF_INET6;
	} else {
		key_error(ps, ps->cur, k->name, "'%s' is not an IPv4 or IPv6 address", addr);
		return -1;
	}
	for (i = 0; i < b->n_hosts; i++)
		if (strcasecmp(b->hosts[i].name, name) == 0 && b->hosts[i].af == h->af &&
		    memcmp(b->hosts[i].addr, h->addr, 16) == 0) {
			key_error(ps, ps->cur, k->name, "'%s %s' is given twice", name, addr);
			return -1;
		}
	one.off = offsetof(struct topo_bridge, hosts) + b->n_hosts * sizeof(*h) +
		  offsetof(struct topo_host, name);
	one.size = TOPO_DNS_NAME_MAX;
	if (parse_dns_name(ps, obj, &one, name) != 0)
		return -1;
	b->n_hosts++;
	return 0;
}

/* subnet_pool = CIDR[:SIZE],...: checked by the IPAM's own parser. */
static int
parse_pool(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	struct ipam_pool pool;
	char why[256];

	if (ipam_pool_parse(&pool, v, why, sizeof(why)) != 0) {
		key_error(ps, ps->cur, k->name, "%s", why);
		return -1;
	}
	return parse_string(ps, obj, k, v);
}

/* "A" or "A-B" into two adjacent uint16 fields. */
static int
parse_port_range(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	unsigned long lo, hi;
	char *end;

	errno = 0;
	lo = strtoul(v, &end, 10);
	hi = lo;
	if (*end == '-')
		hi = strtoul(end + 1, &end, 10);
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno || lo < 1 ||
	    hi > 65535 || hi < lo) {
		key_error(ps, ps->cur, k->name, "'%s' is not a port or a range like 8000-8010", v);
		return -1;
	}
	((uint16_t *)((char *)obj + k->off))[0] = (uint16_t)lo;
	((uint16_t *)((char *)obj + k->off))[1] = (uint16_t)hi;
	return 0;
}

static int
parse_proto(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	uint8_t *p = (uint8_t *)obj + k->off;

	if (strcmp(v, "tcp") == 0)
		*p = IPPROTO_TCP;
	else if (strcmp(v, "udp") == 0)
		*p = IPPROTO_UDP;
	else {
		key_error(ps, ps->cur, k->name, "'%s' is not tcp or udp", v);
		return -1;
	}
	return 0;
}

/* to = IP:PORT or IP:A-B */
static int
parse_to(struct parser *ps, void *obj, const struct key *k, const char *v)
{
	struct topo_publish *pb = obj;
	char buf[64], *colon;
	struct key range = *k;

	snprintf(buf, sizeof(buf), "%s", v);
	colon = strrchr(buf, ':');
	if (colon == NULL) {
		key_error(ps, ps->cur, k->name, "'%s' is not IP:PORT (like 172.17.0.2:80)", v);
		return -1;
	}
	*colon = '\0';
	if (!ipv4_value(buf, &pb->to_ip)) {
		key_error(ps, ps->cur, k->name, "'%s' is not an IPv4 address", buf);
		return -1;
	}
	range.off = offsetof(struct topo_publish, to_lo);
	return parse_port_range(ps, obj, &range, colon + 1);
}

/* ---- section tables --------------------------------------------------- */

static const char *const hugepages_names[] = { "auto", "yes", "no", NULL };
static const char *const poll_names[] = { "adaptive", "busy", NULL };
static const char *const nat_filter_names[] = { "endpoint-independent",
	"address-dependent", "address-port-dependent", NULL };
static const char *const kind_names[] = { "tap", "afpacket", "dpdk", "pcap",
					  NULL };
static const char *const macvlan_mode_names[] = { "bridge", "private", "vepa",
						  "passthru", NULL };

#define SW(f) offsetof(struct topo_switch, f), sizeof(((struct topo_switch *)0)->f)
#define PT(f) offsetof(struct topo_port, f), sizeof(((struct topo_port *)0)->f)
#define BR(f) offsetof(struct topo_bridge, f), sizeof(((struct topo_bridge *)0)->f)
#define RT(f) offsetof(struct topo_route, f), sizeof(((struct topo_route *)0)->f)
#define PB(f) offsetof(struct topo_publish, f), sizeof(((struct topo_publish *)0)->f)
/* CIDR keys: the address field's offset, then the prefix length's */
#define CIDR(t, a, l) offsetof(t, a), offsetof(t, l)

static const struct key switch_keys[] = {
	{ "hugepages", false, parse_choice, SW(hugepages), hugepages_names, 0, 0 },
	{ "poll", false, parse_choice, SW(poll), poll_names, 0, 0 },
	{ "workers", false, parse_uint, SW(workers), NULL, 1, TOPO_MAX_WORKERS },
	{ "mbufs", false, parse_uint, SW(mbufs), NULL, 1024, 1u << 24 },
	{ "control", false, parse_string, SW(control), NULL, 0, 0 },
	{ "eal", false, parse_string, SW(eal), NULL, 0, 0 },
	{ "cpus", false, parse_cpus, SW(cpus), NULL, 0, 0 },
	{ "nat_sessions", false, parse_uint, SW(nat_sessions), NULL, 1024,
	  TOPO_NAT_SESSIONS_MAX },
	{ "nat_sessions_per_host", false, parse_uint, SW(nat_sessions_per_host), NULL,
	  1, TOPO_NAT_SESSIONS_MAX },
	{ "nat_ports", false, parse_port_range, SW(nat_port_lo), NULL, 0, 0 },
	{ "nat_filtering", false, parse_choice, SW(nat_filtering), nat_filter_names, 0, 0 },
	{ "nat_timeout_udp", false, parse_uint, SW(nat_timeout_udp), NULL, 1, 86400 },
	{ "nat_timeout_tcp_established", false, parse_uint,
	  SW(nat_timeout_tcp_established), NULL, 1, 864000 },
	{ "nat_timeout_tcp_transitory", false, parse_uint,
	  SW(nat_timeout_tcp_transitory), NULL, 1, 86400 },
	{ "nat_timeout_icmp", false, parse_uint, SW(nat_timeout_icmp), NULL, 1, 86400 },
	{ "nat_full_icmp", false, parse_bool, SW(nat_full_icmp), NULL, 0, 0 },
	{ "state", false, parse_string, SW(state), NULL, 0, 0 },
	{ "subnet_pool", false, parse_pool, SW(subnet_pool), NULL, 0, 0 },
	{ "port_cache", false, parse_uint, SW(port_cache), NULL, 0, TOPO_PORT_CACHE_MAX },
	{ "dns_upstream", false, parse_upstream, SW(dns_upstream), NULL, 0, 0 },
	{ "dns_netns", false, parse_string, SW(dns_netns), NULL, 0, 0 },
	{ "metrics", false, parse_listen, SW(metrics), NULL, 0, 0 },
	{ "pdump", false, parse_bool, SW(pdump), NULL, 0, 0 },
	{ NULL, false, NULL, 0, 0, NULL, 0, 0 },
};

enum { PK_KIND, PK_IFACE, PK_DEVARGS, PK_RX, PK_TX, PK_BRIDGE, PK_MBUFS,
       PK_VLAN, PK_TRUNK, PK_NATIVE, PK_HAIRPIN, PK_MAC_LIMIT, PK_ADDRESS,
       PK_GATEWAY, PK_MAC, PK_MTU, PK_GATEWAY_MAC, PK_MASQUERADE, PK_MACVLAN,
       PK_STORM_LIMIT, PK_NETNS, PK_IFNAME, PK_IP, PK_PEER_MAC, PK_NAME,
       PK_ALIAS };
static const struct key port_keys[] = {
	[PK_KIND] = { "kind", false, parse_choice, PT(kind), kind_names, 0, 0 },
	[PK_IFACE] = { "iface", false, parse_ifname, PT(iface), NULL, 0, 0 },
	[PK_DEVARGS] = { "devargs", false, parse_string, PT(devargs), NULL, 0, 0 },
	[PK_RX] = { "rx", false, parse_path, PT(rx), NULL, 0, 0 },
	[PK_TX] = { "tx", false, parse_path, PT(tx), NULL, 0, 0 },
	/* stored by name until every bridge is known */
	[PK_BRIDGE] = { "bridge", false, parse_ref, 0, TOPO_NAME_MAX, NULL, 0, 0 },
	[PK_MBUFS] = { "mbufs", false, parse_uint, PT(mbufs), NULL, 512, 1u << 24 },
	[PK_VLAN] = { "vlan", false, parse_access_vlan, 0, 0, NULL, 0, 0 },
	[PK_TRUNK] = { "trunk", false, parse_trunk, 0, 0, NULL, 0, 0 },
	[PK_NATIVE] = { "native", false, parse_native, 0, 0, NULL, 0, 0 },
	[PK_HAIRPIN] = { "hairpin", false, parse_bool, PT(hairpin), NULL, 0, 0 },
	[PK_MAC_LIMIT] = { "mac_limit", false, parse_uint, PT(mac_limit), NULL, 1,
			   TOPO_MAC_LIMIT_MAX },
	[PK_ADDRESS] = { "address", false, parse_ifaddr,
			 CIDR(struct topo_port, address, prefix), NULL, 0, 0 },
	[PK_GATEWAY] = { "gateway", false, parse_ipv4, PT(gateway), NULL, 0, 0 },
	[PK_MAC] = { "mac", false, parse_mac_key, PT(mac), NULL, 0, 0 },
	[PK_MTU] = { "mtu", false, parse_uint, PT(mtu), NULL, 576, 9216 },
	[PK_GATEWAY_MAC] = { "gateway_mac", false, parse_mac_key, PT(gateway_mac), NULL, 0, 0 },
	/* stored by name until every port is known */
	[PK_MASQUERADE] = { "masquerade", false, parse_ref, 0, TOPO_NAME_MAX, NULL, 0, 0 },
	[PK_MACVLAN] = { "macvlan", false, parse_ref, 0, TOPO_NAME_MAX, NULL, 0, 0 },
	[PK_STORM_LIMIT] = { "storm_limit", false, parse_uint, PT(storm_limit), NULL, 1,
			     100000000 },
	/* an endpoint: what vswctl connect made */
	[PK_NETNS] = { "netns", false, parse_string, PT(netns), NULL, 0, 0 },
	[PK_IFNAME] = { "ifname", false, parse_ifname, PT(ifname), NULL, 0, 0 },
	[PK_IP] = { "ip", false, parse_ipv4, PT(ip), NULL, 0, 0 },
	[PK_PEER_MAC] = { "peer_mac", false, parse_mac_key, PT(peer_mac), NULL, 0, 0 },
	[PK_NAME] = { "name", false, parse_dns_name, PT(ep_name), NULL, 0, 0 },
	[PK_ALIAS] = { "alias", true, parse_alias, 0, 0, NULL, 0, 0 },
	{ NULL, false, NULL, 0, 0, NULL, 0, 0 },
};

enum { BK_MAC_AGING, BK_MAC_LIMIT, BK_STATIC, BK_SUBNET, BK_GATEWAY, BK_MAC,
       BK_MASQUERADE, BK_ISOLATED, BK_INTERNAL, BK_MTU, BK_IP_RANGE, BK_DNS,
       BK_HOST };
static const struct key bridge_keys[] = {
	[BK_MAC_AGING] = { "mac_aging", false, parse_uint, BR(mac_aging), NULL, 0,
			   TOPO_AGING_MAX },
	[BK_MAC_LIMIT] = { "mac_limit", false, parse_uint, BR(mac_limit), NULL, 1,
			   TOPO_MAC_LIMIT_MAX },
	[BK_STATIC] = { "static", true, parse_static, 0, 0, NULL, 0, 0 },
	[BK_SUBNET] = { "subnet", false, parse_net,
			CIDR(struct topo_bridge, subnet, prefix), NULL, 1, 0 },
	[BK_GATEWAY] = { "gateway", false, parse_ipv4, BR(gateway), NULL, 0, 0 },
	[BK_MAC] = { "mac", false, parse_mac_key, BR(mac), NULL, 0, 0 },
	/* stored by name until every port is known */
	[BK_MASQUERADE] = { "masquerade", false, parse_ref, 0, TOPO_NAME_MAX, NULL, 0, 0 },
	[BK_ISOLATED] = { "isolated", false, parse_bool, BR(isolated), NULL, 0, 0 },
	[BK_INTERNAL] = { "internal", false, parse_bool, BR(internal), NULL, 0, 0 },
	[BK_MTU] = { "mtu", false, parse_uint, BR(mtu), NULL, 576, 9216 },
	[BK_IP_RANGE] = { "ip_range", false, parse_range, 0, 0, NULL, 0, 0 },
	[BK_DNS] = { "dns", false, parse_bool, BR(dns), NULL, 0, 0 },
	[BK_HOST] = { "host", true, parse_host, 0, 0, NULL, 0, 0 },
	{ NULL, false, NULL, 0, 0, NULL, 0, 0 },
};

enum { RK_PREFIX, RK_VIA, RK_PORT };
static const struct key route_keys[] = {
	[RK_PREFIX] = { "prefix", false, parse_net,
			CIDR(struct topo_route, prefix, len), NULL, 0, 0 },
	[RK_VIA] = { "via", false, parse_ipv4, RT(via), NULL, 0, 0 },
	[RK_PORT] = { "port", false, parse_ref, 0, TOPO_NAME_MAX, NULL, 0, 0 },
	{ NULL, false, NULL, 0, 0, NULL, 0, 0 },
};

enum { UK_PORT, UK_PROTO, UK_LISTEN, UK_TO };
static const struct key publish_keys[] = {
	[UK_PORT] = { "port", false, parse_ref, 0, TOPO_NAME_MAX, NULL, 0, 0 },
	[UK_PROTO] = { "proto", false, parse_proto, PB(proto), NULL, 0, 0 },
	[UK_LISTEN] = { "listen", false, parse_port_range, PB(listen_lo), NULL, 0, 0 },
	[UK_TO] = { "to", false, parse_to, 0, 0, NULL, 0, 0 },
	{ NULL, false, NULL, 0, 0, NULL, 0, 0 },
};

enum { MK_PARENT, MK_MODE, MK_GATEWAY };
#define MV(f) offsetof(struct topo_macvlan, f), sizeof(((struct topo_macvlan *)0)->f)
static const struct key macvlan_keys[] = {
	/* PORT or PORT.VID, resolved once every port is known */
	[MK_PARENT] = { "parent", false, parse_ref, 0, TOPO_NAME_MAX, NULL, 0, 0 },
	[MK_MODE] = { "mode", false, parse_choice, MV(mode), macvlan_mode_names, 0, 0 },
	[MK_GATEWAY] = { "gateway", false, parse_ipv4, MV(gateway), NULL, 0, 0 },
	{ NULL, false, NULL, 0, 0, NULL, 0, 0 },
};

static const struct key *const sect_keys[SECT_MAX] = {
	[SECT_SWITCH] = switch_keys,
	[SECT_BRIDGE] = bridge_keys,
	[SECT_PORT] = port_keys,
	[SECT_ROUTE] = route_keys,
	[SECT_PUBLISH] = publish_keys,
	[SECT_MACVLAN] = macvlan_keys,
};

/* ---- sections ---------------------------------------------------------- */

static void
open_section(struct parser *ps, char *hdr)
{
	struct topology *t = ps->topo;
	char *close = strchr(hdr, ']');
	char *type, *name, *rest;
	struct sect *s;
	unsigned i;
	int st = -1;

	ps->cur = NULL;
	if (close == NULL) {
		report(ps, ps->lineno, NULL, "section header has no closing ']'");
		return;
	}
	*close = '\0';
	for (rest = close + 1; *rest; rest++) {
		if (*rest == ';' || *rest == '#')
			break;
		if (!isspace((unsigned char)*rest)) {
			report(ps, ps->lineno, NULL, "text after the section header");
			return;
		}
	}
	type = hdr + 1;
	while (isspace((unsigned char)*type))
		type++;
	name = type;
	while (*name && !isspace((unsigned char)*name))
		name++;
	if (*name) {
		*name++ = '\0';
		while (isspace((unsigned char)*name))
			name++;
		rest = name + strlen(name);
		while (rest > name && isspace((unsigned char)rest[-1]))
			*--rest = '\0';
	}
	for (i = 0; i < SECT_MAX; i++)
		if (strcmp(type, sect_names[i]) == 0)
			st = (int)i;
	if (st < 0) {
		report(ps, ps->lineno, NULL,
		       "[%s%s%s]: unknown section (known: [switch], [bridge NAME], [port NAME], [macvlan NAME], [route NAME], [publish NAME])",
		       type, *name ? " " : "", name);
		return;
	}
	if (st == SECT_SWITCH && *name) {
		report(ps, ps->lineno, NULL, "[switch] takes no name");
		return;
	}
	if (st != SECT_SWITCH && !valid_name(name)) {
		report(ps, ps->lineno, NULL,
		       "[%s %s]: a %s needs a name of 1 to %d letters, digits, '_', '-' or '.'",
		       type, name, type, TOPO_NAME_MAX - 1);
		return;
	}
	for (i = 0; i < ps->n_sects; i++) {
		s = &ps->sects[i];
		if ((int)s->type == st &&
		    (st == SECT_SWITCH ||
		     strcmp(s->title + strlen(sect_names[st]) + 1, name) == 0)) {
			report(ps, ps->lineno, NULL,
			       "[%s%s%s] appears twice (first at line %u)", type,
			       *name ? " " : "", name, s->line);
			return;
		}
	}
	{
		static const unsigned max[SECT_MAX] = {
			[SECT_SWITCH] = 1, [SECT_BRIDGE] = TOPO_MAX_BRIDGES,
			[SECT_PORT] = TOPO_MAX_PORTS, [SECT_ROUTE] = TOPO_MAX_ROUTES,
			[SECT_PUBLISH] = TOPO_MAX_PUBLISH,
			[SECT_MACVLAN] = TOPO_MAX_MACVLANS,
		};
		const unsigned have[SECT_MAX] = {
			[SECT_SWITCH] = 0, [SECT_BRIDGE] = t->n_bridges,
			[SECT_PORT] = t->n_ports, [SECT_ROUTE] = t->n_routes,
			[SECT_PUBLISH] = t->n_publish,
			[SECT_MACVLAN] = t->n_macvlans,
		};

		if (have[st] >= max[st]) {
			report(ps, ps->lineno, NULL, "too many %s sections (at most %u)",
			       type, max[st]);
			return;
		}
	}

	s = &ps->sects[ps->n_sects++];
	memset(s, 0, sizeof(*s));
	s->type = (enum sect_type)st;
	s->line = ps->lineno;
	snprintf(s->title, sizeof(s->title), "%s%s%s", type, *name ? " " : "",
		 name);
	switch (s->type) {
	case SECT_SWITCH:
		t->sw.line = ps->lineno;
		s->index = 0;
		break;
	case SECT_BRIDGE:
		s->index = (int)t->n_bridges++;
		snprintf(t->bridges[s->index].name, TOPO_NAME_MAX, "%s", name);
		t->bridges[s->index].line = ps->lineno;
		t->bridges[s->index].mac_aging = 300;
		t->bridges[s->index].mac_limit = 65536;
		t->bridges[s->index].masquerade = -1;
		t->bridges[s->index].isolated = true;
		t->bridges[s->index].dns = true;
		break;
	case SECT_ROUTE:
		s->index = (int)t->n_routes++;
		snprintf(t->routes[s->index].name, TOPO_NAME_MAX, "%s", name);
		t->routes[s->index].line = ps->lineno;
		t->routes[s->index].port = -1;
		break;
	case SECT_PUBLISH:
		s->index = (int)t->n_publish++;
		snprintf(t->publish[s->index].name, TOPO_NAME_MAX, "%s", name);
		t->publish[s->index].line = ps->lineno;
		t->publish[s->index].port = -1;
		break;
	case SECT_PORT:
		s->index = (int)t->n_ports++;
		snprintf(t->ports[s->index].name, TOPO_NAME_MAX, "%s", name);
		t->ports[s->index].line = ps->lineno;
		t->ports[s->index].bridge = -1;
		t->ports[s->index].masquerade = -1;
		t->ports[s->index].macvlan = -1;
		t->ports[s->index].kind = (enum topo_port_kind)-1;
		break;
	case SECT_MACVLAN:
		s->index = (int)t->n_macvlans++;
		snprintf(t->macvlans[s->index].name, TOPO_NAME_MAX, "%s", name);
		t->macvlans[s->index].line = ps->lineno;
		t->macvlans[s->index].parent = -1;
		break;
	default:
		break;
	}
	ps->cur = s;
}

static void *
sect_obj(struct parser *ps, struct sect *s)
{
	switch (s->type) {
	case SECT_SWITCH: return &ps->topo->sw;
	case SECT_BRIDGE: return &ps->topo->bridges[s->index];
	case SECT_PORT:
		return &ps->topo->ports[s->index];
	case SECT_ROUTE: return &ps->topo->routes[s->index];
	case SECT_PUBLISH: return &ps->topo->publish[s->index];
	case SECT_MACVLAN: return &ps->topo->macvlans[s->index];
	default: return NULL;
	}
}

static int
topo_ini_handler(void *user, const char *section, const char *name,
	    const char *value)
{
	struct parser *ps = user;
	struct sect *s = ps->cur;
	const struct key *keys, *k;
	char where[128];
	void *obj;
	unsigned i;

	(void)section;
	if (s == NULL) {
		/* keys of a bad section were already reported with it */
		if (ps->n_sects == 0 && section[0] == '\0')
			report(ps, ps->lineno, NULL,
			       "'%s' is outside any section", name);
		return 1;
	}
	keys = sect_keys[s->type];
	for (i = 0; keys[i].name != NULL; i++)
		if (strcmp(keys[i].name, name) == 0)
			break;
	k = &keys[i];
	key_where(s, name, where, sizeof(where));
	if (k->name == NULL) {
		char list[512] = "";
		unsigned j;

		for (j = 0; keys[j].name != NULL; j++) {
			strncat(list, j ? ", " : "", sizeof(list) - strlen(list) - 1);
			strncat(list, keys[j].name, sizeof(list) - strlen(list) - 1);
		}
		report(ps, ps->lineno, where, "unknown key (known here: %s)",
		       list[0] ? list : "none");
		return 1;
	}
	if (s->key_line[i] != 0 && !k->repeat) {
		report(ps, ps->lineno, where, "given twice (first at line %u)",
		       s->key_line[i]);
		return 1;
	}
	s->key_line[i] = ps->lineno;
	if (value[0] == '\0') {
		report(ps, ps->lineno, where, "needs a value");
		return 1;
	}
	obj = sect_obj(ps, s);
	if (s->type == SECT_PORT && i == PK_BRIDGE)
		obj = ps->port_bridge[s->index];
	else if (s->type == SECT_PORT && i == PK_MASQUERADE)
		obj = ps->port_masq[s->index];
	else if (s->type == SECT_BRIDGE && i == BK_MASQUERADE)
		obj = ps->bridge_masq[s->index];
	else if (s->type == SECT_ROUTE && i == RK_PORT)
		obj = ps->route_port[s->index];
	else if (s->type == SECT_PUBLISH && i == UK_PORT)
		obj = ps->publish_port[s->index];
	else if (s->type == SECT_PORT && i == PK_MACVLAN)
		obj = ps->port_macvlan[s->index];
	else if (s->type == SECT_MACVLAN && i == MK_PARENT)
		obj = ps->macvlan_parent[s->index];
	k->parse(ps, obj, k, value);
	return 1;
}

/* ---- reading lines ------------------------------------------------------ */

static char *
next_raw_line(struct parser *ps)
{
	size_t n = 0;

	if (ps->fp != NULL)
		return fgets(ps->buf, sizeof(ps->buf), ps->fp);
	if (ps->str == NULL || *ps->str == '\0')
		return NULL;
	while (ps->str[n] != '\0' && ps->str[n] != '\n' && n < LINE_MAX_LEN)
		n++;
	if (ps->str[n] == '\n')
		n++;
	memcpy(ps->buf, ps->str, n);
	ps->buf[n] = '\0';
	ps->str += n;
	return ps->buf;
}

/*
 * The ini_reader: hand inih one line at a time, stripped of leading space,
 * and open sections here so that empty ones exist too.
 */
static char *
topo_ini_reader(char *out, int num, void *stream)
{
	struct parser *ps = stream;
	char *line, *p;
	size_t len;
	bool bad = false;

	line = next_raw_line(ps);
	if (line == NULL)
		return NULL;
	ps->lineno++;
	len = strlen(line);
	if (len > 0 && line[len - 1] == '\n') {
		line[--len] = '\0';
	} else if (len >= LINE_MAX_LEN) {
		int c;

		report(ps, ps->lineno, NULL, "line longer than %d characters",
		       LINE_MAX_LEN - 1);
		/* skip the rest of the line */
		if (ps->fp != NULL)
			while ((c = fgetc(ps->fp)) != EOF && c != '\n')
				;
		else
			while (*ps->str && *ps->str++ != '\n')
				;
		bad = true;
	}
	if (memchr(line, '\0', len) != NULL || strlen(line) != len) {
		report(ps, ps->lineno, NULL, "line holds a NUL byte");
		bad = true;
	}
	for (p = line; isspace((unsigned char)*p); p++)
		;
	if (!bad && *p == '[') {
		open_section(ps, p);
		/* inih needs the header too, to keep its own section name */
		snprintf(out, (size_t)num, "[x]\n");
		return out;
	}
	if (!bad && *p != '\0' && *p != ';' && *p != '#') {
		if (strpbrk(p, "=:") == NULL) {
			report(ps, ps->lineno, NULL,
			       "'%s' is not a 'key = value' line", p);
			bad = true;
		} else if ((size_t)num <= strlen(p) + 1) {
			/* inih's own buffer (200 bytes in Debian's build) */
			report(ps, ps->lineno, NULL, "line longer than %d characters",
			       num - 2);
			bad = true;
		}
	}
	if (bad || *p == '\0') {
		snprintf(out, (size_t)num, ";\n");
		return out;
	}
	snprintf(out, (size_t)num, "%s\n", p);
	return out;
}

/* ---- whole-file checks -------------------------------------------------- */

static struct sect *
find_sect(struct parser *ps, enum sect_type type, int index)
{
	unsigned i;

	for (i = 0; i < ps->n_sects; i++)
		if (ps->sects[i].type == type && ps->sects[i].index == index)
			return &ps->sects[i];
	return NULL;
}

/* Report at the line of 'key' in 's' (or the section line when absent). */
static void __attribute__((format(printf, 4, 5)))
check_error(struct parser *ps, struct sect *s, int key, const char *fmt, ...)
{
	const struct key *keys = sect_keys[s->type];
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ps->lineno = key >= 0 && s->key_line[key] ? s->key_line[key] : s->line;
	key_error(ps, s, key >= 0 ? keys[key].name : NULL, "%s", msg);
	ps->lineno = 0;
}

/* [port] macvlan = NAME: an endpoint of a macvlan network. */
static void
check_endpoint(struct parser *ps, struct sect *s)
{
	struct topology *t = ps->topo;
	struct topo_port *p = &t->ports[s->index];
	static const struct { int key; const char *why; } not_here[] = {
		{ PK_BRIDGE, "a macvlan endpoint is on no bridge (the network is its LAN)" },
		{ PK_ADDRESS, "a macvlan endpoint is not routed by vsw (its address is the container's)" },
		{ PK_VLAN, "is for bridge ports (give the network parent = PORT.VID)" },
		{ PK_TRUNK, "is for bridge ports (give the network parent = PORT.VID)" },
		{ PK_NATIVE, "is for bridge ports" },
		{ PK_HAIRPIN, "is for bridge ports" },
		{ PK_MAC_LIMIT, "is for bridge ports (an endpoint has one MAC)" },
		{ PK_GATEWAY, "is for routed ports" },
		{ PK_GATEWAY_MAC, "is for routed ports" },
		{ PK_MASQUERADE, "is for routed ports" },
	};
	unsigned i;

	for (i = 0; i < sizeof(not_here) / sizeof(not_here[0]); i++)
		if (s->key_line[not_here[i].key])
			check_error(ps, s, not_here[i].key, "%s", not_here[i].why);
	if (ps->port_macvlan[s->index][0] == '\0')
		return;         /* a bad name, reported */
	p->macvlan = topo_macvlan_find(t, ps->port_macvlan[s->index]);
	if (p->macvlan < 0) {
		check_error(ps, s, PK_MACVLAN, "no [macvlan %s] in this file",
			    ps->port_macvlan[s->index]);
		return;
	}
	if (p->macvlan_parent) {
		check_error(ps, s, PK_MACVLAN,
			    "port %s is a macvlan parent; a port is a parent or an endpoint, not both",
			    p->name);
		p->macvlan = -1;
		return;
	}
	t->macvlans[p->macvlan].n_endpoints++;
}

/* [macvlan NAME] parent = PORT or PORT.VID, resolved before the ports are
 * checked, so that a parent is known to have a role. */
static void
check_macvlan_parent(struct parser *ps, struct sect *s)
{
	struct topology *t = ps->topo;
	struct topo_macvlan *mv = &t->macvlans[s->index];
	const char *ref = ps->macvlan_parent[s->index];
	char name[TOPO_NAME_MAX];
	const char *dot;
	int port;

	if (s->key_line[MK_PARENT] == 0) {
		check_error(ps, s, -1, "needs parent = PORT (or PORT.VID for a VLAN of it)");
		return;
	}
	if (ref[0] == '\0')
		return;         /* a bad name, reported */
	port = topo_port_find(t, ref);
	dot = strrchr(ref, '.');
	if (port < 0 && dot != NULL && dot > ref) {
		unsigned long vid;
		char *end;

		snprintf(name, sizeof(name), "%.*s", (int)(dot - ref), ref);
		port = topo_port_find(t, name);
		errno = 0;
		vid = strtoul(dot + 1, &end, 10);
		if (port >= 0 && (!isdigit((unsigned char)dot[1]) || *end != '\0' ||
				  errno != 0 || vid < 1 || vid > TOPO_VID_MAX)) {
			check_error(ps, s, MK_PARENT, "'%s' is not a VLAN ID from 1 to %d",
				    dot + 1, TOPO_VID_MAX);
			return;
		}
		mv->vid = (uint16_t)vid;
	}
	if (port < 0) {
		check_error(ps, s, MK_PARENT, "no [port %s] in this file", ref);
		mv->vid = 0;
		return;
	}
	mv->parent = port;
	t->ports[port].macvlan_parent = true;
}

/* What needs every network, endpoint and parent known. */
static void
check_macvlans(struct parser *ps)
{
	struct topology *t = ps->topo;
	unsigned i, j;

	for (i = 0; i < t->n_macvlans; i++) {
		struct topo_macvlan *mv = &t->macvlans[i];
		struct sect *s = find_sect(ps, SECT_MACVLAN, (int)i);
		const struct topo_port *pp;

		if (mv->parent < 0)
			continue;
		pp = &t->ports[mv->parent];
		for (j = 0; j < i; j++)
			if (t->macvlans[j].parent == mv->parent && t->macvlans[j].vid == mv->vid)
				check_error(ps, s, MK_PARENT, "[macvlan %s] has this parent already",
					    t->macvlans[j].name);
		if (mv->mode != TOPO_MACVLAN_PASSTHRU)
			continue;
		if (mv->n_endpoints != 1)
			check_error(ps, s, MK_MODE,
				    "passthru gives the parent to exactly one endpoint (%u found)",
				    mv->n_endpoints);
		if (mv->vid != 0)
			continue;
		if (pp->prefix != 0)
			check_error(ps, s, MK_MODE,
				    "passthru gives the whole parent away, but port %s is routed",
				    pp->name);
		for (j = 0; j < t->n_macvlans; j++)
			if (j != i && t->macvlans[j].parent == mv->parent) {
				check_error(ps, s, MK_MODE,
					    "passthru gives the whole parent away, but [macvlan %s] uses port %s too",
					    t->macvlans[j].name, pp->name);
				break;
			}
	}
	for (i = 0; i < ps->n_sects; i++) {
		struct sect *s = &ps->sects[i];
		const struct topo_port *p, *pp;
		const struct topo_macvlan *mv;

		if (s->type != SECT_PORT || t->ports[s->index].macvlan < 0)
			continue;
		p = &t->ports[s->index];
		mv = &t->macvlans[p->macvlan];
		if (mv->mode == TOPO_MACVLAN_PASSTHRU) {
			if (s->key_line[PK_MAC])
				check_error(ps, s, PK_MAC,
					    "a passthru endpoint owns the parent and keeps whatever MAC it uses");
			continue;
		}
		if (s->key_line[PK_MAC] == 0) {
			check_error(ps, s, PK_MACVLAN,
				    "an endpoint of [macvlan %s] needs mac = ... (its container's MAC)",
				    mv->name);
			continue;
		}
		if (!(p->mac[0] | p->mac[1] | p->mac[2] | p->mac[3] | p->mac[4] | p->mac[5]))
			continue;       /* a bad MAC, reported */
		for (j = 0; j < (unsigned)s->index; j++)
			if (t->ports[j].macvlan == p->macvlan &&
			    memcmp(t->ports[j].mac, p->mac, 6) == 0)
				check_error(ps, s, PK_MAC, "port %s of [macvlan %s] has this MAC",
					    t->ports[j].name, mv->name);
		if (mv->parent < 0)
			continue;
		pp = &t->ports[mv->parent];
		if (mv->vid == 0 && pp->prefix != 0 && memcmp(pp->mac, p->mac, 6) == 0)
			check_error(ps, s, PK_MAC, "the MAC of routed port %s, the parent",
				    pp->name);
	}
}

static const char *ip_str(uint32_t ip, char *buf);

/* An endpoint's address: a host of its bridge's subnet, not the gateway. */
static void
check_endpoint_ip(struct parser *ps, struct sect *s, const struct topo_bridge *b,
		  uint32_t ip)
{
	uint32_t mask = b->prefix ? ~0u << (32 - b->prefix) : 0;
	char a[INET_ADDRSTRLEN], n[INET_ADDRSTRLEN];

	if (b->prefix == 0) {
		check_error(ps, s, PK_IP, "bridge %s has no subnet to take %s from",
			    b->name, ip_str(ip, a));
		return;
	}
	ip_str(b->subnet, n);
	if ((ip & mask) != b->subnet)
		check_error(ps, s, PK_IP, "%s is outside %s/%u of bridge %s",
			    ip_str(ip, a), n, b->prefix, b->name);
	else if (b->prefix < 31 && (ip == b->subnet || ip == (b->subnet | ~mask)))
		check_error(ps, s, PK_IP, "%s is the %s address of %s/%u", ip_str(ip, a),
			    ip == b->subnet ? "network" : "broadcast", n, b->prefix);
	else if (ip == b->gateway)
		check_error(ps, s, PK_IP, "%s is the gateway of bridge %s",
			    ip_str(ip, a), b->name);
}

static void
check_port(struct parser *ps, struct sect *s)
{
	struct topology *t = ps->topo;
	struct topo_port *p = &t->ports[s->index];
	unsigned i;
	static const struct { int key; unsigned kinds; } used_by[] = {
		{ PK_IFACE, 1u << TOPO_PORT_TAP | 1u << TOPO_PORT_AFPACKET },
		{ PK_DEVARGS, 1u << TOPO_PORT_DPDK },
		{ PK_MBUFS, 1u << TOPO_PORT_DPDK },
		{ PK_RX, 1u << TOPO_PORT_PCAP },
		{ PK_TX, 1u << TOPO_PORT_PCAP },
	};

	if (s->key_line[PK_KIND] == 0) {
		check_error(ps, s, -1, "kind is missing (tap | afpacket | dpdk | pcap)");
		return;
	}
	if ((int)p->kind < 0)
		return; /* bad value, already reported */
	for (i = 0; i < sizeof(used_by) / sizeof(used_by[0]); i++) {
		if (s->key_line[used_by[i].key] != 0 &&
		    !(used_by[i].kinds & (1u << p->kind)))
			check_error(ps, s, used_by[i].key,
				    "not used by kind = %s",
				    topo_port_kind_name(p->kind));
	}
	switch (p->kind) {
	case TOPO_PORT_TAP:
	case TOPO_PORT_AFPACKET:
		if (s->key_line[PK_IFACE] == 0)
			check_error(ps, s, -1, "kind = %s needs iface = NAME",
				    topo_port_kind_name(p->kind));
		break;
	case TOPO_PORT_DPDK:
		if (s->key_line[PK_DEVARGS] == 0)
			check_error(ps, s, -1,
				    "kind = dpdk needs devargs = ... (a PCI address or a vdev such as net_null0)");
		break;
	case TOPO_PORT_PCAP:
		if (s->key_line[PK_RX] == 0 && s->key_line[PK_TX] == 0)
			check_error(ps, s, -1,
				    "kind = pcap needs rx = FILE, tx = FILE or both");
		if (p->rx[0] && p->tx[0] && strcmp(p->rx, p->tx) == 0)
			check_error(ps, s, PK_TX, "the same file as rx");
		break;
	}

	if (s->key_line[PK_VLAN] && s->key_line[PK_TRUNK])
		check_error(ps, s, PK_TRUNK,
			    "a port is either an access port (vlan = N) or a trunk (trunk = ...)");
	if (s->key_line[PK_NATIVE] && !s->key_line[PK_TRUNK])
		check_error(ps, s, PK_NATIVE, "native is for trunk ports (give trunk = ...)");
	if (p->vlan_mode == TOPO_VLAN_TRUNK && p->pvid != 0)
		p->trunk[p->pvid / 64] |= 1ull << (p->pvid % 64);  /* allowed too */

	if (s->key_line[PK_BRIDGE] != 0 && s->key_line[PK_ADDRESS] != 0) {
		check_error(ps, s, PK_ADDRESS,
			    "a port is either on a bridge or routed (address = ...), not both");
		return;
	}
	{
		static const int ep_keys[] = { PK_NETNS, PK_IFNAME, PK_IP, PK_PEER_MAC,
					       PK_NAME, PK_ALIAS };

		for (i = 0; i < sizeof(ep_keys) / sizeof(ep_keys[0]); i++)
			if (s->key_line[ep_keys[i]] && s->key_line[PK_BRIDGE] == 0)
				check_error(ps, s, ep_keys[i],
					    "is for endpoints, which are bridge ports (give bridge = NAME)");
		if (s->key_line[PK_NETNS] && p->kind != TOPO_PORT_AFPACKET &&
		    p->kind != TOPO_PORT_TAP)
			check_error(ps, s, PK_NETNS, "an endpoint is a tap or afpacket port");
		if (s->key_line[PK_IFNAME] && !s->key_line[PK_NETNS])
			check_error(ps, s, PK_IFNAME, "is the endpoint's name in its namespace: give netns = NS");
		if (s->key_line[PK_NETNS] && p->netns[0] != '/' && !valid_name(p->netns))
			check_error(ps, s, PK_NETNS,
				    "'%s' is neither a path nor a name under /run/netns", p->netns);
	}
	if (s->key_line[PK_MACVLAN] != 0) {
		check_endpoint(ps, s);
		return;
	}
	if (s->key_line[PK_BRIDGE] != 0 && p->macvlan_parent)
		check_error(ps, s, PK_BRIDGE,
			    "a macvlan parent is not on a bridge (its LAN belongs to the macvlan networks)");
	if (s->key_line[PK_BRIDGE] != 0) {
		const char *bn = ps->port_bridge[s->index];
		static const int l3_only[] = { PK_GATEWAY, PK_MAC, PK_GATEWAY_MAC,
					       PK_MASQUERADE };

		for (i = 0; i < sizeof(l3_only) / sizeof(l3_only[0]); i++)
			if (s->key_line[l3_only[i]])
				check_error(ps, s, l3_only[i],
					    "is for routed ports (the bridge has its own gateway and mac)");
		if (bn[0] == '\0')
			return;
		p->bridge = topo_bridge_find(t, bn);
		if (p->bridge < 0)
			check_error(ps, s, PK_BRIDGE, "no [bridge %s] in this file", bn);
		else if (s->key_line[PK_IP])
			check_endpoint_ip(ps, s, &t->bridges[p->bridge], p->ip);
	} else if (s->key_line[PK_ADDRESS] != 0) {
		static const int l2_only[] = { PK_VLAN, PK_TRUNK, PK_NATIVE, PK_HAIRPIN,
					       PK_MAC_LIMIT };

		for (i = 0; i < sizeof(l2_only) / sizeof(l2_only[0]); i++)
			if (s->key_line[l2_only[i]])
				check_error(ps, s, l2_only[i], "is for bridge ports");
		if (s->key_line[PK_STORM_LIMIT] && !p->macvlan_parent)
			check_error(ps, s, PK_STORM_LIMIT,
				    "is for bridge ports and macvlan ports (a routed port floods nothing)");
		if (s->key_line[PK_MAC] == 0) {
			/* derived: 02:42 and the address, like Docker's MACs */
			p->mac[0] = 0x02;
			p->mac[1] = 0x42;
			p->mac[2] = (uint8_t)(p->address >> 24);
			p->mac[3] = (uint8_t)(p->address >> 16);
			p->mac[4] = (uint8_t)(p->address >> 8);
			p->mac[5] = (uint8_t)p->address;
		}
		if (p->gateway != 0 && p->prefix != 0 &&
		    (!topo_in_prefix(p->gateway, p->address, p->prefix) ||
		     p->gateway == p->address))
			check_error(ps, s, PK_GATEWAY,
				    "must be another address in the port's network");
		if (s->key_line[PK_MASQUERADE] != 0 && p->prefix != 0) {
			/* a routed inside network (a LAN port), NATed out of another
			 * routed port; resolved once every port is parsed */
		}
	} else if (p->macvlan_parent) {
		static const int l2_l3[] = { PK_VLAN, PK_TRUNK, PK_NATIVE, PK_HAIRPIN,
					     PK_MAC_LIMIT, PK_GATEWAY, PK_MAC,
					     PK_GATEWAY_MAC, PK_MASQUERADE };

		for (i = 0; i < sizeof(l2_l3) / sizeof(l2_l3[0]); i++)
			if (s->key_line[l2_l3[i]])
				check_error(ps, s, l2_l3[i],
					    "not used by a macvlan parent that is not routed");
		return;
	} else {
		check_error(ps, s, -1,
			    "the port has no role: give it bridge = NAME, address = IP/LEN or macvlan = NAME, or make it a macvlan parent");
	}
	if (s->key_line[PK_GATEWAY] && !s->key_line[PK_ADDRESS] && !s->key_line[PK_BRIDGE])
		check_error(ps, s, PK_GATEWAY, "needs address = IP/LEN");
	if (s->key_line[PK_GATEWAY_MAC] && !s->key_line[PK_GATEWAY] && !s->key_line[PK_BRIDGE])
		check_error(ps, s, PK_GATEWAY_MAC, "needs gateway = IP");
}

static const char *
ip_str(uint32_t ip, char *buf)
{
	struct in_addr a = { .s_addr = htonl(ip) };

	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
	return buf;
}

/* A reference to a routed port by name; -1 (reported) when it is not one. */
static int
routed_port_ref(struct parser *ps, struct sect *s, int key, const char *name)
{
	int p = topo_port_find(ps->topo, name);

	if (p < 0) {
		check_error(ps, s, key, "no [port %s] in this file", name);
		return -1;
	}
	if (ps->topo->ports[p].prefix == 0) {
		check_error(ps, s, key, "port %s is not a routed port (give it address = IP/LEN)",
			    name);
		return -1;
	}
	return p;
}

static void
check_bridge_l3(struct parser *ps, struct sect *s)
{
	struct topology *t = ps->topo;
	struct topo_bridge *b = &t->bridges[s->index];
	char ipb[INET_ADDRSTRLEN];
	unsigned i;

	if ((s->key_line[BK_SUBNET] != 0) != (s->key_line[BK_GATEWAY] != 0)) {
		check_error(ps, s, s->key_line[BK_SUBNET] ? BK_SUBNET : BK_GATEWAY,
			    "subnet and gateway go together");
		return;
	}
	if (s->key_line[BK_MAC] && !s->key_line[BK_GATEWAY])
		check_error(ps, s, BK_MAC, "is the gateway's MAC: give the bridge a gateway");
	if (s->key_line[BK_ISOLATED] && !s->key_line[BK_GATEWAY])
		check_error(ps, s, BK_ISOLATED, "is about routing: give the bridge a gateway");
	if (b->internal && s->key_line[BK_MASQUERADE])
		check_error(ps, s, BK_MASQUERADE, "an internal network has no way out");
	if (s->key_line[BK_HOST] && !s->key_line[BK_GATEWAY])
		check_error(ps, s, BK_HOST, "names are answered at the gateway: give the bridge a gateway");
	if (s->key_line[BK_IP_RANGE]) {
		if (!s->key_line[BK_SUBNET])
			check_error(ps, s, BK_IP_RANGE, "needs subnet and gateway");
		else if (b->prefix != 0 &&
			 (!topo_in_prefix(b->range_lo, b->subnet, b->prefix) ||
			  !topo_in_prefix(b->range_hi, b->subnet, b->prefix)))
			check_error(ps, s, BK_IP_RANGE, "is not inside subnet %s/%u",
				    ip_str(b->subnet, ipb), b->prefix);
	}
	if (s->key_line[BK_MASQUERADE]) {
		if (!s->key_line[BK_SUBNET])
			check_error(ps, s, BK_MASQUERADE, "needs subnet and gateway");
		else
			b->masquerade = routed_port_ref(ps, s, BK_MASQUERADE,
							ps->bridge_masq[s->index]);
	}
	if (b->prefix == 0)
		return;
	if (!topo_in_prefix(b->gateway, b->subnet, b->prefix) ||
	    b->gateway == b->subnet ||
	    (b->prefix < 31 && b->gateway == (b->subnet | ~(~0u << (32 - b->prefix)))))
		check_error(ps, s, BK_GATEWAY, "must be a host address in subnet %s/%u",
			    ip_str(b->subnet, ipb), b->prefix);
	for (i = 0; i < t->n_ports; i++) {
		if (t->ports[i].bridge == s->index &&
		    t->ports[i].vlan_mode != TOPO_VLAN_NONE) {
			check_error(ps, s, BK_GATEWAY,
				    "a gateway needs a VLAN-unaware bridge (port %s has vlan/trunk)",
				    t->ports[i].name);
			break;
		}
	}
	if (s->key_line[BK_MAC] == 0) {
		/* derived: 02:42 and the gateway's address, like Docker's MACs */
		b->mac[0] = 0x02;
		b->mac[1] = 0x42;
		b->mac[2] = (uint8_t)(b->gateway >> 24);
		b->mac[3] = (uint8_t)(b->gateway >> 16);
		b->mac[4] = (uint8_t)(b->gateway >> 8);
		b->mac[5] = (uint8_t)b->gateway;
	}
}

static void
check_route(struct parser *ps, struct sect *s)
{
	struct topology *t = ps->topo;
	struct topo_route *r = &t->routes[s->index];
	const struct topo_port *p;
	unsigned i;

	for (i = RK_PREFIX; i <= RK_PORT; i++)
		if (s->key_line[i] == 0) {
			check_error(ps, s, -1, "needs prefix, via and port");
			return;
		}
	r->port = routed_port_ref(ps, s, RK_PORT, ps->route_port[s->index]);
	if (r->port < 0)
		return;
	p = &t->ports[r->port];
	if (!topo_in_prefix(r->via, p->address, p->prefix) || r->via == p->address)
		check_error(ps, s, RK_VIA, "must be a neighbour in port %s's network", p->name);
	for (i = 0; i < (unsigned)s->index; i++)
		if (t->routes[i].prefix == r->prefix && t->routes[i].len == r->len)
			check_error(ps, s, RK_PREFIX, "the same prefix as [route %s]",
				    t->routes[i].name);
	/* a network's own prefix is its connected route, and 0.0.0.0/0 a
	 * routed port's gateway: one entry of the routing table each */
	for (i = 0; i < t->n_bridges; i++)
		if (t->bridges[i].name[0] && t->bridges[i].prefix == r->len && r->len != 0 &&
		    t->bridges[i].subnet == r->prefix)
			check_error(ps, s, RK_PREFIX, "the subnet of bridge %s (connected)",
				    t->bridges[i].name);
	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *q = &t->ports[i];
		uint32_t mask = q->prefix ? ~0u << (32 - q->prefix) : 0;

		if (q->name[0] == '\0' || q->prefix == 0)
			continue;
		if (q->prefix == r->len && (q->address & mask) == r->prefix)
			check_error(ps, s, RK_PREFIX, "the network of port %s (connected)",
				    q->name);
		else if (r->len == 0 && q->gateway != 0)
			check_error(ps, s, RK_PREFIX, "the default route of port %s (its gateway)",
				    q->name);
	}
}

static void
check_publish(struct parser *ps, struct sect *s)
{
	struct topology *t = ps->topo;
	struct topo_publish *u = &t->publish[s->index];
	char ipb[INET_ADDRSTRLEN];
	unsigned i;
	bool inside = false;

	for (i = UK_PORT; i <= UK_TO; i++)
		if (s->key_line[i] == 0) {
			check_error(ps, s, -1, "needs port, proto, listen and to");
			return;
		}
	u->port = routed_port_ref(ps, s, UK_PORT, ps->publish_port[s->index]);
	if (u->port < 0)
		return;
	if (u->to_hi - u->to_lo != u->listen_hi - u->listen_lo)
		check_error(ps, s, UK_TO, "%u ports, but listen has %u",
			    u->to_hi - u->to_lo + 1u, u->listen_hi - u->listen_lo + 1u);
	for (i = 0; i < t->n_bridges; i++) {
		const struct topo_bridge *b = &t->bridges[i];

		if (b->prefix && b->masquerade == u->port &&
		    topo_in_prefix(u->to_ip, b->subnet, b->prefix))
			inside = true;
	}
	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];

		if (p->prefix && p->masquerade == u->port &&
		    topo_in_prefix(u->to_ip, p->address, p->prefix))
			inside = true;
	}
	if (!inside)
		check_error(ps, s, UK_TO,
			    "%s is in no network masqueraded through port %s",
			    ip_str(u->to_ip, ipb), t->ports[u->port].name);
	for (i = 0; i < (unsigned)s->index; i++) {
		const struct topo_publish *o = &t->publish[i];

		if (o->port == u->port && o->proto == u->proto &&
		    o->listen_lo <= u->listen_hi && u->listen_lo <= o->listen_hi)
			check_error(ps, s, UK_LISTEN, "overlaps [publish %s]", o->name);
	}
}

/* Subnets of bridges and routed ports must not overlap, nor addresses repeat. */
static void
check_networks(struct parser *ps)
{
	struct topology *t = ps->topo;
	struct { uint32_t net; uint8_t len; uint32_t addr; struct sect *s; int key; }
		nets[TOPO_MAX_BRIDGES + TOPO_MAX_PORTS];
	unsigned n = 0, i, j, defaults = 0;
	char a[INET_ADDRSTRLEN];

	for (i = 0; i < t->n_bridges; i++) {
		const struct topo_bridge *b = &t->bridges[i];

		if (b->prefix)
			nets[n++] = (typeof(nets[0])){ b->subnet, b->prefix, b->gateway,
				find_sect(ps, SECT_BRIDGE, (int)i), BK_SUBNET };
	}
	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];

		if (p->prefix == 0)
			continue;
		nets[n++] = (typeof(nets[0])){ p->address & (p->prefix ? ~0u << (32 - p->prefix) : 0),
			p->prefix, p->address, find_sect(ps, SECT_PORT, (int)i), PK_ADDRESS };
		if (p->gateway && ++defaults == 2)
			check_error(ps, find_sect(ps, SECT_PORT, (int)i), PK_GATEWAY,
				    "a second default route (only one port may have a gateway)");
	}
	/* an address, an endpoint name: once a bridge */
	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];

		if (p->bridge < 0 || (p->ip == 0 && p->ep_name[0] == '\0'))
			continue;
		for (j = 0; j < i; j++) {
			const struct topo_port *q = &t->ports[j];

			if (q->bridge != p->bridge)
				continue;
			if (p->ip != 0 && q->ip == p->ip)
				check_error(ps, find_sect(ps, SECT_PORT, (int)i), PK_IP,
					    "%s is port %s's already", ip_str(p->ip, a), q->name);
			if (p->ep_name[0] && strcasecmp(p->ep_name, q->ep_name) == 0)
				check_error(ps, find_sect(ps, SECT_PORT, (int)i), PK_NAME,
					    "'%s' names port %s already on bridge %s", p->ep_name,
					    q->name, t->bridges[p->bridge].name);
		}
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++) {
			uint8_t len = nets[i].len < nets[j].len ? nets[i].len : nets[j].len;

			if (topo_in_prefix(nets[i].net, nets[j].net, len))
				check_error(ps, nets[i].s, nets[i].key,
					    "overlaps %s/%u of [%s]", ip_str(nets[j].net, a),
					    nets[j].len, nets[j].s->title);
		}
}

bool
topo_has_l3(const struct topology *topo)
{
	unsigned i;

	for (i = 0; i < topo->n_bridges; i++)
		if (topo->bridges[i].prefix)
			return true;
	for (i = 0; i < topo->n_ports; i++)
		if (topo->ports[i].prefix)
			return true;
	return false;
}

bool
topo_has_nat(const struct topology *topo)
{
	unsigned i;

	for (i = 0; i < topo->n_bridges; i++)
		if (topo->bridges[i].masquerade >= 0)
			return true;
	for (i = 0; i < topo->n_ports; i++)
		if (topo->ports[i].masquerade >= 0)
			return true;
	return topo->n_publish > 0;
}

/* "02:42:ac:11:00:02" */
bool parse_mac(const char *v, uint8_t mac[6]);
bool
parse_mac(const char *v, uint8_t mac[6])
{
	unsigned m[6];
	char tail;
	int i;

	if (sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5], &tail) != 6 || strlen(v) != 17)
		return false;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	return true;
}

/* static = MAC@PORT[.VID], ...: resolved once every port is known. */
static void
check_static(struct parser *ps, const struct pending_static *ps_st)
{
	struct topology *t = ps->topo;
	struct sect *s = find_sect(ps, SECT_BRIDGE, ps_st->bridge);
	char buf[LINE_MAX_LEN], *item, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", ps_st->text);
	for (item = strtok_r(buf, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		char *at, *e, *dot;
		struct topo_static *st;
		const struct topo_port *tp;
		uint8_t mac[6];
		int port;
		unsigned vid = 0, i;
		bool vid_given = false;

		while (isspace((unsigned char)*item))
			item++;
		for (e = item + strlen(item); e > item && isspace((unsigned char)e[-1]); )
			*--e = '\0';
		ps->lineno = ps_st->line;
		at = strchr(item, '@');
		if (at == NULL) {
			key_error(ps, s, "static", "'%s' is not MAC@PORT or MAC@PORT.VID", item);
			continue;
		}
		*at = '\0';
		if (!parse_mac(item, mac)) {
			key_error(ps, s, "static", "'%s' is not a MAC address like 02:42:ac:11:00:02", item);
			continue;
		}
		if (mac[0] & 1) {
			key_error(ps, s, "static", "%s is a multicast address", item);
			continue;
		}
		if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
			key_error(ps, s, "static", "%s is the zero address", item);
			continue;
		}
		/* the port name may itself hold a dot: an exact name wins */
		port = topo_port_find(t, at + 1);
		dot = strrchr(at + 1, '.');
		if (port < 0 && dot != NULL) {
			char *end;
			unsigned long n;

			*dot = '\0';
			port = topo_port_find(t, at + 1);
			errno = 0;
			n = strtoul(dot + 1, &end, 10);
			if (*end != '\0' || !isdigit((unsigned char)dot[1]) || errno ||
			    n < 1 || n > TOPO_VID_MAX) {
				key_error(ps, s, "static", "'%s' is not a VLAN ID from 1 to %d",
					  dot + 1, TOPO_VID_MAX);
				continue;
			}
			vid = (unsigned)n;
			vid_given = true;
		}
		if (port < 0) {
			key_error(ps, s, "static", "no [port %s] in this file", at + 1);
			continue;
		}
		tp = &t->ports[port];
		if (tp->bridge != ps_st->bridge) {
			key_error(ps, s, "static", "port %s is not on bridge %s", tp->name,
				  t->bridges[ps_st->bridge].name);
			continue;
		}
		switch (tp->vlan_mode) {
		case TOPO_VLAN_NONE:
			if (vid_given) {
				key_error(ps, s, "static",
					  "port %s is not VLAN-aware (give it vlan or trunk, or drop .%u)",
					  tp->name, vid);
				continue;
			}
			break;
		case TOPO_VLAN_ACCESS:
			if (vid_given && vid != tp->pvid) {
				key_error(ps, s, "static", "port %s carries only VLAN %u",
					  tp->name, tp->pvid);
				continue;
			}
			vid = tp->pvid;
			break;
		case TOPO_VLAN_TRUNK:
			if (!vid_given && tp->pvid == 0) {
				key_error(ps, s, "static",
					  "port %s is a trunk without native VLAN: write %s@%s.VID",
					  tp->name, item, tp->name);
				continue;
			}
			if (!vid_given)
				vid = tp->pvid;
			if (!topo_trunk_has(tp, vid)) {
				key_error(ps, s, "static", "VLAN %u is not on trunk port %s",
					  vid, tp->name);
				continue;
			}
			break;
		}
		for (i = 0; i < t->n_statics; i++) {
			st = &t->statics[i];
			if (st->bridge == ps_st->bridge && st->vid == vid &&
			    memcmp(st->mac, mac, 6) == 0)
				break;
		}
		if (i < t->n_statics) {
			key_error(ps, s, "static", "%s in VLAN %u is given twice", item, vid);
			continue;
		}
		if (t->n_statics == TOPO_MAX_STATICS) {
			key_error(ps, s, "static", "more than %d static entries",
				  TOPO_MAX_STATICS);
			break;
		}
		st = &t->statics[t->n_statics++];
		memcpy(st->mac, mac, 6);
		st->vid = (uint16_t)vid;
		st->bridge = ps_st->bridge;
		st->port = port;
		st->line = ps_st->line;
		t->bridges[ps_st->bridge].n_statics++;
	}
	ps->lineno = 0;
}

static void
check_all(struct parser *ps)
{
	struct topology *t = ps->topo;
	unsigned i, j;

	for (i = 0; i < ps->n_sects; i++)
		if (ps->sects[i].type == SECT_MACVLAN)
			check_macvlan_parent(ps, &ps->sects[i]);
	for (i = 0, j = 0; i < ps->n_sects; i++) {
		struct sect *s = &ps->sects[i];

		if (s->type != SECT_PORT)
			continue;
		check_port(ps, s);
		/* DPDK's own limit, known now rather than when the port opens */
		if (t->ports[s->index].kind == TOPO_PORT_DPDK && ++j == RTE_MAX_ETHPORTS + 1)
			check_error(ps, s, PK_KIND, "more dpdk ports than this DPDK takes "
				    "(RTE_MAX_ETHPORTS %d)", RTE_MAX_ETHPORTS);
	}
	check_macvlans(ps);
	for (i = 0; i < ps->n_pending_statics; i++)
		check_static(ps, &ps->statics[i]);
	for (i = 0; i < ps->n_sects; i++) {
		struct sect *s = &ps->sects[i];

		if (s->type == SECT_BRIDGE)
			check_bridge_l3(ps, s);
	}
	for (i = 0; i < ps->n_sects; i++) {
		struct sect *s = &ps->sects[i];
		struct topo_port *p;

		if (s->type != SECT_PORT || s->key_line[PK_MASQUERADE] == 0)
			continue;
		p = &t->ports[s->index];
		if (p->prefix == 0)
			continue;       /* reported: not a routed port */
		p->masquerade = routed_port_ref(ps, s, PK_MASQUERADE, ps->port_masq[s->index]);
		if (p->masquerade == s->index) {
			check_error(ps, s, PK_MASQUERADE, "a port cannot masquerade through itself");
			p->masquerade = -1;
		} else if (p->masquerade >= 0 && t->ports[p->masquerade].masquerade >= 0) {
			check_error(ps, s, PK_MASQUERADE, "port %s is an inside port itself",
				    t->ports[p->masquerade].name);
		}
	}
	for (i = 0; i < ps->n_sects; i++) {
		struct sect *s = &ps->sects[i];

		if (s->type == SECT_ROUTE)
			check_route(ps, s);
		else if (s->type == SECT_PUBLISH)
			check_publish(ps, s);
	}
	check_networks(ps);
	if (t->sw.workers > 1 && topo_has_l3(t)) {
		struct sect *s = find_sect(ps, SECT_SWITCH, 0);

		if (s != NULL)
			check_error(ps, s, 2 /* workers */,
				    "routing and NAT (gateways, routed ports) run with one worker for now");
	}
	if (t->sw.nat_sessions_per_host > t->sw.nat_sessions) {
		struct sect *s = find_sect(ps, SECT_SWITCH, 0);

		if (s != NULL)
			check_error(ps, s, -1, "nat_sessions_per_host is larger than nat_sessions");
	}

	/* one interface, one device, one file: one port */
	for (i = 0; i < t->n_ports; i++) {
		struct topo_port *a = &t->ports[i];

		for (j = 0; j < i; j++) {
			struct topo_port *b = &t->ports[j];
			const char *what = NULL;
			int key = -1;

			if (a->iface[0] && strcmp(a->iface, b->iface) == 0) {
				what = "iface";
				key = PK_IFACE;
			} else if (a->devargs[0] && strcmp(a->devargs, b->devargs) == 0) {
				what = "devargs";
				key = PK_DEVARGS;
			} else if (a->tx[0] && (strcmp(a->tx, b->tx) == 0 ||
						strcmp(a->tx, b->rx) == 0)) {
				what = "tx";
				key = PK_TX;
			} else if (a->rx[0] && strcmp(a->rx, b->tx) == 0) {
				what = "rx";
				key = PK_RX;
			}
			if (what != NULL)
				check_error(ps, find_sect(ps, SECT_PORT, (int)i), key,
					    "port %s already uses this %s", b->name, what);
		}
	}
	if (t->sw.workers > 1 && topo_is_replay(t)) {
		struct sect *s = find_sect(ps, SECT_SWITCH, 0);

		if (s != NULL)
			check_error(ps, s, 2 /* workers */,
				    "replay mode (only pcap ports) runs one worker");
	}
}

/* ---- entry points -------------------------------------------------------- */

static void
topo_defaults(struct topology *t)
{
	memset(t, 0, sizeof(*t));
	t->sw.hugepages = TOPO_HUGE_AUTO;
	t->sw.poll = TOPO_POLL_ADAPTIVE;
	t->sw.workers = 1;
	snprintf(t->sw.control, sizeof(t->sw.control), "/run/vsw/vsw.sock");
	t->sw.nat_sessions = 1u << 20;
	t->sw.port_cache = TOPO_PORT_CACHE_DEFAULT;
	t->sw.nat_sessions_per_host = 16384;
	t->sw.nat_port_lo = 1024;
	t->sw.nat_port_hi = 65535;
	t->sw.nat_filtering = TOPO_NAT_APDF;
	t->sw.nat_timeout_udp = 300;             /* RFC 4787 REQ-5 */
	t->sw.nat_timeout_tcp_established = 7440; /* RFC 5382 REQ-5 */
	t->sw.nat_timeout_tcp_transitory = 240;
	t->sw.nat_timeout_icmp = 60;              /* RFC 5508 REQ-1 */
}

static int
run_parser(struct parser *ps, FILE *err)
{
	int rc;

	ps->err = err;
	rc = ini_parse_stream(topo_ini_reader, ps, topo_ini_handler, ps);
	if (rc < 0)
		report(ps, 0, NULL, "cannot parse (out of memory)");
	ps->lineno = 0;
	check_all(ps);
	flush_messages(ps);
	free(ps->statics);
	ps->statics = NULL;
	if (ps->errors > 0) {
		if (err != NULL)
			fprintf(err, "%s: %u error%s\n", ps->file, ps->errors,
				ps->errors == 1 ? "" : "s");
		return -EINVAL;
	}
	return 0;
}

int
topo_load(struct topology *topo, const char *path, FILE *err)
{
	struct parser *ps;
	struct stat st;
	const char *slash;
	int rc;

	topo_defaults(topo);
	snprintf(topo->file, sizeof(topo->file), "%s", path);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (err)
			fprintf(err, "%s: is a directory\n", path);
		return -EISDIR;
	}
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL)
		return -ENOMEM;
	ps->topo = topo;
	ps->file = path;
	slash = strrchr(path, '/');
	if (slash != NULL)
		snprintf(ps->dir, sizeof(ps->dir), "%.*s",
			 (int)(slash != path ? slash - path : 1), path);
	ps->fp = fopen(path, "r");
	if (ps->fp == NULL) {
		rc = -errno;
		if (err)
			fprintf(err, "%s: %s\n", path, strerror(errno));
		free(ps);
		return rc;
	}
	rc = run_parser(ps, err);
	fclose(ps->fp);
	free(ps);
	return rc;
}

int
topo_load_string(struct topology *topo, const char *name, const char *text,
		 FILE *err)
{
	struct parser *ps;
	int rc;

	topo_defaults(topo);
	snprintf(topo->file, sizeof(topo->file), "%s", name);
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL)
		return -ENOMEM;
	ps->topo = topo;
	ps->file = name;
	ps->str = text;
	rc = run_parser(ps, err);
	free(ps);
	return rc;
}

bool
topo_is_replay(const struct topology *topo)
{
	unsigned i;

	if (topo->n_ports == 0)
		return false;
	for (i = 0; i < topo->n_ports; i++)
		if (topo->ports[i].kind != TOPO_PORT_PCAP)
			return false;
	return true;
}

const char *
topo_port_kind_name(enum topo_port_kind kind)
{
	return (unsigned)kind < TOPO_PORT_PCAP + 1 ? kind_names[kind] : "?";
}

int
topo_bridge_find(const struct topology *topo, const char *name)
{
	unsigned i;

	for (i = 0; i < topo->n_bridges; i++)
		if (strcmp(topo->bridges[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *
topo_macvlan_mode_name(enum topo_macvlan_mode mode)
{
	return (unsigned)mode <= TOPO_MACVLAN_PASSTHRU ? macvlan_mode_names[mode] : "?";
}

int
topo_macvlan_find(const struct topology *topo, const char *name)
{
	unsigned i;

	for (i = 0; i < topo->n_macvlans; i++)
		if (strcmp(topo->macvlans[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
topo_port_find(const struct topology *topo, const char *name)
{
	unsigned i;

	for (i = 0; i < topo->n_ports; i++)
		if (strcmp(topo->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}
