/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsw-docker: vsw as a Docker network plugin (the legacy plugin protocol:
 * HTTP with JSON on a unix socket Docker finds in /run/docker/plugins).
 *
 *   vsw-docker [-s CONTROL_SOCKET] [-p PLUGIN_SOCKET]
 *
 * Each call becomes vsw control requests (the protocol vswctl speaks); vsw
 * knows nothing of Docker, and this program keeps no state of its own:
 * what a Docker object is in vsw follows from its id, so a restarted
 * plugin (or vsw, from its state file) carries on where it was.
 *   network   vsw network  dk + the first 12 characters of the NetworkID
 *   endpoint  vsw port     NETWORK.EP, EP the first 12 of the EndpointID,
 *                          made by `connect NETWORK --veth PEER --name EP`
 *                          (a veth pair; Docker moves PEER into the
 *                          container at Join and sets its address)
 *   -p        publish rules p + EP + -N on the network's masquerade port
 * HTTP and JSON are libmicrohttpd's and jansson's (Debian), one request at
 * a time (MHD's internal thread): Docker's calls for one object come in
 * order, and vsw answers one control request at a time anyway.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "ctl/client.h"

#define DEFAULT_CONTROL "/run/vsw/vsw.sock"
#define DEFAULT_PLUGIN "/run/docker/plugins/vsw.sock"
#define CT "application/vnd.docker.plugins.v1+json"
#define BODY_MAX (1 << 20)
#define ID_LEN 12
#define WORDS_MAX 40

static const char *control = DEFAULT_CONTROL;
static const char *range_of(const char *pool);
static volatile sig_atomic_t stop;

/* ---- names ------------------------------------------------------------------ */

static int
id_short(const char *id, char out[ID_LEN + 1])
{
	unsigned i;

	if (id == NULL || strlen(id) < ID_LEN)
		return -1;
	for (i = 0; i < ID_LEN; i++) {
		char c = id[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		out[i] = c;
	}
	out[ID_LEN] = '\0';
	return 0;
}

static int
net_name(json_t *req, char *out, size_t len)
{
	char s[ID_LEN + 1];

	if (id_short(json_string_value(json_object_get(req, "NetworkID")), s) != 0)
		return -1;
	snprintf(out, len, "dk%s", s);
	return 0;
}

static int
ep_name(json_t *req, char *out, size_t len)
{
	char s[ID_LEN + 1];

	if (id_short(json_string_value(json_object_get(req, "EndpointID")), s) != 0)
		return -1;
	snprintf(out, len, "%s", s);
	return 0;
}

/* The veth end Docker moves into the container: vsd + 11 of the id. */
static void
peer_name(const char *ep, char *out, size_t len)
{
	snprintf(out, len, "vsd%.11s", ep);
}

/* ---- answers ------------------------------------------------------------------ */

static json_t *
err_json(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vsw-docker: %s\n", buf);
	return json_pack("{s:s}", "Err", buf);
}

/* The run of a request: its reply's text as Docker's error, or NULL. */
static json_t *
run(const char *what, const char *const *words)
{
	struct vsw_reply r;
	json_t *e = NULL;

	if (vsw_request(control, &r, words) != 0 || !r.ok)
		e = err_json("%s: %s", what, r.text != NULL ? r.text : "vsw refused");
	vsw_reply_free(&r);
	return e;
}

/* The options of `docker network create -o`: vsw.* ours, the rest not. */
struct net_opts {
	const char *masq, *macvlan, *mode, *mtu, *mac_limit;
	bool internal;
};

static json_t *
net_opts(json_t *req, struct net_opts *o)
{
	json_t *opts = json_object_get(req, "Options"), *gen, *v;
	const char *k;

	memset(o, 0, sizeof(*o));
	if (!json_is_object(opts))
		return NULL;
	v = json_object_get(opts, "com.docker.network.internal");
	o->internal = json_is_true(v);
	gen = json_object_get(opts, "com.docker.network.generic");
	if (!json_is_object(gen))
		return NULL;
	json_object_foreach(gen, k, v) {
		const char *s = json_string_value(v);

		if (strcmp(k, "com.docker.network.internal") == 0) {
			o->internal = json_is_true(v) || (s != NULL && strcmp(s, "true") == 0);
			continue;
		}
		if (strcmp(k, "com.docker.network.driver.mtu") == 0) {
			o->mtu = s;
			continue;
		}
		if (strncmp(k, "vsw.", 4) != 0)
			continue;       /* Docker's own labels */
		if (s == NULL)
			return err_json("option %s: a string, please", k);
		if (strcmp(k, "vsw.masquerade") == 0)
			o->masq = s;
		else if (strcmp(k, "vsw.mac_limit") == 0)
			o->mac_limit = s;
		else if (strcmp(k, "vsw.macvlan") == 0)
			o->macvlan = s;
		else if (strcmp(k, "vsw.macvlan_mode") == 0)
			o->mode = s;
		else
			return err_json("unknown option %s (vsw takes vsw.masquerade, vsw.mac_limit, vsw.macvlan, vsw.macvlan_mode)",
					k);
	}
	return NULL;
}

static json_t *
create_network(json_t *req)
{
	char name[32], gw[64];
	const char *w[WORDS_MAX];
	struct net_opts o;
	json_t *e, *v4 = json_object_get(req, "IPv4Data"), *v6 = json_object_get(req, "IPv6Data");
	const char *pool, *gwc;
	int n = 0;

	if (net_name(req, name, sizeof(name)) != 0)
		return err_json("CreateNetwork: no NetworkID");
	if ((e = net_opts(req, &o)) != NULL)
		return e;
	w[n++] = "network";
	w[n++] = "create";
	w[n++] = name;
	if (o.mode != NULL && o.macvlan == NULL)
		return err_json("vsw.macvlan_mode goes with vsw.macvlan");
	if (o.macvlan != NULL) {
		/* the LAN's subnet is Docker's IPAM's; vsw keeps the gateway
		 * for Join (the LAN's router) */
		if (o.masq != NULL || o.internal || o.mac_limit != NULL)
			return err_json("network %s: a macvlan network is on its parent's LAN: no vsw.masquerade, --internal or vsw.mac_limit",
					name);
		if (json_array_size(v6) > 0)
			return err_json("network %s: --ipv6 is bridged only: not on a vsw macvlan network yet",
					name);
		w[n++] = "--macvlan";
		w[n++] = o.macvlan;
		w[n++] = "--mode";
		w[n++] = o.mode != NULL ? o.mode : "bridge";
		gwc = json_array_size(v4) > 0 ?
		      json_string_value(json_object_get(json_array_get(v4, 0), "Gateway")) : NULL;
		if (gwc != NULL) {
			vsw_addr_only(gwc, gw, sizeof(gw));
			w[n++] = "--gateway";
			w[n++] = gw;
		}
		w[n] = NULL;
		return run("CreateNetwork", w) ?: json_object();
	}
	if (json_array_size(v4) != 1)
		return err_json("network %s: vsw takes one IPv4 subnet a network (%zu given)",
				name, json_array_size(v4));
	pool = json_string_value(json_object_get(json_array_get(v4, 0), "Pool"));
	gwc = json_string_value(json_object_get(json_array_get(v4, 0), "Gateway"));
	if (pool == NULL)
		return err_json("network %s: no IPv4 pool", name);
	w[n++] = "--subnet";
	w[n++] = pool;
	/* IPv6 (--ipv6): the subnet is bridged as it is, Docker's IPAM gives
	 * the addresses and Docker sets them; vsw has no IPv6 address to be a
	 * gateway with, so Join names none and the containers of the network
	 * reach each other (neighbour discovery is multicast, flooded) */
	if (range_of(pool) != NULL) {
		w[n++] = "--ip-range";
		w[n++] = range_of(pool);
	}
	if (gwc != NULL) {
		vsw_addr_only(gwc, gw, sizeof(gw));
		w[n++] = "--gateway";
		w[n++] = gw;
	}
	if (o.masq != NULL && o.internal)
		return err_json("network %s: --internal has no way out: no vsw.masquerade with it", name);
	if (o.masq != NULL) {
		w[n++] = "--masquerade";
		w[n++] = o.masq;
	}
	if (o.internal)
		w[n++] = "--internal";
	/* Docker's networks do not reach each other: neither do vsw's
	 * bridges (isolated = yes is their default) */
	if (o.mtu != NULL) {
		w[n++] = "--mtu";
		w[n++] = o.mtu;
	}
	if (o.mac_limit != NULL) {
		w[n++] = "--mac-limit";
		w[n++] = o.mac_limit;
	}
	w[n] = NULL;
	return run("CreateNetwork", w) ?: json_object();
}

static json_t *
delete_network(json_t *req)
{
	char name[32];
	const char *w[] = { "network", "rm", name, NULL };
	struct vsw_reply r;
	json_t *e = NULL;

	if (net_name(req, name, sizeof(name)) != 0)
		return err_json("DeleteNetwork: no NetworkID");
	if (vsw_request(control, &r, w) != 0 || (!r.ok && strstr(r.text, "no network") == NULL))
		e = err_json("DeleteNetwork: %s", r.text ? r.text : "vsw refused");
	vsw_reply_free(&r);
	return e ?: json_object();
}

static json_t *
create_endpoint(json_t *req)
{
	char net[32], ep[ID_LEN + 1], peer[16], ip[64], why[256];
	json_t *ifc = json_object_get(req, "Interface"), *rep, *row, *out;
	const char *addr = json_string_value(json_object_get(ifc, "Address"));
	const char *mac = json_string_value(json_object_get(ifc, "MacAddress"));
	const char *w[WORDS_MAX];
	int n = 0;

	if (net_name(req, net, sizeof(net)) != 0 || ep_name(req, ep, sizeof(ep)) != 0)
		return err_json("CreateEndpoint: no NetworkID or EndpointID");
	if (addr == NULL || addr[0] == '\0')
		return err_json("endpoint %s: no IPv4 address from the IPAM", ep);
	peer_name(ep, peer, sizeof(peer));
	vsw_addr_only(addr, ip, sizeof(ip));
	w[n++] = "connect";
	w[n++] = net;
	w[n++] = "--veth";
	w[n++] = peer;
	w[n++] = "--name";
	w[n++] = ep;
	w[n++] = "--ip";
	w[n++] = ip;
	if (mac != NULL && mac[0]) {
		w[n++] = "--mac";
		w[n++] = mac;
	}
	w[n] = NULL;
	rep = vsw_json(control, w, why, sizeof(why));
	if (rep == NULL)
		return err_json("CreateEndpoint: %s", why);
	out = json_object();
	row = json_array_get(json_object_get(rep, "endpoint"), 0);
	/* the MAC vsw gave the peer, when Docker asked for none */
	if ((mac == NULL || mac[0] == '\0') && json_string_value(json_object_get(row, "mac")))
		json_object_set_new(out, "Interface",
				    json_pack("{s:s}", "MacAddress",
					      json_string_value(json_object_get(row, "mac"))));
	json_decref(rep);
	return out;
}

static json_t *
delete_endpoint(json_t *req)
{
	char net[32], ep[ID_LEN + 1];
	const char *w[] = { "disconnect", net, "--name", ep, NULL };
	struct vsw_reply r;
	json_t *e = NULL;

	if (net_name(req, net, sizeof(net)) != 0 || ep_name(req, ep, sizeof(ep)) != 0)
		return err_json("DeleteEndpoint: no NetworkID or EndpointID");
	if (vsw_request(control, &r, w) != 0 ||
	    (!r.ok && strstr(r.text, "not connected") == NULL && strstr(r.text, "no network") == NULL))
		e = err_json("DeleteEndpoint: %s", r.text ? r.text : "vsw refused");
	vsw_reply_free(&r);
	return e ?: json_object();
}

static json_t *
join(json_t *req)
{
	char net[32], ep[ID_LEN + 1], peer[16], why[256];
	json_t *row, *out;
	const char *gw;

	if (net_name(req, net, sizeof(net)) != 0 || ep_name(req, ep, sizeof(ep)) != 0)
		return err_json("Join: no NetworkID or EndpointID");
	row = vsw_network_row(control, net, why, sizeof(why));
	if (row == NULL)
		return err_json("Join: %s", why);
	peer_name(ep, peer, sizeof(peer));
	out = json_pack("{s:{s:s,s:s},s:[]}", "InterfaceName", "SrcName", peer, "DstPrefix",
			"eth", "StaticRoutes");
	gw = json_string_value(json_object_get(row, "gateway"));
	/* an internal network still has its gateway's address on the link
	 * (vsw routes nothing from it): Docker then adds no gateway bridge */
	if (gw != NULL && strcmp(gw, "-") != 0)
		json_object_set_new(out, "Gateway", json_string(gw));
	json_decref(row);
	return out;
}

/* The endpoint's address, from `network inspect`. */
static int
endpoint_ip(const char *net, const char *ep, char *ip, size_t len, char *why, size_t whylen)
{
	const char *w[] = { "network", "inspect", net, NULL };
	json_t *j = vsw_json(control, w, why, whylen), *e;
	size_t i;
	int rc = -1;

	if (j == NULL)
		return -1;
	json_array_foreach(json_object_get(j, "endpoints"), i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *a = json_string_value(json_object_get(e, "ip"));

		if (name != NULL && a != NULL && strcmp(name, ep) == 0) {
			vsw_addr_only(a, ip, len);
			rc = 0;
		}
	}
	json_decref(j);
	if (rc != 0)
		snprintf(why, whylen, "endpoint %s is not on network %s", ep, net);
	return rc;
}

#define MAPS_MAX 65536
static struct vsw_port_map maps[MAPS_MAX];

static json_t *
program_ext(json_t *req)
{
	char net[32], ep[ID_LEN + 1], why[256], ip[64];
	json_t *pm = json_object_get(json_object_get(req, "Options"), "com.docker.network.portmap");
	json_t *row, *b, *e;
	const char *masq;
	size_t i, n = 0, n_any = 0;

	if (net_name(req, net, sizeof(net)) != 0 || ep_name(req, ep, sizeof(ep)) != 0)
		return err_json("ProgramExternalConnectivity: no NetworkID or EndpointID");
	if (json_array_size(pm) == 0)
		return json_object();
	if (json_array_size(pm) > MAPS_MAX)
		return err_json("more than %d port bindings", MAPS_MAX);
	row = vsw_network_row(control, net, why, sizeof(why));
	if (row == NULL)
		return err_json("ProgramExternalConnectivity: %s", why);
	masq = json_string_value(json_object_get(row, "masquerade"));
	if (masq == NULL || strcmp(masq, "-") == 0) {
		json_decref(row);
		return err_json("network %s has no way out (no vsw.masquerade): it cannot publish ports",
				net);
	}
	if (endpoint_ip(net, ep, ip, sizeof(ip), why, sizeof(why)) != 0) {
		json_decref(row);
		return err_json("ProgramExternalConnectivity: %s", why);
	}
	/* Docker hands a range -p 9000-9099:9000-9099 over as one binding a
	 * port (the library makes it one rule again); -P bindings (no host
	 * port) go last, each to a free port picked below */
	json_array_foreach(pm, i, b) {
		struct vsw_port_map m = {
			.proto = (int)json_integer_value(json_object_get(b, "Proto")),
			.port = (long)json_integer_value(json_object_get(b, "Port")),
			.hp = (long)json_integer_value(json_object_get(b, "HostPort")),
			.hpe = (long)json_integer_value(json_object_get(b, "HostPortEnd")),
		};

		if (m.hp == 0)
			maps[MAPS_MAX - 1 - n_any++] = m;
		else
			maps[n++] = m;
	}
	if (n > 0 && vsw_publish_ports(control, "p", ep, masq, ip, maps, n, why, sizeof(why)) != 0) {
		json_decref(row);
		return err_json("%s", why);
	}
	for (i = 0; i < n_any; i++) {
		const struct vsw_port_map *r = &maps[MAPS_MAX - 1 - i];
		char name[32], kport[32], kproto[32], klisten[48], kto[96];
		const char *w[] = { "publish", "add", name, kport, kproto, klisten, kto, NULL };
		/* -P: a free port of 49153-65535 (Docker's own range), tried
		 * from a point of the endpoint's id */
		unsigned long h = strtoul(ep, NULL, 16), t;

		if (r->proto != 6 && r->proto != 17) {
			e = err_json("port %ld: only tcp and udp are published", r->port);
			goto fail;
		}
		snprintf(name, sizeof(name), "p%s-P%zu", ep, i);
		snprintf(kport, sizeof(kport), "port=%s", masq);
		snprintf(kproto, sizeof(kproto), "proto=%s", r->proto == 6 ? "tcp" : "udp");
		snprintf(kto, sizeof(kto), "to=%s:%ld", ip, r->port);
		e = NULL;
		for (t = 0; t < 64; t++) {
			struct vsw_reply rp;
			bool taken;

			snprintf(klisten, sizeof(klisten), "listen=%lu", 49153 + (h + t * 7919) % 16383);
			if (vsw_request(control, &rp, w) != 0) {
				e = err_json("publish: %s", rp.text ? rp.text : "vsw refused");
				vsw_reply_free(&rp);
				break;
			}
			taken = !rp.ok && (strstr(rp.text, "allocated") != NULL ||
					   strstr(rp.text, "in use") != NULL ||
					   strstr(rp.text, "published") != NULL);
			if (rp.ok || !taken) {
				if (!rp.ok)
					e = err_json("publish: %s", rp.text);
				vsw_reply_free(&rp);
				break;
			}
			vsw_reply_free(&rp);
		}
		if (e != NULL || t == 64) {
			if (e == NULL)
				e = err_json("-P: no free host port found for %ld", r->port);
			goto fail;
		}
	}
	json_decref(row);
	return json_object();
fail:
	json_decref(row);
	vsw_unpublish(control, "p", ep);
	return e;
}

/* "a" or "a-b" */
static void
port_range(const char *s, long *lo, long *hi)
{
	char *end;

	*lo = strtol(s, &end, 10);
	*hi = *end == '-' ? strtol(end + 1, NULL, 10) : *lo;
}

/* The endpoint's published ports, as Docker shows them (docker port,
 * inspect): read back from vsw's rules pEP-N. */
static json_t *
oper_info(json_t *req)
{
	const char *w[] = { "show", "publish", NULL };
	char ep[ID_LEN + 1], why[256], prefix[32];
	json_t *j, *rule, *pm = json_array();
	size_t i;

	if (ep_name(req, ep, sizeof(ep)) != 0)
		return json_pack("{s:{}}", "Value");
	j = vsw_json(control, w, why, sizeof(why));
	snprintf(prefix, sizeof(prefix), "p%s-", ep);
	json_array_foreach(j != NULL ? json_object_get(j, "publish") : NULL, i, rule) {
		const char *name = json_string_value(json_object_get(rule, "name"));
		const char *listen = json_string_value(json_object_get(rule, "listen"));
		const char *to = json_string_value(json_object_get(rule, "to"));
		const char *proto = json_string_value(json_object_get(rule, "proto"));
		const char *colon;
		char ip[64];
		long hl, hh, cl, ch;

		if (name == NULL || listen == NULL || to == NULL || proto == NULL ||
		    strncmp(name, prefix, strlen(prefix)) != 0 || (colon = strrchr(to, ':')) == NULL)
			continue;
		snprintf(ip, sizeof(ip), "%.*s", (int)(colon - to), to);
		port_range(listen, &hl, &hh);
		port_range(colon + 1, &cl, &ch);
		json_array_append_new(pm, json_pack("{s:i,s:s,s:i,s:s,s:i,s:i}", "Proto",
						    strcmp(proto, "udp") == 0 ? 17 : 6, "IP", ip,
						    "Port", (int)cl, "HostIP", "", "HostPort", (int)hl,
						    "HostPortEnd", (int)hh));
	}
	json_decref(j);
	return json_pack("{s:{s:o}}", "Value", "com.docker.network.portmap", pm);
}

static json_t *
revoke_ext(json_t *req)
{
	char ep[ID_LEN + 1];

	if (ep_name(req, ep, sizeof(ep)) != 0)
		return err_json("RevokeExternalConnectivity: no EndpointID");
	vsw_unpublish(control, "p", ep);
	return json_object();
}

/* ---- IpamDriver ------------------------------------------------------------------ */

/*
 * Pools and addresses from vsw's IPAM, so that containers and endpoints
 * made with `vswctl connect` share one address space. A pool's id is its
 * subnet (nothing to remember): RequestPool without --subnet asks vsw for
 * a free one (`ipam pick`, [switch] subnet_pool, clear of every network,
 * routed port and route); the network itself is made by CreateNetwork.
 * RequestAddress holds an address in that network's IPAM (`ipam hold`),
 * which the endpoint's connect takes over; the gateway is the subnet's
 * first address unless Docker names one.
 */
/*
 * The one thing this program remembers: an --ip-range between the
 * RequestPool that carries it and the CreateNetwork that makes the network
 * (which is given the pool, not the range), both within one `docker network
 * create`. Lost only if the plugin restarts in between; the network then
 * hands out addresses from its whole subnet.
 */
#define RANGES_MAX 16
static struct {
	char pool[64], range[64];
} ranges[RANGES_MAX];

static void
range_forget(const char *pool)
{
	unsigned i;

	for (i = 0; i < RANGES_MAX; i++)
		if (pool != NULL && strcmp(ranges[i].pool, pool) == 0)
			ranges[i].pool[0] = ranges[i].range[0] = '\0';
}

static void
range_keep(const char *pool, const char *range)
{
	static unsigned next;
	unsigned i, slot = next++ % RANGES_MAX;

	range_forget(pool);
	for (i = 0; i < RANGES_MAX; i++)
		if (ranges[i].pool[0] == '\0') {
			slot = i;
			break;
		}
	snprintf(ranges[slot].pool, sizeof(ranges[slot].pool), "%s", pool);
	snprintf(ranges[slot].range, sizeof(ranges[slot].range), "%s", range);
}

static const char *
range_of(const char *pool)
{
	unsigned i;

	for (i = 0; i < RANGES_MAX; i++)
		if (pool != NULL && ranges[i].pool[0] && strcmp(ranges[i].pool, pool) == 0)
			return ranges[i].range;
	return NULL;
}

static json_t *
request_pool(json_t *req)
{
	const char *pool = json_string_value(json_object_get(req, "Pool"));
	const char *sub = json_string_value(json_object_get(req, "SubPool"));
	char why[256];
	json_t *out;

	if (json_is_true(json_object_get(req, "V6")))
		return err_json("RequestPool: vsw's IPAM hands out IPv4 only: for --ipv6 leave --ipam-driver out (Docker's IPAM; vsw bridges the IPv6 subnet)");
	if (sub != NULL && sub[0]) {
		if (pool == NULL || pool[0] == '\0')
			return err_json("RequestPool: --ip-range goes with --subnet");
		if (!vsw_word_ok(sub) || !vsw_word_ok(pool))
			return err_json("RequestPool: '%s' is not a range", sub);
		/* vsw checks it against the subnet when the network is made */
		range_keep(pool, sub);
		return json_pack("{s:s,s:s,s:{}}", "PoolID", pool, "Pool", pool, "Data");
	}
	if (pool == NULL || pool[0] == '\0') {
		const char *w[] = { "ipam", "pick", NULL };
		json_t *j = vsw_json(control, w, why, sizeof(why));
		const char *p;

		if (j == NULL)
			return err_json("RequestPool: %s", why);
		p = json_string_value(json_object_get(json_array_get(json_object_get(j, "ipam"), 0),
						      "subnet"));
		out = p != NULL ? json_pack("{s:s,s:s,s:{}}", "PoolID", p, "Pool", p, "Data") :
			err_json("RequestPool: no subnet in vsw's answer");
		json_decref(j);
		return out;
	}
	if (!vsw_word_ok(pool))
		return err_json("RequestPool: '%s' is not a subnet", pool);
	return json_pack("{s:s,s:s,s:{}}", "PoolID", pool, "Pool", pool, "Data");
}

/* The vsw network whose subnet is 'pool', into 'net'; -1 when none. */
static int
network_of_pool(const char *pool, char *net, size_t len, char *why, size_t whylen)
{
	const char *w[] = { "network", "ls", NULL };
	json_t *j = vsw_json(control, w, why, whylen), *n;
	size_t i;
	int rc = -1;

	if (j == NULL)
		return -1;
	json_array_foreach(json_object_get(j, "networks"), i, n) {
		const char *sub = json_string_value(json_object_get(n, "subnet"));

		if (sub != NULL && strcmp(sub, pool) == 0) {
			snprintf(net, len, "%s", json_string_value(json_object_get(n, "network")));
			rc = 0;
		}
	}
	json_decref(j);
	if (rc != 0)
		snprintf(why, whylen, "no vsw network has subnet %s yet", pool);
	return rc;
}

static json_t *
request_address(json_t *req)
{
	const char *pool = json_string_value(json_object_get(req, "PoolID"));
	const char *addr = json_string_value(json_object_get(req, "Address"));
	const char *type = json_string_value(json_object_get(json_object_get(req, "Options"),
							     "RequestAddressType"));
	const char *slash = pool != NULL ? strchr(pool, '/') : NULL;
	char net[64], why[256], a[64], out[80];
	json_t *j;

	if (pool == NULL || slash == NULL)
		return err_json("RequestAddress: no pool");
	if (type != NULL && strcmp(type, "com.docker.network.gateway") == 0) {
		unsigned b[4];

		if (addr != NULL && addr[0]) {
			snprintf(out, sizeof(out), "%s%s", addr, strchr(addr, '/') ? "" : slash);
		} else if (sscanf(pool, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]) == 4) {
			snprintf(out, sizeof(out), "%u.%u.%u.%u%s", b[0], b[1], b[2], b[3] + 1, slash);
		} else {
			return err_json("RequestAddress: pool %s is not IPv4", pool);
		}
		return json_pack("{s:s,s:{}}", "Address", out, "Data");
	}
	if (network_of_pool(pool, net, sizeof(net), why, sizeof(why)) != 0)
		return err_json("RequestAddress: %s", why);
	{
		const char *w1[] = { "ipam", "hold", net, NULL };
		const char *w2[] = { "ipam", "hold", net, "--ip", a, NULL };

		if (addr != NULL && addr[0])
			vsw_addr_only(addr, a, sizeof(a));
		j = vsw_json(control, addr != NULL && addr[0] ? w2 : w1, why, sizeof(why));
	}
	if (j == NULL)
		return err_json("RequestAddress: %s", why);
	snprintf(out, sizeof(out), "%s%s",
		 json_string_value(json_object_get(json_array_get(json_object_get(j, "ipam"), 0),
						   "ip")) ?: "", slash);
	json_decref(j);
	return json_pack("{s:s,s:{}}", "Address", out, "Data");
}

static json_t *
release_address(json_t *req)
{
	const char *pool = json_string_value(json_object_get(req, "PoolID"));
	const char *addr = json_string_value(json_object_get(req, "Address"));
	char net[64], why[256], a[64];
	const char *w[] = { "ipam", "release", net, a, NULL };
	struct vsw_reply r;

	if (pool == NULL || addr == NULL)
		return err_json("ReleaseAddress: no pool or address");
	/* the network may be gone already (its addresses with it) */
	if (network_of_pool(pool, net, sizeof(net), why, sizeof(why)) != 0)
		return json_object();
	vsw_addr_only(addr, a, sizeof(a));
	vsw_request(control, &r, w);
	vsw_reply_free(&r);
	return json_object();
}

/* ---- HTTP --------------------------------------------------------------------- */

static json_t *
dispatch(const char *url, json_t *req)
{
	if (strcmp(url, "/Plugin.Activate") == 0)
		return json_pack("{s:[s,s]}", "Implements", "NetworkDriver", "IpamDriver");
	if (strcmp(url, "/IpamDriver.GetCapabilities") == 0)
		return json_pack("{s:b}", "RequiresMACAddress", 0);
	if (strcmp(url, "/IpamDriver.GetDefaultAddressSpaces") == 0)
		return json_pack("{s:s,s:s}", "LocalDefaultAddressSpace", "vsw",
				 "GlobalDefaultAddressSpace", "vsw-global");
	if (strcmp(url, "/IpamDriver.RequestPool") == 0)
		return request_pool(req);
	if (strcmp(url, "/IpamDriver.ReleasePool") == 0) {
		range_forget(json_string_value(json_object_get(req, "PoolID")));
		return json_object();
	}
	if (strcmp(url, "/IpamDriver.RequestAddress") == 0)
		return request_address(req);
	if (strcmp(url, "/IpamDriver.ReleaseAddress") == 0)
		return release_address(req);
	if (strcmp(url, "/NetworkDriver.GetCapabilities") == 0)
		return json_pack("{s:s,s:s}", "Scope", "local", "ConnectivityScope", "local");
	if (strcmp(url, "/NetworkDriver.CreateNetwork") == 0)
		return create_network(req);
	if (strcmp(url, "/NetworkDriver.DeleteNetwork") == 0)
		return delete_network(req);
	if (strcmp(url, "/NetworkDriver.CreateEndpoint") == 0)
		return create_endpoint(req);
	if (strcmp(url, "/NetworkDriver.DeleteEndpoint") == 0)
		return delete_endpoint(req);
	if (strcmp(url, "/NetworkDriver.EndpointOperInfo") == 0)
		return oper_info(req);
	if (strcmp(url, "/NetworkDriver.Join") == 0)
		return join(req);
	if (strcmp(url, "/NetworkDriver.Leave") == 0 ||
	    strcmp(url, "/NetworkDriver.DiscoverNew") == 0 ||
	    strcmp(url, "/NetworkDriver.DiscoverDelete") == 0)
		return json_object();
	if (strcmp(url, "/NetworkDriver.ProgramExternalConnectivity") == 0)
		return program_ext(req);
	if (strcmp(url, "/NetworkDriver.RevokeExternalConnectivity") == 0)
		return revoke_ext(req);
	return NULL;
}

struct body {
	char *buf;
	size_t len;
	bool too_big;
};

static enum MHD_Result
send_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	struct MHD_Response *resp;
	enum MHD_Result rc;

	json_decref(j);
	if (text == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", CT);
	rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *data, size_t *data_len, void **con_cls)
{
	struct body *b = *con_cls;
	json_t *req, *out;
	json_error_t e;

	(void)cls; (void)version;
	if (b == NULL) {
		b = calloc(1, sizeof(*b));
		if (b == NULL)
			return MHD_NO;
		*con_cls = b;
		return MHD_YES;
	}
	if (*data_len > 0) {
		if (b->len + *data_len > BODY_MAX) {
			b->too_big = true;
		} else {
			char *t = realloc(b->buf, b->len + *data_len + 1);

			if (t == NULL)
				return MHD_NO;
			b->buf = t;
			memcpy(b->buf + b->len, data, *data_len);
			b->len += *data_len;
			b->buf[b->len] = '\0';
		}
		*data_len = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST") != 0)
		return send_json(c, MHD_HTTP_METHOD_NOT_ALLOWED, err_json("POST only"));
	if (b->too_big)
		return send_json(c, MHD_HTTP_CONTENT_TOO_LARGE, err_json("request larger than 1 MiB"));
	req = b->len ? json_loads(b->buf, 0, &e) : json_object();
	if (req == NULL)
		return send_json(c, MHD_HTTP_BAD_REQUEST, err_json("%s: not JSON: %s", url, e.text));
	out = dispatch(url, req);
	json_decref(req);
	if (out == NULL)
		return send_json(c, MHD_HTTP_NOT_FOUND, err_json("%s: not a call vsw-docker serves", url));
	if (json_object_get(out, "Err") == NULL)
		fprintf(stderr, "vsw-docker: %s: ok\n", url);
	/* Docker 20.10 reads an IPAM driver's Err only from a failed HTTP
	 * status (with 200 it goes on with an empty pool: "invalid CIDR
	 * address"); the network driver's calls take it either way */
	else if (strncmp(url, "/IpamDriver.", 12) == 0)
		return send_json(c, MHD_HTTP_BAD_REQUEST, out);
	return send_json(c, MHD_HTTP_OK, out);
}

static void
done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	struct body *b = *con_cls;

	(void)cls; (void)c; (void)t;
	if (b != NULL) {
		free(b->buf);
		free(b);
	}
	*con_cls = NULL;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: vsw-docker [-s CONTROL_SOCKET] [-p PLUGIN_SOCKET]\n"
		"  -s  vsw's control socket (default %s, or $VSW_SOCKET)\n"
		"  -p  where Docker finds the plugin (default %s; the file's name is the driver's)\n",
		DEFAULT_CONTROL, DEFAULT_PLUGIN);
}

