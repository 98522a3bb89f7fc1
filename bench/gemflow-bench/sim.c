#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 20000
#define MAX_ARGS 64

void gfb_sim_path(const char *given, char *out, size_t outlen) {
  if (given) {
    snprintf(out, outlen, "%s", given);
    return;
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash) {
      *slash = '\0';
      static const char *const rel[] = {"/../../gemflow-sim", "/gemflow-sim"};
      for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
        int w = snprintf(out, outlen, "%s%s", self, rel[i]);
        if (w > 0 && (size_t)w < outlen && access(out, X_OK) == 0)
          return;
      }
    }
  }
  snprintf(out, outlen, "gemflow-sim");
}

/* fork + exec with stdout to out_fd (-1: /dev/null); the child gets
 * SIGTERM when we die, so no simulator outlives a crashed bench. */
static pid_t spawn(char *const argv[], int out_fd) {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0)
    return pid;
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent)
    _exit(127);
  int fd = out_fd >= 0 ? out_fd : open("/dev/null", O_WRONLY);
  if (fd >= 0 && fd != STDOUT_FILENO)
    dup2(fd, STDOUT_FILENO);
  execvp(argv[0], argv);
  _exit(127);
}

/* Reads the ready line ("gemflow-sim ready url=... ca=...") and copies the
 * url= value. 0 or -1. */
static int read_ready(int fd, char *url, size_t urllen) {
  char line[1024];
  size_t len = 0;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long left = READY_TIMEOUT_MS - ((t.tv_sec - t0.tv_sec) * 1000 +
                                    (t.tv_nsec - t0.tv_nsec) / 1000000);
    if (left <= 0)
      return -1;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, (int)left);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return -1;
    ssize_t n = read(fd, line + len, sizeof line - 1 - len);
    if (n <= 0)
      return -1;
    len += (size_t)n;
    line[len] = '\0';
    char *nl = strchr(line, '\n');
    if (!nl) {
      if (len == sizeof line - 1)
        return -1;
      continue;
    }
    *nl = '\0';
    const char *u = strstr(line, " url=");
    if (!strstr(line, "ready") || !u)
      return -1;
    u += 5;
    size_t ulen = strcspn(u, " ");
    if (ulen == 0 || ulen >= urllen)
      return -1;
    memcpy(url, u, ulen);
    url[ulen] = '\0';
    return 0;
  }
}

static void remove_certs(gfb_sims *s) {
  if (!s->dir[0])
    return;
  static const char *const files[] = {"ca.pem", "server.pem", "server.key"};
  char p[400];
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    snprintf(p, sizeof p, "%s/%s", s->dir, files[i]);
    unlink(p);
  }
  rmdir(s->dir);
  s->dir[0] = '\0';
}

int gfb_sims_start(gfb_sims *s, const char *path, int count,
                   const char *const *extra, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  if (count < 1 || count > GFB_MAX_URLS) {
    snprintf(err, errlen, "bad simulator count %d", count);
    return -1;
  }
  snprintf(s->dir, sizeof s->dir, "/tmp/gemflow-bench-XXXXXX");
  if (!mkdtemp(s->dir)) {
    snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
    s->dir[0] = '\0';
    return -1;
  }
  snprintf(s->ca, sizeof s->ca, "%s/ca.pem", s->dir);
  char cert[300], key[300];
  snprintf(cert, sizeof cert, "%s/server.pem", s->dir);
  snprintf(key, sizeof key, "%s/server.key", s->dir);
  for (int i = 0; i < count; i++) {
    char *argv[MAX_ARGS];
    int a = 0;
    argv[a++] = (char *)path;
    argv[a++] = "--port";
    argv[a++] = "0";
    if (i == 0) { /* the first makes the test CA; the rest serve its cert */
      argv[a++] = "--dir";
      argv[a++] = s->dir;
    } else {
      argv[a++] = "--cert";
      argv[a++] = cert;
      argv[a++] = "--key";
      argv[a++] = key;
    }
    for (int e = 0; extra && extra[e] && a < MAX_ARGS - 1; e++)
      argv[a++] = (char *)extra[e];
    argv[a] = NULL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC)) {
      snprintf(err, errlen, "pipe: %s", strerror(errno));
      gfb_sims_stop(s, NULL);
      return -1;
    }
    pid_t pid = spawn(argv, fds[1]);
    close(fds[1]);
    if (pid < 0) {
      close(fds[0]);
      snprintf(err, errlen, "fork: %s", strerror(errno));
      gfb_sims_stop(s, NULL);
      return -1;
    }
    s->pid[i] = pid;
    s->out_fd[i] = fds[0];
    s->count = i + 1;
    if (read_ready(fds[0], s->url[i], sizeof s->url[i])) {
      snprintf(err, errlen, "%s did not get ready (is it gemflow-sim?)",
               path);
      gfb_sims_stop(s, NULL);
      return -1;
    }
  }
  return 0;
}

double gfb_proc_cpu_s(pid_t pid) {
  char p[64], buf[1024];
  snprintf(p, sizeof p, "/proc/%ld/stat", (long)pid);
  FILE *f = fopen(p, "r");
  if (!f)
    return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* after "(comm)": state is field 3; utime 14, stime 15 */
  char *q = strrchr(buf, ')');
  if (!q)
    return -1;
  unsigned long long ut = 0, st = 0;
  if (sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
             &ut, &st) != 2)
    return -1;
  long hz = sysconf(_SC_CLK_TCK);
  return (double)(ut + st) / (double)(hz > 0 ? hz : 100);
}

double gfb_sims_cpu_s(const gfb_sims *s) {
  double sum = 0;
  for (int i = 0; i < s->count; i++) {
    double c = gfb_proc_cpu_s(s->pid[i]);
    if (c > 0)
      sum += c;
  }
  return sum;
}

void gfb_sims_stop(gfb_sims *s, double *cpu_s) {
  double sum = 0;
  for (int i = 0; i < s->count; i++)
    if (s->pid[i] > 0)
      kill(s->pid[i], SIGTERM);
  for (int i = 0; i < s->count; i++) {
    if (s->pid[i] <= 0)
      continue;
    struct rusage ru;
    int st;
    while (wait4(s->pid[i], &st, 0, &ru) < 0 && errno == EINTR) {
    }
    sum += (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    s->pid[i] = 0;
    if (s->out_fd[i] > 0)
      close(s->out_fd[i]);
  }
  s->count = 0;
  remove_certs(s);
  if (cpu_s)
    *cpu_s = sum;
}

int gfb_sim_render(const char *path, const char *prompt, const char *ratio,
                   const char *size, uint64_t seed, const char *out_png,
                   char *err, size_t errlen) {
  char seedtxt[32];
  snprintf(seedtxt, sizeof seedtxt, "%llu", (unsigned long long)seed);
  char *argv[] = {(char *)path, "--render", "--prompt", (char *)prompt,
                  "--aspect", (char *)ratio, "--size", (char *)size,
                  "--seed", seedtxt, "--out", (char *)out_png, NULL};
  pid_t pid = spawn(argv, -1);
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
      WEXITSTATUS(st) != 0) {
    snprintf(err, errlen, "%s --render failed", path);
    return -1;
  }
  return 0;
}
