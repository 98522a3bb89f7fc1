/* The page, index.html, embedded at build time (embed.cmake writes
 * page_html.c), so that an installed binary needs no files beside it. */
#ifndef GAL_PAGE_H
#define GAL_PAGE_H
#include <stddef.h>

extern const unsigned char gal_page_html[];
extern const size_t gal_page_html_len;
#endif