int
main(int argc, char **argv)
{
	const char *plugin = DEFAULT_PLUGIN;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct MHD_Daemon *d;
	struct sigaction act = { .sa_handler = on_signal };
	int opt, fd;

	if (getenv("VSW_SOCKET") != NULL)
		control = getenv("VSW_SOCKET");
	while ((opt = getopt(argc, argv, "s:p:h")) != -1) {
		switch (opt) {
		case 's': control = optarg; break;
		case 'p': plugin = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || strlen(plugin) >= sizeof(sa.sun_path) ||
	    strlen(control) >= sizeof(sa.sun_path)) {
		usage(stderr);
		return 2;
	}
	{
		char dir[sizeof(sa.sun_path)], *slash;

		snprintf(dir, sizeof(dir), "%s", plugin);
		slash = strrchr(dir, '/');
		if (slash != NULL && slash != dir) {
			*slash = '\0';
			mkdir(dir, 0755);
		}
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", plugin);
	unlink(plugin);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		fprintf(stderr, "vsw-docker: cannot listen on %s: %s\n", plugin, strerror(errno));
		return 1;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			     handle, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
			     MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "vsw-docker: cannot serve HTTP on %s\n", plugin);
		unlink(plugin);
		return 1;
	}
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	fprintf(stderr, "vsw-docker: serving %s for vsw at %s\n", plugin, control);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	unlink(plugin);
	fprintf(stderr, "vsw-docker: stopped\n");
	return 0;
}
