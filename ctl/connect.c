/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "ctl/connect.h"
#include "switch/apply.h"
#include "switch/model.h"
#include "model/ipam.h"
#include "model/netlink.h"

#define CONNECT_USAGE "usage: connect NETWORK --netns NS [--ifname IF] [--ip A] [--mac M] " \
	"[--name N] [--alias A]... | connect NETWORK --veth PEER --name N [--ip A] [--mac M]"

struct ask {
	const char *net, *netns, *ifname, *name;
	const char *veth;               /* the peer's name, left to an engine */
	const char *alias[TOPO_MAX_ALIASES];
	unsigned n_alias;
	uint32_t ip;                    /* host order, 0: from the IPAM */
	uint8_t mac[6];
	bool have_mac;
};

static bool
parse_mac6(const char *v, uint8_t m[6])
{
	unsigned b[6];
	char tail;
	int i;

	if (sscanf(v, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return false;
	for (i = 0; i < 6; i++) {
		if (b[i] > 255)
			return false;
		m[i] = (uint8_t)b[i];
	}
	return !(m[0] & 1) && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

static int
parse_ask(int argc, char **argv, struct ask *q, char *err, size_t errlen)
{
	char why[160];
	int i;

	memset(q, 0, sizeof(*q));
	if (argc < 1 || argv[0][0] == '-') {
		snprintf(err, errlen, CONNECT_USAGE);
		return -1;
	}
	q->net = argv[0];
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL) {
			snprintf(err, errlen, "connect: %s needs a value (%s)", o, CONNECT_USAGE);
			return -1;
		}
		i++;
		if (strcmp(o, "--netns") == 0) {
			q->netns = v;
		} else if (strcmp(o, "--veth") == 0) {
			q->veth = v;
		} else if (strcmp(o, "--ifname") == 0) {
			q->ifname = v;
		} else if (strcmp(o, "--name") == 0) {
			q->name = v;
		} else if (strcmp(o, "--alias") == 0) {
			if (q->n_alias == TOPO_MAX_ALIASES) {
				snprintf(err, errlen, "connect: more than %d aliases", TOPO_MAX_ALIASES);
				return -1;
			}
			q->alias[q->n_alias++] = v;
		} else if (strcmp(o, "--ip") == 0) {
			if (ipam_addr_parse(v, &q->ip, why, sizeof(why)) != 0 || q->ip == 0) {
				snprintf(err, errlen, "connect: --ip %s: %s", v, why);
				return -1;
			}
		} else if (strcmp(o, "--mac") == 0) {
			if (!parse_mac6(v, q->mac)) {
				snprintf(err, errlen, "connect: --mac %s is not a unicast MAC like 02:42:ac:11:00:02", v);
				return -1;
			}
			q->have_mac = true;
		} else {
			snprintf(err, errlen, "connect: unknown option '%s' (%s)", o, CONNECT_USAGE);
			return -1;
		}
	}
	if (q->veth != NULL) {
		/* the engine moves the peer and sets its address (Docker) */
		if (q->netns != NULL || q->ifname != NULL || q->n_alias != 0) {
			snprintf(err, errlen, "connect: --veth leaves the peer to its engine: no --netns, --ifname or --alias with it");
			return -1;
		}
		if (q->name == NULL) {
			snprintf(err, errlen, "connect: --veth needs --name (what names the endpoint for a retry and for disconnect)");
			return -1;
		}
		return 0;
	}
	if (q->netns == NULL || q->netns[0] == '\0') {
		snprintf(err, errlen, "connect: --netns is missing (%s)", CONNECT_USAGE);
		return -1;
	}
	if (strlen(q->netns) >= TOPO_PATH_MAX) {
		snprintf(err, errlen, "connect: --netns is longer than %d characters", TOPO_PATH_MAX - 1);
		return -1;
	}
	return 0;
}

/* The port (endpoint) of network 'b' whose netns (or name) is 'v'. */
static int
find_endpoint(const struct topology *t, int b, const char *netns, const char *name)
{
	unsigned i;

	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];

		if (p->name[0] == '\0' || p->bridge != b || (p->netns[0] == '\0' && p->ip == 0))
			continue;
		if ((netns != NULL && p->netns[0] && strcmp(p->netns, netns) == 0) ||
		    (name != NULL && p->ep_name[0] && strcasecmp(p->ep_name, name) == 0))
			return (int)i;
	}
	return -1;
}

