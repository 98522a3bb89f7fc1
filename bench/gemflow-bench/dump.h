/* --dump-requests DIR: the exact requests gemflow sends for the bench's
 * options, captured by a plain-HTTP listener on loopback that answers 400:
 * DIR/body-K.json (one per distinct prompt, byte for byte), DIR/target
 * (the request target without the key), DIR/key_in ("query" or "header")
 * and DIR/headers (the request headers but Host, Content-Length and the
 * key). Peers in bench/compare.sh send the same. The key is a dummy here. */
#ifndef GFB_DUMP_H
#define GFB_DUMP_H
#include "opts.h"

int gfb_dump_main(const gfb_opts *o);
#endif
