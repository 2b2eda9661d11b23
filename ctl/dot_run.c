/* SPDX-License-Identifier: BSD-3-Clause */
/* Graphviz's dot as a child process (dot_run.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl/dot_run.h"

/* All of 'len' bytes, or -errno (EPIPE: dot stopped reading). */
static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
dot_run(const char *text, size_t len, const char *format, const char *path,
	char *err, size_t errlen)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int in[2], ep[2], status, werr, exec_errno = 0;
	char fmt[32];
	pid_t pid;
	ssize_t n;

	snprintf(fmt, sizeof(fmt), "-T%s", format);
	if (pipe2(in, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "dot: pipe: %s", strerror(errno));
		return -errno;
	}
	/* the child tells exec's errno here; a successful exec closes it */
	if (pipe2(ep, O_CLOEXEC) < 0) {
		werr = errno;
		close(in[0]);
		close(in[1]);
		snprintf(err, errlen, "dot: pipe: %s", strerror(werr));
		return -werr;
	}
	fflush(NULL);           /* nothing of ours after dot's output */
	pid = fork();
	if (pid < 0) {
		werr = errno;
		close(in[0]);
		close(in[1]);
		close(ep[0]);
		close(ep[1]);
		snprintf(err, errlen, "dot: fork: %s", strerror(werr));
		return -werr;
	}
	if (pid == 0) {
		char *argv[] = { "dot", fmt, path ? "-o" : NULL, (char *)path, NULL };
		int e;

		/* an ignored SIGPIPE would outlive exec */
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], STDIN_FILENO) >= 0)
			execvp("dot", argv);
		e = errno;
		/* the parent reads why; if even that fails it sees status 127 */
		if (write(ep[1], &e, sizeof(e)) != (ssize_t)sizeof(e))
			_exit(126);
		_exit(127);
	}
	close(in[0]);
	close(ep[1]);
	/* dot that stops early (bad input) must not kill us: see its status */
	sigaction(SIGPIPE, &ign, &old);
	werr = write_all(in[1], text, len);
	close(in[1]);
	sigaction(SIGPIPE, &old, NULL);
	do {
		n = read(ep[0], &exec_errno, sizeof(exec_errno));
	} while (n < 0 && errno == EINTR);
	close(ep[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "dot: wait: %s", strerror(errno));
			return -errno;
		}
	}
	if (n == (ssize_t)sizeof(exec_errno)) {
		if (exec_errno == ENOENT) {
			snprintf(err, errlen, "%s", DOT_MISSING);
			return -ENOENT;
		}
		snprintf(err, errlen, "cannot run dot: %s", strerror(exec_errno));
		return -exec_errno;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFSIGNALED(status))
			snprintf(err, errlen, "dot was killed by signal %d", WTERMSIG(status));
		else
			snprintf(err, errlen, "dot failed (exit status %d)", WEXITSTATUS(status));
		return -EIO;
	}
	if (werr != 0) {
		/* dot exited 0 without reading all of it: not a whole picture */
		snprintf(err, errlen, "dot did not read the graph: %s", strerror(-werr));
		return -EIO;
	}
	return 0;
}
