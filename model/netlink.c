/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "model/netlink.h"

#define NL_TX 4096              /* one request: a few hundred bytes */
#define NL_RX 32768             /* one datagram of a dump */

/* A route netlink socket, in the namespace it was opened in. */
struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
};

/* What an RTM_GETLINK reply says about one interface. */
struct link_reply {
	bool found;
	struct netlink_link link;
	char name[NETLINK_IFNAMSIZ];
	char kind[16];                  /* IFLA_INFO_KIND, "" if none */
};

__attribute__((format(printf, 5, 6))) static int
fail(char *err, size_t errlen, int rc, const char *why, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (err == NULL || errlen == 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (why != NULL && n + 1 < errlen)
		snprintf(err + n, errlen - n, ": %s",
			 *why != '\0' ? why : strerror(-rc));
	return rc;
}

static int
nl_open(struct nl *nl)
{
	struct timeval tmo = { .tv_sec = 5 };   /* a lost answer is an error */
	int one = 1, fd, rc;

	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl->sock == NULL)
		return -errno;
	/* the kernel's reason with each error, without the request echoed */
	fd = mnl_socket_get_fd(nl->sock);
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return rc;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = 0;
	return 0;
}

static void
nl_close(struct nl *nl)
{
	if (nl->sock != NULL)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct ns_open_arg {
	int nsfd;
	struct nl *nl;
	int rc;
};

static void *
ns_open_thread(void *arg)
{
	struct ns_open_arg *a = arg;

	/* only this thread enters the namespace, and it ends right after */
	if (setns(a->nsfd, CLONE_NEWNET) < 0)
		a->rc = -errno;
	else
		a->rc = nl_open(a->nl);
	return NULL;
}

/*
 * Open 'nl' inside the namespace 'nsfd' without the caller's thread leaving
 * its own: see the header. The helper runs with every signal blocked, so no
 * handler ever runs in the other namespace either.
 */
static int
nl_open_in(struct nl *nl, int nsfd)
{
	struct ns_open_arg a = { .nsfd = nsfd, .nl = nl, .rc = -EINVAL };
	sigset_t all, old;
	pthread_t t;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t, NULL, ns_open_thread, &a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -rc;
	pthread_join(t, NULL);
	return a.rc;
}

static int
extack_attr(const struct nlattr *a, void *data)
{
	const char **msg = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		*msg = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* The kernel's extended ack message of an NLMSG_ERROR into 'why'. */
static void
extack(const struct nlmsghdr *h, char *why, size_t whylen)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
	const char *msg = NULL;
	size_t off = sizeof(*e);

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (mnl_nlmsg_get_payload_len(h) <= off)
		return;
	mnl_attr_parse(h, (unsigned)off, extack_attr, &msg);
	if (msg != NULL)
		snprintf(why, whylen, "%s", msg);
}

typedef void (*nl_reply_fn)(const struct nlmsghdr *h, void *data);

/*
 * Send 'req' and read until its ack, its error or the end of its dump,
 * handing every reply message to 'fn'. 0 or -errno, with the kernel's
 * reason (if it gave one) in 'why' ("" otherwise).
 */
static int
nl_talk(struct nl *nl, struct nlmsghdr *req, nl_reply_fn fn, void *data,
	char *why, size_t whylen)
{
	uint8_t buf[NL_RX];
	const struct nlmsghdr *h;
	const struct nlmsgerr *e;
	ssize_t n;
	int len;

	/* NLM_F_DUMP's bits mean NLM_F_EXCL and NLM_F_REPLACE in a NEW */
	bool dump = (req->nlmsg_type & 3) == 2 &&       /* an RTM_GET* */
		    (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

	why[0] = '\0';
	req->nlmsg_flags |= NLM_F_REQUEST;
	if (!dump)
		req->nlmsg_flags |= NLM_F_ACK;
	req->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = (int)n;
		for (h = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != req->nlmsg_seq ||
			    h->nlmsg_pid != nl->portid)
				continue;       /* an answer to an earlier request */
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				e = mnl_nlmsg_get_payload(h);
				if (e->error != 0)
					extack(h, why, whylen);
				return e->error;
			}
			if (h->nlmsg_type >= NLMSG_MIN_TYPE && fn != NULL)
				fn(h, data);
		}
	}
}

