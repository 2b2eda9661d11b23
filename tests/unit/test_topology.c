/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <sys/socket.h>
#include <setjmp.h>
#include <unistd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_config.h>

#include "config/topology.h"

static struct topology topo;
static char errbuf[16384];

/* Load 'text'; the messages land in errbuf. */
static int
load(const char *text)
{
	FILE *f = fmemopen(errbuf, sizeof(errbuf), "w");
	int rc;

	memset(errbuf, 0, sizeof(errbuf));
	rc = topo_load_string(&topo, "t.ini", text, f);
	fclose(f);
	return rc;
}

/* The load fails and names 'needle' (e.g. "t.ini:3: [port a] kind:"). */
static void
expect_error(const char *text, const char *needle)
{
	int rc = load(text);

	if (rc != -EINVAL || strstr(errbuf, needle) == NULL)
		print_error("rc=%d, looked for \"%s\" in:\n%s", rc, needle, errbuf);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(errbuf, needle));
}

/* What vswctl connect writes: an endpoint's keys, checked like any other. */
static void
test_endpoint_keys(void **state)
{
	static const char net[] =
		"[bridge n]\nsubnet = 10.9.0.0/24\ngateway = 10.9.0.1\nip_range = 10.9.0.128/25\nmtu = 1400\n";
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text), "%s[port e]\nkind = afpacket\niface = v0\nbridge = n\n"
		 "netns = c1\nifname = eth0\nip = 10.9.0.7\npeer_mac = 02:00:00:00:00:07\n"
		 "name = web\nalias = www\nalias = w2\n", net);
	assert_int_equal(load(text), 0);
	assert_int_equal(topo.bridges[0].range_lo, 0x0a090080);
	assert_int_equal(topo.bridges[0].range_hi, 0x0a0900ff);
	assert_int_equal(topo.bridges[0].mtu, 1400);
	assert_int_equal(topo.ports[0].ip, 0x0a090007);
	assert_int_equal(topo.ports[0].n_aliases, 2);
	assert_string_equal(topo.ports[0].aliases[1], "w2");
	assert_string_equal(topo.ports[0].ep_name, "web");
#define EP(keys, needle) do {                                                  \
		snprintf(text, sizeof(text), "%s[port e]\nkind = afpacket\niface = v0\n" keys, net); \
		expect_error(text, needle);                                    \
	} while (0)
	EP("bridge = n\nip = 10.9.1.7\n", "ip: 10.9.1.7 is outside 10.9.0.0/24 of bridge n");
	EP("bridge = n\nip = 10.9.0.1\n", "ip: 10.9.0.1 is the gateway of bridge n");
	EP("bridge = n\nip = 10.9.0.255\n", "ip: 10.9.0.255 is the broadcast address");
	EP("bridge = n\nip = 10.9.0.0\n", "ip: 10.9.0.0 is the network address");
	EP("address = 10.8.0.1/24\nnetns = x\n", "netns: is for endpoints, which are bridge ports");
	EP("bridge = n\nifname = eth0\n", "ifname: is the endpoint's name in its namespace: give netns");
	EP("bridge = n\nnetns = a b\n", "netns: 'a b' is neither a path nor a name");
	EP("bridge = n\nname = -x\n", "name: '-x' is not a name");
	EP("bridge = n\nname = a/b\n", "name: 'a/b': '/' is not allowed");
	EP("bridge = n\nalias = a\nalias = A\n", "alias: 'A' is given twice");
	EP("bridge = n\nalias = a1\nalias = a2\nalias = a3\nalias = a4\nalias = a5\n"
	   "alias = a6\nalias = a7\nalias = a8\nalias = a9\n", "alias: more than 8 aliases");
	EP("bridge = n\nip = 10.9.0.7\n[port f]\nkind = afpacket\niface = v1\nbridge = n\nip = 10.9.0.7\n",
	   "[port f] ip: 10.9.0.7 is port e's already");
	EP("bridge = n\nname = a\n[port f]\nkind = afpacket\niface = v1\nbridge = n\nname = A\n",
	   "[port f] name: 'A' names port e already on bridge n");
