/* generationConfig as the service checks it: every field it knows, with
 * its type (imageConfig and thinkingConfig field by field), the values the
 * simulator acts on (responseModalities, imageConfig, seed), and an
 * unknown name anywhere in it refused as the service refuses it, unless
 * --passthrough-fields (r->lenient) lets newer fields through as before. */
#ifndef GF_SIM_GENCONFIG_H
#define GF_SIM_GENCONFIG_H
#include "sim/apierr.h"

struct json_object;
struct gf__sim_req;

/* gc: the value of the generationConfig key. 0, or -1 with e set. */
int gf__sim_check_gen_config(struct gf__sim_req *r, struct json_object *gc,
                             gf__sim_err *e);
#endif