static struct nlmsghdr *
msg_start(uint8_t *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h;

	memset(buf, 0, NL_TX);
	h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	return h;
}

static int
attr_keep(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t <= IFLA_MAX)
		tb[t] = a;
	return MNL_CB_OK;
}

static int
linkinfo_attr(const struct nlattr *a, void *data)
{
	char *kind = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
	    mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
		snprintf(kind, 16, "%.*s", (int)mnl_attr_get_payload_len(a),
			 (const char *)mnl_attr_get_payload(a));
	return MNL_CB_OK;
}

static void
link_reply_fn(const struct nlmsghdr *h, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { NULL };
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	struct link_reply *r = data;

	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	mnl_attr_parse(h, sizeof(*ifi), attr_keep, tb);
	r->found = true;
	r->link.ifindex = ifi->ifi_index;
	r->link.up = (ifi->ifi_flags & IFF_UP) != 0;
	if (tb[IFLA_ADDRESS] != NULL &&
	    mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(r->link.mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_MTU] != NULL &&
	    mnl_attr_validate(tb[IFLA_MTU], MNL_TYPE_U32) == 0)
		r->link.mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_IFNAME] != NULL &&
	    mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) == 0)
		snprintf(r->name, sizeof(r->name), "%s",
			 mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_LINKINFO] != NULL)
		mnl_attr_parse_nested(tb[IFLA_LINKINFO], linkinfo_attr, r->kind);
}

/* RTM_GETLINK by 'name' (or by 'ifindex' when 'name' is NULL). */
static int
link_get(struct nl *nl, const char *name, int ifindex, struct link_reply *r,
	 char *why, size_t whylen)
{
	uint8_t buf[NL_TX];
	struct nlmsghdr *h = msg_start(buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	int rc;

	memset(r, 0, sizeof(*r));
	ifi->ifi_family = AF_UNSPEC;
	if (name != NULL)
		mnl_attr_put_strz(h, IFLA_IFNAME, name);
	else
		ifi->ifi_index = ifindex;
	mnl_attr_put_u32(h, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	rc = nl_talk(nl, h, link_reply_fn, r, why, whylen);
	if (rc == 0 && !r->found)
		rc = -ENODEV;
	return rc;
}

static int
link_set_up(struct nl *nl, const char *name, int ifindex, char *why,
	    size_t whylen)
{
	uint8_t buf[NL_TX];
	struct nlmsghdr *h = msg_start(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (name != NULL)
		mnl_attr_put_strz(h, IFLA_IFNAME, name);
	else
		ifi->ifi_index = ifindex;
	return nl_talk(nl, h, NULL, NULL, why, whylen);
}

static int
link_del(struct nl *nl, int ifindex, char *why, size_t whylen)
{
	uint8_t buf[NL_TX];
	struct nlmsghdr *h = msg_start(buf, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nl_talk(nl, h, NULL, NULL, why, whylen);
}

/* The veth pair, its peer made directly in the namespace 'nsfd' (-1: in
 * the caller's). */
static int
veth_add(struct nl *nl, const struct netlink_veth *v, const char *ifname,
	 int nsfd, char *why, size_t whylen)
{
	static const uint8_t zero[6];
	uint8_t buf[NL_TX];
	struct nlmsghdr *h = msg_start(buf, RTM_NEWLINK,
				       NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	struct nlattr *info, *data, *peer;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, v->host);
	if (v->mtu != 0)
		mnl_attr_put_u32(h, IFLA_MTU, v->mtu);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
	ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));  /* the peer's */
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, ifname);
	if (nsfd >= 0)
		mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)nsfd);
	if (v->mtu != 0)
		mnl_attr_put_u32(h, IFLA_MTU, v->mtu);
	if (memcmp(v->mac, zero, 6) != 0)
		mnl_attr_put(h, IFLA_ADDRESS, 6, v->mac);
	mnl_attr_nest_end(h, peer);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	return nl_talk(nl, h, NULL, NULL, why, whylen);
}

