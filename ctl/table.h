/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_TABLE_H
#define VSW_TABLE_H

/*
 * Replies of the control socket: named tables of records, rendered either
 * as aligned text for people or as JSON for programs
 * ({"NAME": [{"col": value, ...}, ...], ...}). One data model, two views,
 * so the two never disagree.
 *
 * Control thread only; allocation is fine here.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct reply;

struct reply *reply_new(bool json);
void reply_free(struct reply *r);

/* Start a table 'name' with 'ncols' columns; a column name that starts
 * with '#' is numeric (right-aligned, unquoted in JSON; the '#' is not
 * shown). 'title' is printed above the table in text mode (may be NULL). */
void reply_table(struct reply *r, const char *name, const char *title,
		 unsigned ncols, const char *const *cols);
/* Add a row: exactly 'ncols' cells, as strings. */
void reply_row(struct reply *r, ...);
void reply_rowv(struct reply *r, const char *const *cells);
/* A line of free text (text mode only; JSON ignores it). */
void reply_note(struct reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A top-level string member "name": "value" after the tables (JSON only;
 * text mode says it in a note). At most 4 a reply. */
void reply_field(struct reply *r, const char *name, const char *value);

/* Render everything into a malloc'ed string (caller frees). */
char *reply_render(struct reply *r, size_t *len);

/* Format helpers returning a static-per-call-site buffer are avoided;
 * use these into caller buffers. */
const char *fmt_u64(char *buf, size_t len, uint64_t v);

#endif
