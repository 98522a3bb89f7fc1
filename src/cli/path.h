/* File-name helpers the CLI's modules share. */
#ifndef GF_CLI_PATH_H
#define GF_CLI_PATH_H

/* "dir/name", malloc'd; NULL when out of memory. */
char *gf__path_join(const char *dir, const char *name);
#endif