static int
addr_add(struct nl *nl, int ifindex, uint32_t ip, uint8_t prefix, char *why,
	 size_t whylen)
{
	uint8_t buf[NL_TX];
	struct nlmsghdr *h = msg_start(buf, RTM_NEWADDR,
				       NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	uint32_t host_mask = prefix >= 32 ? 0 : UINT32_MAX >> prefix;

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put_u32(h, IFA_LOCAL, ip);
	mnl_attr_put_u32(h, IFA_ADDRESS, ip);
	if (prefix <= 30)       /* a broadcast address, as docker gives one */
		mnl_attr_put_u32(h, IFA_BROADCAST, ip | htonl(host_mask));
	return nl_talk(nl, h, NULL, NULL, why, whylen);
}

struct addr_find {
	uint32_t ip;
	int ifindex;                    /* where it was found, 0 = nowhere */
};

static int
addr_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t <= IFA_MAX)
		tb[t] = a;
	return MNL_CB_OK;
}

static void
addr_find_fn(const struct nlmsghdr *h, void *data)
{
	const struct nlattr *tb[IFA_MAX + 1] = { NULL };
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;
	struct addr_find *f = data;

	if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return;
	mnl_attr_parse(h, sizeof(*ifa), addr_attr, tb);
	a = tb[IFA_LOCAL] != NULL ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a != NULL && mnl_attr_validate(a, MNL_TYPE_U32) == 0 &&
	    mnl_attr_get_u32(a) == f->ip && f->ifindex == 0)
		f->ifindex = (int)ifa->ifa_index;
}

/* The interface in 'nl''s namespace that has IPv4 address 'ip', or 0. */
static int
addr_find(struct nl *nl, uint32_t ip, int *ifindex, char *why, size_t whylen)
{
	uint8_t buf[NL_TX];
	struct nlmsghdr *h = msg_start(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	struct addr_find f = { .ip = ip };
	int rc;

	ifa->ifa_family = AF_INET;
	rc = nl_talk(nl, h, addr_find_fn, &f, why, whylen);
	*ifindex = f.ifindex;
	return rc;
}

static int
route_add_default(struct nl *nl, int ifindex, uint32_t gw, char *why,
		  size_t whylen)
{
	uint8_t buf[NL_TX];
	struct nlmsghdr *h = msg_start(buf, RTM_NEWROUTE,
				       NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));

	rt->rtm_family = AF_INET;
	rt->rtm_dst_len = 0;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(h, RTA_GATEWAY, gw);
	mnl_attr_put_u32(h, RTA_OIF, (uint32_t)ifindex);
	return nl_talk(nl, h, NULL, NULL, why, whylen);
}

/* A switch port: no IPv6 on it, no ARP answered for the host's addresses. */
static int
sysctl_set(const char *family, const char *ifname, const char *key,
	   const char *val)
{
	char path[128];
	ssize_t n;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family,
		 ifname, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != strlen(val))
		rc = -EIO;
	close(fd);
	return rc;
}

/* What the kernel's dev_valid_name() takes, refused here with a reason. */
static int
ifname_check(const char *what, const char *name, char *err, size_t errlen)
{
	const char *c;

	if (name == NULL || name[0] == '\0')
		return fail(err, errlen, -EINVAL, NULL, "no %s name", what);
	for (c = name; *c != '\0'; c++)
		if (!isprint((unsigned char)*c))
			return fail(err, errlen, -EINVAL, NULL,
				    "%s name has a non-printable character",
				    what);
	if (strlen(name) >= NETLINK_IFNAMSIZ)
		return fail(err, errlen, -ENAMETOOLONG, NULL,
			    "%s name '%s' is longer than %d characters", what,
			    name, NETLINK_IFNAMSIZ - 1);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strpbrk(name, "/: \t") != NULL)
		return fail(err, errlen, -EINVAL, NULL,
			    "%s name '%s' is not a valid interface name", what,
			    name);
	return 0;
}

/*
 * Open the namespace 'netns' (see the header) and return its fd, or -errno.
 * The caller's own namespace is refused unless 'self_ok'.
 */
