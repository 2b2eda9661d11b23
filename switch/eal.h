/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_EAL_H
#define VSW_EAL_H

/*
 * DPDK without ceremony: the EAL arguments are made from [switch].
 *  - Every instance runs with its own --file-prefix and without shared
 *    configuration files, so several vsw run side by side.
 *  - hugepages = auto uses free hugepages when there are enough and runs
 *    on ordinary memory (--no-huge) otherwise; yes insists, no never tries.
 *  - No PCI scan unless a dpdk port names a PCI device (then only those).
 *  - The main lcore (control) floats over the allowed CPUs; each worker
 *    is pinned to one of [switch] cpus (default: the last CPUs).
 *  - [switch] eal = ... is appended as is, for the cases not covered.
 */

#include <stddef.h>

#include "config/topology.h"

/* rte_eal_init() with arguments made from 'topo'. 0 or -errno + 'err'. */
int vsw_eal_init(const struct topology *topo, const char *argv0,
		 size_t mem_mb, char *err, size_t errlen);

/* rte_eal_cleanup() and removal of the runtime directory. */
void vsw_eal_cleanup(void);

/* The EAL lcore that runs worker 'i'. */
unsigned vsw_eal_worker_lcore(unsigned i);

#endif
