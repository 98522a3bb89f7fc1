/* Structs a caller fills begin with struct_size (set by their _init
 * function): the library reads only what the caller's header knew, so
 * that a program built against an older header keeps working. */
#ifndef GF_COMMON_SIZED_H
#define GF_COMMON_SIZED_H
#include <stddef.h>
#include <string.h>

/* Over dst, already holding the defaults: the first src_size bytes of src
 * (all of dst_size when src_size is 0, "as built against this header", or
 * larger, "a newer header": its new fields are not known here). */
static inline void gf__copy_sized(void *dst, size_t dst_size, const void *src,
                                  size_t src_size) {
  memcpy(dst, src, src_size && src_size < dst_size ? src_size : dst_size);
}
#endif