static int
netns_open(const char *netns, bool self_ok, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat ns, self;
	const char *c;
	int fd, type, rc;

	if (netns == NULL || netns[0] == '\0')
		return fail(err, errlen, -EINVAL, NULL, "no namespace given");
	for (c = netns; *c != '\0'; c++)
		if (!isprint((unsigned char)*c))
			return fail(err, errlen, -EINVAL, NULL,
				    "namespace name has a non-printable character");
	if (strchr(netns, '/') != NULL) {
		if (strlen(netns) >= sizeof(path))
			return fail(err, errlen, -ENAMETOOLONG, NULL,
				    "namespace path is longer than %zu characters",
				    sizeof(path) - 1);
		snprintf(path, sizeof(path), "%s", netns);
	} else {
		if (strlen(netns) > NAME_MAX)
			return fail(err, errlen, -ENAMETOOLONG, NULL,
				    "namespace name is longer than %d characters",
				    NAME_MAX);
		if (strcmp(netns, ".") == 0 || strcmp(netns, "..") == 0)
			return fail(err, errlen, -EINVAL, NULL,
				    "namespace name '%s' is not valid", netns);
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, -errno, "", "namespace %s", path);
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET) {
		close(fd);
		return fail(err, errlen, -EINVAL, NULL,
			    "namespace %s is not a network namespace", path);
	}
	if (!self_ok) {
		if (fstat(fd, &ns) < 0 || stat("/proc/thread-self/ns/net", &self) < 0) {
			rc = -errno;
			close(fd);
			return fail(err, errlen, rc, "", "namespace %s", path);
		}
		if (ns.st_dev == self.st_dev && ns.st_ino == self.st_ino) {
			close(fd);
			return fail(err, errlen, -EINVAL, NULL,
				    "namespace %s is vsw's own namespace, not a container's",
				    path);
		}
	}
	return fd;
}

static void
ip_str(uint32_t ip, char *s)
{
	struct in_addr a = { .s_addr = ip };

	inet_ntop(AF_INET, &a, s, INET_ADDRSTRLEN);
}

static int
veth_check(const struct netlink_veth *v, const char *ifname, char *err,
	   size_t errlen)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
	uint32_t mask;
	int rc;

	rc = ifname_check("host end", v->host, err, errlen);
	if (rc == 0)
		rc = ifname_check("interface", ifname, err, errlen);
	if (rc != 0)
		return rc;
	ip_str(v->ip, ip);
	ip_str(v->gateway, gw);
	if (v->ip == 0)
		return fail(err, errlen, -EINVAL, NULL,
			    "no address for %s in the namespace", ifname);
	if (v->prefix < 1 || v->prefix > 32)
		return fail(err, errlen, -EINVAL, NULL,
			    "address %s/%u: the prefix length must be 1..32", ip,
			    v->prefix);
	mask = htonl(UINT32_MAX << (32 - v->prefix));
	if (v->gateway != 0 &&
	    (v->gateway == v->ip || ((v->gateway ^ v->ip) & mask) != 0))
		return fail(err, errlen, -EINVAL, NULL,
			    "gateway %s is not another address in %s/%u", gw, ip,
			    v->prefix);
	if (v->mtu != 0 && (v->mtu < 68 || v->mtu > 65535))
		return fail(err, errlen, -EINVAL, NULL,
			    "MTU %u for %s is outside 68..65535 (a veth's)",
			    v->mtu, v->host);
	if (v->mac[0] & 1)
		return fail(err, errlen, -EINVAL, NULL,
			    "MAC %02x:%02x:%02x:%02x:%02x:%02x for %s is a multicast address",
			    v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4],
			    v->mac[5], ifname);
	return 0;
}

int
netlink_connect(const struct netlink_veth *v, struct netlink_link *host,
		struct netlink_link *peer, char *err, size_t errlen)
{
	const char *ifname = v->ifname != NULL && v->ifname[0] != '\0' ?
			     v->ifname : NETLINK_DEFAULT_IFNAME;
	struct nl root = { NULL, 0, 0 }, ns = { NULL, 0, 0 };
	char why[256], ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
	struct link_reply h, p;
	int nsfd, rc, at, made = 0;

