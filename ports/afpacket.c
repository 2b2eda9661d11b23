/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kind = afpacket: an existing interface (a veth's host end, a NIC) through
 * PACKET_MMAP rings.
 *
 * Why not DPDK's net_af_packet: it cannot read or write virtio-net headers,
 * so a veth's partial checksums and GSO super-frames (what every container
 * TCP stream is made of) arrive unfinished or truncated. This backend:
 *  - rx: a TPACKET_V2 ring of 2 KiB frames with PACKET_VNET_HDR. A frame that
 *    does not fit a slot (a super-frame) is flagged TP_STATUS_COPY by the
 *    kernel and also queued whole on the socket (PACKET_COPY_THRESH), where
 *    it is read with recvmsg() straight into mbufs (port_rxchain). No
 *    syscall at all for ordinary frames.
 *  - tx: one TPACKET_V2 TX ring per worker (its own socket, bound with
 *    protocol 0 so it receives nothing), PACKET_QDISC_BYPASS, one sendto()
 *    per burst. Frames too big for a slot go out with sendmsg() on the rx
 *    socket after the ring is flushed, so order is kept.
 *  - VLAN tags the kernel took off into tp_vlan_tci (ring) or the
 *    PACKET_AUXDATA message (super-frames) are put back in the frame, so
 *    the bridge and macvlan see them. Whether the virtio-net header's
 *    csum_start counts that lifted tag differs between kernels (6.18
 *    counts it, older ones measure from the data without it), so it is
 *    read off the frame: see vlan_csum_fix().
 *  - The interface is claimed (netif_claim) so that two vsw cannot share it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "model/netlink.h"
#include "ports/netif.h"
#include "ports/port.h"

#define RX_FRAMES 4096
#define TX_FRAMES 1024
#define BIG_FRAME (64 * 1024 + 256)

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

struct ring {
	uint8_t *map;
	size_t map_len;
	uint32_t frame_size;
	uint32_t frame_nr;
	uint32_t head;
};

struct afp_txq {
	int fd;
	struct ring ring;
	uint64_t tx_errors;
} __attribute__((aligned(64)));

struct afpacket {
	char ifname[IFNAMSIZ];
	int ifindex;
	int fd;                         /* rx ring, and big frames out */
	int claim_fd;
	struct ring rx;
	unsigned n_txq;
	struct afp_txq *txq;
	struct port_backend_stats st;   /* rx side, worker-owned */
	uint64_t kernel_drops;          /* PACKET_STATISTICS, control-owned */
	uint64_t queue_full;            /* super-frames the socket had no room
					 * for (rx_dropped too), worker-owned */
	int8_t tag_in_csum;             /* csum_start counts a lifted tag: 1, 0,
					 * -1 not seen yet */
	bool keep;                      /* closed: to be kept (reap.lock) */
	struct port_rxchain rxc;        /* spare mbufs for super-frames */
	uint8_t scratch[256];           /* what is thrown away */
};

static inline struct tpacket2_hdr *
ring_frame(const struct ring *r, uint32_t i)
{
	return (struct tpacket2_hdr *)(r->map + (size_t)i * r->frame_size);
}

static int
set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val)) < 0 ? -errno : 0;
}

/* A PACKET_MMAP ring of 'nr' frames of 'size' bytes on 'fd'. */
static int
ring_setup(int fd, int which, struct ring *r, uint32_t size, uint32_t nr)
{
	struct tpacket_req req;
	uint32_t block = 1u << 16;      /* 64 KiB blocks of 2 KiB frames */

	while (block < size)
		block <<= 1;
	memset(&req, 0, sizeof(req));
	req.tp_block_size = block;
	req.tp_frame_size = size;
	req.tp_block_nr = (nr * size + block - 1) / block;
	req.tp_frame_nr = req.tp_block_nr * (block / size);
	if (setsockopt(fd, SOL_PACKET, which, &req, sizeof(req)) < 0)
		return -errno;
	r->frame_size = size;
	r->frame_nr = req.tp_frame_nr;
	r->map_len = (size_t)req.tp_block_size * req.tp_block_nr;
	r->head = 0;
	/* packet_mmap() maps every page of the ring when it is called (the
	 * pages are the kernel's, never swapped), so the ring never faults:
	 * MAP_POPULATE | MAP_LOCKED only walked and pinned them again, which
	 * was a third of a run-time port add's time (perf, bench/run churn) */
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return -errno;
	}
	return 0;
}