/* NETWORK.NAME (or the namespace's last path part), a valid unique name. */
static void
port_name(const struct topology *t, const struct ask *q, char *out, size_t len)
{
	const char *base = q->name;
	char cand[TOPO_NAME_MAX];
	unsigned i, n;
	char *c;

	if (base == NULL) {
		base = strrchr(q->netns, '/');
		base = base != NULL ? base + 1 : q->netns;
		/* /proc/PID/ns/net: the PID says more than "net" */
		if (strcmp(base, "net") == 0 && strncmp(q->netns, "/proc/", 6) == 0)
			base = q->netns + 6;
	}
	snprintf(cand, sizeof(cand), "%s.%s", q->net, base);
	for (c = cand; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.')
			*c = '-';
	snprintf(out, len, "%s", cand);
	for (n = 2; topo_port_find(t, out) >= 0; n++) {
		char sfx[12];

		i = (unsigned)snprintf(sfx, sizeof(sfx), "-%u", n);
		snprintf(out, len, "%.*s%s", (int)(TOPO_NAME_MAX - 1 - i), cand, sfx);
	}
}

/* vswXXXXXXXX: free on the host and in the running topology. */
static void
host_name(const struct topology *t, const char *port, char *out, size_t len)
{
	uint32_t h = 2166136261u;
	const char *c;
	unsigned i, k;

	for (c = port; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	for (k = 0;; k++) {
		bool taken = false;

		snprintf(out, len, "vsw%08x", h + k * 0x9e3779b9u);
		for (i = 0; i < t->n_ports && !taken; i++)
			taken = strcmp(t->ports[i].iface, out) == 0;
		if (!taken && if_nametoindex(out) == 0)
			return;
	}
}

static void
endpoint_rows(const struct vsw *sw, struct reply *r, int pi)
{
	static const char *const cols[] = { "endpoint", "network", "netns", "ifname", "ip",
					    "gateway", "mac", "host_iface", "name" };
	const struct topology *t = sw->run;
	const struct topo_port *p = &t->ports[pi];
	const struct topo_bridge *tb = &t->bridges[p->bridge];
	char ip[24] = "-", gw[INET_ADDRSTRLEN] = "-", mac[20] = "-";
	struct in_addr a;

	if (p->ip != 0) {
		a.s_addr = htonl(p->ip);
		snprintf(ip, sizeof(ip), "%s/%u", inet_ntoa(a), tb->prefix);
	}
	if (tb->prefix && !tb->internal) {
		a.s_addr = htonl(tb->gateway);
		snprintf(gw, sizeof(gw), "%s", inet_ntoa(a));
	}
	if (p->peer_mac[0] | p->peer_mac[1] | p->peer_mac[2] | p->peer_mac[3] |
	    p->peer_mac[4] | p->peer_mac[5])
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->peer_mac[0],
			 p->peer_mac[1], p->peer_mac[2], p->peer_mac[3], p->peer_mac[4],
			 p->peer_mac[5]);
	reply_table(r, "endpoint", NULL, RTE_DIM(cols), cols);
	reply_row(r, p->name, tb->name, p->netns, p->ifname[0] ? p->ifname : "eth0", ip, gw,
		  mac, p->iface, p->ep_name[0] ? p->ep_name : "-");
}

/* Does endpoint 'p' have what 'q' asks? */
static bool
same_ask(const struct topo_port *p, const struct ask *q)
{
	const char *ifn = q->ifname != NULL ? q->ifname : NETLINK_DEFAULT_IFNAME;
	unsigned i;

	if ((q->veth == NULL &&
	     strcmp(p->ifname[0] ? p->ifname : NETLINK_DEFAULT_IFNAME, ifn) != 0) ||
	    (q->ip != 0 && p->ip != q->ip) ||
	    (q->have_mac && memcmp(p->peer_mac, q->mac, 6) != 0) ||
	    (q->name != NULL && strcasecmp(p->ep_name, q->name) != 0) ||
	    (q->n_alias != 0 && q->n_alias != p->n_aliases))
		return false;
	for (i = 0; i < q->n_alias; i++)
		if (strcasecmp(p->aliases[i], q->alias[i]) != 0)
			return false;
	return true;
}

/*
 * An endpoint of macvlan network 'm' for an engine (--veth): the pair
 * made, the host end a port with macvlan = NET and the peer's MAC (what
 * the parent's table delivers by). No address: a macvlan endpoint's is
 * its LAN's, set by the engine; --ip is taken as said and not kept.
 */
static int
connect_macvlan(struct vsw *sw, struct reply *r, const struct ask *q, int m,
		char *err, size_t errlen)
{
	static const char *const cols[] = { "endpoint", "network", "mac", "host_iface",
					    "name", "gateway" };
	const struct topology *t = sw->run;
	const struct topo_macvlan *tm = &t->macvlans[m];
	struct netlink_veth veth;
	struct netlink_link peer;
	char port[TOPO_NAME_MAX], host[NETLINK_IFNAMSIZ], why[256], keys[512], mac[20];
	char gw[INET_ADDRSTRLEN] = "-";
	int pi;

	if (q->veth == NULL) {
		snprintf(err, errlen, "network %s is a macvlan network: connect it with --veth PEER --name N (an engine moves the peer)",
			 q->net);
		return -1;
	}
	if (tm->gateway) {
		struct in_addr a = { .s_addr = htonl(tm->gateway) };

		inet_ntop(AF_INET, &a, gw, sizeof(gw));
	}
	snprintf(port, sizeof(port), "%s.%s", q->net, q->name);
	pi = topo_port_find(t, port);
	if (pi >= 0) {
		const struct topo_port *p = &t->ports[pi];

		if (p->macvlan != m || (q->have_mac && memcmp(p->mac, q->mac, 6) != 0)) {
			snprintf(err, errlen, "network %s: name %s is connected already as %s, with other settings (disconnect it first)",
				 q->net, q->name, port);
			return -1;
		}
		reply_note(r, "name %s is connected to network %s already", q->name, q->net);
	} else {
		host_name(t, port, host, sizeof(host));
		memset(&veth, 0, sizeof(veth));
		veth.host = host;
		veth.ifname = q->veth;
		veth.mtu = sw->ports[tm->parent].mtu ? sw->ports[tm->parent].mtu : 1500;
		if (q->have_mac)
			memcpy(veth.mac, q->mac, 6);
		if (netlink_pair(&veth, NULL, &peer, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "network %s: veth %s: %s", q->net, q->veth, why);
			return -1;
		}
		snprintf(keys, sizeof(keys),
			 "kind = afpacket\niface = %s\nmacvlan = %s\nmac = %02x:%02x:%02x:%02x:%02x:%02x\n",
			 host, q->net, peer.mac[0], peer.mac[1], peer.mac[2], peer.mac[3],
			 peer.mac[4], peer.mac[5]);
		if (apply_text(sw, r, "connect",
			       text_with(vsw_running_text(sw, NULL, NULL), "port", port, keys),
			       err, errlen) != 0) {
			netlink_disconnect(host, NULL, 0);
			return -1;
		}
		pi = topo_port_find(sw->run, port);
		if (pi < 0)
			return -1;
	}
	{
		const struct topo_port *p = &sw->run->ports[pi];

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0], p->mac[1],
			 p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
		reply_table(r, "endpoint", NULL, RTE_DIM(cols), cols);
		reply_row(r, p->name, q->net, mac, p->iface, q->name, gw);
	}
	return 0;
}