	rc = veth_check(v, ifname, err, errlen);
	if (rc != 0)
		return rc;
	ip_str(v->ip, ip);
	ip_str(v->gateway, gw);
	nsfd = netns_open(v->netns, false, err, errlen);
	if (nsfd < 0)
		return nsfd;
	rc = nl_open(&root);
	if (rc != 0) {
		fail(err, errlen, rc, "", "netlink socket");
		goto out;
	}
	rc = nl_open_in(&ns, nsfd);
	if (rc != 0) {
		fail(err, errlen, rc, "", "netlink socket in namespace %s",
		     v->netns);
		goto out;
	}

	/* what the kernel would refuse with a bare EEXIST, named here */
	rc = link_get(&root, v->host, 0, &h, why, sizeof(why));
	if (rc != -ENODEV) {
		if (rc == 0)
			rc = fail(err, errlen, -EEXIST, NULL,
				  "interface %s already exists", v->host);
		else
			fail(err, errlen, rc, why, "interface %s", v->host);
		goto out;
	}
	rc = link_get(&ns, ifname, 0, &p, why, sizeof(why));
	if (rc != -ENODEV) {
		if (rc == 0)
			rc = fail(err, errlen, -EEXIST, NULL,
				  "interface %s already exists in namespace %s",
				  ifname, v->netns);
		else
			fail(err, errlen, rc, why, "interface %s in namespace %s",
			     ifname, v->netns);
		goto out;
	}
	/* the kernel takes one address on two interfaces; IPAM does not */
	rc = addr_find(&ns, v->ip, &at, why, sizeof(why));
	if (rc == 0 && at != 0) {
		rc = link_get(&ns, NULL, at, &p, why, sizeof(why));
		rc = fail(err, errlen, -EADDRINUSE, NULL,
			  "address %s is already on %s in namespace %s", ip,
			  rc == 0 ? p.name : "an interface", v->netns);
		goto out;
	}
	if (rc != 0) {
		fail(err, errlen, rc, why, "addresses in namespace %s", v->netns);
		goto out;
	}

	rc = veth_add(&root, v, ifname, nsfd, why, sizeof(why));
	if (rc != 0) {
		fail(err, errlen, rc, why, "veth %s (peer %s in namespace %s)",
		     v->host, ifname, v->netns);
		goto out;
	}
	rc = link_get(&root, v->host, 0, &h, why, sizeof(why));
	if (rc != 0) {
		fail(err, errlen, rc, why, "interface %s after creating it",
		     v->host);
		goto undo_by_name;
	}
	made = h.link.ifindex;
	rc = sysctl_set("ipv6", v->host, "disable_ipv6", "1");
	if (rc == -ENOENT)
		rc = 0;         /* a kernel without IPv6: nothing to disable */
	if (rc != 0) {
		fail(err, errlen, rc, "", "disable_ipv6 on %s", v->host);
		goto out;
	}
	rc = sysctl_set("ipv4", v->host, "arp_ignore", "8");
	if (rc != 0) {
		fail(err, errlen, rc, "", "arp_ignore on %s", v->host);
		goto out;
	}
	rc = link_set_up(&root, NULL, made, why, sizeof(why));
	if (rc != 0) {
		fail(err, errlen, rc, why, "bringing %s up", v->host);
		goto out;
	}

