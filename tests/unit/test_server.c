/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/server.h"

static struct vsw sw;   /* no ports: only the request handling is tested */

static void
expect_err(const char *req, size_t len, const char *needle)
{
	char *out = ctl_execute(&sw, req, len);

	assert_non_null(out);
	if (strncmp(out, "ERR ", 4) != 0 || strstr(out, needle) == NULL)
		print_error("request '%.*s' got: %s", (int)len, req, out);
	assert_int_equal(strncmp(out, "ERR ", 4), 0);
	assert_non_null(strstr(out, needle));
	assert_non_null(strchr(out, '\n'));
	free(out);
}

static void
test_malformed_requests_get_errors(void **state)
{
	char big[8192];
	const char bin[] = "show\x01ports";
	const char nul[] = "show\0ports";

	(void)state;
	expect_err("", 0, "empty request");
	expect_err("   ", 3, "empty request");
	expect_err("frobnicate", 10, "unknown command 'frobnicate'");
	expect_err("show", 4, "unknown command 'show'");
	expect_err("show nothing", 12, "unknown command 'show nothing'");
	expect_err(bin, sizeof(bin) - 1, "non-printable");
	expect_err(nul, sizeof(nul) - 1, "non-printable");
	memset(big, 'a', sizeof(big));
	expect_err(big, sizeof(big), "longer than");
	expect_err("a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P",
		   83, "too many words");
}

static void
test_help_and_json(void **state)
{
	char *out;

	(void)state;
	out = ctl_execute(&sw, "help", 4);
	assert_non_null(out);
	assert_int_equal(strncmp(out, "OK\n", 3), 0);
	assert_non_null(strstr(out, "show ports"));
	free(out);
	out = ctl_execute(&sw, "show ports --json", 17);
	assert_string_equal(out, "OK\n{\"ports\":[]}\n");
	free(out);
	out = ctl_execute(&sw, "  show\tports  ", 14);
	assert_int_equal(strncmp(out, "OK\n", 3), 0);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_requests_get_errors),
		cmocka_unit_test(test_help_and_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
