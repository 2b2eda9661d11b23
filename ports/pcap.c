/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kind = pcap: frames read from a capture file (rx = FILE) and written to
 * one (tx = FILE), with libpcap.
 *
 * Two clocks:
 *  - replay mode (every port is a pcap port): the loop's clock is virtual
 *    and follows the packet timestamps. rx_burst hands out the frames whose
 *    timestamp is not later than the clock; rx_peek_time tells the loop
 *    which port's frame is next. Written frames get the virtual time, so
 *    the output files are the same from run to run.
 *  - live mode (mixed with real ports): the file is replayed with its
 *    original spacing, starting when the port opens; written frames get
 *    the wall-clock time.
 *
 * The written file is a capture of the wire: checksums complete, super-
 * frames cut (the port advertises no checksum or segmentation offload).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "ports/port.h"

#define PCAP_SNAPLEN 65535

struct pcap_port {
	pcap_t *rx;
	pcap_t *dead;
	pcap_dumper_t *tx;
	const uint64_t *clock;          /* replay: the loop's virtual clock */
	/* the next frame to hand out, read ahead to know its time */
	struct pcap_pkthdr *next_hdr;
	const u_char *next_data;
	bool have_next;
	uint64_t next_ns;
	/* live mode: file time -> wall time */
	uint64_t live_base_file, live_base_wall;
	bool live_started;
	struct port_backend_stats st;
	uint8_t buf[PCAP_SNAPLEN];      /* tx: a chained frame, flattened */
};

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Read the next usable frame into the look-ahead slot. */
static void
read_ahead(struct pcap_port *c)
{
	int r;

	c->have_next = false;
	while (c->rx != NULL) {
		r = pcap_next_ex(c->rx, &c->next_hdr, &c->next_data);
		if (r != 1) {
			if (r == PCAP_ERROR)
				c->st.rx_errors++;
			pcap_close(c->rx);
			c->rx = NULL;       /* drained */
			return;
		}
		if (c->next_hdr->caplen < c->next_hdr->len) {
			c->st.rx_truncated++;  /* captured with a snap length */
			continue;
		}
		c->next_ns = (uint64_t)c->next_hdr->ts.tv_sec * 1000000000ull +
			     (uint64_t)c->next_hdr->ts.tv_usec *
			     (pcap_get_tstamp_precision(c->rx) ==
			      PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000);
		c->have_next = true;
		return;
	}
}

static int
pcap_port_open(struct port *p, const struct topo_port *tp,
	       const struct port_env *env, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_port *c;
	int rc = -EINVAL;

	c = rte_zmalloc("pcap_port", sizeof(*c), 0);
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->clock = env->replay ? env->clock : NULL;
	if (tp->rx[0]) {
		c->rx = pcap_open_offline_with_tstamp_precision(tp->rx,
				PCAP_TSTAMP_PRECISION_NANO, ebuf);
		if (c->rx == NULL) {
			snprintf(err, errlen, "rx file: %s", ebuf);
			rc = -ENOENT;
			goto fail;
		}
		if (pcap_datalink(c->rx) != DLT_EN10MB) {
			snprintf(err, errlen, "rx file %s is not an Ethernet capture (link type %s)",
				 tp->rx, pcap_datalink_val_to_name(pcap_datalink(c->rx)));
			goto fail;
		}
		read_ahead(c);
	}
	if (tp->tx[0]) {
		c->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB,
				PCAP_SNAPLEN, PCAP_TSTAMP_PRECISION_MICRO);
		c->tx = c->dead ? pcap_dump_open(c->dead, tp->tx) : NULL;
		if (c->tx == NULL) {
			snprintf(err, errlen, "tx file: %s",
				 c->dead ? pcap_geterr(c->dead) : "out of memory");
			rc = -EIO;
			goto fail;
		}
	}
	p->tx_offloads = PORT_OFF_MULTISEG;
	p->max_frame = PCAP_SNAPLEN;
	p->priv = c;
	snprintf(p->info, sizeof(p->info), "pcap%s%s%s%s", tp->rx[0] ? " rx " : "",
		 tp->rx, tp->tx[0] ? " tx " : "", tp->tx);
	return 0;
fail:
	if (c->rx)
		pcap_close(c->rx);
	if (c->dead)
		pcap_close(c->dead);
	rte_free(c);
	return rc;
}

/* The clock frames are due by: virtual in replay, file time in live mode. */
static uint64_t
due_by(struct pcap_port *c)
{
	if (c->clock != NULL)
		return *c->clock;
	if (!c->live_started) {
		c->live_started = true;
		c->live_base_file = c->next_ns;
		c->live_base_wall = mono_ns();
	}
	return c->live_base_file + (mono_ns() - c->live_base_wall);
}

static uint16_t
pcap_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct pcap_port *c = p->priv;
	uint16_t got = 0;
	uint64_t due;

	if (!c->have_next)
		return 0;
	due = due_by(c);
	while (got < n && c->have_next && c->next_ns <= due) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);

		if (m == NULL) {
			c->st.rx_nombuf++;
			break;
		}
		if (port_mbuf_append(p->pool, m, c->next_data,
				     c->next_hdr->caplen) != 0) {
			rte_pktmbuf_free(m);
			c->st.rx_nombuf++;
		} else {
			pkts[got++] = m;
		}
		read_ahead(c);
	}
	return got;
}

static bool
pcap_rx_peek_time(struct port *p, uint64_t *ns)
{
	struct pcap_port *c = p->priv;

	if (!c->have_next)
		return false;
	*ns = c->next_ns;
	return true;
}

static uint16_t
pcap_tx_burst(struct port *p, unsigned txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct pcap_port *c = p->priv;
	struct pcap_pkthdr h;
	uint64_t now;
	uint16_t i;

	(void)txq;
	if (c->tx == NULL) {
		/* no tx file: the frames go nowhere, as on an unplugged wire */
		rte_pktmbuf_free_bulk(pkts, n);
		return n;
	}
	now = c->clock != NULL ? *c->clock : wall_ns();
	h.ts.tv_sec = (time_t)(now / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(now % 1000000000ull / 1000);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const u_char *data = rte_pktmbuf_mtod(m, const u_char *);

		h.len = m->pkt_len;
		h.caplen = RTE_MIN(m->pkt_len, (uint32_t)PCAP_SNAPLEN);
		if (m->nb_segs > 1) {
			data = rte_pktmbuf_read(m, 0, h.caplen, c->buf);
			if (data == NULL) {
				c->st.tx_errors++;
				rte_pktmbuf_free(m);
				continue;
			}
		}
		pcap_dump((u_char *)c->tx, &h, data);
		rte_pktmbuf_free(m);
	}
	return n;
}

static void
pcap_port_stats(struct port *p, struct port_backend_stats *st)
{
	struct pcap_port *c = p->priv;

	*st = c->st;
}

static void
pcap_port_close(struct port *p)
{
	struct pcap_port *c = p->priv;

	if (c == NULL)
		return;
	if (c->rx)
		pcap_close(c->rx);
	if (c->tx)
		pcap_dump_close(c->tx);
	if (c->dead)
		pcap_close(c->dead);
	rte_free(c);
}

const struct port_ops port_pcap_ops = {
	.kind = "pcap",
	.open = pcap_port_open,
	.rx_burst = pcap_rx_burst,
	.tx_burst = pcap_tx_burst,
	.stats = pcap_port_stats,
	.close = pcap_port_close,
	.rx_peek_time = pcap_rx_peek_time,
};
