/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "switch/dns.h"
#include "switch/loop.h"
#include "switch/vsw.h"

/* How long an adaptive worker keeps spinning after the last frame before
 * it sleeps: a flow that pauses briefly never pays the wake-up. */
#define IDLE_NS 200000ull               /* 200 us */
/* Housekeeping (aging, timers) runs this often while busy, and at least
 * this often while asleep. */
#define HOUSEKEEPING_NS 10000000ull     /* 10 ms */
#define HOUSEKEEPING_IDLE_NS 100000000ull /* 100 ms */
/* Naps when some port has no descriptor to sleep on. */
#define NAP_NS 50000

uint64_t
loop_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
loop_tx_flush(struct worker *w, uint16_t port_id)
{
	struct loop_txbuf *b = &w->txb[port_id];
	struct port *p = &w->sw->ports[port_id];

	if (b->n == 0)
		return;
	if (unlikely(w->capture != NULL) && (w->capture->what[port_id] & CAPTURE_TX))
		capture_burst(w, w->capture, port_id, CAPTURE_TX, b->pkts, b->n);
	port_tx_burst(p, w->id, b->pkts, b->n, &w->cnt[port_id]);
	b->n = 0;
}

void
loop_tx_flush_all(struct worker *w)
{
	uint16_t i;

	for (i = 0; i < w->n_dirty; i++) {
		loop_tx_flush(w, w->dirty[i]);
		w->txb[w->dirty[i]].dirty = false;
	}
	w->n_dirty = 0;
}

static inline uint16_t
poll_port(struct worker *w, struct port *p)
{
	struct rte_mbuf *pkts[LOOP_BURST];
	struct vsw_counters *c = &w->cnt[p->id];
	uint16_t n, i;

	n = port_rx_burst(p, pkts, LOOP_BURST);
	if (n == 0)
		return 0;
	c->rx += n;
	for (i = 0; i < n; i++) {
		c->rx_bytes += pkts[i]->pkt_len;
		pkts[i]->port = p->id;  /* PMDs put their own ids there */
	}
	if (unlikely(p->admin_down)) {
		/* drained, so that the kernel's ring does not hold stale frames
		 * for when it comes back up */
		for (i = 0; i < n; i++)
			loop_drop(w, p->id, VSW_DROP_ADMIN_DOWN, pkts[i]);
		return n;
	}
	if (unlikely(w->capture != NULL) && (w->capture->what[p->id] & CAPTURE_RX))
		capture_burst(w, w->capture, p->id, CAPTURE_RX, pkts, n);
	w->sw->attach[p->id].input(w, p, pkts, n);
	return n;
}

void
loop_housekeeping(struct worker *w)
{
	struct vsw *sw = w->sw;
	unsigned b;

	for (b = 0; b < sw->n_bridges; b++)
		if (sw->bridges[b].fdb != NULL) /* NULL: a free slot */
			bridge_housekeeping(&sw->bridges[b], w);
	if (w->id == 0)
		router_housekeeping(w);
}

void
loop_wake(struct worker *w)
{
	uint64_t one = 1;

	if (w->evfd >= 0 && write(w->evfd, &one, sizeof(one)) < 0)
		return; /* the counter is saturated: it is awake anyway */
}

static void
barrier_park(struct worker *w)
{
	struct vsw *sw = w->sw;

	loop_tx_flush_all(w);
	__atomic_fetch_add(&sw->barrier_parked, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&sw->barrier_req, __ATOMIC_ACQUIRE))
		rte_pause();
	__atomic_fetch_sub(&sw->barrier_parked, 1, __ATOMIC_ACQ_REL);
}

void
loop_barrier_sync(struct vsw *sw)
{
	unsigned i;

	if (sw->n_workers == 0 || sw->replay)
		return;
	__atomic_store_n(&sw->barrier_req, 1, __ATOMIC_RELEASE);
	for (i = 0; i < sw->n_workers; i++)
		loop_wake(sw->workers[i]);
	while (__atomic_load_n(&sw->barrier_parked, __ATOMIC_ACQUIRE) <
	       sw->n_workers) {
		if (sw->stop)
			break;
		rte_pause();
	}
}

void
loop_barrier_release(struct vsw *sw)
{
	__atomic_store_n(&sw->barrier_req, 0, __ATOMIC_RELEASE);
}

/*
 * Sleep until a port has frames, the control thread wakes us or the next
 * housekeeping is due.
 */
static void
idle_sleep(struct worker *w, bool all_have_fds)
{
	struct vsw *sw = w->sw;
	struct epoll_event ev[16];
	uint64_t now = loop_clock_ns();
	int timeout_ms;
	uint16_t i;

	w->stats.sleeps++;
	if (!all_have_fds) {
		struct timespec ts = { 0, NAP_NS };

		nanosleep(&ts, NULL);
		return;
	}
	for (i = 0; i < w->n_rx; i++) {
		struct port *p = &sw->ports[w->rx_ports[i]];

		if (p->ops->rx_intr != NULL)
			p->ops->rx_intr(p, true);
	}
	/* a frame may have come in before the interrupts were armed */
	for (i = 0; i < w->n_rx; i++)
		if (poll_port(w, &sw->ports[w->rx_ports[i]]) > 0)
			goto awake;
	/* asleep, housekeeping can wait a little longer */
	if (w->next_housekeeping < now + HOUSEKEEPING_IDLE_NS)
		w->next_housekeeping = now + HOUSEKEEPING_IDLE_NS;
	timeout_ms = (int)((w->next_housekeeping - now) / 1000000ull) + 1;
	w->sleeping = true;
	/* the dns thread puts an answer and then looks at 'sleeping' */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!sw->stop && !__atomic_load_n(&sw->barrier_req, __ATOMIC_ACQUIRE) &&
	    !(w->id == 0 && dns_waiting(sw)))
		epoll_wait(w->epfd, ev, RTE_DIM(ev), timeout_ms);
	w->sleeping = false;
	{
		uint64_t junk;

		if (read(w->evfd, &junk, sizeof(junk)) < 0)
			(void)0;    /* nothing was posted: EAGAIN */
	}