#undef EP
	expect_error("[bridge b]\nip = 1.2.3.4\n", "[bridge b] ip: unknown key");
	expect_error("[bridge b]\n[port e]\nkind = tap\niface = t\nbridge = b\nip = 10.0.0.2\n",
		     "ip: bridge b has no subnet to take 10.0.0.2 from");
	expect_error("[bridge b]\nsubnet = 10.0.0.0/24\ngateway = 10.0.0.1\nip_range = 10.0.1.0/25\n",
		     "ip_range: is not inside subnet 10.0.0.0/24");
	expect_error("[bridge b]\nip_range = 10.0.1.0/25\n", "ip_range: needs subnet and gateway");
	expect_error("[bridge b]\nmtu = 100\n", "[bridge b] mtu:");
	expect_error("[switch]\nsubnet_pool = 10.0.0.0/33\n", "[switch] subnet_pool:");
	expect_error("[switch]\nport_cache = 1025\n", "[switch] port_cache:");
	/* the name service's keys */
	{
		static const char gw[] = "[bridge b]\nsubnet = 10.0.0.0/24\ngateway = 10.0.0.1\n";
		char t2[2048];
		unsigned i;

		snprintf(t2, sizeof(t2), "[switch]\ndns_upstream = 192.0.2.53, [2001:db8::1]:5353 "
			 "192.0.2.54:5300\n%shost = nas 10.0.0.9\nhost = NAS fd00::9\ndns = no\n", gw);
		assert_int_equal(load(t2), 0);
		assert_int_equal(topo.bridges[0].n_hosts, 2);
		assert_false(topo.bridges[0].dns);
		assert_int_equal(topo.bridges[0].hosts[1].af, AF_INET6);
		assert_string_equal(topo.bridges[0].hosts[1].name, "NAS");
		assert_int_equal(load(gw), 0);
		assert_true(topo.bridges[0].dns);      /* the default */
		expect_error("[switch]\ndns_upstream = 192.0.2.300\n",
			     "dns_upstream: '192.0.2.300' is not an IPv4 or IPv6 address");
		expect_error("[switch]\ndns_upstream = 192.0.2.1:0\n", "the port is not 1-65535");
		expect_error("[switch]\ndns_upstream = [2001:db8::1\n", "is not [IPv6]:PORT");
		expect_error("[switch]\ndns_upstream = ,\n", "dns_upstream: no server");
		expect_error("[switch]\ndns_upstream = 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 "
			     "1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9\n", "more than 8 servers");
		expect_error("[bridge b]\nhost = nas 10.0.0.9\n", "host: names are answered at the gateway");
		snprintf(t2, sizeof(t2), "%shost = nas\n", gw);
		expect_error(t2, "host: 'nas' is not NAME IP");
		snprintf(t2, sizeof(t2), "%shost = nas 10.0.0.999\n", gw);
		expect_error(t2, "host: '10.0.0.999' is not an IPv4 or IPv6 address");
		snprintf(t2, sizeof(t2), "%shost = -x 10.0.0.9\n", gw);
		expect_error(t2, "'-x' is not a name");
		snprintf(t2, sizeof(t2), "%shost = a 10.0.0.9\nhost = A 10.0.0.9\n", gw);
		expect_error(t2, "host: 'A 10.0.0.9' is given twice");
		snprintf(t2, sizeof(t2), "%s", gw);
		for (i = 0; i <= TOPO_MAX_HOSTS; i++)
			snprintf(t2 + strlen(t2), sizeof(t2) - strlen(t2),
				 "host = h%u 10.0.0.%u\n", i, 2 + i);
		expect_error(t2, "more than 32 static names");
	}
	expect_error("[port up]\nkind = tap\niface = u\naddress = 192.0.2.1/24\n"
		     "[bridge b]\nsubnet = 10.0.0.0/24\ngateway = 10.0.0.1\n"
		     "[route r]\nprefix = 10.0.0.0/24\nvia = 192.0.2.9\nport = up\n",
		     "[route r] prefix: the subnet of bridge b (connected)");
	expect_error("[port up]\nkind = tap\niface = u\naddress = 192.0.2.1/24\n"
		     "[route r]\nprefix = 192.0.2.0/24\nvia = 192.0.2.9\nport = up\n",
		     "[route r] prefix: the network of port up (connected)");
	expect_error("[port up]\nkind = tap\niface = u\naddress = 192.0.2.1/24\ngateway = 192.0.2.254\n"
		     "[route r]\nprefix = 0.0.0.0/0\nvia = 192.0.2.9\nport = up\n",
		     "[route r] prefix: the default route of port up (its gateway)");
	expect_error("[switch]\nport_cache = -1\n", "[switch] port_cache:");
	expect_error("[port up]\nkind = tap\niface = u\naddress = 192.0.2.1/24\n"
		     "[bridge b]\nsubnet = 10.0.0.0/24\ngateway = 10.0.0.1\ninternal = yes\nmasquerade = up\n",
		     "masquerade: an internal network has no way out");
}

