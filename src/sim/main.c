#include "sim/sim.h"

int main(int argc, char **argv) { return gf__sim_main(argc, argv); }
