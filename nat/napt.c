/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "nat/napt.h"
#include "nat/xlate.h"

enum key_kind { K_IN2OUT = 1, K_OUT2IN, K_MAP_IN, K_MAP_EXT };

struct napt_key {
	rte_be32_t a, b;
	rte_be16_t pa, pb;
	uint8_t proto;
	uint8_t kind;
	uint16_t zero;
};

_Static_assert(sizeof(struct napt_key) == 16, "16-byte keys: rte_hash's fast compare");

static inline struct napt_key
key(enum key_kind kind, uint8_t proto, rte_be32_t a, rte_be32_t b,
    rte_be16_t pa, rte_be16_t pb)
{
	struct napt_key k = { .a = a, .b = b, .pa = pa, .pb = pb, .proto = proto,
			      .kind = (uint8_t)kind };
	return k;
}

/* rte_hash_crc() works out the key's length at run time; this one is 16 */
static uint32_t
key_hash(const void *key, uint32_t len, uint32_t init)
{
	uint64_t a, b;

	(void)len;
	memcpy(&a, key, 8);
	memcpy(&b, (const uint8_t *)key + 8, 8);
	return rte_hash_crc_8byte(b, rte_hash_crc_8byte(a, init));
}

/* The port allocator of a protocol: TCP 0, UDP 1, ICMP 2. */
static inline int
proto_slot(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 0 : proto == IPPROTO_UDP ? 1 : 2;
}

/* xorshift64* (Vigna): the start of a port search (RFC 6056 alg. 1 needs
 * no more); its own state, so that a seeded table is reproducible. */
