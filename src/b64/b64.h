/* Incremental base64 decoding (any split point) and one-shot encoding.
 *
 * The decoder accepts the standard (+/) and the URL-safe (-_) alphabet; the
 * first alphabet-specific character fixes which one, and a character of the
 * other one after it is an error. Padding is optional; CR and LF are skipped
 * (line-wrapped input). Anything else outside the alphabet, data after
 * padding, or a dangling single character at the end is GF_EB64, and
 * gf__b64_err_offset() tells the offset of the offending input byte, counted
 * from the first byte ever fed. The decoder never allocates.
 *
 * Details, all independent of where the input is split:
 * - '=' is valid only after 2 or 3 characters of a group; it ends the data.
 *   A group's bytes are emitted when its 4th character (or first '=')
 *   arrives, so the output so far never depends on the split points.
 * - Padding may be cut short ("QQ=" decodes to "A"), but anything but CR/LF
 *   after it is an error, including a '=' beyond the 4th group position.
 * - Unused low bits of the last character are ignored ("QR==" is "A").
 * - On error, *outlen still counts the bytes decoded before the offending
 *   byte in that call; later calls return GF_EB64 at once with *outlen 0.
 * - After gf__b64_finish() any further data is an error ("after padding");
 *   gf__b64_init() makes the decoder reusable.
 * - Runs of plain data go through the widest kernel the CPU runs (AVX2 or
 *   portable C, decode_int.h); nothing above ever depends on which: not
 *   the output, the lengths, the errors, nor the bytes of out past *outlen,
 *   which no call touches. */
#ifndef GF_B64_H
#define GF_B64_H
#include <stddef.h>
#include <stdint.h>

typedef struct gf__b64dec {
  uint32_t acc;     /* bits gathered, not yet emitted */
  int nacc;         /* sextets in acc (0..3) */
  int npad;         /* '=' seen */
  int alphabet;     /* 0 unknown, 1 standard, 2 url-safe */
  uint64_t offset;  /* input bytes consumed so far */
  uint64_t err_off; /* offset of the bad byte once an error happened */
  uint64_t grp_off; /* offset of the current group's first character */
  int err;
} gf__b64dec;

void gf__b64_init(gf__b64dec *d);
/* Decodes n bytes of input into out, which must hold GF_B64_DEC_MAX(n)
 * bytes; *outlen gets the count written. 0 or GF_EB64 (sticky). */
#define GF_B64_DEC_MAX(n) (((n) / 4 + 1) * 3)
int gf__b64_decode(gf__b64dec *d, const char *in, size_t n,
                   unsigned char *out, size_t *outlen);
/* End of input: emits the last 1-2 bytes of an unpadded tail into out
 * (capacity 3). GF_EB64 for a tail of one sextet. */
int gf__b64_finish(gf__b64dec *d, unsigned char *out, size_t *outlen);
uint64_t gf__b64_err_offset(const gf__b64dec *d);

/* Standard alphabet, padded. out holds GF_B64_ENC_LEN(n) + 1 (NUL).
 * Returns the length written, not counting the NUL. */
#define GF_B64_ENC_LEN(n) ((((n) + 2) / 3) * 4)
size_t gf__b64_encode(const unsigned char *in, size_t n, char *out);

/* 1 when this CPU and OS run AVX2 (asked once): for the other scanners of
 * the image's base64 too. */
int gf__b64_have_avx2(void);
#endif
