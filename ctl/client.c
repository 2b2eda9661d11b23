/* SPDX-License-Identifier: BSD-3-Clause */
/* A client of vsw's control socket (see client.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/client.h"

void
vsw_reply_free(struct vsw_reply *r)
{
	free(r->text);
	r->text = NULL;
}

bool
vsw_word_ok(const char *w)
{
	const char *c;

	if (w == NULL || *w == '\0' || strlen(w) > 200)
		return false;
	for (c = w; *c; c++)
		if (*c <= ' ' || *c == 0x7f)
			return false;
	return true;
}

int
vsw_request(const char *control, struct vsw_reply *r, const char *const *words)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[4096], buf[65536];
	size_t len = 0, cap = 0, n = 0;
	ssize_t k;
	int fd, i;

	r->ok = false;
	r->text = NULL;
	for (i = 0; words[i] != NULL; i++) {
		if (!vsw_word_ok(words[i])) {
			if (asprintf(&r->text, "'%s' is not a value vsw takes (blank, too long or empty)",
				     words[i]) < 0)
				r->text = NULL;
			return -1;
		}
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s", i ? " " : "",
					words[i]);
		if (len >= sizeof(line) - 2) {
			r->text = strdup("request too long");
			return -1;
		}
	}
	line[len++] = '\n';
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", control);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (asprintf(&r->text, "cannot reach vsw at %s: %s", control, strerror(errno)) < 0)
			r->text = NULL;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len) {
		close(fd);
		r->text = strdup("cannot send to vsw");
		return -1;
	}
	while ((k = read(fd, buf, sizeof(buf))) > 0) {
		if (n + (size_t)k + 1 > cap) {
			char *t;

			cap = (n + (size_t)k + 1) * 2;
			t = realloc(r->text, cap);
			if (t == NULL)
				break;
			r->text = t;
		}
		memcpy(r->text + n, buf, (size_t)k);
		n += (size_t)k;
	}
	close(fd);
	if (r->text == NULL) {
		r->text = strdup("no reply from vsw");
		return -1;
	}
	r->text[n] = '\0';
	if (strncmp(r->text, "OK\n", 3) == 0) {
		r->ok = true;
		memmove(r->text, r->text + 3, n - 2);
	} else if (strncmp(r->text, "ERR ", 4) == 0) {
		memmove(r->text, r->text + 4, n - 3);
		r->text[strcspn(r->text, "\n")] = '\0';
	}
	return 0;
}

json_t *
vsw_json(const char *control, const char *const *words, char *why, size_t whylen)
{
	const char *w[VSW_WORDS_MAX + 2];
	struct vsw_reply r;
	json_error_t e;
	json_t *j = NULL;
	int i;

	w[0] = "--json";
	for (i = 0; words[i] != NULL && i < VSW_WORDS_MAX; i++)
		w[i + 1] = words[i];
	w[i + 1] = NULL;
	if (vsw_request(control, &r, w) != 0 || !r.ok) {
		snprintf(why, whylen, "%s", r.text != NULL ? r.text : "vsw refused");
	} else {
		j = json_loads(r.text, 0, &e);
		if (j == NULL)
			snprintf(why, whylen, "vsw's reply is not JSON: %s", e.text);
	}
	vsw_reply_free(&r);
	return j;
}

json_t *
vsw_network_row(const char *control, const char *net, char *why, size_t whylen)
{
	const char *w[] = { "network", "ls", NULL };
	json_t *j = vsw_json(control, w, why, whylen), *row = NULL, *n;
	size_t i;

	if (j == NULL)
		return NULL;
	json_array_foreach(json_object_get(j, "networks"), i, n) {
		const char *name = json_string_value(json_object_get(n, "network"));

		if (name != NULL && strcmp(name, net) == 0)
			row = json_incref(n);
	}
	json_decref(j);
	if (row == NULL)
		snprintf(why, whylen, "no vsw network %s", net);
	return row;
}

void
vsw_unpublish(const char *control, const char *kind, const char *id)
{
	const char *w[] = { "show", "publish", NULL };
	char why[256], prefix[96];
	json_t *j = vsw_json(control, w, why, sizeof(why)), *rule;
	size_t i;

	if (j == NULL)
		return;
	snprintf(prefix, sizeof(prefix), "%s%s-", kind, id);
	json_array_foreach(json_object_get(j, "publish"), i, rule) {
		const char *name = json_string_value(json_object_get(rule, "name"));
		const char *d[] = { "publish", "del", name, NULL };
		struct vsw_reply r;

		if (name == NULL || strncmp(name, prefix, strlen(prefix)) != 0)
			continue;
		vsw_request(control, &r, d);
		vsw_reply_free(&r);
	}
	json_decref(j);
}

void
vsw_addr_only(const char *cidr, char *out, size_t len)
{
	snprintf(out, len, "%s", cidr != NULL ? cidr : "");
	out[strcspn(out, "/")] = '\0';
}

static int
map_cmp(const void *a, const void *b)
{
	const struct vsw_port_map *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->hp < y->hp ? -1 : x->hp > y->hp;
}

int
vsw_publish_ports(const char *control, const char *kind, const char *id, const char *masq,
		  const char *ip, struct vsw_port_map *m, size_t n, char *why, size_t whylen)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (m[i].proto != 6 && m[i].proto != 17) {
			snprintf(why, whylen, "port %ld: only tcp and udp are published", m[i].port);
			return -1;
		}
		if (m[i].hpe < m[i].hp)
			m[i].hpe = m[i].hp;
		if (m[i].hp < 1 || m[i].hpe > 65535 || m[i].port < 1 ||
		    m[i].port + (m[i].hpe - m[i].hp) > 65535) {
			snprintf(why, whylen, "port %ld -> %ld: not a port (1-65535)", m[i].hp,
				 m[i].port);
			return -1;
		}
	}
	qsort(m, n, sizeof(m[0]), map_cmp);
	/* runs of consecutive ports (same protocol, host and container ports
	 * in step) become one rule, as the user wrote the range */
	for (i = 0, k = 0; i < n; i++) {
		struct vsw_port_map *last = k ? &m[k - 1] : NULL;

		if (last != NULL && last->proto == m[i].proto && m[i].hp == last->hpe + 1 &&
		    m[i].port == last->port + (last->hpe - last->hp) + 1)
			last->hpe = m[i].hpe;
		else
			m[k++] = m[i];
	}
	for (i = 0; i < k; i++) {
		const struct vsw_port_map *r = &m[i];
		char name[96], kport[64], kproto[32], klisten[48], kto[96];
		const char *w[] = { "publish", "add", name, kport, kproto, klisten, kto, NULL };
		struct vsw_reply rp;

		snprintf(name, sizeof(name), "%s%s-%zu", kind, id, i);
		snprintf(kport, sizeof(kport), "port=%s", masq);
		snprintf(kproto, sizeof(kproto), "proto=%s", r->proto == 6 ? "tcp" : "udp");
		if (r->hpe > r->hp) {
			snprintf(klisten, sizeof(klisten), "listen=%ld-%ld", r->hp, r->hpe);
			snprintf(kto, sizeof(kto), "to=%s:%ld-%ld", ip, r->port,
				 r->port + r->hpe - r->hp);
		} else {
			snprintf(klisten, sizeof(klisten), "listen=%ld", r->hp);
			snprintf(kto, sizeof(kto), "to=%s:%ld", ip, r->port);
		}
		if (vsw_request(control, &rp, w) != 0 || !rp.ok) {
			snprintf(why, whylen, "publish: %s", rp.text != NULL ? rp.text : "vsw refused");
			vsw_reply_free(&rp);
			vsw_unpublish(control, kind, id);
			return -1;
		}
		vsw_reply_free(&rp);
	}
	return 0;
}