static inline uint32_t
napt_rand(struct napt *n)
{
	uint64_t x = n->rand;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	n->rand = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* ---- making and freeing ---------------------------------------------------- */

struct napt *
napt_create(const struct napt_params *p, char *err, size_t errlen)
{
	static unsigned seq;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.key_len = sizeof(struct napt_key),
		.hash_func = key_hash,
		.socket_id = p->socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct napt *n;
	uint32_t i, hosts;

	n = rte_zmalloc_socket("napt", sizeof(*n), RTE_CACHE_LINE_SIZE, p->socket);
	if (n == NULL)
		goto nomem;
	n->p = *p;
	n->rand = p->seed != 0 ? p->seed : rte_rand() | 1;
	n->n_max_mappings = p->sessions + TOPO_MAX_PUBLISH * 64;
	/* two keys a session, two a mapping */
	hp.entries = 2 * p->sessions + 2 * n->n_max_mappings;
	snprintf(name, sizeof(name), "vsw_napt%u", seq);
	hp.name = name;
	n->h = rte_hash_create(&hp);
	hosts = p->sessions < 65536 ? p->sessions : 65536;
	hp.entries = hosts;
	hp.key_len = sizeof(rte_be32_t);
	hp.hash_func = rte_hash_crc;
	hp.extra_flag = 0;
	snprintf(name, sizeof(name), "vsw_napth%u", seq++);
	n->hosts = rte_hash_create(&hp);
	n->s = rte_zmalloc_socket("napt_sessions", sizeof(*n->s) * p->sessions,
				  RTE_CACHE_LINE_SIZE, p->socket);
	n->m = rte_zmalloc_socket("napt_mappings", sizeof(*n->m) * n->n_max_mappings,
				  RTE_CACHE_LINE_SIZE, p->socket);
	n->host_count = rte_zmalloc_socket("napt_hosts", sizeof(uint32_t) * hosts,
					   0, p->socket);
	n->free_s = rte_malloc_socket("napt_free", sizeof(uint32_t) *
				      (p->sessions + n->n_max_mappings), 0, p->socket);
	if (n->h == NULL || n->hosts == NULL || n->s == NULL || n->m == NULL ||
	    n->host_count == NULL || n->free_s == NULL)
		goto nomem;
	n->free_m = n->free_s + p->sessions;
	/* hand out low indices first: they are the warm ones */
	for (i = 0; i < p->sessions; i++)
		n->free_s[i] = p->sessions - 1 - i;
	n->n_free_s = p->sessions;
	for (i = 0; i < n->n_max_mappings; i++)
		n->free_m[i] = n->n_max_mappings - 1 - i;
	n->n_free_m = n->n_max_mappings;
	return n;
nomem:
	snprintf(err, errlen, "no memory for a NAT table of %u sessions", p->sessions);
	napt_free(n);
	return NULL;
}

void
napt_free(struct napt *n)
{
	unsigned i, j;

	if (n == NULL)
		return;
	for (i = 0; i < n->n_ext; i++)
		for (j = 0; j < 3; j++)
			rte_free(n->ext[i].ports[j]);
	rte_hash_free(n->h);
	rte_hash_free(n->hosts);
	rte_free(n->s);
	rte_free(n->m);
	rte_free(n->host_count);
	rte_free(n->free_s);
	rte_free(n);
}

int
napt_add_external(struct napt *n, rte_be32_t ip)
{
	struct napt_ext *e;
	unsigned i;

	for (i = 0; i < n->n_ext; i++)
		if (n->ext[i].ip == ip)
			return (int)i;
	for (i = 0; i < n->n_ext; i++)
		if (n->ext[i].ip == 0 && n->ext[i].ports[0] != NULL) {
			n->ext[i].ip = ip;      /* a slot given back: its ports */
			return (int)i;          /* are free (held ones wait out) */
		}
	if (n->n_ext == NAPT_MAX_EXT)
		return -ENOSPC;
	e = &n->ext[n->n_ext];
	e->ip = ip;
	for (i = 0; i < 3; i++) {
		e->ports[i] = rte_malloc_socket("napt_ports", sizeof(*e->ports[i]), 0,
						n->p.socket);
		if (e->ports[i] == NULL)
			return -ENOMEM;
		if (i == 2)     /* ICMP identifiers: the whole space */
			napt_ports_init(e->ports[i], 1, 65535);
		else
			napt_ports_init(e->ports[i], n->p.port_lo, n->p.port_hi);
	}
	return (int)n->n_ext++;
}

static int
ext_index(const struct napt *n, rte_be32_t ip)
{
	unsigned i;

	if (ip == 0)            /* a slot given back (napt_del_external) */
		return -1;
	for (i = 0; i < n->n_ext; i++)
		if (n->ext[i].ip == ip)
			return (int)i;
	return -1;
}

bool
napt_is_external(const struct napt *n, rte_be32_t ip)
{
	return ext_index(n, ip) >= 0;
}

/* The per-host session count of 'in_ip' (made on first use). */
static int
host_of(struct napt *n, rte_be32_t in_ip, uint32_t *idx)
{
	int32_t pos = rte_hash_lookup(n->hosts, &in_ip);

	if (pos < 0)
		pos = rte_hash_add_key(n->hosts, &in_ip);
	if (pos < 0)
		return -ENOSPC;
	*idx = (uint32_t)pos;
	return 0;
}

static void
host_put(struct napt *n, uint32_t host, rte_be32_t in_ip)
{
	if (--n->host_count[host] == 0)
		rte_hash_del_key(n->hosts, &in_ip);
}

/* ---- mappings ----------------------------------------------------------- */

static uint32_t
map_find_in(struct napt *n, uint8_t proto, rte_be32_t in_ip, rte_be16_t in_port,
	    rte_be32_t ext_ip)
{
	struct napt_key k = key(K_MAP_IN, proto, in_ip, ext_ip, in_port, 0);
	void *d;

	return rte_hash_lookup_data(n->h, &k, &d) < 0 ? NAPT_NONE :
	       (uint32_t)(uintptr_t)d;
}

static uint32_t
map_find_ext(struct napt *n, uint8_t proto, rte_be32_t ext_ip, rte_be16_t ext_port)
{
	struct napt_key k = key(K_MAP_EXT, proto, ext_ip, 0, ext_port, 0);
	void *d;

	return rte_hash_lookup_data(n->h, &k, &d) < 0 ? NAPT_NONE :
	       (uint32_t)(uintptr_t)d;
}

static void
map_free(struct napt *n, uint32_t mi, uint32_t now)
{
	struct napt_mapping *m = &n->m[mi];
	struct napt_key ki = key(K_MAP_IN, m->proto, m->in_ip, m->ext_ip, m->in_port, 0);
	struct napt_key ke = key(K_MAP_EXT, m->proto, m->ext_ip, 0, m->ext_port, 0);

	rte_hash_del_key(n->h, &ki);
	rte_hash_del_key(n->h, &ke);
	napt_ports_free(n->ext[m->ext].ports[proto_slot(m->proto)],
			rte_be_to_cpu_16(m->ext_port), now);
	m->used = 0;
	n->free_m[n->n_free_m++] = mi;
	n->n_mappings--;
	n->st.mappings_freed++;
}

/* A new mapping; its external port is 'ext_port' (published) or allocated.
 * NAPT_NONE with '*why' on failure. */
static uint32_t
map_new(struct napt *n, uint8_t proto, rte_be32_t in_ip, rte_be16_t in_port,
	int ext, rte_be16_t ext_port, bool published, uint32_t now, int *why)
{
	struct napt_ports *ports = n->ext[ext].ports[proto_slot(proto)];
	struct napt_key ki, ke;
	struct napt_mapping *m;
	uint32_t mi;
	uint16_t port;

	if (n->n_free_m == 0) {
		*why = VSW_DROP_NAT_FULL;
		return NAPT_NONE;
	}
	if (published) {
		port = rte_be_to_cpu_16(ext_port);
		if (!napt_ports_reserve(ports, port)) {
			*why = VSW_DROP_NAT_NO_PORT;
			return NAPT_NONE;
		}
	} else {
		port = napt_ports_alloc(ports, rte_be_to_cpu_16(in_port), now,
					napt_rand(n));
		if (port == 0) {
			*why = VSW_DROP_NAT_NO_PORT;
			return NAPT_NONE;
		}
	}
	mi = n->free_m[--n->n_free_m];
	m = &n->m[mi];
	memset(m, 0, sizeof(*m));
	m->in_ip = in_ip;
	m->in_port = in_port;
	m->ext_ip = n->ext[ext].ip;
	m->ext_port = rte_cpu_to_be_16(port);
	m->proto = proto;
	m->published = published;
	m->ext = (uint16_t)ext;
	m->first = NAPT_NONE;
	m->used = 1;
	ki = key(K_MAP_IN, proto, in_ip, m->ext_ip, in_port, 0);
	ke = key(K_MAP_EXT, proto, m->ext_ip, 0, m->ext_port, 0);
	if (rte_hash_add_key_data(n->h, &ki, (void *)(uintptr_t)mi) < 0 ||
	    rte_hash_add_key_data(n->h, &ke, (void *)(uintptr_t)mi) < 0) {
		rte_hash_del_key(n->h, &ki);
		napt_ports_free(ports, port, now);
		m->used = 0;
		n->free_m[n->n_free_m++] = mi;
		*why = VSW_DROP_NAT_FULL;
		return NAPT_NONE;
	}
	n->n_mappings++;
	n->st.mappings_created++;
	return mi;
}

int
napt_publish(struct napt *n, uint8_t proto, rte_be32_t ext_ip, uint16_t ext_port,
	     rte_be32_t in_ip, uint16_t in_port)
{
	int ext = ext_index(n, ext_ip), why = 0;

	if (ext < 0)
		ext = napt_add_external(n, ext_ip);
	if (ext < 0)
		return ext;
	if (map_new(n, proto, in_ip, rte_cpu_to_be_16(in_port), ext,
		    rte_cpu_to_be_16(ext_port), true, 0, &why) == NAPT_NONE)
		return why == VSW_DROP_NAT_NO_PORT ? -EADDRINUSE : -ENOSPC;
	return 0;
}

/* ---- sessions -------------------------------------------------------------- */

static inline bool
alive(const struct napt_session *s, uint32_t now)
{
	return (int32_t)(s->expire - now) >= 0;
}

static void
session_free(struct napt *n, uint32_t si, uint32_t now)
{
	struct napt_session *s = &n->s[si];
	struct napt_mapping *m = &n->m[s->map];
	struct napt_key ko = key(K_IN2OUT, s->proto, s->in_ip, s->rem_ip,
				 s->in_port, s->rem_port);
	struct napt_key ki = key(K_OUT2IN, s->proto, s->ext_ip, s->rem_ip,
				 s->ext_port, s->rem_port);

	rte_hash_del_key(n->h, &ko);
	rte_hash_del_key(n->h, &ki);
	if (s->prev != NAPT_NONE)
		n->s[s->prev].next = s->next;
	else
		m->first = s->next;
	if (s->next != NAPT_NONE)
		n->s[s->next].prev = s->prev;
	host_put(n, m->host, m->in_ip);
	if (--m->n_sessions == 0 && !m->published)
		map_free(n, s->map, now);
	s->expire = 0;
	s->map = NAPT_NONE;
	n->free_s[n->n_free_s++] = si;
	n->n_sessions--;
}

static uint32_t
session_new(struct napt *n, uint32_t mi, rte_be32_t rem_ip, rte_be16_t rem_port,
	    uint32_t now, int *why)
{
	struct napt_mapping *m = &n->m[mi];
	struct napt_key ko, ki;
	struct napt_session *s;
	uint32_t si, host;

	if (n->n_free_s == 0) {
		*why = VSW_DROP_NAT_FULL;
		return NAPT_NONE;
	}
	if (host_of(n, m->in_ip, &host) != 0 ||
	    n->host_count[host] >= n->p.per_host) {
		*why = VSW_DROP_NAT_HOST_LIMIT;
		return NAPT_NONE;
	}
	si = n->free_s[--n->n_free_s];
	s = &n->s[si];
	memset(s, 0, sizeof(*s));
	s->in_ip = m->in_ip;
	s->in_port = m->in_port;
	s->ext_ip = m->ext_ip;
	s->ext_port = m->ext_port;
	s->rem_ip = rem_ip;
	s->rem_port = rem_port;
	s->proto = m->proto;
	s->map = mi;
	s->nbr = NAPT_NONE;
	s->last_out = s->last_in = now;
	ko = key(K_IN2OUT, s->proto, s->in_ip, rem_ip, s->in_port, rem_port);
	ki = key(K_OUT2IN, s->proto, s->ext_ip, rem_ip, s->ext_port, rem_port);
	if (rte_hash_add_key_data(n->h, &ko, (void *)(uintptr_t)si) < 0 ||
	    rte_hash_add_key_data(n->h, &ki, (void *)(uintptr_t)si) < 0) {
		rte_hash_del_key(n->h, &ko);
		n->free_s[n->n_free_s++] = si;
		*why = VSW_DROP_NAT_FULL;
		return NAPT_NONE;
	}
	s->prev = NAPT_NONE;
	s->next = m->first;
	if (m->first != NAPT_NONE)
		n->s[m->first].prev = si;
	m->first = si;
	m->n_sessions++;
	m->host = host;
	n->host_count[host]++;
	n->n_sessions++;
	n->st.sessions_created++;
	return si;
}

static uint32_t
session_find(struct napt *n, const struct napt_key *k, uint32_t now)
{
	void *d;
	uint32_t si;

	if (rte_hash_lookup_data(n->h, k, &d) < 0)
		return NAPT_NONE;
	si = (uint32_t)(uintptr_t)d;
	if (!alive(&n->s[si], now)) {
		/* expired: a miss at once; free it here rather than wait */
		n->st.sessions_expired++;
		session_free(n, si, now);
		return NAPT_NONE;
	}
	return si;
}

/* Follow TCP and set the session's expiry. */
static void
track(struct napt *n, struct napt_session *s, const struct xlate_tuple *t,
      bool out, uint32_t now)
{
	uint32_t timeout;

	if (s->proto == IPPROTO_TCP) {
		uint8_t f = t->tcp_flags;

		if (f & RTE_TCP_RST_FLAG) {
			s->flags |= NAPT_RST;
		} else if ((f & RTE_TCP_SYN_FLAG) &&
			   (s->flags & (NAPT_RST | NAPT_FIN_OUT | NAPT_FIN_IN))) {
			/* the tuple is opened again */
			s->flags = 0;
		}
		if (f & RTE_TCP_SYN_FLAG)
			s->flags |= out ? NAPT_SYN_OUT : NAPT_SYN_IN;
		if (f & RTE_TCP_FIN_FLAG)
			s->flags |= out ? NAPT_FIN_OUT : NAPT_FIN_IN;
		if ((s->flags & (NAPT_SYN_OUT | NAPT_SYN_IN)) == (NAPT_SYN_OUT | NAPT_SYN_IN) &&
		    (f & RTE_TCP_ACK_FLAG) && !(f & RTE_TCP_SYN_FLAG))
			s->flags |= NAPT_ESTABLISHED;
		if (s->flags & (NAPT_RST | NAPT_FIN_OUT | NAPT_FIN_IN))
			s->flags &= (uint8_t)~NAPT_ESTABLISHED;
		timeout = (s->flags & NAPT_ESTABLISHED) ? n->p.t_tcp_est :
							  n->p.t_tcp_trans;
	} else if (!out) {
		return;         /* UDP and ICMP: outbound refreshes */
	} else {
		timeout = s->proto == IPPROTO_UDP ? n->p.t_udp : n->p.t_icmp;
	}
	s->expire = now + timeout;
}

const char *
napt_state_name(const struct napt_session *s)
{
	if (s->proto != IPPROTO_TCP)
		return "-";
	if (s->flags & NAPT_RST)
		return "reset";
	if (s->flags & (NAPT_FIN_OUT | NAPT_FIN_IN))
		return "closing";
	if (s->flags & NAPT_ESTABLISHED)
		return "established";
	return "opening";
}

/* ---- published ports at run time --------------------------------------- */

static const char *
proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "icmp";
}

