/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include <rte_branch_prediction.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

#include "ports/port.h"

/* A pool of 'n' mbufs of 'room' bytes (headroom included). */
static struct rte_mempool *
pool_create(const char *name, unsigned n, unsigned cache, uint16_t room, int socket,
	    bool page_objects, uint16_t priv_size)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = room,
		.mbuf_priv_size = priv_size,
	};
	struct rte_mempool *mp;

	if (rte_eal_has_hugepages() || page_objects)
		return rte_pktmbuf_pool_create(name, n, cache, priv_size, room, socket);
	/* On 4 KiB pages DPDK keeps each mbuf inside one page, which costs
	 * 4 KiB a mbuf; IOVA is the virtual address here, so let them span. */
	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + priv_size + room, cache,
				      sizeof(priv), socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	if (rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL) != 0)
		goto fail;
	rte_pktmbuf_pool_init(mp, &priv);
	if (rte_mempool_populate_default(mp) < 0)
		goto fail;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
fail:
	rte_mempool_free(mp);
	return NULL;
}

struct rte_mempool *
port_pool_create(const char *name, unsigned n, int socket, bool page_objects)
{
	return pool_create(name, n, PORT_POOL_CACHE, RTE_MBUF_DEFAULT_BUF_SIZE, socket,
			   page_objects, 0);
}

void (*volatile port_drop_hook)(unsigned txq, uint16_t port, unsigned why,
				struct rte_mbuf *m);

struct rte_mempool *
port_priv_pool_create(const char *name, unsigned n, uint16_t priv_size, int socket)
{
	return pool_create(name, n, PORT_POOL_CACHE, RTE_MBUF_DEFAULT_BUF_SIZE, socket,
			   false, (uint16_t)RTE_ALIGN(priv_size, RTE_MBUF_PRIV_ALIGN));
}

struct rte_mempool *
port_big_pool_create(const char *name, unsigned n, int socket)
{
	/* a small cache: these are few, and DPDK wants 1.5 caches a pool */
	return pool_create(name, n, RTE_MIN(PORT_POOL_CACHE / 8u, n * 2 / 3), PORT_BIG_SEG,
			   socket, false, 0);
}

size_t
port_big_pool_bytes(unsigned n)
{
	return (size_t)n * (sizeof(struct rte_mbuf) + PORT_BIG_SEG + 64 + 16) + (1u << 20);
}

size_t
port_pool_bytes(unsigned n, bool page_objects)
{
	/* mbuf, data room, mempool header and trailer */
	size_t obj = sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE + 64;

	return (size_t)n * (page_objects ? 4096 : obj) + (size_t)n * 16 + (1u << 20);
}

const struct port_ops *
port_ops_for(enum topo_port_kind kind)
{
	switch (kind) {
	case TOPO_PORT_TAP: return &port_tap_ops;
	case TOPO_PORT_AFPACKET: return &port_afpacket_ops;
	case TOPO_PORT_DPDK: return &port_dpdk_ops;
	case TOPO_PORT_PCAP: return &port_pcap_ops;
	}
	return NULL;
}

int
port_open(struct port *p, uint16_t id, const struct topo_port *tp,
	  const struct port_env *env, char *err, size_t errlen)
{
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", tp->name);
	p->id = id;
	p->kind = tp->kind;
	p->ops = port_ops_for(tp->kind);
	p->pool = env->pool;
	p->big_pool = env->big_pool;
	p->rx_fd = -1;
	p->mtu = RTE_ETHER_MTU;
	p->max_frame = RTE_ETHER_MAX_LEN;
	if (p->ops == NULL) {
		snprintf(err, errlen, "unknown port kind");
		return -EINVAL;
	}
	rc = p->ops->open(p, tp, env, err, errlen);
	if (rc != 0)
		p->ops = NULL;
	return rc;
}

void
port_close(struct port *p)
{
	if (p->ops != NULL && p->ops->close != NULL)
		p->ops->close(p);
	p->ops = NULL;
	p->priv = NULL;
}

int
port_mbuf_append(struct rte_mempool *pool, struct rte_mbuf *head,
		 const void *data, uint32_t len)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(head);
	const uint8_t *src = data;

	while (len > 0) {
		uint32_t n = RTE_MIN(rte_pktmbuf_tailroom(last), len);

		if (n == 0) {
			struct rte_mbuf *s = rte_pktmbuf_alloc(pool);

			if (s == NULL)
				return -ENOMEM;
			last->next = s;
			last = s;
			head->nb_segs++;
			continue;
		}
		memcpy(rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len),
		       src, n);
		last->data_len = (uint16_t)(last->data_len + n);
		head->pkt_len += n;
		src += n;
		len -= n;
	}
	return 0;
}

