/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_CTL_PCAPNG_H
#define VSW_CTL_PCAPNG_H

/*
 * pcapng blocks (draft-ietf-opsawg-pcapng) into a byte buffer, for
 * vswctl capture's stream: a section header, an interface description per
 * port, an enhanced packet block per frame and interface statistics at
 * the end. Little-endian (this machine's order, which the section header
 * states), nanosecond timestamps (if_tsresol 9).
 *
 * Written here, not by a library: libpcap writes only classic pcap, and
 * DPDK 22.11's rte_pcapng writes an interface block for every ethdev and
 * none for anything else (vsw's AF_PACKET and TAP ports are not ethdevs;
 * rte_pcapng_add_interface came in 23.03), and has no per-packet comment
 * (a drop's reason; 23.11). Readers: tshark, Wireshark, tcpdump, libpcap.
 *
 * No DPDK in here (the unit test reads the blocks back with libpcap).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pcapng_buf {
	uint8_t *data;
	size_t len;                     /* bytes written */
	size_t cap;                     /* bytes allocated */
	size_t max;                     /* never grow past this */
};

/* epb_flags: the direction, bits 0-1 */
#define PCAPNG_INBOUND 1u
#define PCAPNG_OUTBOUND 2u

/* Each returns 0, or -1 when the block would take the buffer past max
 * (nothing written) or memory ran out. */
int pcapng_shb(struct pcapng_buf *b, const char *hardware, const char *os,
	       const char *app);
int pcapng_idb(struct pcapng_buf *b, const char *name, const char *desc,
	       uint32_t snaplen);
/* An enhanced packet block of 'caplen' bytes: returns where the caller
 * copies them (NULL: no room); 'comment' may be NULL. */
uint8_t *pcapng_epb(struct pcapng_buf *b, uint32_t ifid, uint64_t ns,
		    uint32_t caplen, uint32_t orig_len, uint32_t flags,
		    const char *comment);
/* Interface statistics: received (frames of the port seen by the capture),
 * accepted by the filter, lost (no room: the reader was slow), delivered
 * (written to the stream). */
int pcapng_isb(struct pcapng_buf *b, uint32_t ifid, uint64_t start_ns,
	       uint64_t end_ns, uint64_t recv, uint64_t accepted, uint64_t lost,
	       uint64_t delivered);

/* Drop the first 'n' bytes (written out). */
void pcapng_consume(struct pcapng_buf *b, size_t n);
void pcapng_free(struct pcapng_buf *b);

#endif
