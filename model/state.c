/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state file: atomic write, checked read, and the merge with the
 * topology file at start (model/state.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/state.h"

int (*state_fault)(const char *step);

/* -errno of a failed step, or of the fault a test injects before it */
static int
fault(const char *step)
{
	int e = state_fault != NULL ? state_fault(step) : 0;

	if (e != 0)
		errno = e;
	return e;
}

static int
step_error(FILE *err, const char *path, const char *step, int e)
{
	if (err != NULL)
		fprintf(err, "%s: %s: %s\n", path, step, strerror(e));
	return -e;
}

static int dir_sync(const char *path, FILE *err);

/* The whole file as text: header, the topology subset, trailer. */
static int
state_text(const struct topology *t, topo_keep_fn *keep, void *arg, FILE *err,
	   char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);
	int rc;

	if (f == NULL)
		return -ENOMEM;
	fprintf(f, STATE_HEADER "\n"
		"# written by vsw: what was made at run time; the topology file wins\n");
	rc = topo_write_subset(f, t, keep, arg, err);
	fprintf(f, STATE_TRAILER "\n");
	if (fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc != 0) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

int
state_write(const char *path, const struct topology *t, topo_keep_fn *keep,
	    void *arg, FILE *err)
{
	return state_write_how(path, t, keep, arg, err, true);
}

int
state_write_how(const char *path, const struct topology *t, topo_keep_fn *keep,
		void *arg, FILE *err, bool sync)
{
	char tmp[PATH_MAX], *text = NULL;
	const char *step;
	size_t len = 0, off = 0;
	int fd, rc, e;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return step_error(err, path, "open", ENAMETOOLONG);
	rc = state_text(t, keep, arg, err, &text, &len);
	if (rc != 0)
		return rc;
	step = "open";
	fd = fault(step) ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = errno;
		free(text);
		return step_error(err, tmp, step, e);
	}
	step = "write";
	while (off < len) {
		ssize_t n = fault(step) ? -1 : write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	step = "fsync";
	if (sync && (fault(step) || fsync(fd) != 0))
		goto fail;
	step = "close";
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	step = "rename";
	if (fault(step) || rename(tmp, path) != 0)
		goto fail;
	free(text);
	return sync ? dir_sync(path, err) : 0;

fail:
	e = errno != 0 ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(text);
	return step_error(err, tmp, step, e);
}

/* fsync the directory of 'path': the rename's durability */
static int
dir_sync(const char *path, FILE *err)
{
	char dir[PATH_MAX], *slash;
	int fd, e;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = fault("dirsync") ? -1 : open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return step_error(err, dir, "fsync (after the rename)", e);
	}
	close(fd);
	return 0;
}

int
state_sync(const char *path, FILE *err)
{
	int fd, e;

	fd = fault("fsync") ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return step_error(err, path, "fsync", e);
	}
	close(fd);
	return dir_sync(path, err);
}

/* ---- reading -------------------------------------------------------- */

static int
read_all(const char *path, char **text, size_t *len, FILE *err)
{
	struct stat st;
	size_t cap = 4096, n = 0;
	char *buf;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		if (err != NULL)
			fprintf(err, "%s: not a regular file\n", path);
		return -EINVAL;
	}
	buf = malloc(cap + 1);
	for (;;) {
		ssize_t r;

		if (buf == NULL) {
			close(fd);
			return -ENOMEM;
		}
		if (n == cap) {
			char *nb;

			if (cap >= STATE_SIZE_MAX) {
				close(fd);
				free(buf);
				if (err != NULL)
					fprintf(err, "%s: larger than %u bytes: not a state file\n",
						path, STATE_SIZE_MAX);
				return -EINVAL;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL)
				free(buf);
			buf = nb;
			continue;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			close(fd);
			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

static unsigned
line_of(const char *text, size_t off)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < off; i++)
		line += text[i] == '\n';
	return line;
}