int
port_rxchain_iov(const struct port *p, struct port_rxchain *c,
		 struct iovec *iov, uint32_t bytes)
{
	struct rte_mempool *segs = p->big_pool != NULL ? p->big_pool : p->pool;
	uint32_t have;
	unsigned k;

	if (c->head == NULL && (c->head = rte_pktmbuf_alloc(p->pool)) == NULL)
		return -ENOMEM;
	iov[0].iov_base = rte_pktmbuf_mtod(c->head, void *);
	iov[0].iov_len = rte_pktmbuf_tailroom(c->head);
	have = (uint32_t)iov[0].iov_len;
	for (k = 0; have < bytes && k < RTE_DIM(c->seg); k++) {
		struct rte_mbuf *s;

		if (k == c->n) {
			s = rte_pktmbuf_alloc(segs);
			if (s == NULL && segs != p->pool)
				s = rte_pktmbuf_alloc(p->pool);
			if (s == NULL)
				break;
			c->seg[c->n++] = s;
		}
		s = c->seg[k];
		s->data_off = 0;
		iov[k + 1].iov_base = rte_pktmbuf_mtod(s, void *);
		iov[k + 1].iov_len = rte_pktmbuf_tailroom(s);
		have += (uint32_t)iov[k + 1].iov_len;
	}
	c->lent = k;
	return (int)k + 1;
}

struct rte_mbuf *
port_rxchain_take(struct port_rxchain *c, uint32_t len)
{
	struct rte_mbuf *head = c->head, *last = head;
	unsigned k = 0, i;

	head->data_len = (uint16_t)RTE_MIN(len, rte_pktmbuf_tailroom(head));
	head->pkt_len = len;
	len -= head->data_len;
	while (len > 0 && k < c->lent) {
		struct rte_mbuf *s = c->seg[k++];

		s->data_len = (uint16_t)RTE_MIN(len, rte_pktmbuf_tailroom(s));
		len -= s->data_len;
		last->next = s;
		last = s;
	}
	last->next = NULL;
	head->nb_segs = (uint16_t)(k + 1);
	for (i = k; i < c->n; i++)
		c->seg[i - k] = c->seg[i];
	c->n -= k;
	c->lent = 0;
	c->head = NULL;
	return head;
}

void
port_rxchain_free(struct port_rxchain *c)
{
	rte_pktmbuf_free(c->head);
	if (c->n > 0)
		rte_pktmbuf_free_bulk(c->seg, c->n);
	c->head = NULL;
	c->n = 0;
	c->lent = 0;
}

static void
tx_flush(struct port *p, unsigned txq, struct rte_mbuf **pkts, unsigned n,
	 struct vsw_counters *c)
{
	uint64_t bytes = 0;
	unsigned i, sent;

	for (i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	sent = p->ops->tx_burst(p, txq, pkts, (uint16_t)n);
	for (i = sent; i < n; i++) {
		bytes -= pkts[i]->pkt_len;
		if (unlikely(port_drop_hook != NULL))
			port_drop_hook(txq, p->id, VSW_DROP_TX_FULL, pkts[i]);
		rte_pktmbuf_free(pkts[i]);
	}
	c->tx += sent;
	c->tx_bytes += bytes;
	c->drops[VSW_DROP_TX_FULL] += n - sent;
}

void
port_tx_burst(struct port *p, unsigned txq, struct rte_mbuf **pkts,
	      uint16_t n, struct vsw_counters *c)
{
	struct rte_mbuf *out[2 * OFFLOAD_MAX_SEGS];
	unsigned i, k = 0;
	int r;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (likely(!offload_needs_finish(m, p->tx_offloads))) {
			out[k++] = m;
		} else {
			r = offload_finish(m, p->tx_offloads, p->pool, out + k,
					   RTE_DIM(out) - k);
			if (r == -ENOSPC && k > 0) {
				tx_flush(p, txq, out, k, c);
				k = 0;
				r = offload_finish(m, p->tx_offloads, p->pool,
						   out, RTE_DIM(out));
			}
			if (unlikely(r < 0)) {
				if (unlikely(port_drop_hook != NULL))
					port_drop_hook(txq, p->id, VSW_DROP_TX_OFFLOAD, m);
				rte_pktmbuf_free(m);
				c->drops[VSW_DROP_TX_OFFLOAD]++;
				continue;
			}
			k += (unsigned)r;
		}
		if (k >= RTE_DIM(out) - OFFLOAD_MAX_SEGS / 2) {
			tx_flush(p, txq, out, k, c);
			k = 0;
		}
	}
	if (k > 0)
		tx_flush(p, txq, out, k, c);
}
