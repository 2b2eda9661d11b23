/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_TELEMETRY_H
#define VSW_TELEMETRY_H

/*
 * vsw's own commands in DPDK's telemetry (/vsw/...), beside DPDK's
 * (/ethdev/..., /mempool/...): dpdk-telemetry.py -f vsw-PID reads them.
 * The callbacks run on DPDK's telemetry thread; they take sw->ctl_lock.
 */

#include "switch/vsw.h"

/* Register the /vsw/ commands for 'sw' (once, after vsw_start). 0 or
 * -errno (telemetry is off: the EAL ran with --no-telemetry). */
int vsw_telemetry_init(struct vsw *sw);

#endif
