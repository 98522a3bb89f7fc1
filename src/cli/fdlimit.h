/* Open files for thousands of streams: each in-flight generation holds a
 * socket and, while its image streams, a temporary file. */
#ifndef GF_CLI_FDLIMIT_H
#define GF_CLI_FDLIMIT_H

/* Raises the soft RLIMIT_NOFILE to the hard one (main(), before anything
 * else opens files). Best effort. */
void gf__fdlimit_raise(void);
/* Open files a batch of this concurrency may need at once. */
unsigned long gf__fdlimit_need(unsigned long concurrency);
/* 0 when the limit allows concurrency; else 2 after a usage error saying
 * how many are needed, the limits, and what to do. */
int gf__fdlimit_check(unsigned long concurrency);
#endif
