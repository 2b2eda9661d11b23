/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kind = dpdk: any DPDK ethdev, named by its devargs: a PCI address bound to
 * vfio-pci, or a vdev (net_af_xdp, net_memif, net_vhost, net_pcap,
 * net_null, net_ring, ...).
 *
 * vdevs are hot-plugged with rte_dev_probe() when the port opens and
 * unplugged when it closes, so ports can come and go at run time. One rx
 * queue (polled by the port's worker) and one tx queue per worker; when the
 * device has fewer tx queues than vsw has workers, they share them under a
 * lock taken once per burst.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>

#include "ports/port.h"

#define RX_DESC 1024
#define TX_DESC 1024

struct dpdk_port {
	uint16_t port_id;
	uint16_t n_txq;                 /* the device's tx queues */
	bool shared_txq;                /* fewer queues than workers */
	bool vdev;                      /* hot-plugged here: unplug at close */
	bool prepare;                   /* call rte_eth_tx_prepare */
	int intr_fd;
	char devname[RTE_DEV_NAME_MAX_LEN];
	rte_spinlock_t txq_lock[RTE_MAX_QUEUES_PER_PORT];
};

unsigned
dpdk_pool_default(bool af_xdp, unsigned n_txq)
{
	unsigned n = 2 * RX_DESC + n_txq * TX_DESC + 1024, pool = 1;

	if (af_xdp)
		n = 16384;
	while (pool - 1 < n)
		pool <<= 1;
	return pool - 1;
}

static bool
is_vdev(const char *devargs)
{
	return strncmp(devargs, "net_", 4) == 0 || strncmp(devargs, "eth_", 4) == 0;
}

/* The ethdev created for 'name' (the devargs up to the first comma). */
static int
find_port(const char *name, uint16_t *port_id)
{
	uint16_t pid;

	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	RTE_ETH_FOREACH_DEV(pid) {
		struct rte_eth_dev_info info;
		const char *dn;
		size_t dl, nl = strlen(name);

		if (rte_eth_dev_info_get(pid, &info) != 0)
			continue;
		dn = rte_dev_name(info.device);
		dl = strlen(dn);
		/* a PCI address given without its domain */
		if (dl >= nl && strcmp(dn + dl - nl, name) == 0) {
			*port_id = pid;
			return 0;
		}
	}
	return -ENODEV;
}

static uint32_t
offloads_to_caps(uint64_t tx)
{
	uint32_t caps = 0;

	if ((tx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) && (tx & RTE_ETH_TX_OFFLOAD_UDP_CKSUM))
		caps |= PORT_OFF_L4_CSUM;
	if ((caps & PORT_OFF_L4_CSUM) && (tx & RTE_ETH_TX_OFFLOAD_TCP_TSO))
		caps |= PORT_OFF_TSO | PORT_OFF_VLAN_GSO; /* l2_len covers a tag */
	if (tx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		caps |= PORT_OFF_MULTISEG;
	return caps;
}

static int
dev_configure(struct dpdk_port *d, struct rte_mempool *pool,
	      struct rte_eth_dev_info *info, uint64_t txoff, bool intr)
{
	struct rte_eth_conf conf;
	uint16_t nrx = RX_DESC, ntx = TX_DESC, q;
	int rc;

	memset(&conf, 0, sizeof(conf));
	conf.txmode.offloads = txoff;
	conf.intr_conf.rxq = intr ? 1 : 0;
	rc = rte_eth_dev_configure(d->port_id, 1, d->n_txq, &conf);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(d->port_id, &nrx, &ntx);
	if (rc != 0)
		return rc;
	rc = rte_eth_rx_queue_setup(d->port_id, 0, nrx,
				    (unsigned)rte_eth_dev_socket_id(d->port_id),
				    NULL, pool);
	if (rc != 0)
		return rc;
	for (q = 0; q < d->n_txq; q++) {
		struct rte_eth_txconf txc = info->default_txconf;

		txc.offloads = txoff;
		rc = rte_eth_tx_queue_setup(d->port_id, q, ntx,
					    (unsigned)rte_eth_dev_socket_id(d->port_id),
					    &txc);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void
dpdk_release(struct dpdk_port *d, bool started)
{
	if (started)
		rte_eth_dev_stop(d->port_id);
	rte_eth_dev_close(d->port_id);
	if (d->vdev)
		rte_eal_hotplug_remove("vdev", d->devname);
}

static int
dpdk_open(struct port *p, const struct topo_port *tp,
	  const struct port_env *env, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	struct dpdk_port *d;
	char name[RTE_DEV_NAME_MAX_LEN];
	uint64_t txoff;
	bool probed = false, started = false;
	unsigned q;
	int rc;

	d = rte_zmalloc("dpdk_port", sizeof(*d), RTE_CACHE_LINE_SIZE);
	if (d == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->intr_fd = -1;
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(tp->devargs, ","),
		 tp->devargs);
	snprintf(d->devname, sizeof(d->devname), "%s", name);
	if (find_port(name, &d->port_id) == 0) {
		if (is_vdev(tp->devargs)) {
			snprintf(err, errlen, "device %s is already in use", name);
			rc = -EBUSY;
			goto fail;
		}
		/* a PCI device probed by EAL from its allow list */
	} else {
		rc = rte_dev_probe(tp->devargs);
		if (rc != 0) {
			snprintf(err, errlen,
				 "DPDK refused device '%s': %s (see the EAL/PMD messages above)",
				 tp->devargs, strerror(-rc));
			goto fail;
		}
		probed = true;
		d->vdev = is_vdev(tp->devargs);
		if (find_port(name, &d->port_id) != 0) {
			snprintf(err, errlen,
				 "device '%s' was probed but made no ethdev port", name);
			rc = -ENODEV;
			goto fail;
		}
	}
	rc = rte_eth_dev_info_get(d->port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "cannot query %s: %s", name, strerror(-rc));
		goto fail;
	}
	d->n_txq = (uint16_t)RTE_MIN(env->n_txq, info.max_tx_queues);
	if (d->n_txq == 0)
		d->n_txq = 1;
	d->shared_txq = d->n_txq < env->n_txq;
	for (q = 0; q < RTE_DIM(d->txq_lock); q++)
		rte_spinlock_init(&d->txq_lock[q]);
	txoff = info.tx_offload_capa & (RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
					RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
					RTE_ETH_TX_OFFLOAD_TCP_TSO |
					RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	/*
	 * The port's own rx pool: sized for the device (net_pcap with
	 * infinite_rx holds the whole file), on its NUMA node, and a PMD that
	 * does not give its mbufs back at close cannot hide a leak of vsw's in
	 * the shared pool. The af_xdp PMD fills its 4096-slot fill ring and
	 * copies every frame it sends into a buffer of this same pool until
	 * the kernel completes it: a small pool starves its rx.
	 */
	p->pmd_keeps_mbufs = strcmp(info.driver_name, "net_af_xdp") == 0;
	{
		char pname[RTE_MEMPOOL_NAMESIZE];
		unsigned n = tp->mbufs ? tp->mbufs :
			     dpdk_pool_default(p->pmd_keeps_mbufs, env->n_txq);

		snprintf(pname, sizeof(pname), "vsw_port%u", p->id);
		p->own_pool = port_pool_create(pname, n,
				rte_eth_dev_socket_id(d->port_id), p->pmd_keeps_mbufs);
		if (p->own_pool == NULL) {
			rc = -ENOMEM;
			snprintf(err, errlen, "cannot make a pool of %u mbufs: %s", n,
				 rte_strerror(rte_errno));
			goto fail;
		}
	}
	/* ask for rx interrupts (adaptive polling); not every PMD has them */
	rc = dev_configure(d, p->own_pool, &info, txoff, true);
	if (rc != 0)
		rc = dev_configure(d, p->own_pool, &info, txoff, false);
	if (rc != 0) {
		snprintf(err, errlen, "cannot configure %s: %s", name, strerror(-rc));
		goto fail;
	}
	rte_eth_promiscuous_enable(d->port_id);
	rc = rte_eth_dev_start(d->port_id);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start %s: %s", name, strerror(-rc));
		goto fail;
	}
	started = true;
	d->intr_fd = rte_eth_dev_rx_intr_ctl_q_get_fd(d->port_id, 0);
	if (d->intr_fd >= 0 && rte_eth_dev_rx_intr_disable(d->port_id, 0) != 0 &&
	    rte_eth_dev_rx_intr_enable(d->port_id, 0) != 0)
		d->intr_fd = -1;
	rte_eth_macaddr_get(d->port_id, &p->mac);
	p->tx_offloads = offloads_to_caps(txoff);
	d->prepare = p->tx_offloads & (PORT_OFF_L4_CSUM | PORT_OFF_TSO);
	p->rx_fd = d->intr_fd;
	p->max_frame = RTE_ETHER_MAX_LEN;
	p->priv = d;
	snprintf(p->info, sizeof(p->info), "dpdk %s (%s, port %u%s)", name,
		 info.driver_name, d->port_id,
		 d->intr_fd >= 0 ? ", rx interrupts" : "");
	return 0;
fail:
	if (probed || started)
		dpdk_release(d, started);
	rte_free(d);
	rte_mempool_free(p->own_pool);
	p->own_pool = NULL;
	return rc;
}

static uint16_t
dpdk_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct dpdk_port *d = p->priv;

	return rte_eth_rx_burst(d->port_id, 0, pkts, n);
}

static uint16_t
dpdk_tx_burst(struct port *p, unsigned txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct dpdk_port *d = p->priv;
	uint16_t q = (uint16_t)(txq % d->n_txq), sent = 0, k;

	if (d->prepare)
		n = rte_eth_tx_prepare(d->port_id, q, pkts, n);
	if (unlikely(d->shared_txq))
		rte_spinlock_lock(&d->txq_lock[q]);
	/* a PMD may take a burst in parts */
	do {
		k = rte_eth_tx_burst(d->port_id, q, pkts + sent, (uint16_t)(n - sent));
		sent = (uint16_t)(sent + k);
	} while (k > 0 && sent < n);
	if (unlikely(d->shared_txq))
		rte_spinlock_unlock(&d->txq_lock[q]);
	return sent;
}

static void
dpdk_stats(struct port *p, struct port_backend_stats *st)
{
	struct dpdk_port *d = p->priv;
	struct rte_eth_stats es;

	memset(st, 0, sizeof(*st));
	if (rte_eth_stats_get(d->port_id, &es) != 0)
		return;
	st->rx_dropped = es.imissed;
	st->rx_nombuf = es.rx_nombuf;
	st->rx_errors = es.ierrors;
	st->tx_errors = es.oerrors;
}

static bool
dpdk_link_up(struct port *p)
{
	struct dpdk_port *d = p->priv;
	struct rte_eth_link link;

	if (rte_eth_link_get_nowait(d->port_id, &link) != 0)
		return true;
	return link.link_status == RTE_ETH_LINK_UP;
}

static void
dpdk_rx_intr(struct port *p, bool enable)
{
	struct dpdk_port *d = p->priv;

	if (enable)
		rte_eth_dev_rx_intr_enable(d->port_id, 0);
	else
		rte_eth_dev_rx_intr_disable(d->port_id, 0);
}

static void
dpdk_close(struct port *p)
{
	struct dpdk_port *d = p->priv;

	if (d == NULL)
		return;
	dpdk_release(d, true);
	rte_free(d);
}

const struct port_ops port_dpdk_ops = {
	.kind = "dpdk",
	.open = dpdk_open,
	.rx_burst = dpdk_rx_burst,
	.tx_burst = dpdk_tx_burst,
	.stats = dpdk_stats,
	.close = dpdk_close,
	.link_up = dpdk_link_up,
	.rx_intr = dpdk_rx_intr,
};
