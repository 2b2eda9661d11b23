/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/table.h"

static const char *const cols[] = { "name", "#count" };

static void
test_text_is_aligned(void **state)
{
	struct reply *r = reply_new(false);
	size_t len;
	char *out;

	(void)state;
	reply_table(r, "things", "things:", 2, cols);
	reply_row(r, "a", "1");
	reply_row(r, "longer-name", "12345");
	out = reply_render(r, &len);
	assert_string_equal(out,
			    "things:\n"
			    "name         count\n"
			    "a                1\n"
			    "longer-name  12345\n");
	assert_int_equal(len, strlen(out));
	free(out);
	reply_free(r);
}

static void
test_empty_table_says_none(void **state)
{
	struct reply *r = reply_new(false);
	char *out;
	size_t len;

	(void)state;
	reply_table(r, "things", NULL, 2, cols);
	reply_note(r, "a note");
	out = reply_render(r, &len);
	assert_string_equal(out, "name  count\n(none)\na note\n");
	free(out);
	reply_free(r);
}

static void
test_json_escapes_and_types(void **state)
{
	struct reply *r = reply_new(true);
	char *out;
	size_t len;

	(void)state;
	reply_table(r, "t1", NULL, 2, cols);
	reply_row(r, "quo\"te\\back\nline", "7");
	reply_row(r, "empty-number", "");
	reply_table(r, "t2", NULL, 2, cols);
	reply_note(r, "notes are text only");
	out = reply_render(r, &len);
	assert_string_equal(out,
		"{\"t1\":[{\"name\":\"quo\\\"te\\\\back\\u000aline\",\"count\":7},"
		"{\"name\":\"empty-number\",\"count\":null}],\"t2\":[]}\n");
	free(out);
	reply_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_is_aligned),
		cmocka_unit_test(test_empty_table_says_none),
		cmocka_unit_test(test_json_escapes_and_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