	rc = link_get(&ns, ifname, 0, &p, why, sizeof(why));
	if (rc != 0) {
		fail(err, errlen, rc, why, "interface %s in namespace %s",
		     ifname, v->netns);
		goto out;
	}
	rc = addr_add(&ns, p.link.ifindex, v->ip, v->prefix, why, sizeof(why));
	if (rc != 0) {
		fail(err, errlen, rc, why, "address %s/%u on %s in namespace %s",
		     ip, v->prefix, ifname, v->netns);
		goto out;
	}
	rc = link_set_up(&ns, "lo", 0, why, sizeof(why));
	if (rc != 0) {
		fail(err, errlen, rc, why, "bringing lo up in namespace %s",
		     v->netns);
		goto out;
	}
	rc = link_set_up(&ns, NULL, p.link.ifindex, why, sizeof(why));
	if (rc != 0) {
		fail(err, errlen, rc, why, "bringing %s up in namespace %s",
		     ifname, v->netns);
		goto out;
	}
	if (v->gateway != 0) {
		rc = route_add_default(&ns, p.link.ifindex, v->gateway, why,
				       sizeof(why));
		if (rc == -EEXIST)
			rc = fail(err, errlen, rc, NULL,
				  "default route via %s: namespace %s has a default route already",
				  gw, v->netns);
		else if (rc != 0)
			fail(err, errlen, rc, why,
			     "default route via %s in namespace %s", gw,
			     v->netns);
		if (rc != 0)
			goto out;
	}
	rc = link_get(&root, NULL, made, &h, why, sizeof(why));
	if (rc == 0)
		rc = link_get(&ns, NULL, p.link.ifindex, &p, why, sizeof(why));
	if (rc != 0) {
		fail(err, errlen, rc, why, "veth %s after setting it up",
		     v->host);
		goto out;
	}
	if (host != NULL)
		*host = h.link;
	if (peer != NULL)
		*peer = p.link;
	goto out;

undo_by_name:
	/* created but not found again: only the name is known */
	if (link_get(&root, v->host, 0, &h, why, sizeof(why)) == 0 &&
	    strcmp(h.kind, "veth") == 0)
		made = h.link.ifindex;
out:
	/* the host end takes the peer, its address and its route with it */
	if (rc != 0 && made != 0)
		(void)link_del(&root, made, why, sizeof(why));
	nl_close(&ns);
	nl_close(&root);
	close(nsfd);
	return rc;
}

int
netlink_pair(const struct netlink_veth *v, struct netlink_link *host,
	     struct netlink_link *peer, char *err, size_t errlen)
{
	struct nl root = { NULL, 0, 0 };
	struct link_reply h, p;
	char why[256];
	int rc, made = 0;

	if ((rc = ifname_check("host end", v->host, err, errlen)) != 0 ||
	    (rc = ifname_check("peer", v->ifname, err, errlen)) != 0)
		return rc;
	if (v->mtu != 0 && (v->mtu < 68 || v->mtu > 65535))
		return fail(err, errlen, -EINVAL, NULL, "MTU %u is outside 68..65535 (a veth's)",
			    v->mtu);
	if (v->mac[0] & 1)
		return fail(err, errlen, -EINVAL, NULL, "the peer's MAC is a multicast address");
	rc = nl_open(&root);
	if (rc != 0)
		return fail(err, errlen, rc, "", "netlink socket");
	rc = link_get(&root, v->host, 0, &h, why, sizeof(why));
	if (rc == 0)
		rc = fail(err, errlen, -EEXIST, NULL, "interface %s already exists", v->host);
	else if (rc == -ENODEV && (rc = link_get(&root, v->ifname, 0, &p, why, sizeof(why))) == 0)
		rc = fail(err, errlen, -EEXIST, NULL, "interface %s already exists", v->ifname);
	else if (rc == -ENODEV)
		rc = 0;
	else
		fail(err, errlen, rc, why, "interfaces %s, %s", v->host, v->ifname);
	if (rc != 0)
		goto out;
	rc = veth_add(&root, v, v->ifname, -1, why, sizeof(why));
	if (rc != 0) {
		fail(err, errlen, rc, why, "veth %s (peer %s)", v->host, v->ifname);
		goto out;
	}
	rc = link_get(&root, v->host, 0, &h, why, sizeof(why));
	if (rc != 0) {
		fail(err, errlen, rc, why, "interface %s after creating it", v->host);
		goto out;
	}
	made = h.link.ifindex;
	rc = sysctl_set("ipv6", v->host, "disable_ipv6", "1");
	if (rc == -ENOENT)
		rc = 0;
	if (rc == 0)
		rc = sysctl_set("ipv4", v->host, "arp_ignore", "8");
	if (rc != 0) {
		fail(err, errlen, rc, "", "sysctls of %s", v->host);
		goto out;
	}
	rc = link_set_up(&root, NULL, made, why, sizeof(why));
	if (rc == 0)
		rc = link_get(&root, v->ifname, 0, &p, why, sizeof(why));
	if (rc == 0)
		rc = link_get(&root, NULL, made, &h, why, sizeof(why));
	if (rc != 0) {
		fail(err, errlen, rc, why, "veth %s after making it", v->host);
		goto out;
	}
	if (host != NULL)
		*host = h.link;
	if (peer != NULL)
		*peer = p.link;
out:
	if (rc != 0 && made != 0)
		(void)link_del(&root, made, why, sizeof(why));
	nl_close(&root);
	return rc;
}