static void
test_issue_example(void **state)
{
	static const char text[] =
		"[switch]\n"
		"hugepages = auto              ; auto | yes | no\n"
		"control = /run/vsw/lab.sock   ; control socket for vswctl\n"
		"workers = 1                   ; poll-mode workers\n"
		"\n"
		"[bridge br0]                  ; one L2 network\n"
		"\n"
		"[port c1]\n"
		"kind = afpacket\n"
		"iface = veth-c1\n"
		"bridge = br0\n"
		"\n"
		"[port t1]\n"
		"kind = tap\n"
		"iface = vsw-t1\n"
		"bridge = br0\n"
		"\n"
		"[port replay]\n"
		"kind = pcap\n"
		"rx = in.pcap\n"
		"tx = out.pcap\n"
		"bridge = br0\n";

	(void)state;
	assert_int_equal(load(text), 0);
	assert_string_equal(errbuf, "");
	assert_int_equal(topo.sw.hugepages, TOPO_HUGE_AUTO);
	assert_string_equal(topo.sw.control, "/run/vsw/lab.sock");
	assert_int_equal(topo.sw.workers, 1);
	assert_int_equal(topo.n_bridges, 1);
	assert_string_equal(topo.bridges[0].name, "br0");
	assert_int_equal(topo.n_ports, 3);
	assert_string_equal(topo.ports[0].name, "c1");
	assert_int_equal(topo.ports[0].kind, TOPO_PORT_AFPACKET);
	assert_string_equal(topo.ports[0].iface, "veth-c1");
	assert_int_equal(topo.ports[0].bridge, 0);
	assert_int_equal(topo.ports[1].kind, TOPO_PORT_TAP);
	assert_int_equal(topo.ports[2].kind, TOPO_PORT_PCAP);
	assert_string_equal(topo.ports[2].rx, "in.pcap");
	assert_string_equal(topo.ports[2].tx, "out.pcap");
	assert_false(topo_is_replay(&topo));
}

static void
test_defaults_and_replay(void **state)
{
	(void)state;
	assert_int_equal(load("[bridge b]\n[port a]\nkind = pcap\nrx = x.pcap\nbridge = b\n"), 0);
	assert_int_equal(topo.sw.workers, 1);
	assert_int_equal(topo.sw.poll, TOPO_POLL_ADAPTIVE);
	assert_string_equal(topo.sw.control, "/run/vsw/vsw.sock");
	assert_true(topo_is_replay(&topo));
}

static void
test_bridge_declared_after_port(void **state)
{
	(void)state;
	assert_int_equal(load("[port a]\nkind = tap\niface = t0\nbridge = late\n[bridge late]\n"), 0);
	assert_int_equal(topo.ports[0].bridge, 0);
}

static void
test_indented_and_comments(void **state)
{
	(void)state;
	assert_int_equal(load("# comment\n; comment\n  [bridge b]  ; trailing\n"
			      "[port a]\n   kind = tap ; inline\n\tiface = t0\n  bridge = b\n"), 0);
	assert_string_equal(topo.ports[0].iface, "t0");
}

static void
test_errors_name_file_line_section_key(void **state)
{
	(void)state;
	expect_error("[switch]\nhugepages = maybe\n",
		     "t.ini:2: [switch] hugepages: 'maybe' is not one of: auto | yes | no");
	expect_error("[switch]\nworkers = 0\n", "t.ini:2: [switch] workers:");
	expect_error("[switch]\nworkers = 3x\n", "t.ini:2: [switch] workers:");
	expect_error("[switch]\nworkers = 99999999999999999999\n", "t.ini:2: [switch] workers:");
	expect_error("[switch]\ncolour = blue\n", "t.ini:2: [switch] colour: unknown key");
	expect_error("\n\n[router r]\n", "t.ini:3: [router r]: unknown section");
	expect_error("[bridge b]\n[bridge b]\n", "t.ini:2: [bridge b] appears twice (first at line 1)");
	expect_error("[switch]\nworkers = 1\nworkers = 2\n", "t.ini:3: [switch] workers: given twice (first at line 2)");
	expect_error("kind = tap\n", "t.ini:1: 'kind' is outside any section");
	expect_error("[bridge b]\njunk\n", "t.ini:2: 'junk' is not a 'key = value' line");
	expect_error("[bridge b\n", "t.ini:1: section header has no closing ']'");
	expect_error("[bridge]\n", "t.ini:1: [bridge ]: a bridge needs a name");
	expect_error("[bridge a/b]\n", "t.ini:1: [bridge a/b]: a bridge needs a name");
	expect_error("[switch x]\n", "t.ini:1: [switch] takes no name");
	expect_error("[switch]\ncontrol =\n", "t.ini:2: [switch] control: needs a value");
}