/* The header and trailer; the rest is the parser's. */
static int
check_frame(const char *path, const char *text, size_t len, FILE *err)
{
	const char *nul = memchr(text, '\0', len);
	size_t hl = strlen(STATE_HEADER), tl = strlen(STATE_TRAILER);
	unsigned format;
	char tail;

#define BAD(line, ...) do { if (err != NULL) { fprintf(err, "%s:%u: ", path, line); \
		fprintf(err, __VA_ARGS__); fputc('\n', err); } return -EINVAL; } while (0)
	if (len == 0)
		BAD(1u, "empty: not a vsw state file (cut short?)");
	if (nul != NULL)
		BAD(line_of(text, (size_t)(nul - text)), "holds a NUL byte: not a vsw state file");
	if (strncmp(text, STATE_HEADER, hl) != 0 || (text[hl] != '\n' && text[hl] != '\0')) {
		if (sscanf(text, "# vsw state %u%c", &format, &tail) == 2 && tail == '\n')
			BAD(1u, "state format %u; this vsw reads format %d", format, STATE_FORMAT);
		BAD(1u, "not a vsw state file (the first line is not '%s')", STATE_HEADER);
	}
	if (len < tl + 1 || text[len - 1] != '\n' ||
	    strncmp(text + len - tl - 1, STATE_TRAILER, tl) != 0 ||
	    (len > tl + 1 && text[len - tl - 2] != '\n'))
		BAD(line_of(text, len - 1), "cut short: the last line is not '%s'", STATE_TRAILER);
#undef BAD
	return 0;
}

int
state_read(const char *path, struct topology *t, FILE *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	rc = read_all(path, &text, &len, err);
	if (rc == -ENOENT)
		return topo_load_string(t, path, "", err);
	if (rc != 0) {
		if (rc != -EINVAL && err != NULL)
			fprintf(err, "%s: %s\n", path, strerror(-rc));
		if (rc != -EINVAL)
			topo_load_string(t, path, "", NULL);
		return rc;
	}
	rc = check_frame(path, text, len, err);
	if (rc == 0)
		rc = topo_load_string(t, path, text, err);
	free(text);
	return rc;
}

/* ---- merge ---------------------------------------------------------- */

static void __attribute__((format(printf, 2, 3)))
msg(struct state_messages *m, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (m == NULL)
		return;
	if (m->n == m->cap) {
		unsigned cap = m->cap ? m->cap * 2 : 8;
		char **n = realloc(m->text, cap * sizeof(*n));

		if (n == NULL)
			return;
		m->text = n;
		m->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s != NULL)
		m->text[m->n++] = s;
}

void
state_messages_free(struct state_messages *m)
{
	unsigned i;

	for (i = 0; i < m->n; i++)
		free(m->text[i]);
	free(m->text);
	m->text = NULL;
	m->n = m->cap = 0;
}

static const char *const kind_names[] = {
	[TOPO_OBJ_SWITCH] = "switch", [TOPO_OBJ_BRIDGE] = "bridge",
	[TOPO_OBJ_MACVLAN] = "macvlan", [TOPO_OBJ_PORT] = "port",
	[TOPO_OBJ_ROUTE] = "route", [TOPO_OBJ_PUBLISH] = "publish",
	[TOPO_OBJ_STATIC] = "static",
};

static const char *
kind_name(enum topo_object kind)
{
	return (unsigned)kind <= TOPO_OBJ_STATIC ? kind_names[kind] : "?";
}

static const char *
obj_name(const struct topology *t, enum topo_object kind, unsigned i)
{
	switch (kind) {
	case TOPO_OBJ_BRIDGE: return t->bridges[i].name;
	case TOPO_OBJ_MACVLAN: return t->macvlans[i].name;
	case TOPO_OBJ_PORT: return t->ports[i].name;
	case TOPO_OBJ_ROUTE: return t->routes[i].name;
	case TOPO_OBJ_PUBLISH: return t->publish[i].name;
	default: return "";
	}
}

static unsigned
obj_line(const struct topology *t, enum topo_object kind, unsigned i)
{
	switch (kind) {
	case TOPO_OBJ_SWITCH: return t->sw.line;
	case TOPO_OBJ_BRIDGE: return t->bridges[i].line;
	case TOPO_OBJ_MACVLAN: return t->macvlans[i].line;
	case TOPO_OBJ_PORT: return t->ports[i].line;
	case TOPO_OBJ_ROUTE: return t->routes[i].line;
	case TOPO_OBJ_PUBLISH: return t->publish[i].line;
	case TOPO_OBJ_STATIC: return t->statics[i].line;
	}
	return 0;
}

static int
obj_find(const struct topology *t, enum topo_object kind, const char *name)
{
	unsigned i, n = 0;

	switch (kind) {
	case TOPO_OBJ_BRIDGE: return topo_bridge_find(t, name);
	case TOPO_OBJ_MACVLAN: return topo_macvlan_find(t, name);
	case TOPO_OBJ_PORT: return topo_port_find(t, name);
	case TOPO_OBJ_ROUTE: n = t->n_routes; break;
	case TOPO_OBJ_PUBLISH: n = t->n_publish; break;
	default: return -1;
	}
	for (i = 0; i < n; i++)
		if (strcmp(obj_name(t, kind, i), name) == 0)
			return (int)i;
	return -1;
}

