/* The gallery's routes (routes.c lists them), as gal_routes callbacks;
 * ud is the gal_app. */
#ifndef GAL_ROUTES_H
#define GAL_ROUTES_H
#include <stddef.h>

#include "server.h"

size_t gal_route_body_limit(const char *method, const char *path, void *ud);
void gal_route(gal_conn *c, const gal_req *r, void *ud);
#endif