static int
bind_iface(int fd, int ifindex, uint16_t proto)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = ifindex,
	};

	return bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ? -errno : 0;
}

static uint32_t
frame_size_for(unsigned mtu)
{
	/* tpacket2 header + sockaddr_ll + vnet header + Ethernet + 2 tags */
	uint32_t need = TPACKET_ALIGN(TPACKET2_HDRLEN) + 16 + mtu + 14 + 8;
	uint32_t size = 2048;

	while (size < need)
		size <<= 1;
	return size;
}

/*
 * Closing a socket with a ring waits for the kernel: packet_release() and
 * the ring's release each wait an RCU grace period (synchronize_net), 20
 * to 50 ms a socket on this 2-CPU VM (strace), which was most of a
 * run-time `port del`. Making one waits too: packet_set_ring() waits a
 * grace period for each ring and clears its pages (8 MiB for rx), 22 ms
 * of a 24 ms run-time `port add` (strace, perf: synchronize_net and
 * clear_page_erms).
 *
 * So a closed port's sockets are handed to a few threads of their own
 * (their waits overlap and share grace periods), which either keep them
 * for the next port (recycle(): unbound, the rings emptied; up to
 * port_cache sets, [switch] port_cache) or close them. A port add takes
 * a kept set if one has its frame size: a bind, no wait, no page to
 * clear. The workers no longer see a closed port's sockets; what they
 * still receive until the unbind is never read. The claim on the
 * interface is given up at once, so the interface may be attached again.
 * At most REAP_MAX sets wait for a thread: past that the caller closes (a
 * backlog would hold every ring's memory, and make vsw's exit wait).
 */
#define REAP_MAX 32             /* sets waiting; more close in the caller */
#define REAPERS 16              /* waits at once share their grace periods */
#define CACHE_MAX 1024

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond, kept_cond;
	struct afpacket *wait[REAP_MAX];        /* to recycle or close */
	unsigned n;
	struct afpacket *kept[CACHE_MAX];       /* ready for a port add */
	unsigned n_kept;
	unsigned cap;           /* sets kept at most; 0: none */
	unsigned recycling;     /* in wait[] or on a thread, to be kept */
	bool started, stopped;
	uint64_t reused, made;  /* port adds from a kept set, from scratch */
} reap = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	   PTHREAD_COND_INITIALIZER, { 0 }, 0,
	   { 0 }, 0, 0, 0, false, false, 0, 0 };

static void afp_free(struct afpacket *a);

/*
 * Where a kept rx socket waits: bound to the interface of a veth pair
 * vsw makes for it and leaves down ("vswpark"/"vswpark-p", made at the
 * first port del, deleted by afpacket_cache_stop). A socket bound to an
 * interface that is down is not hooked into the stack: it receives
 * nothing, and binding it to a port's interface later waits for no grace
 * period. Binding it anywhere else keeps it hooked: bind() cannot take
 * the protocol back to 0, and a socket bound to no interface receives
 * every interface's frames. -1 when it cannot be had: nothing is kept.
 */
#define PARK "vswpark"
#define PARK_PEER "vswpark-p"

static int park_ifindex = -1;   /* reap.lock */
static bool park_failed;

static int
park(bool again)
{
	char err[256];
	int i;

	pthread_mutex_lock(&reap.lock);
	if (again && park_ifindex >= 0 && netif_index(PARK) != park_ifindex)
		park_ifindex = -1;      /* deleted under us: make it again */
	if (park_ifindex < 0 && !park_failed) {
		i = netlink_park(PARK, PARK_PEER, err, sizeof(err));
		if (i < 0) {
			fprintf(stderr, "vsw: afpacket: no socket is kept for the next port add: %s\n",
				err);
			park_failed = true;
		} else {
			park_ifindex = i;
		}
	}
	i = park_ifindex;
	pthread_mutex_unlock(&reap.lock);
	return i;
}

/*
 * Make a closed port's sockets ready for another interface: the
 * promiscuous membership dropped, the rx socket unbound (bound to no
 * protocol: it receives nothing; the kernel waits for its readers here),
 * the frames it still had given back to the kernel, with the rx index
 * left where the kernel writes next, the socket's queue and counters
 * emptied. A tx ring with a frame not yet sent is not kept (its index
 * would no longer be the kernel's). 0, or -1: close it instead.
 */
