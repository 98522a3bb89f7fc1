#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int gfb_run_capture(char *const argv[], char *out, size_t cap) {
  int fds[2];
  if (cap == 0 || pipe2(fds, O_CLOEXEC))
    return -1;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
      _exit(127);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0)
      dup2(null, STDIN_FILENO);
    dup2(fds[1], STDOUT_FILENO);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    return -1;
  }
  size_t len = 0;
  char sink[4096];
  for (;;) {
    char *dst = len < cap - 1 ? out + len : sink;
    size_t room = len < cap - 1 ? cap - 1 - len : sizeof sink;
    ssize_t n = read(fds[0], dst, room);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    if (dst != sink)
      len += (size_t)n;
  }
  out[len] = '\0';
  close(fds[0]);
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
