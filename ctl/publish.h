/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_CTL_PUBLISH_H
#define VSW_CTL_PUBLISH_H

/*
 * Published ports at run time (vswctl publish add|del, show publish):
 *
 *     publish add NAME port=PORT proto=tcp|udp listen=N[-M] to=IP:P[-Q]
 *     publish del NAME
 *     show publish
 *
 * A rule is checked by the topology parser itself, as a [publish NAME]
 * section appended to the running topology written out (topo_write): the
 * same keys, values and messages as in the file, and the same checks (a
 * routed port that masquerades, 'to' in a network masqueraded through
 * it, no overlap with another rule). Then the NAT installs it under the
 * worker barrier (napt_publish_add), all of it or nothing: an external
 * port in use by a dynamic mapping is refused by name. 'publish del'
 * removes the rule's mappings and sessions only (napt_publish_del).
 * Adding a rule identical to an existing one of that name is OK; another
 * rule under an existing name, or del of a missing name, is ERR. Nothing
 * changes on any ERR.
 *
 * The rules in force are the running topology's [publish] sections
 * (sw->run->publish): add and del apply the running topology with the
 * rule added or taken out through the reconciler (switch/apply.c), which
 * installs and removes it under the barrier; so SIGHUP and the state
 * file see them as any other object. Control thread only.
 */

#include "ctl/table.h"
#include "switch/vsw.h"

int ctl_publish_add(struct vsw *sw, struct reply *r, int argc, char **argv,
		    char *err, size_t errlen);
int ctl_publish_del(struct vsw *sw, struct reply *r, int argc, char **argv,
		    char *err, size_t errlen);
int ctl_show_publish(struct vsw *sw, struct reply *r, int argc, char **argv,
		     char *err, size_t errlen);

#endif
