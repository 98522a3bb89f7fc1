/* The heap in use, as the allocator counts it (chunk overhead included),
 * for tests that bound a parser's memory. Under ASan, which replaces
 * malloc, its allocator is asked instead. */
#ifndef GF_TEST_HEAP_H
#define GF_TEST_HEAP_H
#include <malloc.h>
#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define GF_T_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GF_T_ASAN 1
#endif
#endif

#ifdef GF_T_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
static inline size_t gf_t_heap_in_use(void) {
  return __sanitizer_get_current_allocated_bytes();
}
#else
static inline size_t gf_t_heap_in_use(void) {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}
#endif
#endif
