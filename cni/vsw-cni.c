/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsw-cni: vsw as a CNI plugin (spec 1.0.0; results in 0.4.0 too), for
 * Podman, containerd and anything else that runs CNI plugins.
 *
 * The runtime runs it with CNI_COMMAND (ADD, DEL, CHECK, VERSION),
 * CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS and CNI_PATH in the
 * environment and the network configuration on stdin:
 *
 *   { "cniVersion": "1.0.0", "name": "lab", "type": "vsw-cni",
 *     "socket": "/run/vsw/vsw.sock",     vsw's control socket (default)
 *     "network": "lab",                  the vsw network (default: name)
 *     "ipam": { "type": "host-local", ... },   optional: without it (or
 *                                        with "type": "vsw") vsw's IPAM
 *     "capabilities": { "portMappings": true, "ips": true, "mac": true,
 *                       "aliases": true } }
 *
 * ADD asks vsw to do what `vswctl connect NETWORK --netns NS --ifname IF`
 * does (a veth pair, the address, the default route, the MTU), with the
 * endpoint named by the container id (its first 12 characters: what DEL
 * and CHECK find it by), the names for vsw's name service from the
 * `aliases` capability and K8S_POD_NAME, a requested address from the
 * `ips` capability or CNI_ARGS IP=, a MAC from `mac` or MAC=, and port
 * mappings as vsw publish rules c<ID12>-N on the network's masquerade port
 * (no proxy). Like vsw-docker, it keeps no state of its own.
 *
 * Errors are the spec's JSON on stdout ({"cniVersion", "code", "msg",
 * "details"}) with exit status 1; codes below 100 are the spec's, 100 and
 * up vsw's own (see enum below).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl/client.h"

#define DEFAULT_CONTROL "/run/vsw/vsw.sock"
#define ID_LEN 12
#define MAPS_MAX 4096
#define STDIN_MAX (1 << 20)

enum {
	E_VERSION = 1,          /* incompatible CNI version */
	E_FIELD = 2,            /* unsupported field in the configuration */
	E_UNKNOWN = 3,          /* container unknown or does not exist */
	E_ENV = 4,              /* invalid necessary environment variables */
	E_IO = 5,               /* I/O failure */
	E_DECODE = 6,           /* failed to decode content */
	E_CONFIG = 7,           /* invalid network configuration */
	E_AGAIN = 11,           /* try again later */
	E_VSW_DOWN = 100,       /* vsw cannot be reached on its socket */
	E_VSW_REFUSED = 101,    /* vsw refused the request (its reason in msg) */
	E_NOT_CONNECTED = 102,  /* CHECK: the endpoint is not in vsw, or differs */
	E_IPAM = 103,           /* the delegated IPAM plugin failed */
};

static const char *const versions[] = { "0.4.0", "1.0.0" };

static const char *control = DEFAULT_CONTROL;
static const char *cni_version = "1.0.0";