static const char *
ip_str(rte_be32_t a, char *buf)
{
	struct in_addr in = { .s_addr = a };

	inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
	return buf;
}

/* The external address of a rule, and its ranges checked. -errno. */
static int
rule_check(struct napt *n, uint8_t proto, rte_be32_t ext_ip, uint16_t ext_lo,
	   uint16_t ext_hi, uint16_t in_lo, char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN];
	int ext = ext_index(n, ext_ip);

	if (ext < 0) {
		snprintf(err, errlen, "%s is not an external address of the NAT",
			 ip_str(ext_ip, a));
		return -EINVAL;
	}
	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || ext_lo == 0 ||
	    ext_hi < ext_lo || in_lo == 0 || in_lo + (ext_hi - ext_lo) > 65535) {
		snprintf(err, errlen, "not a tcp or udp rule of ports 1-65535");
		return -EINVAL;
	}
	return ext;
}

int
napt_publish_add(struct napt *n, uint8_t proto, rte_be32_t ext_ip,
		 uint16_t ext_lo, uint16_t ext_hi, rte_be32_t in_ip,
		 uint16_t in_lo, char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct napt_ports *ports;
	uint32_t k, cnt, mi;
	int ext = rule_check(n, proto, ext_ip, ext_lo, ext_hi, in_lo, err, errlen);
	int why = 0;

	if (ext < 0)
		return ext;
	ports = n->ext[ext].ports[proto_slot(proto)];
	cnt = (uint32_t)(ext_hi - ext_lo) + 1;
	/* every conflict first: nothing changes on an error */
	for (k = 0; k < cnt; k++) {
		uint16_t port = (uint16_t)(ext_lo + k), in_port = (uint16_t)(in_lo + k);

		if (napt_ports_is_used(ports, port)) {
			const struct napt_mapping *m;

			mi = map_find_ext(n, proto, ext_ip, rte_cpu_to_be_16(port));
			m = mi == NAPT_NONE ? NULL : &n->m[mi];
			if (m != NULL && m->published)
				snprintf(err, errlen, "%s port %u of %s is already published (to %s:%u)",
					 proto_name(proto), port, ip_str(ext_ip, a),
					 ip_str(m->in_ip, b), rte_be_to_cpu_16(m->in_port));
			else if (m != NULL)
				snprintf(err, errlen, "%s port %u of %s is already allocated (the mapping of %s:%u, %u session%s)",
					 proto_name(proto), port, ip_str(ext_ip, a),
					 ip_str(m->in_ip, b), rte_be_to_cpu_16(m->in_port),
					 m->n_sessions, m->n_sessions == 1 ? "" : "s");
			else
				snprintf(err, errlen, "%s port %u of %s is already allocated",
					 proto_name(proto), port, ip_str(ext_ip, a));
			return -EADDRINUSE;
		}
		mi = map_find_in(n, proto, in_ip, rte_cpu_to_be_16(in_port), ext_ip);
		if (mi != NAPT_NONE) {
			snprintf(err, errlen, "%s %s:%u already has a mapping on %s (port %u%s)",
				 proto_name(proto), ip_str(in_ip, a), in_port,
				 ip_str(ext_ip, b), rte_be_to_cpu_16(n->m[mi].ext_port),
				 n->m[mi].published ? ", published" : "");
			return -EADDRINUSE;
		}
	}
	if (n->n_free_m < cnt) {
		snprintf(err, errlen, "no room for %u more mappings (%u free)", cnt,
			 n->n_free_m);
		return -ENOSPC;
	}
	for (k = 0; k < cnt; k++) {
		if (map_new(n, proto, in_ip, rte_cpu_to_be_16((uint16_t)(in_lo + k)), ext,
			    rte_cpu_to_be_16((uint16_t)(ext_lo + k)), true, 0, &why) != NAPT_NONE)
			continue;
		/* undo: no traffic saw these mappings, so no port is held */
		while (k-- > 0) {
			uint16_t port = (uint16_t)(ext_lo + k);
			uint32_t was = ports->freed_at[port];

			mi = map_find_ext(n, proto, ext_ip, rte_cpu_to_be_16(port));
			napt_ports_unreserve(ports, port);
			map_free(n, mi, 0);
			ports->freed_at[port] = was;
			n->st.mappings_created--;
			n->st.mappings_freed--;
		}
		snprintf(err, errlen, "the NAT table is full");
		return -ENOSPC;
	}
	return 0;
}