/* One section's text (a bridge without its statics: they merge apart). */
static char *
obj_text(const struct topology *t, enum topo_object kind, unsigned i)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL)
		return NULL;
	if (kind == TOPO_OBJ_BRIDGE) {
		struct topo_subset *s = calloc(1, sizeof(*s));

		if (s != NULL) {
			s->bridge[i] = true;
			rc = topo_write_set(f, t, s, NULL);
			free(s);
		} else {
			rc = -ENOMEM;
		}
	} else {
		rc = topo_write_object(f, t, kind, i, NULL);
	}
	fclose(f);
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The first line of 'a' that 'b' does not have, into 'out' ("-": none). */
static void
first_other_line(const char *a, const char *b, char *out, size_t size)
{
	const char *l, *e;

	snprintf(out, size, "-");
	for (l = strchr(a, '\n'); l != NULL && l[1]; l = e) {  /* after [header] */
		const char *p;
		size_t n;
		bool found = false;

		l++;
		e = strchr(l, '\n');
		if (e == NULL)
			e = l + strlen(l);
		n = (size_t)(e - l);
		for (p = b; (p = strstr(p, "\n")) != NULL; p++)
			if (strncmp(p + 1, l, n) == 0 && (p[1 + n] == '\n' || p[1 + n] == '\0')) {
				found = true;
				break;
			}
		if (!found) {
			snprintf(out, size, "%.*s", (int)n, l);
			return;
		}
		if (*e == '\0')
			break;
	}
}

/* The objects of 'state' that 'file' does not name go into 'keep'; those
 * it names differently are reported. */
static void
compare(const struct topology *file, const struct topology *state,
	struct topo_subset *keep, struct state_messages *msgs)
{
	static const enum topo_object kinds[] = { TOPO_OBJ_BRIDGE, TOPO_OBJ_MACVLAN,
		TOPO_OBJ_PORT, TOPO_OBJ_ROUTE, TOPO_OBJ_PUBLISH };
	const unsigned counts[] = { state->n_bridges, state->n_macvlans,
		state->n_ports, state->n_routes, state->n_publish };
	bool *sets[] = { keep->bridge, keep->macvlan, keep->port, keep->route,
		keep->publish };
	unsigned k, i, j;

	if (state->sw.line != 0 && file->sw.line == 0) {
		keep->sw = true;
	} else if (state->sw.line != 0) {
		char *a = obj_text(file, TOPO_OBJ_SWITCH, 0);
		char *b = obj_text(state, TOPO_OBJ_SWITCH, 0);

		if (a != NULL && b != NULL && strcmp(a, b) != 0) {
			char fl[256], sl[256];

			first_other_line(a, b, fl, sizeof(fl));
			first_other_line(b, a, sl, sizeof(sl));
			msg(msgs, "%s:%u: [switch] differs from %s:%u (%s: %s; state: %s); "
			    "the topology file wins", state->file, state->sw.line,
			    file->file, file->sw.line, file->file, fl, sl);
		}
		free(a);
		free(b);
	}
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (i = 0; i < counts[k]; i++) {
			const char *name = obj_name(state, kinds[k], i);
			int f = obj_find(file, kinds[k], name);
			char *a, *b;

			if (f < 0) {
				sets[k][i] = true;
				continue;
			}
			a = obj_text(file, kinds[k], (unsigned)f);
			b = obj_text(state, kinds[k], i);
			if (a != NULL && b != NULL && strcmp(a, b) != 0) {
				char fl[256], sl[256];

				first_other_line(a, b, fl, sizeof(fl));
				first_other_line(b, a, sl, sizeof(sl));
				msg(msgs, "%s:%u: [%s %s] differs from %s:%u (%s: %s; state: %s); "
				    "the topology file wins", state->file,
				    obj_line(state, kinds[k], i), kind_name(kinds[k]), name,
				    file->file, obj_line(file, kinds[k], (unsigned)f),
				    file->file, fl, sl);
			}
			free(a);
			free(b);
		}
	}
	/* a static entry is named by its bridge, MAC and VLAN */
	for (i = 0; i < state->n_statics; i++) {
		const struct topo_static *st = &state->statics[i];
		const char *bn = state->bridges[st->bridge].name;
		int fb = topo_bridge_find(file, bn);

		if (fb < 0) {
			keep->stat[i] = true;
			continue;
		}
		for (j = 0; j < file->n_statics; j++) {
			const struct topo_static *fs = &file->statics[j];

			if (fs->bridge == fb && fs->vid == st->vid &&
			    memcmp(fs->mac, st->mac, 6) == 0)
				break;
		}
		if (j == file->n_statics) {
			keep->stat[i] = true;
		} else if (strcmp(file->ports[file->statics[j].port].name,
				  state->ports[st->port].name) != 0) {
			const uint8_t *m = st->mac;

			msg(msgs, "%s:%u: [bridge %s] static %02x:%02x:%02x:%02x:%02x:%02x "
			    "(VLAN %u) is on port %s, on port %s in %s:%u; the topology file wins",
			    state->file, st->line, bn, m[0], m[1], m[2], m[3], m[4], m[5],
			    st->vid, state->ports[st->port].name,
			    file->ports[file->statics[j].port].name, file->file,
			    file->statics[j].line);
		}
	}
}