static int
recycle(struct afpacket *a)
{
	struct packet_mreq mr = { .mr_ifindex = a->ifindex, .mr_type = PACKET_MR_PROMISC };
	struct tpacket_stats ks;
	socklen_t len;
	uint32_t i;
	unsigned q;
	int e;

	if (a->fd < 0)
		return -1;
	for (q = 0; q < a->n_txq; q++) {
		struct ring *r = &a->txq[q].ring;

		if (a->txq[q].fd < 0 || r->map == NULL)
			return -1;
		for (i = 0; i < r->frame_nr; i++)
			if (__atomic_load_n(&ring_frame(r, i)->tp_status, __ATOMIC_ACQUIRE) !=
			    TP_STATUS_AVAILABLE)
				return -1;
	}
	setsockopt(a->fd, SOL_PACKET, PACKET_DROP_MEMBERSHIP, &mr, sizeof(mr));
	if ((i = (uint32_t)park(false)) == (uint32_t)-1)
		return -1;
	if (bind_iface(a->fd, (int)i, ETH_P_ALL) != 0 &&
	    ((i = (uint32_t)park(true)) == (uint32_t)-1 ||
	     bind_iface(a->fd, (int)i, ETH_P_ALL) != 0))
		return -1;
	while (recv(a->fd, a->scratch, sizeof(a->scratch), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
	for (i = 0; i < a->rx.frame_nr; i++) {
		struct tpacket2_hdr *h = ring_frame(&a->rx, a->rx.head);

		if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) == TP_STATUS_KERNEL)
			break;
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		a->rx.head = a->rx.head + 1 == a->rx.frame_nr ? 0 : a->rx.head + 1;
	}
	len = sizeof(ks);
	getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len);
	for (q = 0; q <= a->n_txq; q++) {
		len = sizeof(e);        /* an error of the old interface (gone) */
		getsockopt(q == a->n_txq ? a->fd : a->txq[q].fd, SOL_SOCKET, SO_ERROR,
			   &e, &len);
		if (q < a->n_txq)
			a->txq[q].tx_errors = 0;
	}
	memset(&a->st, 0, sizeof(a->st));
	a->kernel_drops = 0;
	a->queue_full = 0;
	a->tag_in_csum = -1;
	a->ifindex = 0;
	a->ifname[0] = '\0';
	return 0;
}

static void *
reaper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&reap.lock);
	for (;;) {
		while (reap.n == 0)
			pthread_cond_wait(&reap.cond, &reap.lock);
		struct afpacket *a = reap.wait[--reap.n];
		bool keep = a->keep;

		pthread_mutex_unlock(&reap.lock);
		if (keep && recycle(a) != 0)
			keep = false;
		pthread_mutex_lock(&reap.lock);
		if (a->keep) {
			reap.recycling--;
			pthread_cond_broadcast(&reap.kept_cond);
		}
		if (keep && !reap.stopped && reap.n_kept < reap.cap) {
			reap.kept[reap.n_kept++] = a;
			continue;
		}
		pthread_mutex_unlock(&reap.lock);
		afp_free(a);
		pthread_mutex_lock(&reap.lock);
	}
	return NULL;
}

/* Hand 'a' (no port's any more) to a reaper thread, to be kept for the
 * next port add when there is room, else closed; closed here when no
 * thread can take it. */