static void
test_port_errors(void **state)
{
	(void)state;
	expect_error("[bridge b]\n[port a]\nbridge = b\n", "t.ini:2: [port a] kind is missing");
	expect_error("[bridge b]\n[port a]\nkind = wire\nbridge = b\n", "t.ini:3: [port a] kind: 'wire' is not one of");
	expect_error("[bridge b]\n[port a]\nkind = tap\nbridge = b\n", "t.ini:2: [port a] kind = tap needs iface");
	expect_error("[bridge b]\n[port a]\nkind = dpdk\nbridge = b\n", "t.ini:2: [port a] kind = dpdk needs devargs");
	expect_error("[bridge b]\n[port a]\nkind = pcap\nbridge = b\n", "t.ini:2: [port a] kind = pcap needs rx = FILE");
	expect_error("[bridge b]\n[port a]\nkind = dpdk\ndevargs = net_null0\niface = x\nbridge = b\n",
		     "t.ini:5: [port a] iface: not used by kind = dpdk");
	expect_error("[bridge b]\n[port a]\nkind = tap\niface = 0123456789abcdef\nbridge = b\n",
		     "t.ini:4: [port a] iface: '0123456789abcdef' is not an interface name");
	expect_error("[bridge b]\n[port a]\nkind = tap\niface = a/b\nbridge = b\n",
		     "t.ini:4: [port a] iface: 'a/b': an interface name has no");
	expect_error("[port a]\nkind = tap\niface = t\nbridge = nope\n",
		     "t.ini:4: [port a] bridge: no [bridge nope] in this file");
	expect_error("[bridge b]\n[port a]\nkind = tap\niface = t\n",
		     "t.ini:2: [port a] the port has no role");
	expect_error("[bridge b]\n[port a]\nkind = tap\niface = t\nbridge = b\n"
		     "[port c]\nkind = afpacket\niface = t\nbridge = b\n",
		     "t.ini:8: [port c] iface: port a already uses this iface");
	expect_error("[bridge b]\n[port a]\nkind = pcap\nrx = f.pcap\ntx = f.pcap\nbridge = b\n",
		     "t.ini:5: [port a] tx: the same file as rx");
	expect_error("[switch]\nworkers = 2\n[bridge b]\n[port a]\nkind = pcap\nrx = f\nbridge = b\n",
		     "t.ini:2: [switch] workers: replay mode");
	/* a trunk of no VLAN (found by the writer's round trip in the fuzzer) */
	expect_error("[bridge b]\n[port a]\nkind = tap\niface = t\nbridge = b\ntrunk = ,,\n",
		     "t.ini:6: [port a] trunk: ',,' lists no VLAN ID");
	{
		/* one dpdk port more than DPDK takes: refused at that port */
		static char text[16384];
		char want[128];
		size_t o = (size_t)snprintf(text, sizeof(text), "[bridge b]\n");
		unsigned k;

		for (k = 0; k <= RTE_MAX_ETHPORTS; k++)
			o += (size_t)snprintf(text + o, sizeof(text) - o,
					      "[port p%u]\nkind = dpdk\ndevargs = net_null%u\nbridge = b\n",
					      k, k);
		snprintf(want, sizeof(want), "t.ini:%u: [port p%u] kind: more dpdk ports",
			 2 + 4 * RTE_MAX_ETHPORTS + 1, RTE_MAX_ETHPORTS);
		expect_error(text, want);
	}
}