/* 'u' = 'file' and the objects of 'state' in 'add', references by name.
 * -ENOENT (and the name in 'missing') when one refers to a name neither
 * has; -ENOSPC when an array is full. */
static int
build_union(struct topology *u, const struct topology *file,
	    const struct topology *state, const struct topo_subset *add,
	    char *missing, size_t size)
{
	unsigned i, nb = file->n_bridges, nm = file->n_macvlans, np = file->n_ports;
	unsigned nr = file->n_routes, nu = file->n_publish, ns = file->n_statics;
	int rc = 0;

	*u = *file;
	if (add->sw)
		u->sw = state->sw;
#define APPEND(set, arr, n, max) \
	for (i = 0; i < state->n; i++) { \
		if (!add->set[i]) \
			continue; \
		if (u->n == (max)) \
			return -ENOSPC; \
		u->arr[u->n++] = state->arr[i]; \
	}
	APPEND(bridge, bridges, n_bridges, TOPO_MAX_BRIDGES);
	APPEND(macvlan, macvlans, n_macvlans, TOPO_MAX_MACVLANS);
	APPEND(port, ports, n_ports, TOPO_MAX_PORTS);
	APPEND(route, routes, n_routes, TOPO_MAX_ROUTES);
	APPEND(publish, publish, n_publish, TOPO_MAX_PUBLISH);
	APPEND(stat, statics, n_statics, TOPO_MAX_STATICS);
#undef APPEND
	/* state indices -> names -> indices in u */
#define REMAP(field, find, names) do { \
		if ((field) >= 0) { \
			const char *nm_ = state->names[(field)].name; \
			(field) = find(u, nm_); \
			if ((field) < 0) { \
				snprintf(missing, size, "%s", nm_); \
				rc = -ENOENT; \
			} \
		} \
	} while (0)
	for (i = nb; i < u->n_bridges; i++)
		REMAP(u->bridges[i].masquerade, topo_port_find, ports);
	for (i = nm; i < u->n_macvlans; i++)
		REMAP(u->macvlans[i].parent, topo_port_find, ports);
	for (i = np; i < u->n_ports; i++) {
		REMAP(u->ports[i].bridge, topo_bridge_find, bridges);
		REMAP(u->ports[i].masquerade, topo_port_find, ports);
		REMAP(u->ports[i].macvlan, topo_macvlan_find, macvlans);
	}
	for (i = nr; i < u->n_routes; i++)
		REMAP(u->routes[i].port, topo_port_find, ports);
	for (i = nu; i < u->n_publish; i++)
		REMAP(u->publish[i].port, topo_port_find, ports);
	for (i = ns; i < u->n_statics; i++) {
		REMAP(u->statics[i].bridge, topo_bridge_find, bridges);
		REMAP(u->statics[i].port, topo_port_find, ports);
	}
#undef REMAP
	return rc;
}

/* Write 'u', read it back into 'out': the parser's verdict. The first
 * error (without the FILE:LINE of the scratch text) into 'why'. */
