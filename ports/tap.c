/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kind = tap: a TAP device that vsw creates and that disappears with it.
 *
 * The device is opened with IFF_VNET_HDR and told (TUNSETOFFLOAD) that vsw
 * takes partial checksums and TSO/USO super-frames, so the kernel hands
 * them over unfinished and vsw passes them on as they are. Frames vsw
 * writes carry the same header, so the kernel takes them unfinished too.
 * DPDK's net_tap does not speak virtio-net headers, hence this backend.
 *
 * A TAP is read and written one frame per syscall (the kernel has no
 * batched interface for it); an rx burst stops at the first EAGAIN. A
 * frame is read straight into mbufs (port_rxchain), a super-frame too.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "ports/netif.h"
#include "ports/port.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

#define TAP_MAX_FRAME (64 * 1024 + 256)  /* the largest super-frame */

struct tap {
	int fd;
	bool carrier_off;               /* the last write found the link down */
	/* link state where the device lives (it may be moved to a container's
	 * namespace): a socket there, and which namespace that is */
	int probe_fd;
	ino_t probe_ns;
	char ifname[IFNAMSIZ];
	struct port_backend_stats st;
	struct port_rxchain rxc;        /* rx: the mbufs of the next read */
};

static int
tap_open(struct port *p, const struct topo_port *tp, const struct port_env *env,
	 char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };
	unsigned offloads;
	struct tap *t;
	int hdrsz = sizeof(struct virtio_net_hdr);
	int rc;

	(void)env;
	if (netif_index(tp->iface) > 0) {
		snprintf(err, errlen,
			 "interface %s already exists (kind = tap creates it; use kind = afpacket to attach to an existing one)",
			 tp->iface);
		return -EEXIST;
	}
	t = rte_zmalloc("tap", sizeof(*t), 0);
	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->probe_fd = -1;
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
		goto fail;
	}
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", tp->iface);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create TAP %s: %s", tp->iface,
			 strerror(errno));
		goto fail;
	}
	snprintf(t->ifname, sizeof(t->ifname), "%s", ifr.ifr_name);
	if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdrsz) < 0) {
		rc = -errno;
		snprintf(err, errlen, "TUNSETVNETHDRSZ: %s", strerror(errno));
		goto fail;
	}
	p->tx_offloads = PORT_OFF_L4_CSUM | PORT_OFF_TSO | PORT_OFF_MULTISEG;
	offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN |
		   TUN_F_USO4 | TUN_F_USO6;
	if (ioctl(t->fd, TUNSETOFFLOAD, offloads) == 0) {
		p->tx_offloads |= PORT_OFF_USO;
	} else {
		offloads &= ~(unsigned)(TUN_F_USO4 | TUN_F_USO6);
		if (ioctl(t->fd, TUNSETOFFLOAD, offloads) < 0) {
			rc = -errno;
			snprintf(err, errlen, "TUNSETOFFLOAD: %s", strerror(errno));
			goto fail;
		}
	}
	rc = netif_set_up(t->ifname);
	if (rc != 0) {
		snprintf(err, errlen, "cannot bring %s up: %s", t->ifname,
			 strerror(-rc));
		goto fail;
	}
	netif_mac(t->ifname, &p->mac);
	p->rx_fd = t->fd;
	p->max_frame = TAP_MAX_FRAME;
	p->priv = t;
	snprintf(p->info, sizeof(p->info), "tap %s", t->ifname);
	return 0;
fail:
	if (t->fd >= 0)
		close(t->fd);       /* a non-persistent TAP goes with its fd */
	rte_free(t);
	return rc;
}

static uint16_t
tap_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct tap *t = p->priv;
	struct virtio_net_hdr vh;
	uint16_t got = 0;

	while (got < n) {
		struct iovec iov[1 + PORT_RXCHAIN_MAX];
		struct rte_mbuf *m;
		ssize_t r;
		int k;

		/* the frame straight into mbufs, whatever its size */
		k = port_rxchain_iov(p, &t->rxc, iov + 1, TAP_MAX_FRAME);
		if (k < 0) {
			t->st.rx_nombuf++;
			break;
		}
		iov[0].iov_base = &vh;
		iov[0].iov_len = sizeof(vh);
		r = readv(t->fd, iov, k + 1);
		if (r <= (ssize_t)sizeof(vh)) {
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				t->st.rx_errors++;
			if (r < 0)
				break;
			continue;
		}
		m = port_rxchain_take(&t->rxc, (uint32_t)(r - (ssize_t)sizeof(vh)));
		if (offload_from_vnet(m, &vh) != 0) {
			rte_pktmbuf_free(m);
			t->st.rx_errors++;
			continue;
		}
		pkts[got++] = m;
	}
	return got;
}