int
napt_publish_del(struct napt *n, uint8_t proto, rte_be32_t ext_ip,
		 uint16_t ext_lo, uint16_t ext_hi, rte_be32_t in_ip,
		 uint16_t in_lo, uint32_t now, uint32_t *sessions,
		 char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct napt_ports *ports;
	uint32_t k, cnt, mi, freed = 0;
	int ext = rule_check(n, proto, ext_ip, ext_lo, ext_hi, in_lo, err, errlen);

	if (ext < 0)
		return ext;
	ports = n->ext[ext].ports[proto_slot(proto)];
	cnt = (uint32_t)(ext_hi - ext_lo) + 1;
	for (k = 0; k < cnt; k++) {
		uint16_t port = (uint16_t)(ext_lo + k), in_port = (uint16_t)(in_lo + k);

		mi = map_find_ext(n, proto, ext_ip, rte_cpu_to_be_16(port));
		if (mi == NAPT_NONE || !n->m[mi].published || n->m[mi].in_ip != in_ip ||
		    n->m[mi].in_port != rte_cpu_to_be_16(in_port)) {
			snprintf(err, errlen, "%s port %u of %s is not published to %s:%u",
				 proto_name(proto), port, ip_str(ext_ip, a),
				 ip_str(in_ip, b), in_port);
			return -ENOENT;
		}
	}
	for (k = 0; k < cnt; k++) {
		uint16_t port = (uint16_t)(ext_lo + k);

		mi = map_find_ext(n, proto, ext_ip, rte_cpu_to_be_16(port));
		/* its sessions, and only those: a session is on its
		 * mapping's list */
		while (n->m[mi].first != NAPT_NONE) {
			session_free(n, n->m[mi].first, now);
			freed++;
		}
		napt_ports_unreserve(ports, port);
		map_free(n, mi, now);   /* the port is held as any freed one */
	}
	if (sessions != NULL)
		*sessions = freed;
	return 0;
}