/* A routed port, a bridge with a gateway, NAT: what is refused. */
static void
test_l3_errors(void **state)
{
	(void)state;
#define UP "[port up]\nkind = tap\niface = u\naddress = 192.0.2.2/24\n"
	expect_error("[bridge b]\nsubnet = 10.0.0.0/24\n",
		     "t.ini:2: [bridge b] subnet: subnet and gateway go together");
	expect_error("[bridge b]\nsubnet = 10.0.0.0/24\ngateway = 10.0.1.1\n",
		     "t.ini:3: [bridge b] gateway: must be a host address in subnet 10.0.0.0/24");
	expect_error(UP "[bridge b]\nsubnet = 192.0.2.0/25\ngateway = 192.0.2.1\n",
		     "t.ini:4: [port up] address: overlaps 192.0.2.0/25 of [bridge b]");
	expect_error(UP "[bridge b]\nsubnet = 10.0.0.0/24\ngateway = 10.0.0.1\nmasquerade = c\n"
		     "[port c]\nkind = tap\niface = c\nbridge = b\n",
		     "t.ini:8: [bridge b] masquerade: port c is not a routed port");
	expect_error(UP "gateway = 198.51.100.1\n",
		     "t.ini:5: [port up] gateway: must be another address in the port's network");
	expect_error(UP "vlan = 3\n", "t.ini:5: [port up] vlan: is for bridge ports");
	expect_error(UP "storm_limit = 100\n",
		     "t.ini:5: [port up] storm_limit: is for bridge ports and macvlan ports");
	expect_error("[bridge b]\n[port a]\nkind = tap\niface = t\nbridge = b\nstorm_limit = 0\n",
		     "t.ini:6: [port a] storm_limit: '0' is not a number from 1 to 100000000");
	expect_error(UP "[route r]\nprefix = 10.9.0.0/16\nvia = 10.0.0.1\nport = up\n",
		     "t.ini:7: [route r] via: must be a neighbour in port up's network");
	expect_error(UP "[publish p]\nport = up\nproto = tcp\nlisten = 80\nto = 10.0.0.2:80\n",
		     "t.ini:9: [publish p] to: 10.0.0.2 is in no network masqueraded through port up");
	expect_error("[bridge b]\n[port a]\nkind = tap\niface = t\nbridge = b\nmac = 02:00:00:00:00:01\n",
		     "t.ini:6: [port a] mac: is for routed ports");
#undef UP
}