static uint16_t
tap_tx_burst(struct port *p, unsigned txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct tap *t = p->priv;
	uint16_t i;

	(void)txq;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *s;
		struct iovec iov[1 + OFFLOAD_MAX_SEGS];
		struct virtio_net_hdr vh;
		unsigned k = 1;

		if (unlikely(m->nb_segs >= RTE_DIM(iov))) {
			t->st.tx_errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		offload_to_vnet(m, &vh);
		iov[0].iov_base = &vh;
		iov[0].iov_len = sizeof(vh);
		for (s = m; s != NULL && k < RTE_DIM(iov); s = s->next, k++) {
			iov[k].iov_base = rte_pktmbuf_mtod(s, void *);
			iov[k].iov_len = s->data_len;
		}
		if (writev(t->fd, iov, (int)k) < 0) {
			if (errno == EAGAIN || errno == ENOBUFS)
				break;  /* full: the caller drops the rest */
			/* EIO: the interface is down where it lives */
			t->carrier_off = errno == EIO;
			t->st.tx_errors++;
		} else {
			t->carrier_off = false;
		}
		rte_pktmbuf_free(m);
	}
	return i;
}

static void
tap_stats(struct port *p, struct port_backend_stats *st)
{
	struct tap *t = p->priv;

	*st = t->st;
}

/*
 * The TAP may have been moved into another namespace (a container's), where
 * vsw cannot look it up by name: the link is what the last write found.
 */
static bool
tap_link_up(struct port *p)
{
	struct tap *t = p->priv;
	struct ifreq ifr;
	struct stat st;
	int ns, here;

	/*
	 * IFF_UP where the device lives now. Moved into a container, it is
	 * down until the container sets it up, in a namespace vsw's netlink
	 * socket does not hear: ask there (TUNGETDEVNETNS, Linux 5.2) with a
	 * socket made there once a namespace. Without that, the last write
	 * tells (EIO: down), which cannot see it come back while nothing is
	 * written to it.
	 */
	ns = ioctl(t->fd, TUNGETDEVNETNS);
	if (ns < 0)
		return !t->carrier_off;
	if (fstat(ns, &st) == 0 && (t->probe_fd < 0 || st.st_ino != t->probe_ns)) {
		here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (here >= 0 && setns(ns, CLONE_NEWNET) == 0) {
			int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

			if (setns(here, CLONE_NEWNET) != 0)
				fprintf(stderr, "vsw: tap %s: cannot return to vsw's namespace: %s\n",
					t->ifname, strerror(errno));
			if (fd >= 0) {
				if (t->probe_fd >= 0)
					close(t->probe_fd);
				t->probe_fd = fd;
				t->probe_ns = st.st_ino;
			}
		}
		if (here >= 0)
			close(here);
	}
	close(ns);
	memset(&ifr, 0, sizeof(ifr));
	if (t->probe_fd < 0 || ioctl(t->fd, TUNGETIFF, &ifr) < 0 ||
	    ioctl(t->probe_fd, SIOCGIFFLAGS, &ifr) < 0)
		return !t->carrier_off;
	return (ifr.ifr_flags & IFF_UP) != 0;
}

static void
tap_close(struct port *p)
{
	struct tap *t = p->priv;

	if (t == NULL)
		return;
	port_rxchain_free(&t->rxc);
	close(t->fd);
	if (t->probe_fd >= 0)
		close(t->probe_fd);
	rte_free(t);
}

const struct port_ops port_tap_ops = {
	.kind = "tap",
	.open = tap_open,
	.rx_burst = tap_rx_burst,
	.tx_burst = tap_tx_burst,
	.stats = tap_stats,
	.close = tap_close,
	.link_up = tap_link_up,
};