uint32_t
napt_flush_inside(struct napt *n, rte_be32_t net, rte_be32_t mask, uint32_t now)
{
	uint32_t mi, freed = 0;

	for (mi = 0; mi < n->n_max_mappings; mi++) {
		struct napt_mapping *m = &n->m[mi];

		if (!m->used || m->published || (m->in_ip & mask) != net)
			continue;
		while (m->used && m->first != NAPT_NONE) {
			session_free(n, m->first, now);
			freed++;
		}
	}
	return freed;
}

uint32_t
napt_del_external(struct napt *n, rte_be32_t ip, uint32_t now)
{
	int ext = ext_index(n, ip);
	uint32_t mi, freed = 0;

	if (ext < 0 || ip == 0)
		return 0;
	for (mi = 0; mi < n->n_max_mappings; mi++) {
		struct napt_mapping *m = &n->m[mi];

		if (!m->used || m->ext != ext)
			continue;
		m->published = false;   /* its rules went first (reconciler) */
		while (m->used && m->first != NAPT_NONE) {
			session_free(n, m->first, now);
			freed++;
		}
		if (m->used)
			map_free(n, mi, now);
	}
	n->ext[ext].ip = 0;             /* nothing matches it; reused later */
	return freed;
}

uint32_t
napt_publish_sessions(struct napt *n, uint8_t proto, rte_be32_t ext_ip,
		      uint16_t ext_lo, uint16_t ext_hi)
{
	uint32_t port, mi, cnt = 0;

	for (port = ext_lo; port <= ext_hi && port != 0; port++) {
		mi = map_find_ext(n, proto, ext_ip, rte_cpu_to_be_16((uint16_t)port));
		if (mi != NAPT_NONE && n->m[mi].published)
			cnt += n->m[mi].n_sessions;
	}
	return cnt;
}