/* [macvlan NAME]: a parent port (or PORT.VID), endpoints with their MACs. */
static void
test_macvlan(void **state)
{
	(void)state;
#define LAN "[port lan]\nkind = tap\niface = l\n"
#define EP(n, net, mac) "[port " n "]\nkind = tap\niface = " n "\nmacvlan = " net "\nmac = " mac "\n"
	assert_int_equal(load("[macvlan m]\nparent = lan\nmode = vepa\n"
			      "[macvlan m10]\nparent = lan.10\n" LAN
			      EP("e1", "m", "02:00:00:00:00:01")
			      EP("e2", "m10", "02:00:00:00:00:01")), 0);
	assert_int_equal(topo.n_macvlans, 2);
	assert_int_equal(topo.macvlans[0].mode, TOPO_MACVLAN_VEPA);
	assert_int_equal(topo.macvlans[0].parent, 0);
	assert_int_equal(topo.macvlans[0].vid, 0);
	assert_int_equal(topo.macvlans[1].mode, TOPO_MACVLAN_BRIDGE);
	assert_int_equal(topo.macvlans[1].vid, 10);
	assert_int_equal(topo.macvlans[1].n_endpoints, 1);
	assert_true(topo.ports[0].macvlan_parent);
	assert_int_equal(topo.ports[0].macvlan, -1);
	assert_int_equal(topo.ports[2].macvlan, 1);
	assert_int_equal(topo.ports[2].mac[5], 1);
	/* a port whose own name has a dot is found first */
	assert_int_equal(load("[macvlan m]\nparent = eth0.5\n"
			      "[port eth0.5]\nkind = tap\niface = l\n"
			      "[port eth0]\nkind = tap\niface = k\naddress = 192.0.2.1/24\n"), 0);
	assert_int_equal(topo.macvlans[0].parent, 0);
	assert_int_equal(topo.macvlans[0].vid, 0);
	/* a routed parent */
	assert_int_equal(load("[macvlan m]\nparent = lan\n"
			      "[port lan]\nkind = tap\niface = l\naddress = 192.0.2.1/24\n"
			      EP("e1", "m", "02:00:00:00:00:01")), 0);

	expect_error("[macvlan m]\nmode = bridge\n", "t.ini:1: [macvlan m] needs parent = PORT");
	expect_error("[macvlan m]\nparent = lan\nmode = switch\n" LAN,
		     "t.ini:3: [macvlan m] mode: 'switch' is not one of: bridge | private | vepa | passthru");
	expect_error("[macvlan m]\nparent = nope\n", "t.ini:2: [macvlan m] parent: no [port nope]");
	expect_error("[macvlan m]\nparent = lan.4095\n" LAN,
		     "t.ini:2: [macvlan m] parent: '4095' is not a VLAN ID from 1 to 4094");
	expect_error("[macvlan m]\nparent = lan.x\n" LAN,
		     "t.ini:2: [macvlan m] parent: 'x' is not a VLAN ID");
	expect_error("[macvlan m]\nparent = lan\n[macvlan n]\nparent = lan\n" LAN,
		     "t.ini:4: [macvlan n] parent: [macvlan m] has this parent already");
	expect_error("[macvlan m]\nparent = lan\n" LAN "[port e]\nkind = tap\niface = e\nmacvlan = m\n",
		     "t.ini:9: [port e] macvlan: an endpoint of [macvlan m] needs mac = ...");
	expect_error("[macvlan m]\nparent = lan\n" LAN EP("e", "nope", "02:00:00:00:00:01"),
		     "t.ini:9: [port e] macvlan: no [macvlan nope] in this file");
	expect_error("[macvlan m]\nparent = lan\n" LAN EP("e", "m", "03:00:00:00:00:01"),
		     "t.ini:10: [port e] mac: '03:00:00:00:00:01' is not a unicast MAC");
	expect_error("[macvlan m]\nparent = lan\n" LAN EP("e", "m", "02:00:00:00:00:01")
		     EP("f", "m", "02:00:00:00:00:01"),
		     "t.ini:15: [port f] mac: port e of [macvlan m] has this MAC");
	expect_error("[macvlan m]\nparent = lan\n" LAN EP("e", "m", "02:00:00:00:00:01")
		     "vlan = 5\n", "t.ini:11: [port e] vlan: is for bridge ports");
	expect_error("[bridge b]\n[macvlan m]\nparent = lan\n" LAN "bridge = b\n",
		     "t.ini:7: [port lan] bridge: a macvlan parent is not on a bridge");
	expect_error("[bridge b]\n[macvlan m]\nparent = lan\n" LAN EP("e", "m", "02:00:00:00:00:01")
		     "bridge = b\n", "t.ini:12: [port e] bridge: a macvlan endpoint is on no bridge");
	expect_error("[macvlan m]\nparent = lan\n[macvlan n]\nparent = e\n" LAN
		     EP("e", "m", "02:00:00:00:00:01"),
		     "[port e] macvlan: port e is a macvlan parent; a port is a parent or an endpoint");
	expect_error("[macvlan m]\nparent = lan\n" LAN "mac = 02:00:00:00:00:09\n",
		     "t.ini:6: [port lan] mac: not used by a macvlan parent that is not routed");
	expect_error("[macvlan m]\nparent = lan\n"
		     "[port lan]\nkind = tap\niface = l\naddress = 192.0.2.1/24\n"
		     EP("e1", "m", "02:42:c0:00:02:01"),
		     "t.ini:11: [port e1] mac: the MAC of routed port lan, the parent");
	/* passthru: exactly one endpoint, the whole parent, no MAC */
	expect_error("[macvlan m]\nparent = lan\nmode = passthru\n" LAN,
		     "t.ini:3: [macvlan m] mode: passthru gives the parent to exactly one endpoint (0 found)");
	expect_error("[macvlan m]\nparent = lan\nmode = passthru\n" LAN
		     "[port e]\nkind = tap\niface = e\nmacvlan = m\n"
		     "[port f]\nkind = tap\niface = f\nmacvlan = m\n",
		     "passthru gives the parent to exactly one endpoint (2 found)");
	expect_error("[macvlan m]\nparent = lan\nmode = passthru\n" LAN EP("e", "m", "02:00:00:00:00:01"),
		     "t.ini:11: [port e] mac: a passthru endpoint owns the parent");
	expect_error("[macvlan m]\nparent = lan\nmode = passthru\n[macvlan n]\nparent = lan.3\n" LAN
		     "[port e]\nkind = tap\niface = e\nmacvlan = m\n",
		     "t.ini:3: [macvlan m] mode: passthru gives the whole parent away, but [macvlan n] uses port lan too");
	expect_error("[macvlan m]\nparent = lan\nmode = passthru\n"
		     "[port lan]\nkind = tap\niface = l\naddress = 192.0.2.1/24\n"
		     "[port e]\nkind = tap\niface = e\nmacvlan = m\n",
		     "passthru gives the whole parent away, but port lan is routed");
	/* passthru on a VLAN of the parent leaves the rest to others */
	assert_int_equal(load("[macvlan m]\nparent = lan.3\nmode = passthru\n[macvlan n]\nparent = lan\n" LAN
			      "[port e]\nkind = tap\niface = e\nmacvlan = m\n"), 0);
#undef LAN
#undef EP
}

