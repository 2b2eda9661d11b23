/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vswpace: a constant-rate UDP stream and its timestamping receiver, for the
 * churn benchmark's forwarding gap (bench/net.py, scenario churn).
 *
 *   vswpace send DST_IP PORT RATE SECONDS
 *   vswpace recv PORT SECONDS OUTFILE
 *
 * send: RATE datagrams a second to DST_IP:PORT for SECONDS, each due at a
 * fixed CLOCK_MONOTONIC time (clock_nanosleep to the next one, timer slack
 * 1 ns); a sender that wakes late sends the ones due since, at most 1 ms of
 * them (the rest are skipped and counted, so a stall never becomes a burst;
 * a skipped datagram takes no sequence number, so that a hole in the
 * receiver's sequence is a datagram lost on the way, not a late sender).
 * Payload: sequence number and CLOCK_REALTIME at send (ns), 8 bytes each,
 * host order. Prints "sent N skipped M" at the end.
 *
 * recv: binds PORT, takes the kernel's receive timestamp of every datagram
 * (SO_TIMESTAMPNS: when the frame entered this namespace's stack, i.e. when
 * the switch handed it to the veth, not when this process woke) and, at the
 * end (SECONDS passed, or SIGINT/SIGTERM), writes OUTFILE: one record of
 * three uint64 (host order) per datagram: rx ns, tx ns, sequence number,
 * all CLOCK_REALTIME, so that a script can cut windows out of it by its own
 * time.time(). Prints "received N" at the end.
 *
 * C and not python: the sender's pacing and the receiver's timestamps must
 * not add gaps of their own near the 1 ms the benchmark looks for.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#define BATCH 64

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
do_send(const char *ip, int port, double rate, double secs)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	uint64_t period = (uint64_t)(1e9 / rate), start, end, due, seq = 0, skipped = 0;
	uint64_t catchup = 1000000ull / (period ? period : 1) + 1;
	int fd;

	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1 || rate <= 0 || period == 0) {
		fprintf(stderr, "vswpace: bad address or rate\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("vswpace: socket");
		return 2;
	}
	start = now_ns(CLOCK_MONOTONIC);
	end = start + (uint64_t)(secs * 1e9);
	due = start;
	while (!stop && due < end) {
		struct timespec ts = { (time_t)(due / 1000000000ull), (long)(due % 1000000000ull) };
		uint64_t now, n = 0;

		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		now = now_ns(CLOCK_MONOTONIC);
		if (now > due + catchup * period) {
			uint64_t late = (now - due) / period - catchup;

			skipped += late;        /* no sequence numbers: not losses */
			due += late * period;
		}
		while (due <= now && n++ < catchup) {
			uint64_t msg[2] = { seq++, now_ns(CLOCK_REALTIME) };

			/* a full socket buffer (ENOBUFS) loses this one: the gap shows it */
			(void)send(fd, msg, sizeof(msg), MSG_DONTWAIT);
			due += period;
		}
	}
	printf("sent %llu skipped %llu\n", (unsigned long long)seq,
	       (unsigned long long)skipped);
	close(fd);
	return 0;
}

static int
do_recv(int port, double secs, const char *out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 0, 100000 };
	int fd, one = 1, rcvbuf = 4 << 20;
	size_t cap = 1 << 20, n = 0;
	uint64_t *rec = malloc(cap * 3 * sizeof(uint64_t)), end;
	FILE *f;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (rec == NULL || fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("vswpace: socket");
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	printf("ready\n");
	fflush(stdout);
	end = now_ns(CLOCK_MONOTONIC) + (uint64_t)(secs * 1e9);
	while (!stop && now_ns(CLOCK_MONOTONIC) < end) {
		struct mmsghdr mm[BATCH];
		struct iovec iov[BATCH];
		uint64_t data[BATCH][2];
		char ctl[BATCH][CMSG_SPACE(sizeof(struct timespec))];
		int i, got;

		memset(mm, 0, sizeof(mm));
		for (i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ data[i], sizeof(data[i]) };
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_control = ctl[i];
			mm[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
		}
		got = recvmmsg(fd, mm, BATCH, MSG_WAITFORONE, NULL);
		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			perror("vswpace: recvmmsg");
			break;
		}
		for (i = 0; i < got; i++) {
			struct cmsghdr *c;
			uint64_t rx = 0;

			if (mm[i].msg_len != sizeof(data[i]))
				continue;
			for (c = CMSG_FIRSTHDR(&mm[i].msg_hdr); c; c = CMSG_NXTHDR(&mm[i].msg_hdr, c))
				if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
					struct timespec ts;

					memcpy(&ts, CMSG_DATA(c), sizeof(ts));
					rx = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
				}
			if (rx == 0)
				rx = now_ns(CLOCK_REALTIME);
			if (n == cap) {
				uint64_t *r2 = realloc(rec, cap * 2 * 3 * sizeof(uint64_t));

				if (r2 == NULL)
					break;
				rec = r2;
				cap *= 2;
			}
			rec[3 * n] = rx;
			rec[3 * n + 1] = data[i][1];
			rec[3 * n + 2] = data[i][0];
			n++;
		}
	}
	f = fopen(out, "wb");
	if (f == NULL || fwrite(rec, 3 * sizeof(uint64_t), n, f) != n || fclose(f) != 0) {
		perror("vswpace: writing the records");
		return 2;
	}
	printf("received %zu\n", n);
	free(rec);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 6 && strcmp(argv[1], "send") == 0)
		return do_send(argv[2], atoi(argv[3]), atof(argv[4]), atof(argv[5]));
	if (argc == 5 && strcmp(argv[1], "recv") == 0)
		return do_recv(atoi(argv[2]), atof(argv[3]), argv[4]);
	fprintf(stderr, "usage: vswpace send DST_IP PORT RATE SECONDS\n"
		"       vswpace recv PORT SECONDS OUTFILE\n");
	return 2;
}