/* ---- the packet paths ---------------------------------------------------- */

/* An ICMP error from inside about a flow that came in: its inner packet
 * went from the remote to the inside endpoint. */
static int
icmp_error_out(struct napt *n, struct rte_mbuf *m, uint32_t now)
{
	struct xlate_inner in;
	struct napt_key k;
	uint32_t si;
	int rc = xlate_inner(m, &in);

	if (rc != 0)
		return rc;
	k = key(K_IN2OUT, in.t.proto, in.t.dst, in.t.src,
		in.t.proto == IPPROTO_ICMP ? in.t.sport : in.t.dport,
		in.t.proto == IPPROTO_ICMP ? 0 : in.t.sport);
	si = session_find(n, &k, now);
	if (si == NAPT_NONE)
		return VSW_DROP_NAT_ICMP_UNKNOWN;
	xlate_icmp_error(m, &in, true, n->s[si].ext_ip, false, n->s[si].ext_ip,
			 n->s[si].ext_port);
	n->st.icmp_errors++;
	return 0;
}

/* An ICMP error from outside about a flow that went out: its inner
 * packet went from the external endpoint to the remote. */
static int
icmp_error_in(struct napt *n, struct rte_mbuf *m, uint32_t now)
{
	struct xlate_inner in;
	struct napt_key k;
	uint32_t si;
	int rc = xlate_inner(m, &in);

	if (rc != 0)
		return rc;
	k = key(K_OUT2IN, in.t.proto, in.t.src, in.t.dst, in.t.sport,
		in.t.proto == IPPROTO_ICMP ? 0 : in.t.dport);
	si = session_find(n, &k, now);
	if (si == NAPT_NONE)
		return VSW_DROP_NAT_ICMP_UNKNOWN;
	xlate_icmp_error(m, &in, false, n->s[si].in_ip, true, n->s[si].in_ip,
			 n->s[si].in_port);
	n->st.icmp_errors++;
	return 0;
}