int
netlink_disconnect(const char *host, char *err, size_t errlen)
{
	struct nl root = { NULL, 0, 0 };
	struct link_reply h;
	char why[256];
	int rc;

	rc = ifname_check("host end", host, err, errlen);
	if (rc != 0)
		return rc;
	rc = nl_open(&root);
	if (rc != 0)
		return fail(err, errlen, rc, "", "netlink socket");
	rc = link_get(&root, host, 0, &h, why, sizeof(why));
	if (rc == -ENODEV) {
		rc = 0;                 /* gone already: done */
	} else if (rc != 0) {
		fail(err, errlen, rc, why, "interface %s", host);
	} else if (strcmp(h.kind, "veth") != 0) {
		rc = fail(err, errlen, -EINVAL, NULL,
			  "interface %s is not a veth (kind '%s'): not deleted",
			  host, h.kind);
	} else {
		rc = link_del(&root, h.link.ifindex, why, sizeof(why));
		if (rc == -ENODEV)
			rc = 0;
		else if (rc != 0)
			fail(err, errlen, rc, why, "deleting %s", host);
	}
	nl_close(&root);
	return rc;
}

int
netlink_park(const char *name, const char *peer, char *err, size_t errlen)
{
	struct netlink_veth v = { .host = name };
	struct nl nl = { NULL, 0, 0 };
	struct link_reply r;
	char why[256];
	int rc;

	if ((rc = ifname_check("park", name, err, errlen)) != 0 ||
	    (rc = ifname_check("park peer", peer, err, errlen)) != 0)
		return rc;
	rc = nl_open(&nl);
	if (rc != 0)
		return fail(err, errlen, rc, "", "netlink socket");
	rc = veth_add(&nl, &v, peer, -1, why, sizeof(why));
	if (rc != 0 && rc != -EEXIST) {
		fail(err, errlen, rc, why, "making the veth pair %s/%s", name, peer);
		goto out;
	}
	rc = link_get(&nl, name, 0, &r, why, sizeof(why));
	if (rc != 0)
		fail(err, errlen, rc, why, "interface %s", name);
	else if (strcmp(r.kind, "veth") != 0 || r.link.up)
		rc = fail(err, errlen, -EEXIST, NULL,
			  "interface %s exists and is not a veth that is down", name);
	else
		rc = r.link.ifindex;
out:
	nl_close(&nl);
	return rc;
}

int
netlink_link_get(const char *netns, const char *name, struct netlink_link *out,
		 char *err, size_t errlen)
{
	struct nl nl = { NULL, 0, 0 };
	struct link_reply r;
	char why[256];
	int rc, nsfd = -1;

	rc = ifname_check("interface", name, err, errlen);
	if (rc != 0)
		return rc;
	if (netns != NULL) {
		nsfd = netns_open(netns, true, err, errlen);
		if (nsfd < 0)
			return nsfd;
		rc = nl_open_in(&nl, nsfd);
		close(nsfd);
	} else {
		rc = nl_open(&nl);
	}
	if (rc != 0)
		return fail(err, errlen, rc, "", "netlink socket");
	rc = link_get(&nl, name, 0, &r, why, sizeof(why));
	if (rc == -ENODEV)
		fail(err, errlen, rc, NULL, "no interface %s%s%s", name,
		     netns != NULL ? " in namespace " : "",
		     netns != NULL ? netns : "");
	else if (rc != 0)
		fail(err, errlen, rc, why, "interface %s", name);
	else if (out != NULL)
		*out = r.link;
	nl_close(&nl);
	return rc;
}