static void
test_all_errors_reported_in_line_order(void **state)
{
	char *first, *second, *third;

	(void)state;
	assert_int_equal(load("[port a]\nkind = tap\nbridge = missing\n"
			      "[switch]\nworkers = 0\npoll = lazy\n"), -EINVAL);
	first = strstr(errbuf, "t.ini:1:");
	second = strstr(errbuf, "t.ini:3:");
	third = strstr(errbuf, "t.ini:6:");
	assert_non_null(first);
	assert_non_null(second);
	assert_non_null(third);
	assert_true(first < second && second < third);
	assert_non_null(strstr(errbuf, "t.ini:5:"));
	assert_non_null(strstr(errbuf, "t.ini: 4 errors"));
}

static void
test_long_line_and_nul(void **state)
{
	char text[3000];
	char nul[] = "[bridge b]\nx = \0y\n";

	(void)state;
	memset(text, 0, sizeof(text));
	strcpy(text, "[switch]\neal = ");
	memset(text + strlen(text), 'a', 2000);
	strcat(text, "\n[bridge b]\n");
	expect_error(text, "t.ini:2: line longer than");
	/* what inih's line buffer takes, said the same way */
	memset(text, 0, sizeof(text));
	strcpy(text, "[switch]\neal = ");
	memset(text + strlen(text), 'a', 300);
	expect_error(text, "t.ini:2: line longer than 198 characters");
	strcpy(text, "[switch]\neal = ");
	memset(text + strlen(text), 'a', 2000);
	strcat(text, "\n[bridge b]\n");
	assert_int_equal(load(text), -EINVAL);
	/* the lines after it still count right */
	assert_int_equal(topo.n_bridges, 1);
	assert_int_equal(topo.bridges[0].line, 3);
	/* an embedded NUL ends the string for the string loader; the file
	 * loader is exercised by the netns tests */
	assert_int_equal(load(nul), -EINVAL);
}

static void
test_relative_paths_follow_the_file(void **state)
{
	FILE *f;
	char path[] = "/tmp/vsw-topo-XXXXXX";
	char file[128];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(file, sizeof(file), "%s/t.ini", path);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("[bridge b]\n[port a]\nkind = pcap\nrx = in.pcap\ntx = /abs/out.pcap\nbridge = b\n", f);
	fclose(f);
	fd = topo_load(&topo, file, stderr);
	assert_int_equal(fd, 0);
	snprintf(file, sizeof(file), "%s/in.pcap", path);
	assert_string_equal(topo.ports[0].rx, file);
	assert_string_equal(topo.ports[0].tx, "/abs/out.pcap");
	snprintf(file, sizeof(file), "%s/t.ini", path);
	unlink(file);
	rmdir(path);
	assert_int_equal(topo_load(&topo, "/nonexistent/t.ini", NULL), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_example),
		cmocka_unit_test(test_defaults_and_replay),
		cmocka_unit_test(test_bridge_declared_after_port),
		cmocka_unit_test(test_indented_and_comments),
		cmocka_unit_test(test_errors_name_file_line_section_key),
		cmocka_unit_test(test_port_errors),
		cmocka_unit_test(test_l3_errors),
		cmocka_unit_test(test_macvlan),
		cmocka_unit_test(test_endpoint_keys),
		cmocka_unit_test(test_all_errors_reported_in_line_order),
		cmocka_unit_test(test_long_line_and_nul),
		cmocka_unit_test(test_relative_paths_follow_the_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