int
napt_outbound(struct napt *n, struct rte_mbuf *m, rte_be32_t ext_ip, uint32_t now)
{
	struct xlate_tuple t;
	struct napt_key k;
	struct napt_session *s;
	uint32_t si, mi;
	int rc = xlate_parse(m, &t), ext, why = 0;

	if (rc != 0)
		return rc;
	if (t.icmp_error)
		return icmp_error_out(n, m, now);
	if (t.proto == IPPROTO_ICMP && t.icmp_type != 8)
		return VSW_DROP_NAT_PROTO;      /* only echo requests go out */
	k = key(K_IN2OUT, t.proto, t.src, t.dst, t.sport, t.dport);
	si = session_find(n, &k, now);
	if (unlikely(si == NAPT_NONE)) {
		ext = ext_index(n, ext_ip);
		if (ext < 0)
			return VSW_DROP_NAT_NO_MAPPING;
		mi = map_find_in(n, t.proto, t.src, t.sport, ext_ip);
		if (mi == NAPT_NONE) {
			mi = map_new(n, t.proto, t.src, t.sport, ext, 0, false, now, &why);
			if (mi == NAPT_NONE)
				return why;
		}
		si = session_new(n, mi, t.dst, t.dport, now, &why);
		if (si == NAPT_NONE) {
			if (n->m[mi].n_sessions == 0 && !n->m[mi].published)
				map_free(n, mi, now);
			return why;
		}
	}
	s = &n->s[si];
	xlate_src(m, &t, s->ext_ip, s->ext_port);
	track(n, s, &t, true, now);
	s->pkts_out++;
	s->last_out = now;
	n->st.translated_out++;
	return 0;
}

/* May an inbound packet from (ip, port) open a session on mapping 'mi'? */
static bool
filter_allows(struct napt *n, uint32_t mi, const struct xlate_tuple *t)
{
	uint32_t si;

	if (n->m[mi].published || n->p.filtering == TOPO_NAT_EIF)
		return true;
	if (n->p.filtering == TOPO_NAT_APDF)
		return false;   /* its exact session would have matched */
	for (si = n->m[mi].first; si != NAPT_NONE; si = n->s[si].next)
		if (n->s[si].rem_ip == t->src)
			return true;
	return false;
}

int
napt_inbound(struct napt *n, struct rte_mbuf *m, uint32_t now)
{
	struct xlate_tuple t;
	struct napt_key k;
	struct napt_session *s;
	uint32_t si, mi;
	int rc = xlate_parse(m, &t), why = 0;

	if (rc != 0)
		return rc;
	if (t.icmp_error)
		return icmp_error_in(n, m, now);
	if (t.proto == IPPROTO_ICMP) {
		if (t.icmp_type != 0)
			return VSW_DROP_NAT_PROTO;
		/* an echo reply: its identifier is the "port" */
		t.dport = t.sport;
		t.sport = 0;
	}
	k = key(K_OUT2IN, t.proto, t.dst, t.src, t.dport, t.sport);
	si = session_find(n, &k, now);
	if (unlikely(si == NAPT_NONE)) {
		if (t.proto == IPPROTO_ICMP)
			return VSW_DROP_NAT_NO_MAPPING;
		mi = map_find_ext(n, t.proto, t.dst, t.dport);
		if (mi == NAPT_NONE)
			return VSW_DROP_NAT_NO_MAPPING;
		if (!filter_allows(n, mi, &t))
			return VSW_DROP_NAT_FILTERED;
		/* a connection is opened by its SYN */
		if (t.proto == IPPROTO_TCP &&
		    (t.tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) != RTE_TCP_SYN_FLAG)
			return VSW_DROP_NAT_FILTERED;
		si = session_new(n, mi, t.src, t.sport, now, &why);
		if (si == NAPT_NONE)
			return why;
		/* an inbound session lives as an outbound one would */
		n->s[si].expire = now + (t.proto == IPPROTO_UDP ? n->p.t_udp :
					  n->p.t_tcp_trans);
	}
	s = &n->s[si];
	if (t.proto == IPPROTO_ICMP) {
		/* restore the tuple's orientation for the rewrite */
		t.sport = t.dport;
		t.dport = 0;
		xlate_dst(m, &t, s->in_ip, s->in_port);
	} else {
		xlate_dst(m, &t, s->in_ip, s->in_port);
	}
	track(n, s, &t, false, now);
	s->pkts_in++;
	s->last_in = now;
	n->st.translated_in++;
	return 0;
}