static void
free_later(struct afpacket *a)
{
	pthread_t t;

	pthread_mutex_lock(&reap.lock);
	if (!reap.started) {
		sigset_t all, old;
		unsigned i;

		/* the threads take no signal: vsw's main thread reads them */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		for (i = 0; i < REAPERS; i++) {
			if (pthread_create(&t, NULL, reaper, NULL) != 0)
				break;
			reap.started = true;
			pthread_setname_np(t, "vsw-reap");
			pthread_detach(t);
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (!reap.started || reap.n == REAP_MAX) {
		pthread_mutex_unlock(&reap.lock);
		afp_free(a);
		return;
	}
	a->keep = !reap.stopped && reap.n_kept + reap.recycling < reap.cap;
	if (a->keep)
		reap.recycling++;
	reap.wait[reap.n++] = a;
	pthread_cond_signal(&reap.cond);
	pthread_mutex_unlock(&reap.lock);
}

/* A kept set of sockets with frames of 'fsize' bytes, or NULL. */
static struct afpacket *
take_kept(uint32_t fsize, unsigned n_txq, unsigned cap)
{
	struct afpacket *a = NULL;
	unsigned i;

	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 200 * 1000 * 1000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&reap.lock);
	reap.cap = cap < CACHE_MAX ? cap : CACHE_MAX;
	for (;;) {
		for (i = reap.n_kept; i > 0 && a == NULL; i--) {
			struct afpacket *k = reap.kept[i - 1];

			if (k->rx.frame_size == fsize && k->n_txq == n_txq) {
				a = k;
				reap.kept[i - 1] = reap.kept[--reap.n_kept];
			}
		}
		/* a set on its way to the cache is ready within a grace
		 * period: sooner than a new one (a grace period and 8 MiB
		 * of pages to clear), so wait for it, 200 ms at most */
		if (a != NULL || reap.recycling == 0 ||
		    pthread_cond_timedwait(&reap.kept_cond, &reap.lock, &until) != 0)
			break;
	}
	if (a != NULL)
		reap.reused++;
	else
		reap.made++;
	pthread_mutex_unlock(&reap.lock);
	return a;
}

void
afpacket_cache_stop(void)
{
	char err[256];
	bool parked;

	pthread_mutex_lock(&reap.lock);
	reap.stopped = true;
	parked = park_ifindex >= 0;
	while (reap.n_kept > 0) {
		struct afpacket *a = reap.kept[--reap.n_kept];

		if (reap.started && reap.n < REAP_MAX) {
			a->keep = false;
			reap.wait[reap.n++] = a;
			pthread_cond_signal(&reap.cond);
			continue;
		}
		pthread_mutex_unlock(&reap.lock);
		afp_free(a);
		pthread_mutex_lock(&reap.lock);
	}
	pthread_mutex_unlock(&reap.lock);
	/* its sockets (kept or still on a thread) are unhooked from it by
	 * the kernel as it goes, and stay what they are: closed soon */
	if (parked && netlink_disconnect(PARK, err, sizeof(err)) != 0)
		fprintf(stderr, "vsw: afpacket: %s\n", err);
}

void
afpacket_cache_stats(unsigned *kept, uint64_t *reused, uint64_t *made)
{
	pthread_mutex_lock(&reap.lock);
	*kept = reap.n_kept;
	*reused = reap.reused;
	*made = reap.made;
	pthread_mutex_unlock(&reap.lock);
}

static void
afp_free(struct afpacket *a)
{
	unsigned q;

	if (a->txq != NULL) {
		for (q = 0; q < a->n_txq; q++) {
			if (a->txq[q].ring.map != NULL)
				munmap(a->txq[q].ring.map, a->txq[q].ring.map_len);
			if (a->txq[q].fd >= 0)
				close(a->txq[q].fd);
		}
		free(a->txq);
	}
	if (a->rx.map != NULL)
		munmap(a->rx.map, a->rx.map_len);
	if (a->fd >= 0)
		close(a->fd);       /* drops the promiscuous membership too */
	if (a->claim_fd >= 0)
		close(a->claim_fd);
	free(a);
}

struct tx_job {
	struct afpacket *a;
	uint32_t fsize;
	int rc;
	char err[128];
};

/* The tx sockets of a port (afp_open, on a thread of their own). */
static void *
tx_setup(void *arg)
{
	struct tx_job *j = arg;
	struct afpacket *a = j->a;
	unsigned q;
	int rc = 0;

	for (q = 0; q < a->n_txq && rc == 0; q++) {
		struct afp_txq *t = &a->txq[q];

		t->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (t->fd < 0) {
			rc = -errno;
			snprintf(j->err, sizeof(j->err), "AF_PACKET socket: %s", strerror(errno));
			break;
		}
		if ((rc = set_int(t->fd, SOL_PACKET, PACKET_VNET_HDR, 1)) != 0 ||
		    (rc = set_int(t->fd, SOL_PACKET, PACKET_VERSION, TPACKET_V2)) != 0 ||
		    (rc = set_int(t->fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1)) != 0 ||
		    (rc = set_int(t->fd, SOL_PACKET, PACKET_LOSS, 1)) != 0 ||
		    (rc = ring_setup(t->fd, PACKET_TX_RING, &t->ring, j->fsize,
				     TX_FRAMES)) != 0)
			snprintf(j->err, sizeof(j->err), "tx ring: %s", strerror(-rc));
	}
	j->rc = rc;
	return NULL;
}

/* A new set of sockets for 'a' (ifindex, n_txq, txq set): the rx socket
 * with its options and ring, the tx sockets (on a thread of their own at
 * the same time), none bound. */
static int
make_sockets(struct afpacket *a, uint32_t fsize, char *err, size_t errlen)
{
	struct tx_job tx = { 0 };
	pthread_t txt;
	int rc;

	/* the tx sockets are made on a thread of their own while this one
	 * makes the rx socket: each ring's setup waits an RCU grace period
	 * in the kernel (synchronize_net in packet_set_ring, 15-35 ms here),
	 * and two waits at once end in one grace period: a port add took
	 * 40 ms with them one after the other */
	tx.a = a;
	tx.fsize = fsize;
	if (pthread_create(&txt, NULL, tx_setup, &tx) != 0) {
		snprintf(err, errlen, "cannot start a thread for the tx rings");
		return -EAGAIN;
	}
	a->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "AF_PACKET socket: %s", strerror(errno));
		goto out;
	}
	if ((rc = set_int(a->fd, SOL_PACKET, PACKET_VNET_HDR, 1)) != 0 ||
	    (rc = set_int(a->fd, SOL_PACKET, PACKET_VERSION, TPACKET_V2)) != 0 ||
	    (rc = set_int(a->fd, SOL_PACKET, PACKET_COPY_THRESH, 1)) != 0 ||
	    (rc = set_int(a->fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1)) != 0) {
		snprintf(err, errlen, "AF_PACKET options: %s", strerror(-rc));
		goto out;
	}
	/* room on the socket queue for super-frames (PACKET_COPY_THRESH) */
	if (set_int(a->fd, SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20) != 0)
		set_int(a->fd, SOL_SOCKET, SO_RCVBUF, 8 << 20);
	set_int(a->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
	/* the VLAN tag of a super-frame read with recvmsg() */
	if ((rc = set_int(a->fd, SOL_PACKET, PACKET_AUXDATA, 1)) != 0) {
		snprintf(err, errlen, "PACKET_AUXDATA: %s", strerror(-rc));
		goto out;
	}
	rc = ring_setup(a->fd, PACKET_RX_RING, &a->rx, fsize, RX_FRAMES);
	if (rc != 0)
		snprintf(err, errlen, "rx ring: %s", strerror(-rc));
out:
	pthread_join(txt, NULL);
	if (rc == 0 && tx.rc != 0) {
		rc = tx.rc;
		snprintf(err, errlen, "%s", tx.err);
	}
	return rc;
}