awake:
	for (i = 0; i < w->n_rx; i++) {
		struct port *p = &sw->ports[w->rx_ports[i]];

		if (p->ops->rx_intr != NULL)
			p->ops->rx_intr(p, false);
	}
}

int
loop_worker_main(void *arg)
{
	struct worker *w = arg;
	struct vsw *sw = w->sw;
	uint64_t last_rx;
	uint16_t i;

	w->now = loop_clock_ns();
	w->next_housekeeping = w->now + HOUSEKEEPING_NS;
	last_rx = w->now;

	while (likely(!sw->stop)) {
		uint16_t got = 0;

		if (unlikely(__atomic_load_n(&sw->barrier_req, __ATOMIC_ACQUIRE)))
			barrier_park(w);
		w->now = loop_clock_ns();
		w->stats.iterations++;
		for (i = 0; i < w->n_rx; i++)
			got = (uint16_t)(got + poll_port(w, &sw->ports[w->rx_ports[i]]));
		if (unlikely(sw->dns != NULL) && w->id == 0)
			dns_drain(w);
		loop_tx_flush_all(w);
		if (unlikely(w->now >= w->next_housekeeping)) {
			loop_housekeeping(w);
			loop_tx_flush_all(w);
			w->next_housekeeping = w->now + HOUSEKEEPING_NS;
		}
		if (got > 0) {
			w->stats.busy++;
			last_rx = w->now;
		} else if (!sw->busy_poll && w->now - last_rx >= IDLE_NS) {
			/* after a wake-up with nothing to do, straight back to
			 * sleep: last_rx stays where it was */
			idle_sleep(w, w->all_fds);
			loop_tx_flush_all(w);
		}
	}
	loop_tx_flush_all(w);
	return 0;
}

void
loop_replay(struct worker *w)
{
	struct vsw *sw = w->sw;

	w->next_housekeeping = 0;
	for (;;) {
		struct port *next = NULL;
		uint64_t t, best = UINT64_MAX;
		unsigned i;

		for (i = 0; i < sw->n_ports; i++) {
			struct port *p = &sw->ports[i];

			if (p->ops != NULL && p->ops->rx_peek_time != NULL &&
			    p->ops->rx_peek_time(p, &t) && t < best) {
				best = t;
				next = p;
			}
		}
		if (next == NULL)
			break;
		/* time never runs backwards, even if a file does */
		if (best > w->now)
			w->now = best;
		w->stats.iterations++;
		if (w->now >= w->next_housekeeping) {
			loop_housekeeping(w);
			w->next_housekeeping = w->now + HOUSEKEEPING_NS;
		}
		if (poll_port(w, next) > 0)
			w->stats.busy++;
		loop_tx_flush_all(w);
	}
	loop_tx_flush_all(w);
}

int
loop_worker_init(struct vsw *sw, struct worker *w, unsigned id)
{
	struct epoll_event ev = { .events = EPOLLIN };
	uint16_t i;

	memset(w, 0, sizeof(*w));
	w->sw = sw;
	w->id = id;
	w->epfd = -1;
	w->evfd = -1;
	w->all_fds = true;
	for (i = 0; i < sw->n_ports; i++)
		if (sw->ports[i].ops != NULL && sw->ports[i].owner == id) {
			w->rx_ports[w->n_rx++] = i;
			if (sw->ports[i].rx_fd < 0)
				w->all_fds = false;
		}
	if (sw->replay)
		return 0;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->epfd < 0 || w->evfd < 0)
		return -errno;
	ev.data.u32 = UINT32_MAX;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) < 0)
		return -errno;
	for (i = 0; i < w->n_rx; i++) {
		struct port *p = &sw->ports[w->rx_ports[i]];

		if (p->rx_fd < 0)
			continue;
		ev.data.u32 = p->id;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, p->rx_fd, &ev) < 0)
			return -errno;
	}
	return 0;
}

static void
recount_fds(struct worker *w)
{
	uint16_t i;

	w->all_fds = true;
	for (i = 0; i < w->n_rx; i++)
		if (w->sw->ports[w->rx_ports[i]].rx_fd < 0)
			w->all_fds = false;
}

int
loop_worker_add_port(struct worker *w, uint16_t port_id)
{
	struct port *p = &w->sw->ports[port_id];
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = port_id };

	if (w->epfd >= 0 && p->rx_fd >= 0 &&
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, p->rx_fd, &ev) < 0)
		return -errno;
	w->rx_ports[w->n_rx++] = port_id;
	recount_fds(w);
	return 0;
}

void
loop_worker_del_port(struct worker *w, uint16_t port_id)
{
	struct port *p = &w->sw->ports[port_id];
	uint16_t i, j = 0;

	for (i = 0; i < w->n_rx; i++)
		if (w->rx_ports[i] != port_id)
			w->rx_ports[j++] = w->rx_ports[i];
	w->n_rx = j;
	if (w->epfd >= 0 && p->rx_fd >= 0)
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, p->rx_fd, NULL);
	recount_fds(w);
}

void
loop_worker_fini(struct worker *w)
{
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->evfd >= 0)
		close(w->evfd);
	w->epfd = w->evfd = -1;
}