/* The bulk paths: build keys, one lookup, translate the live hits. */
static void
bulk(struct napt *n, struct rte_mbuf **m, unsigned cnt, bool out, uint32_t now,
     int *res, uint32_t *sess)
{
	struct napt_key keys[RTE_HASH_LOOKUP_BULK_MAX];
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	struct xlate_tuple t[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint64_t hits = 0;
	unsigned i;

	for (i = 0; i < cnt; i++) {
		res[i] = xlate_parse(m[i], &t[i]);
		if (res[i] == 0 && t[i].icmp_error)
			res[i] = NAPT_SLOW;
		if (res[i] == 0 && t[i].proto == IPPROTO_ICMP &&
		    t[i].icmp_type != (out ? 8 : 0))
			res[i] = NAPT_SLOW;
		if (out)
			keys[i] = key(K_IN2OUT, t[i].proto, t[i].src, t[i].dst,
				      t[i].sport, t[i].dport);
		else if (t[i].proto == IPPROTO_ICMP)   /* the echo id is the port */
			keys[i] = key(K_OUT2IN, t[i].proto, t[i].dst, t[i].src,
				      t[i].sport, 0);
		else
			keys[i] = key(K_OUT2IN, t[i].proto, t[i].dst, t[i].src,
				      t[i].dport, t[i].sport);
		kp[i] = &keys[i];
	}
	rte_hash_lookup_bulk_data(n->h, kp, cnt, &hits, data);
	for (i = 0; i < cnt; i++) {
		struct napt_session *s;

		if (res[i] != 0)
			continue;
		if (!(hits >> i & 1)) {
			res[i] = NAPT_SLOW;
			continue;
		}
		sess[i] = (uint32_t)(uintptr_t)data[i];
		s = &n->s[sess[i]];
		if (unlikely(!alive(s, now))) {
			res[i] = NAPT_SLOW;     /* the slow path frees it */
			continue;
		}
		if (out) {
			xlate_src_fwd(m[i], &t[i], s->ext_ip, s->ext_port);
			s->pkts_out++;
			s->last_out = now;
			n->st.translated_out++;
		} else {
			xlate_dst(m[i], &t[i], s->in_ip, s->in_port);
			s->pkts_in++;
			s->last_in = now;
			n->st.translated_in++;
		}
		track(n, s, &t[i], out, now);
	}
}

void
napt_outbound_bulk(struct napt *n, struct rte_mbuf **m, unsigned cnt,
		   rte_be32_t ext_ip, uint32_t now, int *res, uint32_t *sess)
{
	(void)ext_ip;   /* a session knows its external address */
	bulk(n, m, cnt, true, now, res, sess);
}

void
napt_inbound_bulk(struct napt *n, struct rte_mbuf **m, unsigned cnt,
		  uint32_t now, int *res, uint32_t *sess)
{
	bulk(n, m, cnt, false, now, res, sess);
}

void
napt_expire(struct napt *n, uint32_t now, unsigned budget)
{
	unsigned i;

	for (i = 0; i < budget && i < n->p.sessions; i++) {
		uint32_t si = n->sweep_pos;

		n->sweep_pos = si + 1 == n->p.sessions ? 0 : si + 1;
		if (n->s[si].map != NAPT_NONE && n->s[si].expire != 0 &&
		    !alive(&n->s[si], now)) {
			n->st.sessions_expired++;
			session_free(n, si, now);
		}
	}
}

void
napt_walk(const struct napt *n, uint32_t now, napt_walk_fn fn, void *arg)
{
	uint32_t i;

	for (i = 0; i < n->p.sessions; i++)
		if (n->s[i].expire != 0 && n->s[i].map != NAPT_NONE &&
		    alive(&n->s[i], now))
			fn(arg, &n->s[i], now);
}

unsigned
napt_read(const struct napt *n, uint32_t now, uint32_t *pos, unsigned scan,
	  struct napt_session *out, unsigned max)
{
	uint32_t i = RTE_MIN(*pos, n->p.sessions), end = n->p.sessions;
	unsigned k = 0;

	if (scan < end - i)
		end = i + scan;
	for (; i < end && k < max; i++)
		if (n->s[i].expire != 0 && n->s[i].map != NAPT_NONE &&
		    alive(&n->s[i], now))
			out[k++] = n->s[i];
	*pos = i;
	return k;
}
