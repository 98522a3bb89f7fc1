/* --plot FILE.svg: one run per concurrency of --sweep, each a fresh
 * gemflow-bench process (its own peak RSS) against the same simulators,
 * then gnuplot draws images/s and peak RSS against concurrency. The
 * points' JSON objects go to stdout, one per line. */
#ifndef GFB_PLOT_H
#define GFB_PLOT_H
#include "opts.h"

int gfb_plot_main(const gfb_opts *o, const char *sim_path, int argc,
                  char **argv);
#endif
