/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A client of vsw's control socket for the programs that drive vsw on an
 * engine's behalf (vsw-docker, vsw-cni): one request a connection, its
 * words joined by blanks, the reply "OK\n..." or "ERR reason".
 */
#ifndef VSW_CTL_CLIENT_H
#define VSW_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define VSW_WORDS_MAX 40

struct vsw_reply {
	bool ok;
	char *text;                     /* after "OK\n", or the reason after "ERR " */
};

void vsw_reply_free(struct vsw_reply *r);

/* A word that cannot change the request's meaning: not empty, no blank,
 * no control character, at most 200 bytes. */
bool vsw_word_ok(const char *w);

/*
 * Send the words (NULL-terminated) to vsw at 'control' as one request.
 * 0 with r->ok telling vsw's verdict; -1 when vsw cannot be reached or a
 * word is not one ('r->text' says why, either way).
 */
int vsw_request(const char *control, struct vsw_reply *r, const char *const *words);

/* The same with --json: the parsed reply, or NULL with the reason (vsw's
 * own when it refused) in 'why'. */
json_t *vsw_json(const char *control, const char *const *words, char *why, size_t whylen);

/* The row of network 'net' in `network ls` (bridge or macvlan; a new
 * reference), or NULL with the reason. */
json_t *vsw_network_row(const char *control, const char *net, char *why, size_t whylen);

/* Delete the publish rules named KIND ID -N (an endpoint's), those that
 * exist; errors are not reported (an undo, or a retried removal). */
void vsw_unpublish(const char *control, const char *kind, const char *id);

/* Host ports hp..hpe of the masquerade port to port.. of the endpoint. */
struct vsw_port_map {
	int proto;                      /* 6 tcp, 17 udp */
	long port, hp, hpe;             /* hpe < hp: hp alone */
};

/*
 * Publish 'm' (sorted and coalesced in place: consecutive ports in step
 * are one rule) as rules KIND ID -0, -1, ... on port 'masq' to 'ip'.
 * 0, or -1 with the reason and every rule of KIND ID taken back.
 */
int vsw_publish_ports(const char *control, const char *kind, const char *id, const char *masq,
		      const char *ip, struct vsw_port_map *m, size_t n, char *why, size_t whylen);

/* "a.b.c.d/len" -> "a.b.c.d" (NULL: ""). */
void vsw_addr_only(const char *cidr, char *out, size_t len);

#endif