int
ctl_connect(struct vsw *sw, struct reply *r, int argc, char **argv,
	    char *err, size_t errlen)
{
	const struct topology *t = sw->run;
	const struct topo_bridge *tb;
	struct netlink_veth veth;
	struct netlink_link peer;
	struct ipam_net *ipam;
	struct ask q;
	char port[TOPO_NAME_MAX], host[NETLINK_IFNAMSIZ], why[256];
	char keys[TOPO_ARGS_MAX * 3], ipb[INET_ADDRSTRLEN];
	size_t off;
	uint32_t ip;
	unsigned i;
	int b, pi, rc;

	if (parse_ask(argc, argv, &q, err, errlen) != 0)
		return -1;
	if (sw->replay) {
		snprintf(err, errlen, "replay mode: the topology cannot change while it runs");
		return -1;
	}
	b = topo_bridge_find(t, q.net);
	if (b < 0 && topo_macvlan_find(t, q.net) >= 0)
		return connect_macvlan(sw, r, &q, topo_macvlan_find(t, q.net), err, errlen);
	if (b < 0) {
		snprintf(err, errlen, "no network '%s'", q.net);
		return -1;
	}
	tb = &t->bridges[b];
	ipam = sw->ipam[b];
	pi = q.veth != NULL ? find_endpoint(t, b, NULL, q.name) : find_endpoint(t, b, q.netns, NULL);
	if (pi >= 0) {
		if (!same_ask(&t->ports[pi], &q)) {
			snprintf(err, errlen, "network %s: %s %s is connected already as endpoint %s, with other settings (disconnect it first)",
				 q.net, q.veth ? "name" : "netns", q.veth ? q.name : q.netns,
				 t->ports[pi].name);
			return -1;
		}
		reply_note(r, "%s %s is connected to network %s already", q.veth ? "name" : "netns",
			   q.veth ? q.name : q.netns, q.net);
		endpoint_rows(sw, r, pi);
		return 0;
	}
	if (q.name != NULL && find_endpoint(t, b, NULL, q.name) >= 0) {
		snprintf(err, errlen, "network %s: the name %s is endpoint %s's already", q.net,
			 q.name, t->ports[find_endpoint(t, b, NULL, q.name)].name);
		return -1;
	}
	if (tb->prefix == 0 || ipam == NULL) {
		snprintf(err, errlen, "network %s has no subnet: an endpoint needs an address (create the network with --subnet, or without --subnet none)",
			 q.net);
		return -1;
	}
	port_name(t, &q, port, sizeof(port));
	host_name(t, port, host, sizeof(host));

	/* 1. the address, held under the port's name */
	if (q.ip != 0) {
		const char *held = ipam_owner(ipam, q.ip);

		ip = q.ip;
		/* held for this endpoint by an engine's IPAM (ipam hold) */
		if (held != NULL && strcmp(held, VSW_IPAM_HOLD) == 0)
			ipam_release(ipam, ip, VSW_IPAM_HOLD, NULL, 0);
		rc = ipam_request(ipam, ip, port, why, sizeof(why));
	} else {
		rc = ipam_alloc(ipam, port, &ip, why, sizeof(why));
	}
	if (rc != 0) {
		snprintf(err, errlen, "network %s: %s", q.net, why);
		return -1;
	}
	/* 2. the veth pair, its far end in the namespace */
	memset(&veth, 0, sizeof(veth));
	veth.netns = q.netns;
	veth.host = host;
	veth.ifname = q.ifname;
	veth.ip = htonl(ip);
	veth.prefix = tb->prefix;
	veth.gateway = tb->internal ? 0 : htonl(tb->gateway);
	veth.mtu = tb->mtu ? tb->mtu : 1500;
	if (q.have_mac)
		memcpy(veth.mac, q.mac, 6);
	if (q.veth != NULL) {
		veth.netns = NULL;
		veth.ifname = q.veth;
		rc = netlink_pair(&veth, NULL, &peer, why, sizeof(why));
	} else {
		rc = netlink_connect(&veth, NULL, &peer, why, sizeof(why));
	}
	if (rc != 0) {
		ipam_release(ipam, ip, port, NULL, 0);
		snprintf(err, errlen, "network %s: %s %s: %s", q.net, q.veth ? "veth" : "netns",
			 q.veth ? q.veth : q.netns, why);
		return -1;
	}
	/* 3. the port, through the reconciler */
	{
		struct in_addr a = { .s_addr = htonl(ip) };

		inet_ntop(AF_INET, &a, ipb, sizeof(ipb));
	}
	if (q.veth != NULL)
		off = (size_t)snprintf(keys, sizeof(keys),
				       "kind = afpacket\niface = %s\nbridge = %s\nip = %s\n"
				       "peer_mac = %02x:%02x:%02x:%02x:%02x:%02x\n",
				       host, tb->name, ipb, peer.mac[0], peer.mac[1], peer.mac[2],
				       peer.mac[3], peer.mac[4], peer.mac[5]);
	else
		off = (size_t)snprintf(keys, sizeof(keys),
				       "kind = afpacket\niface = %s\nbridge = %s\nnetns = %s\nifname = %s\nip = %s\n"
				       "peer_mac = %02x:%02x:%02x:%02x:%02x:%02x\n",
				       host, tb->name, q.netns,
				       q.ifname ? q.ifname : NETLINK_DEFAULT_IFNAME, ipb, peer.mac[0],
				       peer.mac[1], peer.mac[2], peer.mac[3], peer.mac[4], peer.mac[5]);
	if (q.name != NULL)
		off += (size_t)snprintf(keys + off, sizeof(keys) - off, "name = %s\n", q.name);
	for (i = 0; i < q.n_alias && off < sizeof(keys); i++)
		off += (size_t)snprintf(keys + off, sizeof(keys) - off, "alias = %s\n", q.alias[i]);
	if (off >= sizeof(keys)) {
		snprintf(err, errlen, "connect: too many settings");
		rc = -1;
	} else {
		rc = apply_text(sw, r, "connect",
				text_with(vsw_running_text(sw, NULL, NULL), "port", port, keys),
				err, errlen);
	}
	if (rc != 0) {
		netlink_disconnect(host, NULL, 0);
		if (sw->ipam[b] != NULL)
			ipam_release(sw->ipam[b], ip, port, NULL, 0);
		return -1;
	}
	pi = topo_port_find(sw->run, port);
	if (pi >= 0)
		endpoint_rows(sw, r, pi);
	return 0;
}

