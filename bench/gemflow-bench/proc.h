/* Running a program and keeping its stdout (bounded). */
#ifndef GFB_PROC_H
#define GFB_PROC_H
#include <stddef.h>

/* Runs argv[0] (PATH searched), stdin from /dev/null, stderr inherited,
 * stdout into out (at most cap - 1 bytes kept, NUL-terminated; the rest
 * read and dropped). Its exit status, or -1 when it could not run or was
 * killed. */
int gfb_run_capture(char *const argv[], char *out, size_t cap);
#endif