static struct afpacket *
afp_alloc(unsigned n_txq)
{
	struct afpacket *a = aligned_alloc(RTE_CACHE_LINE_SIZE,
					   RTE_ALIGN_CEIL(sizeof(*a), RTE_CACHE_LINE_SIZE));
	unsigned q;

	if (a == NULL)
		return NULL;
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->claim_fd = -1;
	a->tag_in_csum = -1;
	a->n_txq = n_txq;
	a->txq = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*a->txq) * n_txq);
	if (a->txq == NULL) {
		free(a);
		return NULL;
	}
	memset(a->txq, 0, sizeof(*a->txq) * n_txq);
	for (q = 0; q < n_txq; q++)
		a->txq[q].fd = -1;
	return a;
}

static int
afp_open(struct port *p, const struct topo_port *tp, const struct port_env *env,
	 char *err, size_t errlen)
{
	struct packet_mreq mr = { 0 };
	struct afpacket *a;
	unsigned mtu = RTE_ETHER_MTU, q;
	int ifindex, claim_fd, rc;
	uint32_t fsize;

	ifindex = netif_index(tp->iface);
	if (ifindex < 0) {
		snprintf(err, errlen, "no interface named %s", tp->iface);
		return ifindex;
	}
	claim_fd = netif_claim(ifindex);
	if (claim_fd < 0) {
		if (claim_fd == -EADDRINUSE)
			snprintf(err, errlen,
				 "interface %s is already used by another vsw",
				 tp->iface);
		else
			snprintf(err, errlen, "cannot claim %s: %s", tp->iface,
				 strerror(-claim_fd));
		return claim_fd;
	}
	netif_mtu(tp->iface, &mtu);
	netif_mac(tp->iface, &p->mac);
	fsize = frame_size_for(mtu);

	a = take_kept(fsize, env->n_txq, env->port_cache);
	if (a == NULL) {
		a = afp_alloc(env->n_txq);
		if (a == NULL) {
			close(claim_fd);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		a->ifindex = ifindex;
		rc = make_sockets(a, fsize, err, errlen);
		if (rc != 0)
			goto fail;
	}
	a->ifindex = ifindex;
	a->claim_fd = claim_fd;
	claim_fd = -1;
	snprintf(a->ifname, sizeof(a->ifname), "%s", tp->iface);
	/* the tx sockets were made with protocol 0: bound, they receive
	 * nothing, and a bind without a protocol waits for no one */
	for (q = 0; q < a->n_txq; q++) {
		rc = bind_iface(a->txq[q].fd, a->ifindex, 0);
		if (rc != 0) {
			snprintf(err, errlen, "tx ring: bind to %s: %s", tp->iface,
				 strerror(-rc));
			goto fail;
		}
	}
	mr.mr_ifindex = a->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(a->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
		       sizeof(mr)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "promiscuous mode: %s", strerror(errno));
		goto fail;
	}
	rc = bind_iface(a->fd, a->ifindex, ETH_P_ALL);
	if (rc != 0) {
		snprintf(err, errlen, "bind to %s: %s", tp->iface, strerror(-rc));
		goto fail;
	}
	rc = netif_set_up(tp->iface);
	if (rc != 0) {
		snprintf(err, errlen, "cannot bring %s up: %s", tp->iface,
			 strerror(-rc));
		goto fail;
	}
	p->tx_offloads = PORT_OFF_L4_CSUM | PORT_OFF_TSO | PORT_OFF_USO |
			 PORT_OFF_MULTISEG;
	p->mtu = (uint16_t)(mtu > UINT16_MAX ? UINT16_MAX : mtu);
	p->max_frame = BIG_FRAME;
	p->rx_fd = a->fd;
	p->priv = a;
	snprintf(p->info, sizeof(p->info), "afpacket %s (%u+%u x %u B rings)",
		 tp->iface, a->rx.frame_nr, a->txq[0].ring.frame_nr, fsize);
	return 0;
fail:
	if (claim_fd >= 0)
		close(claim_fd);
	afp_free(a);
	return rc;
}

