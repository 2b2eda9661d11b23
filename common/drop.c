/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/drop.h"

#define DROP_NAME(e, n, d) [VSW_DROP_##e] = n,
#define DROP_DESC(e, n, d) [VSW_DROP_##e] = d,
const char *const vsw_drop_name[VSW_DROP_MAX] = { VSW_DROPS(DROP_NAME) };
const char *const vsw_drop_desc[VSW_DROP_MAX] = { VSW_DROPS(DROP_DESC) };
