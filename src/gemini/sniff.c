/* The mime type of an image from its first bytes. Reference images are
 * labelled by what they are, not by their file name. */
#include <string.h>

#include "gemflow.h"

static const char *gf__sniff_ftyp(const unsigned char *p);

const char *gf_sniff_mime(const void *data, size_t len) {
  const unsigned char *p = data;
  if (!p)
    return NULL;
  if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "image/png";
  if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
    return "image/jpeg";
  if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
    return "image/webp";
  if (len >= 12 && memcmp(p + 4, "ftyp", 4) == 0)
    return gf__sniff_ftyp(p + 8);
  return NULL;
}

/* ISO-BMFF: the major brand after "ftyp" tells HEIC (HEVC coded) from
 * generic HEIF. */
static const char *gf__sniff_ftyp(const unsigned char *brand) {
  static const char heic[][5] = {"heic", "heix", "hevc", "heim",
                                 "heis", "hevm", "hevs"};
  static const char heif[][5] = {"mif1", "msf1", "heif"};
  for (size_t i = 0; i < sizeof heic / sizeof heic[0]; i++)
    if (memcmp(brand, heic[i], 4) == 0)
      return "image/heic";
  for (size_t i = 0; i < sizeof heif / sizeof heif[0]; i++)
    if (memcmp(brand, heif[i], 4) == 0)
      return "image/heif";
  return NULL;
}