/*
 * After a lifted VLAN tag was put back in front of 'f' (the whole frame,
 * 'len' bytes): make csum_start and hdr_len count from the frame's start.
 * Where the frame says where its L4 header is (IPv4, or IPv6 with TCP/UDP
 * right after it), that decides, and is remembered for frames that do not
 * say (other protocols, a second tag); until then the older kernels'
 * convention holds (not counted).
 */
static void
vlan_csum_fix(struct afpacket *a, struct virtio_net_hdr *vh, const uint8_t *f,
	      uint32_t len)
{
	uint16_t l4 = 0, type;
	int add;

	if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return;
	if (len >= 18 + 40) {
		type = (uint16_t)(f[16] << 8 | f[17]);
		if (type == ETH_P_IP)
			l4 = (uint16_t)(18 + (f[18] & 0xf) * 4);
		else if (type == ETH_P_IPV6 && (f[18 + 6] == IPPROTO_TCP ||
						f[18 + 6] == IPPROTO_UDP))
			l4 = 18 + 40;
		if (l4 != 0 && vh->csum_start == l4)
			a->tag_in_csum = 1;
		else if (l4 != 0 && vh->csum_start + 4 == l4)
			a->tag_in_csum = 0;
	}
	add = a->tag_in_csum == 1 ? 0 : 4;
	vh->csum_start = (uint16_t)(vh->csum_start + add);
	if (vh->hdr_len)
		vh->hdr_len = (uint16_t)(vh->hdr_len + add);
}

/* A super-frame the kernel queued on the socket (TP_STATUS_COPY), read
 * straight into a chain of mbufs (port_rxchain). */