/* Print the spec's error object and exit 1. */
static void __attribute__((noreturn, format(printf, 3, 4)))
fail(int code, const char *details, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	json_t *e;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = json_pack("{s:s,s:i,s:s}", "cniVersion", cni_version, "code", code, "msg", msg);
	if (details != NULL && details[0])
		json_object_set_new(e, "details", json_string(details));
	json_dumpf(e, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	fprintf(stderr, "vsw-cni: %s%s%s\n", msg, details && details[0] ? ": " : "",
		details ? details : "");
	exit(1);
}

/* A vsw request that must succeed; its JSON reply. */
static json_t *
must_json(const char *what, const char *const *words)
{
	char why[512];
	json_t *j = vsw_json(control, words, why, sizeof(why));

	if (j == NULL)
		fail(strncmp(why, "cannot reach", 12) == 0 || strncmp(why, "no reply", 8) == 0 ?
		     E_VSW_DOWN : E_VSW_REFUSED, NULL, "%s: %s", what, why);
	return j;
}

/* ---- the environment and the configuration -------------------------------------- */

struct env {
	const char *cmd, *id, *netns, *ifname, *args, *path;
	char id12[ID_LEN + 1];
	/* from CNI_ARGS */
	char pod_name[64], ip[64], mac[32];
};

static const char *
env_get(const char *name, bool need)
{
	const char *v = getenv(name);

	if (need && (v == NULL || v[0] == '\0'))
		fail(E_ENV, NULL, "%s is not set", name);
	return v != NULL && v[0] ? v : NULL;
}

/* CNI_ARGS: K=V;K=V. IgnoreUnknown=1 lets keys pass that are not known
 * here; without it an unknown key is an error, as the spec wants. */
static void
parse_args(struct env *e)
{
	char buf[2048], *save = NULL, *kv, bad[128] = "";
	bool ignore = false;

	if (e->args == NULL)
		return;
	if (strlen(e->args) >= sizeof(buf))
		fail(E_ENV, NULL, "CNI_ARGS is longer than %zu bytes", sizeof(buf) - 1);
	snprintf(buf, sizeof(buf), "%s", e->args);
	for (kv = strtok_r(buf, ";", &save); kv != NULL; kv = strtok_r(NULL, ";", &save)) {
		char *v = strchr(kv, '=');

		if (v == NULL)
			fail(E_ENV, NULL, "CNI_ARGS: '%s' is not KEY=VALUE", kv);
		*v++ = '\0';
		if (strcmp(kv, "IgnoreUnknown") == 0)
			ignore = strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0;
		else if (strcmp(kv, "K8S_POD_NAME") == 0)
			snprintf(e->pod_name, sizeof(e->pod_name), "%s", v);
		else if (strcmp(kv, "IP") == 0)
			snprintf(e->ip, sizeof(e->ip), "%s", v);
		else if (strcmp(kv, "MAC") == 0)
			snprintf(e->mac, sizeof(e->mac), "%s", v);
		else if (strcmp(kv, "K8S_POD_NAMESPACE") != 0 &&
			 strcmp(kv, "K8S_POD_INFRA_CONTAINER_ID") != 0 &&
			 strcmp(kv, "K8S_POD_UID") != 0 && bad[0] == '\0')
			snprintf(bad, sizeof(bad), "%s", kv);
	}
	if (bad[0] && !ignore)
		fail(E_ENV, NULL, "CNI_ARGS: unknown key %s (IgnoreUnknown=1 lets it pass)", bad);
}

static void
env_read(struct env *e)
{
	unsigned i;

	memset(e, 0, sizeof(*e));
	e->cmd = env_get("CNI_COMMAND", true);
	if (strcmp(e->cmd, "VERSION") == 0)
		return;
	if (strcmp(e->cmd, "ADD") != 0 && strcmp(e->cmd, "DEL") != 0 &&
	    strcmp(e->cmd, "CHECK") != 0)
		fail(E_ENV, NULL, "CNI_COMMAND %s: ADD, DEL, CHECK or VERSION", e->cmd);
	e->id = env_get("CNI_CONTAINERID", true);
	e->ifname = env_get("CNI_IFNAME", true);
	/* DEL goes on without the namespace: it may be gone already */
	e->netns = env_get("CNI_NETNS", strcmp(e->cmd, "DEL") != 0);
	e->args = env_get("CNI_ARGS", false);
	e->path = env_get("CNI_PATH", false);
	/* the endpoint's name: the id's first 12 characters, which must be
	 * a name (Podman's and containerd's ids are hex) */
	for (i = 0; i < ID_LEN && e->id[i]; i++) {
		char c = e->id[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-' || c == '_'))
			fail(E_ENV, NULL, "CNI_CONTAINERID '%s': letters, digits, - and _ only",
			     e->id);
		e->id12[i] = c;
	}
	if (strlen(e->ifname) > 15 || !vsw_word_ok(e->ifname))
		fail(E_ENV, NULL, "CNI_IFNAME '%s' is not an interface name", e->ifname);
	if (e->netns != NULL && (!vsw_word_ok(e->netns) || e->netns[0] != '/'))
		fail(E_ENV, NULL, "CNI_NETNS '%s' is not a namespace path", e->netns);
	parse_args(e);
}

static json_t *
conf_read(void)
{
	static char buf[STDIN_MAX];
	size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
	json_error_t je;
	json_t *c;
	const char *v;
	unsigned i;

	if (ferror(stdin))
		fail(E_IO, strerror(errno), "cannot read the configuration");
	if (n == sizeof(buf) - 1)
		fail(E_DECODE, NULL, "the configuration is larger than %d bytes", STDIN_MAX - 1);
	buf[n] = '\0';
	c = json_loads(buf, 0, &je);
	if (c == NULL || !json_is_object(c))
		fail(E_DECODE, c == NULL ? je.text : NULL,
		     "the configuration on stdin is not a JSON object");
	v = json_string_value(json_object_get(c, "cniVersion"));
	if (v == NULL)
		fail(E_CONFIG, NULL, "the configuration has no cniVersion");
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (strcmp(v, versions[i]) == 0)
			cni_version = versions[i];
	if (strcmp(cni_version, v) != 0) {
		cni_version = "1.0.0";
		fail(E_VERSION, NULL, "cniVersion %s is not supported (0.4.0, 1.0.0 are)", v);
	}
	return c;
}

/* A string member, NULL when absent; anything but a string is an error. */
static const char *
conf_str(json_t *c, const char *key)
{
	json_t *v = json_object_get(c, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v))
		fail(E_CONFIG, NULL, "\"%s\" must be a string", key);
	return json_string_value(v);
}

/* ---- the delegated IPAM plugin ---------------------------------------------------- */

/* Run the IPAM plugin 'type' from CNI_PATH with our environment and the
 * configuration; its stdout parsed (ADD), or NULL (DEL). Its failure is
 * ours, with its message. */
static json_t *
ipam_exec(const struct env *e, const char *type, const char *conf)
{
	char path[4096], *dirs, *save = NULL, *d, out[65536];
	int in[2], res[2], st;
	size_t n = 0;
	ssize_t k;
	pid_t pid;
	bool found = false;
	json_t *j;

	if (strchr(type, '/') != NULL || !vsw_word_ok(type))
		fail(E_CONFIG, NULL, "ipam type '%s' is not a plugin name", type);
	if (e->path == NULL)
		fail(E_ENV, NULL, "CNI_PATH is not set: it is where the ipam plugin %s is found",
		     type);
	dirs = strdup(e->path);
	for (d = strtok_r(dirs, ":", &save); d != NULL && !found; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", d, type);
		found = access(path, X_OK) == 0;
	}
	free(dirs);
	if (!found)
		fail(E_CONFIG, NULL, "ipam plugin %s is not in CNI_PATH (%s)", type, e->path);
	if (pipe(in) != 0 || pipe(res) != 0)
		fail(E_IO, strerror(errno), "pipe");
	pid = fork();
	if (pid < 0)
		fail(E_IO, strerror(errno), "fork");
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(res[1], 1);
		close(in[1]);
		close(res[0]);
		execl(path, type, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	if (write(in[1], conf, strlen(conf)) != (ssize_t)strlen(conf))
		fprintf(stderr, "vsw-cni: ipam %s did not take its configuration\n", type);
	close(in[1]);
	while (n < sizeof(out) - 1 && (k = read(res[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(res[0]);
	waitpid(pid, &st, 0);
	j = n > 0 ? json_loads(out, 0, NULL) : NULL;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		const char *m = json_string_value(json_object_get(j, "msg"));

		fail(E_IPAM, out, "ipam plugin %s failed: %s", type, m ? m : "see details");
	}
	return j;
}

/* ---- ADD ----------------------------------------------------------------------- */

/* The address (without its length) of the first IPv4 of an IPAM result. */
static bool
first_v4(json_t *res, char *ip, size_t len)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(res, "ips"), i, a) {
		const char *s = json_string_value(json_object_get(a, "address"));

		if (s != NULL && strchr(s, ':') == NULL) {
			vsw_addr_only(s, ip, len);
			return true;
		}
	}
	return false;
}

static struct vsw_port_map maps[MAPS_MAX];

/* runtimeConfig.portMappings: [{hostPort, containerPort, protocol, hostIP}] */
static size_t
port_maps(json_t *pm, const char *uplink_ip)
{
	json_t *m;
	size_t i, n = 0;

	if (pm != NULL && !json_is_array(pm))
		fail(E_CONFIG, NULL, "runtimeConfig.portMappings must be an array");
	if (json_array_size(pm) > MAPS_MAX)
		fail(E_CONFIG, NULL, "more than %d port mappings", MAPS_MAX);
	json_array_foreach(pm, i, m) {
		json_t *hp = json_object_get(m, "hostPort"), *cp = json_object_get(m, "containerPort");
		const char *proto = json_string_value(json_object_get(m, "protocol"));
		const char *hip = json_string_value(json_object_get(m, "hostIP"));

		if (!json_is_integer(hp) || !json_is_integer(cp))
			fail(E_CONFIG, NULL, "portMappings[%zu]: hostPort and containerPort are numbers", i);
		if (proto == NULL || proto[0] == '\0')
			proto = "tcp";
		if (strcasecmp(proto, "tcp") != 0 && strcasecmp(proto, "udp") != 0)
			fail(E_CONFIG, NULL, "portMappings[%zu]: protocol %s: vsw publishes tcp and udp",
			     i, proto);
		/* vsw publishes on its uplink's own address */
		if (hip != NULL && hip[0] && strcmp(hip, "0.0.0.0") != 0 &&
		    (uplink_ip == NULL || strcmp(hip, uplink_ip) != 0))
			fail(E_CONFIG, NULL, "portMappings[%zu]: hostIP %s: vsw publishes on its uplink's address%s%s",
			     i, hip, uplink_ip ? " " : "", uplink_ip ? uplink_ip : "");
		maps[n++] = (struct vsw_port_map){
			.proto = strcasecmp(proto, "udp") == 0 ? 17 : 6,
			.port = (long)json_integer_value(cp),
			.hp = (long)json_integer_value(hp),
			.hpe = (long)json_integer_value(hp),
		};
	}
	return n;
}

/* The address of routed port 'port' (`show ports`), or NULL. */
static const char *
port_address(const char *port, char *out, size_t len)
{
	const char *w[] = { "show", "routes", NULL };
	char why[256];
	json_t *j = vsw_json(control, w, why, sizeof(why)), *r;
	const char *res = NULL;
	size_t i;

	json_array_foreach(j != NULL ? json_object_get(j, "interfaces") : NULL, i, r) {
		const char *n = json_string_value(json_object_get(r, "interface"));
		const char *a = json_string_value(json_object_get(r, "address"));

		if (n != NULL && a != NULL && strcmp(n, port) == 0) {
			vsw_addr_only(a, out, len);
			res = out;
		}
	}
	json_decref(j);
	return res;
}

static void
cmd_add(const struct env *e, json_t *conf, const char *net, const char *conf_text)
{
	json_t *rc = json_object_get(conf, "runtimeConfig"), *ipam = json_object_get(conf, "ipam");
	json_t *prev = json_object_get(conf, "prevResult"), *aliases, *a, *row, *rep, *ep, *res;
	json_t *ifs, *ips, *routes;
	const char *w[64], *type = ipam != NULL ? conf_str(ipam, "type") : NULL, *gw, *masq;
	const char *mac = e->mac[0] ? e->mac : NULL;
	char ip[64] = "", why[512], uplink[64], addr[80];
	size_t i, n = 0, nmaps, base;
	bool internal;

	if (rc != NULL && !json_is_object(rc))
		fail(E_CONFIG, NULL, "runtimeConfig must be an object");
	row = vsw_network_row(control, net, why, sizeof(why));
	if (row == NULL)
		fail(strncmp(why, "cannot reach", 12) == 0 ? E_VSW_DOWN : E_CONFIG, NULL,
		     "network %s: %s", net, why);
	if (strcmp(json_string_value(json_object_get(row, "driver")) ?: "", "bridge") != 0)
		fail(E_CONFIG, NULL, "vsw network %s is a %s network: vsw-cni connects bridges",
		     net, json_string_value(json_object_get(row, "driver")));
	/* the address: requested (ips capability, CNI_ARGS IP=), from a
	 * delegated IPAM plugin, or from vsw's own IPAM */
	{
		json_t *rips = json_object_get(rc, "ips");

		if (json_array_size(rips) > 0)
			vsw_addr_only(json_string_value(json_array_get(rips, 0)), ip, sizeof(ip));
		else if (e->ip[0])
			vsw_addr_only(e->ip, ip, sizeof(ip));
	}
	if (ip[0] == '\0' && type != NULL && strcmp(type, "vsw") != 0) {
		json_t *r = ipam_exec(e, type, conf_text);

		if (!first_v4(r, ip, sizeof(ip)))
			fail(E_IPAM, NULL, "ipam plugin %s gave no IPv4 address", type);
		json_decref(r);
	}
	if (json_string_value(json_object_get(rc, "mac")) != NULL)
		mac = json_string_value(json_object_get(rc, "mac"));

	w[n++] = "connect";
	w[n++] = net;
	w[n++] = "--netns";
	w[n++] = e->netns;
	w[n++] = "--ifname";
	w[n++] = e->ifname;
	w[n++] = "--name";
	w[n++] = e->id12;
	if (ip[0]) {
		w[n++] = "--ip";
		w[n++] = ip;
	}
	if (mac != NULL) {
		w[n++] = "--mac";
		w[n++] = mac;
	}
	/* names for vsw's name service: the aliases capability (a map of
	 * network name to names) and the pod's name */
	aliases = json_object_get(json_object_get(rc, "aliases"),
				  json_string_value(json_object_get(conf, "name")));
	json_array_foreach(aliases, i, a) {
		if (n + 3 >= sizeof(w) / sizeof(w[0]) - 2)
			break;
		if (json_string_value(a) == NULL || !vsw_word_ok(json_string_value(a)))
			fail(E_CONFIG, NULL, "aliases: '%s' is not a name",
			     json_string_value(a) ?: "(not a string)");
		w[n++] = "--alias";
		w[n++] = json_string_value(a);
	}
	if (e->pod_name[0]) {
		w[n++] = "--alias";
		w[n++] = e->pod_name;
	}
	w[n] = NULL;
	/* published ports, on the network's masquerade port: checked before
	 * anything is made */
	masq = json_string_value(json_object_get(row, "masquerade"));
	nmaps = port_maps(json_object_get(rc, "portMappings"),
			  masq && strcmp(masq, "-") ? port_address(masq, uplink, sizeof(uplink)) : NULL);
	rep = must_json("connect", w);
	ep = json_array_get(json_object_get(rep, "endpoint"), 0);
	gw = json_string_value(json_object_get(ep, "gateway"));
	internal = gw == NULL || strcmp(gw, "-") == 0;
	if (nmaps > 0) {
		const char *dw[] = { "disconnect", net, "--name", e->id12, NULL };
		char epip[64];

		vsw_addr_only(json_string_value(json_object_get(ep, "ip")), epip, sizeof(epip));
		if (masq == NULL || strcmp(masq, "-") == 0 ||
		    vsw_publish_ports(control, "c", e->id12, masq, epip, maps, nmaps, why,
				      sizeof(why)) != 0) {
			struct vsw_reply r;

			vsw_request(control, &r, dw);
			vsw_reply_free(&r);
			if (masq == NULL || strcmp(masq, "-") == 0)
				fail(E_CONFIG, NULL, "network %s has no masquerade port: it cannot publish ports",
				     net);
			fail(E_VSW_REFUSED, NULL, "%s", why);
		}
	}

	/* the result: prevResult's with ours after it */
	res = prev != NULL ? json_deep_copy(prev) : json_object();
	json_object_set_new(res, "cniVersion", json_string(cni_version));
	if ((ifs = json_object_get(res, "interfaces")) == NULL)
		json_object_set_new(res, "interfaces", ifs = json_array());
	if ((ips = json_object_get(res, "ips")) == NULL)
		json_object_set_new(res, "ips", ips = json_array());
	if ((routes = json_object_get(res, "routes")) == NULL)
		json_object_set_new(res, "routes", routes = json_array());
	base = json_array_size(ifs);
	json_array_append_new(ifs, json_pack("{s:s}", "name",
					     json_string_value(json_object_get(ep, "host_iface"))));
	json_array_append_new(ifs, json_pack("{s:s,s:s,s:s}", "name", e->ifname, "mac",
					     json_string_value(json_object_get(ep, "mac")) ?: "",
					     "sandbox", e->netns));
	snprintf(addr, sizeof(addr), "%s", json_string_value(json_object_get(ep, "ip")) ?: "");
	a = json_pack("{s:s,s:i}", "address", addr, "interface", (int)base + 1);
	if (strcmp(cni_version, "0.4.0") == 0)
		json_object_set_new(a, "version", json_string("4"));
	if (!internal)
		json_object_set_new(a, "gateway", json_string(gw));
	json_array_append_new(ips, a);
	if (!internal)
		json_array_append_new(routes, json_pack("{s:s,s:s}", "dst", "0.0.0.0/0", "gw", gw));
	/* the gateway answers names for the network (vsw's name service) */
	if (!internal && json_object_get(res, "dns") == NULL &&
	    strcmp(json_string_value(json_object_get(row, "dns")) ?: "no", "yes") == 0)
		json_object_set_new(res, "dns", json_pack("{s:[s],s:[s]}", "nameservers", gw,
							  "search", net));
	json_dumpf(res, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(res);
	json_decref(rep);
	json_decref(row);
}

/* ---- DEL, CHECK -------------------------------------------------------------------- */

static void
cmd_del(const struct env *e, json_t *conf, const char *net, const char *conf_text)
{
	const char *w[] = { "disconnect", net, "--name", e->id12, NULL };
	json_t *ipam = json_object_get(conf, "ipam");
	const char *type = ipam != NULL ? conf_str(ipam, "type") : NULL;
	struct vsw_reply r;

	vsw_unpublish(control, "c", e->id12);
	if (vsw_request(control, &r, w) != 0)
		fail(E_VSW_DOWN, NULL, "disconnect: %s", r.text ? r.text : "vsw cannot be reached");
	/* gone already (a DEL again, or an ADD that never was): done */
	if (!r.ok && strstr(r.text, "not connected") == NULL && strstr(r.text, "no network") == NULL &&
	    strstr(r.text, "no endpoint") == NULL)
		fail(E_VSW_REFUSED, NULL, "disconnect: %s", r.text);
	vsw_reply_free(&r);
	if (type != NULL && strcmp(type, "vsw") != 0)
		json_decref(ipam_exec(e, type, conf_text));
}

static void
cmd_check(const struct env *e, json_t *conf, const char *net)
{
	const char *w[] = { "network", "inspect", net, NULL };
	json_t *prev = json_object_get(conf, "prevResult"), *j, *x, *a;
	const char *want = NULL;
	size_t i;
	bool found = false;

	if (prev == NULL)
		fail(E_CONFIG, NULL, "CHECK needs prevResult");
	/* the address the result gave our interface */
	json_array_foreach(json_object_get(prev, "ips"), i, a) {
		json_t *ifc = json_array_get(json_object_get(prev, "interfaces"),
					     (size_t)json_integer_value(json_object_get(a, "interface")));

		if (strcmp(json_string_value(json_object_get(ifc, "name")) ?: "", e->ifname) == 0 &&
		    strcmp(json_string_value(json_object_get(ifc, "sandbox")) ?: "",
			   e->netns) == 0)
			want = json_string_value(json_object_get(a, "address"));
	}
	j = must_json("network inspect", w);
	json_array_foreach(json_object_get(j, "endpoints"), i, x) {
		const char *name = json_string_value(json_object_get(x, "name"));
		const char *ip = json_string_value(json_object_get(x, "ip"));

		if (name == NULL || strcmp(name, e->id12) != 0)
			continue;
		found = true;
		if (want != NULL && (ip == NULL || strcmp(ip, want) != 0))
			fail(E_NOT_CONNECTED, NULL, "endpoint %s on network %s has address %s, not %s",
			     e->id12, net, ip ? ip : "none", want);
	}
	if (!found)
		fail(E_NOT_CONNECTED, NULL, "container %s is not connected to vsw network %s",
		     e->id12, net);
	json_decref(j);
}

int
main(int argc, char **argv)
{
	struct env e;
	json_t *conf;
	const char *net, *sock;
	char *text;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "vsw-cni: a CNI plugin; the runtime runs it with CNI_COMMAND and "
			"the network configuration on stdin (README: With Podman / CNI)\n");
		return 2;
	}
	env_read(&e);
	if (strcmp(e.cmd, "VERSION") == 0) {
		/* whatever version the caller speaks, it learns ours */
		json_t *v = json_pack("{s:s,s:[s,s]}", "cniVersion", cni_version,
				      "supportedVersions", versions[0], versions[1]);

		json_dumpf(v, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		return 0;
	}
	conf = conf_read();
	if ((sock = conf_str(conf, "socket")) != NULL)
		control = sock;
	net = conf_str(conf, "network");
	if (net == NULL)
		net = conf_str(conf, "name");
	if (net == NULL || !vsw_word_ok(net))
		fail(E_CONFIG, NULL, "no network: the configuration needs \"name\" (or \"network\")");
	text = json_dumps(conf, JSON_COMPACT);
	if (strcmp(e.cmd, "ADD") == 0)
		cmd_add(&e, conf, net, text);
	else if (strcmp(e.cmd, "DEL") == 0)
		cmd_del(&e, conf, net, text);
	else
		cmd_check(&e, conf, net);
	free(text);
	json_decref(conf);
	return 0;
}
