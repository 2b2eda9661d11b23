/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/table.h"

#define MAX_COLS 24

struct table {
	char *name;
	char *title;
	unsigned ncols;
	char *cols[MAX_COLS];
	bool numeric[MAX_COLS];
	char **cells;               /* rows * ncols */
	size_t rows, cap;
	char *note;                 /* text printed after the table */
};

struct reply {
	bool json;
	struct table *tables;
	unsigned n, cap;
	char *notes;                /* notes before any table */
	char *fields[4][2];         /* reply_field(): name, value */
	unsigned n_fields;
};

struct reply *
reply_new(bool json)
{
	struct reply *r = calloc(1, sizeof(*r));

	if (r != NULL)
		r->json = json;
	return r;
}

void
reply_free(struct reply *r)
{
	unsigned t, c;
	size_t i;

	if (r == NULL)
		return;
	for (t = 0; t < r->n; t++) {
		struct table *tb = &r->tables[t];

		for (i = 0; i < tb->rows * tb->ncols; i++)
			free(tb->cells[i]);
		for (c = 0; c < tb->ncols; c++)
			free(tb->cols[c]);
		free(tb->cells);
		free(tb->name);
		free(tb->title);
		free(tb->note);
	}
	free(r->tables);
	free(r->notes);
	for (t = 0; t < r->n_fields; t++) {
		free(r->fields[t][0]);
		free(r->fields[t][1]);
	}
	free(r);
}

void
reply_table(struct reply *r, const char *name, const char *title,
	    unsigned ncols, const char *const *cols)
{
	struct table *tb;
	unsigned c;

	if (r->n == r->cap) {
		unsigned cap = r->cap ? r->cap * 2 : 4;
		struct table *nt = realloc(r->tables, cap * sizeof(*nt));

		if (nt == NULL)
			abort();
		r->tables = nt;
		r->cap = cap;
	}
	tb = &r->tables[r->n++];
	memset(tb, 0, sizeof(*tb));
	tb->name = strdup(name);
	tb->title = title ? strdup(title) : NULL;
	tb->ncols = ncols > MAX_COLS ? MAX_COLS : ncols;
	for (c = 0; c < tb->ncols; c++) {
		tb->numeric[c] = cols[c][0] == '#';
		tb->cols[c] = strdup(cols[c] + tb->numeric[c]);
	}
}

void
reply_rowv(struct reply *r, const char *const *cells)
{
	struct table *tb = &r->tables[r->n - 1];
	unsigned c;

	if (tb->rows == tb->cap) {
		size_t cap = tb->cap ? tb->cap * 2 : 16;
		char **nc = realloc(tb->cells, cap * tb->ncols * sizeof(*nc));

		if (nc == NULL)
			abort();
		tb->cells = nc;
		tb->cap = cap;
	}
	for (c = 0; c < tb->ncols; c++)
		tb->cells[tb->rows * tb->ncols + c] = strdup(cells[c] ? cells[c] : "");
	tb->rows++;
}

void
reply_row(struct reply *r, ...)
{
	const char *cells[MAX_COLS];
	unsigned c, n = r->tables[r->n - 1].ncols;
	va_list ap;

	va_start(ap, r);
	for (c = 0; c < n; c++)
		cells[c] = va_arg(ap, const char *);
	va_end(ap);
	reply_rowv(r, cells);
}

void
reply_note(struct reply *r, const char *fmt, ...)
{
	char **dst = r->n ? &r->tables[r->n - 1].note : &r->notes;
	char *line = NULL, *joined;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if (*dst == NULL) {
		*dst = line;
		return;
	}
	if (asprintf(&joined, "%s\n%s", *dst, line) >= 0) {
		free(*dst);
		*dst = joined;
	}
	free(line);
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void
render_json(struct reply *r, FILE *f)
{
	unsigned t, c;
	size_t i;

	fputc('{', f);
	for (t = 0; t < r->n; t++) {
		struct table *tb = &r->tables[t];

		fprintf(f, "%s", t ? "," : "");
		json_str(f, tb->name);
		fputs(":[", f);
		for (i = 0; i < tb->rows; i++) {
			fputs(i ? ",{" : "{", f);
			for (c = 0; c < tb->ncols; c++) {
				const char *v = tb->cells[i * tb->ncols + c];

				fprintf(f, "%s", c ? "," : "");
				json_str(f, tb->cols[c]);
				fputc(':', f);
				if (tb->numeric[c] && v[0] != '\0')
					fputs(v, f);
				else if (tb->numeric[c])
					fputs("null", f);
				else
					json_str(f, v);
			}
			fputc('}', f);
		}
		fputc(']', f);
	}
	for (t = 0; t < r->n_fields; t++) {
		fprintf(f, "%s", r->n > 0 || t > 0 ? "," : "");
		json_str(f, r->fields[t][0]);
		fputc(':', f);
		json_str(f, r->fields[t][1]);
	}
	fputs("}\n", f);
}

static void
render_text(struct reply *r, FILE *f)
{
	unsigned t, c;
	size_t i, w[MAX_COLS];

	if (r->notes)
		fprintf(f, "%s\n", r->notes);
	for (t = 0; t < r->n; t++) {
		struct table *tb = &r->tables[t];

		if (t > 0 || r->notes)
			fputc('\n', f);
		if (tb->title)
			fprintf(f, "%s\n", tb->title);
		for (c = 0; c < tb->ncols; c++) {
			w[c] = strlen(tb->cols[c]);
			for (i = 0; i < tb->rows; i++) {
				size_t l = strlen(tb->cells[i * tb->ncols + c]);

				if (l > w[c])
					w[c] = l;
			}
		}
		for (i = 0; i <= tb->rows; i++) {
			for (c = 0; c < tb->ncols; c++) {
				const char *v = i == 0 ? tb->cols[c] :
						tb->cells[(i - 1) * tb->ncols + c];
				int last = c + 1 == tb->ncols;

				if (tb->numeric[c])
					fprintf(f, "%*s%s", (int)w[c], v, last ? "" : "  ");
				else if (last)
					fprintf(f, "%s", v);
				else
					fprintf(f, "%-*s  ", (int)w[c], v);
			}
			fputc('\n', f);
		}
		if (tb->rows == 0)
			fprintf(f, "(none)\n");
		if (tb->note)
			fprintf(f, "%s\n", tb->note);
	}
}

void
reply_field(struct reply *r, const char *name, const char *value)
{
	unsigned i = r->n_fields;

	if (i == sizeof(r->fields) / sizeof(r->fields[0]))
		return;
	r->fields[i][0] = strdup(name);
	r->fields[i][1] = strdup(value);
	if (r->fields[i][0] == NULL || r->fields[i][1] == NULL) {
		free(r->fields[i][0]);
		free(r->fields[i][1]);
		return;
	}
	r->n_fields++;
}

char *
reply_render(struct reply *r, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		return NULL;
	if (r->json)
		render_json(r, f);
	else
		render_text(r, f);
	fclose(f);
	return buf;
}

const char *
fmt_u64(char *buf, size_t len, uint64_t v)
{
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}
