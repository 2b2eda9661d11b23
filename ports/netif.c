/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ports/netif.h"

static int
ifreq_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd, rc = 0;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, req, ifr) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int
netif_index(const char *ifname)
{
	unsigned idx = if_nametoindex(ifname);

	return idx == 0 ? -ENODEV : (int)idx;
}

int
netif_flags(const char *ifname, unsigned *flags)
{
	struct ifreq ifr = { 0 };
	int rc = ifreq_ioctl(ifname, SIOCGIFFLAGS, &ifr);

	if (rc == 0)
		*flags = (unsigned)(unsigned short)ifr.ifr_flags;
	return rc;
}

bool
netif_is_up(const char *ifname)
{
	unsigned flags = 0;

	return netif_flags(ifname, &flags) == 0 && (flags & IFF_UP) &&
	       (flags & IFF_RUNNING);
}

int
netif_set_up(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int rc = ifreq_ioctl(ifname, SIOCGIFFLAGS, &ifr);

	if (rc != 0 || (ifr.ifr_flags & IFF_UP))
		return rc;
	ifr.ifr_flags |= IFF_UP;
	return ifreq_ioctl(ifname, SIOCSIFFLAGS, &ifr);
}

int
netif_mtu(const char *ifname, unsigned *mtu)
{
	struct ifreq ifr = { 0 };
	int rc = ifreq_ioctl(ifname, SIOCGIFMTU, &ifr);

	if (rc == 0)
		*mtu = (unsigned)ifr.ifr_mtu;
	return rc;
}

int
netif_mac(const char *ifname, struct rte_ether_addr *mac)
{
	struct ifreq ifr = { 0 };
	int rc = ifreq_ioctl(ifname, SIOCGIFHWADDR, &ifr);

	if (rc == 0)
		memcpy(mac->addr_bytes, ifr.ifr_hwaddr.sa_data, RTE_ETHER_ADDR_LEN);
	return rc;
}

int
netif_claim(int ifindex)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd, n;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* abstract name: sun_path[0] == '\0' */
	n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
		     "vsw/ifindex/%d", ifindex);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}
