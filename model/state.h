/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_STATE_H
#define VSW_STATE_H

/*
 * The state file: what was created at run time (networks, ports,
 * endpoints, publish rules), kept across a restart of vsw.
 *
 * Format: the topology file's INI (config/topology.h), written by the
 * topology writer, between a header and a trailer that are comments to the
 * parser:
 *
 *     # vsw state 1
 *     # written by vsw: what was made at run time; the topology file wins
 *     [bridge net1]
 *     ...
 *     # end
 *
 * The first line names the format (STATE_FORMAT); a file of another format
 * is refused by name, not misread. The last line is "# end": a file cut
 * short anywhere (a full disk, a copy stopped half-way) has none, and is
 * refused as truncated, even where the cut falls between two sections and
 * what is left would parse. Between them, the same parser as the topology
 * file's validates every key and reference, so the state holds, besides
 * the objects created at run time, what they refer to (the bridge a port
 * is on, the uplink a publish rule uses; see topo_subset_close()), and
 * parses on its own. rx and tx paths are read as written (not resolved
 * against the state file's directory).
 *
 * Writing is atomic: PATH.tmp in the same directory, fsync, rename over
 * PATH, fsync of the directory. Until the rename PATH is untouched; on any
 * error before it, PATH.tmp is removed. So after a crash (kill -9, power)
 * PATH is the old state or the new one, never a mix. state_write_how()
 * leaves the two fsyncs to a later state_sync() (see there).
 *
 * Merge at start (state_merge): the topology file wins for what it names.
 * An object is named by its kind and name ([port c1]); a static FDB entry
 * by its bridge, MAC and VLAN. Only in the state: kept. Only in the file:
 * kept. In both and the same: one. In both and different: the file's, and
 * a message naming both places. A kept object that no longer fits with the
 * file (the file now has a port on its interface, an overlapping subnet,
 * its uplink is gone or no longer routed) is dropped with a message giving
 * the parser's reason; the rest is kept.
 *
 * Single-threaded control-plane code; nothing here touches the switch.
 */

#include <stdbool.h>
#include <stdio.h>

#include "config/topology.h"

#define STATE_FORMAT 1
#define STATE_HEADER "# vsw state 1"
#define STATE_TRAILER "# end"
#define STATE_SIZE_MAX (64u << 20)      /* a larger file is not ours */

/*
 * Write the objects of 't' that 'keep' keeps (NULL: all), with what they
 * need, to 'path' atomically. Returns 0, -EINVAL when 't' cannot be written
 * as a topology (message on 'err'), or -errno of the step that failed
 * (message "PATH: STEP: reason" on 'err'; may be NULL). An error of the
 * directory's fsync comes after the rename: PATH then holds the new state.
 */
int state_write(const char *path, const struct topology *t, topo_keep_fn *keep,
		void *arg, FILE *err);

/*
 * The same with 'sync' false: PATH.tmp is written and renamed over PATH,
 * with no fsync. Atomic against a crash of vsw (kill -9: the kernel has
 * the data once write() returned, and the rename is all or nothing), not
 * yet against a crash of the machine until state_sync(PATH) returned.
 */
int state_write_how(const char *path, const struct topology *t, topo_keep_fn *keep,
		    void *arg, FILE *err, bool sync);

/* fsync PATH, then its directory (the rename's durability). 0 or -errno
 * (message on 'err'). */
int state_sync(const char *path, FILE *err);

/*
 * Read 'path' into 't'. A missing file is an empty state: 0, and 't' has
 * no objects. A file that is not a state file, of another format, cut
 * short, holding a NUL byte, or with any topology error: -EINVAL, every
 * problem on 'err' as PATH:LINE: reason. -errno when it cannot be read.
 */
int state_read(const char *path, struct topology *t, FILE *err);

/* Messages of a merge, one line each, in the order they arose. */
struct state_messages {
	char **text;
	unsigned n, cap;
};

void state_messages_free(struct state_messages *m);

/*
 * The effective topology of the topology file 'file' and the state
 * 'state' (both as parsed), into 'out' (not one of them), by the rule
 * above; what was decided and why goes into 'msgs', e.g.
 *     state.ini:12: [port c1] differs from lab.ini:30 (lab.ini: mtu = 1500;
 *     state: mtu = 9000); the topology file wins
 * 'out' is validated by the parser (written, then read back): its objects
 * carry the line of the file they came from. Returns 0, or -EINVAL when
 * 'file' itself cannot be written (a message says why), -ENOMEM.
 */
int state_merge(struct topology *out, const struct topology *file,
		const struct topology *state, struct state_messages *msgs);

/* Tests: called before each step of state_write() ("open", "write",
 * "fsync", "rename", "dirsync"); a non-zero return fails the step with
 * that errno. NULL in vsw. */
extern int (*state_fault)(const char *step);

#endif