static int
validate(const struct topology *u, struct topology *out, char *why, size_t size)
{
	char *text = NULL, *errs = NULL;
	size_t len = 0, elen = 0;
	FILE *f = open_memstream(&text, &len), *e;
	int rc;

	if (f == NULL)
		return -ENOMEM;
	e = open_memstream(&errs, &elen);
	if (e == NULL) {
		fclose(f);
		free(text);
		return -ENOMEM;
	}
	rc = topo_write_subset(f, u, NULL, NULL, e);
	fclose(f);
	if (rc == 0) {
		fflush(e);
		rc = topo_load_string(out, "merged", text, e);
	}
	fclose(e);
	if (rc != 0 && why != NULL) {
		const char *p = errs != NULL ? errs : "";

		if (strncmp(p, "merged:", 7) == 0 && strstr(p, ": ") != NULL) {
			p = strchr(p + 7, ':');
			p = p != NULL ? p + 2 : errs;
		}
		snprintf(why, size, "%.*s", (int)strcspn(p, "\n"), p);
	}
	free(text);
	free(errs);
	return rc;
}

/* Lines and the file name from where each object came. */
static void
restore_lines(struct topology *out, const struct topology *file,
	      const struct topology *state)
{
	static const enum topo_object kinds[] = { TOPO_OBJ_BRIDGE, TOPO_OBJ_MACVLAN,
		TOPO_OBJ_PORT, TOPO_OBJ_ROUTE, TOPO_OBJ_PUBLISH };
	const unsigned counts[] = { out->n_bridges, out->n_macvlans, out->n_ports,
		out->n_routes, out->n_publish };
	unsigned *lines[] = { &out->bridges[0].line, &out->macvlans[0].line,
		&out->ports[0].line, &out->routes[0].line, &out->publish[0].line };
	const size_t strides[] = { sizeof(out->bridges[0]), sizeof(out->macvlans[0]),
		sizeof(out->ports[0]), sizeof(out->routes[0]), sizeof(out->publish[0]) };
	unsigned k, i;

	snprintf(out->file, sizeof(out->file), "%s", file->file);
	out->sw.line = file->sw.line ? file->sw.line : state->sw.line;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (i = 0; i < counts[k]; i++) {
			const char *name = obj_name(out, kinds[k], i);
			int f = obj_find(file, kinds[k], name);
			int s = obj_find(state, kinds[k], name);
			unsigned *line = (unsigned *)((char *)lines[k] + strides[k] * i);

			if (f >= 0)
				*line = obj_line(file, kinds[k], (unsigned)f);
			else if (s >= 0)
				*line = obj_line(state, kinds[k], (unsigned)s);
		}
	}
	for (i = 0; i < out->n_statics; i++)
		out->statics[i].line = out->bridges[out->statics[i].bridge].line;
}

static void
subset_or(struct topo_subset *a, const struct topo_subset *b)
{
	bool *x = (bool *)a;
	const bool *y = (const bool *)b;
	size_t i;

	for (i = 0; i < sizeof(*a); i++)
		x[i] |= y[i];
}

static void
subset_and(struct topo_subset *a, const struct topo_subset *b)
{
	bool *x = (bool *)a;
	const bool *y = (const bool *)b;
	size_t i;

	for (i = 0; i < sizeof(*a); i++)
		x[i] &= y[i];
}

static bool *
subset_slot(struct topo_subset *s, enum topo_object kind, unsigned i)
{
	switch (kind) {
	case TOPO_OBJ_SWITCH: return &s->sw;
	case TOPO_OBJ_BRIDGE: return &s->bridge[i];
	case TOPO_OBJ_MACVLAN: return &s->macvlan[i];
	case TOPO_OBJ_PORT: return &s->port[i];
	case TOPO_OBJ_ROUTE: return &s->route[i];
	case TOPO_OBJ_PUBLISH: return &s->publish[i];
	case TOPO_OBJ_STATIC: return &s->stat[i];
	}
	return NULL;
}

/* Does 'group' hold an object already dropped? Then it is said in 'why'. */
static int
needs_dropped(const struct topology *state, struct topo_subset *group,
	      struct topo_subset *dropped, char *why, size_t size)
{
	const unsigned counts[] = { [TOPO_OBJ_SWITCH] = 1,
		[TOPO_OBJ_BRIDGE] = state->n_bridges, [TOPO_OBJ_MACVLAN] = state->n_macvlans,
		[TOPO_OBJ_PORT] = state->n_ports, [TOPO_OBJ_ROUTE] = state->n_routes,
		[TOPO_OBJ_PUBLISH] = state->n_publish, [TOPO_OBJ_STATIC] = 0 };
	unsigned k, i;

	for (k = TOPO_OBJ_SWITCH; k < TOPO_OBJ_STATIC; k++)
		for (i = 0; i < counts[k]; i++)
			if (*subset_slot(group, k, i) && *subset_slot(dropped, k, i)) {
				snprintf(why, size, "it needs [%s%s%s], which is not restored",
					 kind_name(k), k == TOPO_OBJ_SWITCH ? "" : " ",
					 obj_name(state, k, i));
				return -ENOENT;
			}
	return 0;
}