static struct rte_mbuf *
rx_queued(struct port *p, struct afpacket *a, struct virtio_net_hdr *vh)
{
	struct iovec iov[1 + PORT_RXCHAIN_MAX];
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct msghdr msg = { .msg_iov = iov,
			      .msg_control = &ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	struct rte_mbuf *m;
	uint32_t len;
	ssize_t r;
	int k;

	k = port_rxchain_iov(p, &a->rxc, iov + 1, BIG_FRAME);
	if (k < 0) {
		/* no mbufs: the frame is still to be taken off the queue */
		if (recv(a->fd, a->scratch, sizeof(a->scratch), MSG_DONTWAIT | MSG_TRUNC) < 0)
			(void)0;
		a->st.rx_nombuf++;
		return NULL;
	}
	iov[0].iov_base = vh;
	iov[0].iov_len = sizeof(*vh);
	msg.msg_iovlen = (size_t)k + 1;
	r = recvmsg(a->fd, &msg, MSG_DONTWAIT);
	if (r <= (ssize_t)sizeof(*vh) || (msg.msg_flags & MSG_TRUNC)) {
		a->st.rx_truncated++;
		return NULL;
	}
	len = (uint32_t)r - sizeof(*vh);
	m = port_rxchain_take(&a->rxc, len);
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		struct tpacket_auxdata aux;
		uint16_t tpid, tag[2];
		uint8_t *f;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		if (!(aux.tp_status & TP_STATUS_VLAN_VALID) || len < 12)
			break;
		/* the tag back into the headroom the first segment keeps */
		tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ?
		       aux.tp_vlan_tpid : ETH_P_8021Q;
		tag[0] = htons(tpid);
		tag[1] = htons(aux.tp_vlan_tci);
		f = (uint8_t *)rte_pktmbuf_prepend(m, 4);
		if (unlikely(f == NULL)) {      /* never: it keeps 128 B */
			rte_pktmbuf_free(m);
			a->st.rx_truncated++;
			return NULL;
		}
		memmove(f, f + 4, 12);
		memcpy(f + 12, tag, 4);
		vlan_csum_fix(a, vh, f, len + 4);
		break;
	}
	return m;
}

/*
 * Copy a ring frame into 'm', putting back a VLAN tag the kernel lifted.
 * A frame past the mbuf's room (a jumbo frame in a ring of large slots)
 * goes on in segments of the big pool. 0, -EINVAL (shorter than its MAC
 * addresses, with a tag), -ENOMEM.
 */
static int
rx_copy(struct port *p, struct afpacket *a, struct rte_mbuf *m, const uint8_t *data,
	uint32_t len, const struct tpacket2_hdr *h, struct virtio_net_hdr *vh)
{
	struct rte_mempool *segs = p->big_pool != NULL ? p->big_pool : p->pool;
	uint32_t room = rte_pktmbuf_tailroom(m);
	uint8_t *d;

	if (h->tp_status & TP_STATUS_VLAN_VALID) {
		uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ?
				h->tp_vlan_tpid : ETH_P_8021Q;
		uint16_t tag[2] = { htons(tpid), htons(h->tp_vlan_tci) };
		uint32_t first = RTE_MIN(len, room - 4);

		if (len < 12)
			return -EINVAL;
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(first + 4));
		memcpy(d, data, 12);
		memcpy(d + 12, tag, 4);
		memcpy(d + 16, data + 12, first - 12);
		if (first < len && port_mbuf_append(segs, m, data + first, len - first) != 0)
			return -ENOMEM;
		vlan_csum_fix(a, vh, d, len + 4);
		return 0;
	}
	if (likely(len <= room)) {
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
		rte_memcpy(d, data, len);
		return 0;
	}
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)room);
	rte_memcpy(d, data, room);
	return port_mbuf_append(segs, m, data + room, len - room) != 0 ? -ENOMEM : 0;
}

static uint16_t
afp_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct afpacket *a = p->priv;
	struct ring *r = &a->rx;
	uint16_t got = 0;

	while (got < n) {
		struct tpacket2_hdr *h = ring_frame(r, r->head);
		struct virtio_net_hdr vh;
		struct rte_mbuf *m;
		uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		int rc;

		if (!(status & TP_STATUS_USER))
			break;
		rte_prefetch0(ring_frame(r, (r->head + 1) % r->frame_nr));
		if (unlikely(status & TP_STATUS_COPY)) {
			m = rx_queued(p, a, &vh);
		} else if (unlikely(h->tp_snaplen < h->tp_len)) {
			/* a frame that fits the socket's queue was cut only
			 * because the queue was full (tpacket_rcv) */
			if (h->tp_len <= BIG_FRAME)
				a->queue_full++;
			else
				a->st.rx_truncated++;
			m = NULL;
		} else {
			const uint8_t *data = (const uint8_t *)h + h->tp_mac;

			memcpy(&vh, data - sizeof(vh), sizeof(vh));
			m = rte_pktmbuf_alloc(p->pool);
			if (m == NULL) {
				a->st.rx_nombuf++;
			} else if ((rc = rx_copy(p, a, m, data, h->tp_snaplen, h, &vh)) != 0) {
				rte_pktmbuf_free(m);
				m = NULL;
				if (rc == -ENOMEM)
					a->st.rx_nombuf++;
				else
					a->st.rx_truncated++;
			}
		}
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		r->head = r->head + 1 == r->frame_nr ? 0 : r->head + 1;
		if (m == NULL)
			continue;
		if (unlikely(offload_from_vnet(m, &vh) != 0)) {
			rte_pktmbuf_free(m);
			a->st.rx_errors++;
			continue;
		}
		pkts[got++] = m;
	}
	return got;
}

