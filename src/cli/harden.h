/* Process hardening for the CLI, done first thing in main(): the API key
 * lives in this process's memory, so no core file and no ptrace-attach by
 * another process of the same user should be able to show it. */
#ifndef GF_CLI_HARDEN_H
#define GF_CLI_HARDEN_H

/* Core file size limit 0 (soft and hard, so a child cannot raise it) and,
 * on Linux, PR_SET_DUMPABLE 0 (no core, no ptrace-attach without
 * CAP_SYS_PTRACE, /proc/<pid>/mem and environ closed to the user). Best
 * effort: a failure is not reported, the program still runs. */
void gf__harden_process(void);
#endif