/* The union does not parse: add the kept objects one by one (each with
 * the kept objects it needs), and drop those that do not fit. */
static int
merge_one_by_one(struct topology *out, struct topology *u, const struct topology *file,
		 const struct topology *state, const struct topo_subset *keep,
		 struct state_messages *msgs)
{
	struct topo_subset *added = calloc(1, sizeof(*added));
	struct topo_subset *cand = calloc(1, sizeof(*cand));
	struct topo_subset *dropped = calloc(1, sizeof(*dropped));
	const unsigned counts[] = { [TOPO_OBJ_SWITCH] = 1,
		[TOPO_OBJ_BRIDGE] = state->n_bridges, [TOPO_OBJ_MACVLAN] = state->n_macvlans,
		[TOPO_OBJ_PORT] = state->n_ports, [TOPO_OBJ_ROUTE] = state->n_routes,
		[TOPO_OBJ_PUBLISH] = state->n_publish, [TOPO_OBJ_STATIC] = state->n_statics };
	unsigned k, i;
	int rc = -ENOMEM;

	if (added == NULL || cand == NULL || dropped == NULL)
		goto out;
	for (k = TOPO_OBJ_SWITCH; k <= TOPO_OBJ_STATIC; k++) {
		for (i = 0; i < counts[k]; i++) {
			struct topo_subset *group = cand;
			char why[512] = "", missing[TOPO_NAME_MAX] = "";
			int r;

			if (!*subset_slot((struct topo_subset *)keep, k, i) ||
			    *subset_slot(added, k, i))
				continue;
			memset(group, 0, sizeof(*group));
			*subset_slot(group, k, i) = true;
			topo_subset_close(group, state);
			subset_and(group, keep);
			r = needs_dropped(state, group, dropped, why, sizeof(why));
			subset_or(group, added);
			if (r == 0)
				r = build_union(u, file, state, group, missing, sizeof(missing));
			if (r == 0)
				r = validate(u, out, why, sizeof(why));
			else if (why[0] == '\0' && r == -ENOSPC)
				snprintf(why, sizeof(why), "no room for it next to %s", file->file);
			else if (why[0] == '\0')
				snprintf(why, sizeof(why), "it needs %s, which is not restored",
					 missing);
			if (r == 0) {
				memcpy(added, group, sizeof(*added));
				continue;
			}
			*subset_slot(dropped, k, i) = true;
			if (k == TOPO_OBJ_STATIC) {
				const uint8_t *m = state->statics[i].mac;

				msg(msgs, "%s:%u: [bridge %s] static %02x:%02x:%02x:%02x:%02x:%02x "
				    "is not restored: %s", state->file, state->statics[i].line,
				    state->bridges[state->statics[i].bridge].name,
				    m[0], m[1], m[2], m[3], m[4], m[5], why);
			} else {
				msg(msgs, "%s:%u: [%s%s%s] is not restored: %s", state->file,
				    obj_line(state, k, i), kind_name(k),
				    k == TOPO_OBJ_SWITCH ? "" : " ", obj_name(state, k, i), why);
			}
		}
	}
	rc = build_union(u, file, state, added, NULL, 0);
	if (rc == 0)
		rc = validate(u, out, NULL, 0);
out:
	free(added);
	free(cand);
	free(dropped);
	return rc;
}

int
state_merge(struct topology *out, const struct topology *file,
	    const struct topology *state, struct state_messages *msgs)
{
	struct topo_subset *keep = calloc(1, sizeof(*keep));
	struct topology *u = malloc(sizeof(*u));
	char missing[TOPO_NAME_MAX], why[512];
	int rc = -ENOMEM;

	if (keep == NULL || u == NULL)
		goto out;
	compare(file, state, keep, msgs);
	rc = build_union(u, file, state, keep, missing, sizeof(missing));
	if (rc == 0)
		rc = validate(u, out, NULL, 0);
	if (rc != 0)
		rc = merge_one_by_one(out, u, file, state, keep, msgs);
	if (rc != 0) {
		/* the file alone did not come back: say why, change nothing */
		if (validate(file, out, why, sizeof(why)) != 0)
			msg(msgs, "%s: cannot be merged: %s", file->file, why);
		rc = -EINVAL;
		goto out;
	}
	restore_lines(out, file, state);
out:
	free(keep);
	free(u);
	return rc;
}