static void
tx_kick(struct afp_txq *t)
{
	if (sendto(t->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
	    errno != EAGAIN && errno != ENOBUFS)
		t->tx_errors++;
}

/* Send one frame too big for a ring slot, whole, with sendmsg(). */
static int
tx_big(struct afpacket *a, struct rte_mbuf *m)
{
	struct iovec iov[1 + OFFLOAD_MAX_SEGS];
	struct virtio_net_hdr vh;
	struct msghdr msg = { .msg_iov = iov };
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = a->ifindex,
	};
	const struct rte_mbuf *s;
	unsigned k = 1;

	if (m->nb_segs >= RTE_DIM(iov))
		return -EMSGSIZE;
	offload_to_vnet(m, &vh);
	iov[0].iov_base = &vh;
	iov[0].iov_len = sizeof(vh);
	for (s = m; s != NULL; s = s->next, k++) {
		iov[k].iov_base = rte_pktmbuf_mtod(s, void *);
		iov[k].iov_len = s->data_len;
	}
	msg.msg_iovlen = k;
	msg.msg_name = &sll;
	msg.msg_namelen = sizeof(sll);
	return sendmsg(a->fd, &msg, MSG_DONTWAIT) < 0 ? -errno : 0;
}

static uint16_t
afp_tx_burst(struct port *p, unsigned txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct afpacket *a = p->priv;
	struct afp_txq *t = &a->txq[txq];
	struct ring *r = &t->ring;
	const uint32_t off = TPACKET_ALIGN(sizeof(struct tpacket2_hdr));
	const uint32_t room = r->frame_size - off - sizeof(struct virtio_net_hdr);
	unsigned queued = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct tpacket2_hdr *h;
		uint8_t *d;

		if (unlikely(m->pkt_len > room)) {
			if (queued) {
				tx_kick(t);
				queued = 0;
			}
			if (tx_big(a, m) != 0)
				t->tx_errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		h = ring_frame(r, r->head);
		if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) !=
		    TP_STATUS_AVAILABLE) {
			/* let the kernel drain what is queued, then look again;
			 * kick even when this burst queued nothing: frames an
			 * earlier kick could not send (the link was down) wait
			 * for one, or the ring would stay full for good */
			tx_kick(t);
			queued = 0;
			if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) !=
			    TP_STATUS_AVAILABLE) {
				break;  /* the caller counts the rest */
			}
		}
		d = (uint8_t *)h + off;
		offload_to_vnet(m, (struct virtio_net_hdr *)d);
		d += sizeof(struct virtio_net_hdr);
		port_mbuf_copy_out(m, d);
		h->tp_len = m->pkt_len + (uint32_t)sizeof(struct virtio_net_hdr);
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
				 __ATOMIC_RELEASE);
		r->head = r->head + 1 == r->frame_nr ? 0 : r->head + 1;
		queued++;
		rte_pktmbuf_free(m);
	}
	if (queued)
		tx_kick(t);
	return i;
}

static void
afp_stats(struct port *p, struct port_backend_stats *st)
{
	struct afpacket *a = p->priv;
	struct tpacket_stats ks;
	socklen_t len = sizeof(ks);
	unsigned q;

	/* the kernel zeroes its counters on each read: keep the sum */
	if (getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0)
		a->kernel_drops += ks.tp_drops;
	*st = a->st;
	st->rx_dropped = a->kernel_drops + a->queue_full;
	for (q = 0; q < a->n_txq; q++) {
		st->tx_errors += a->txq[q].tx_errors;
	}
}

static bool
afp_link_up(struct port *p)
{
	struct afpacket *a = p->priv;

	return netif_is_up(a->ifname);
}

static void
afp_close(struct port *p)
{
	struct afpacket *a = p->priv;

	if (a == NULL)
		return;
	p->priv = NULL;
	port_rxchain_free(&a->rxc);     /* while the pool is there */
	close(a->claim_fd);     /* the interface may be attached again now */
	a->claim_fd = -1;
	free_later(a);
}

const struct port_ops port_afpacket_ops = {
	.kind = "afpacket",
	.open = afp_open,
	.rx_burst = afp_rx_burst,
	.tx_burst = afp_tx_burst,
	.stats = afp_stats,
	.close = afp_close,
	.link_up = afp_link_up,
};