int
ctl_disconnect(struct vsw *sw, struct reply *r, int argc, char **argv,
	       char *err, size_t errlen)
{
	const struct topology *t = sw->run;
	const char *netns = NULL, *name = NULL;
	char host[TOPO_IFNAME_MAX], port[TOPO_NAME_MAX], why[256];
	int b, pi;

	if (argc != 3 || (strcmp(argv[1], "--netns") != 0 && strcmp(argv[1], "--name") != 0)) {
		snprintf(err, errlen, "usage: disconnect NETWORK --netns NS | --name N");
		return -1;
	}
	if (strcmp(argv[1], "--netns") == 0)
		netns = argv[2];
	else
		name = argv[2];
	b = topo_bridge_find(t, argv[0]);
	if (b < 0 && name != NULL && topo_macvlan_find(t, argv[0]) >= 0) {
		/* a macvlan endpoint an engine made: port NETWORK.NAME */
		snprintf(port, sizeof(port), "%s.%s", argv[0], name);
		pi = topo_port_find(t, port);
		if (pi < 0 || t->ports[pi].macvlan != topo_macvlan_find(t, argv[0])) {
			snprintf(err, errlen, "name %s is not connected to network %s", name, argv[0]);
			return -1;
		}
		snprintf(host, sizeof(host), "%s", t->ports[pi].iface);
		if (apply_text(sw, r, "disconnect", vsw_running_text(sw, port, NULL), err,
			       errlen) != 0)
			return -1;
		if (netlink_disconnect(host, why, sizeof(why)) != 0)
			reply_note(r, "endpoint %s: its veth %s: %s", port, host, why);
		reply_note(r, "endpoint %s disconnected from network %s", port, argv[0]);
		return 0;
	}
	if (b < 0) {
		snprintf(err, errlen, "no network '%s'", argv[0]);
		return -1;
	}
	pi = find_endpoint(t, b, netns, name);
	if (pi < 0) {
		snprintf(err, errlen, "%s %s is not connected to network %s",
			 netns ? "netns" : "name", argv[2], argv[0]);
		return -1;
	}
	snprintf(host, sizeof(host), "%s", t->ports[pi].iface);
	snprintf(port, sizeof(port), "%s", t->ports[pi].name);
	/* the port first: vsw lets go of the interface, then it goes */
	if (apply_text(sw, r, "disconnect", vsw_running_text(sw, port, NULL), err, errlen) != 0)
		return -1;
	if (netlink_disconnect(host, why, sizeof(why)) != 0)
		reply_note(r, "endpoint %s: its veth %s: %s", port, host, why);
	reply_note(r, "endpoint %s disconnected from network %s", port, argv[0]);
	return 0;
}
