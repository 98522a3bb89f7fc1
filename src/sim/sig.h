/* The thoughtSignature the simulator puts on the parts it signs (the final
 * image, and a non-thought text part before it), and the check of the ones
 * a client sends back in a model turn.
 *
 * A signature is base64 of HMAC-SHA256(K, kind || SHA-256(content)): kind
 * is 'I' for an image (content: its decoded bytes) or 'T' for a text
 * (content: its UTF-8 bytes), K a key fixed in the simulator. So the check
 * needs no state: a signature is good when it is the one the simulator
 * would issue for exactly those bytes; any other (altered, or issued for
 * other bytes, or by someone else) is corrupted. Every simulator, in every
 * run, signs the same bytes the same way. */
#ifndef GF_SIM_SIG_H
#define GF_SIM_SIG_H
#include <stddef.h>

#define GF_SIM_SIG_LEN 44 /* base64 of 32 bytes, padded */
/* What the plan writes in place of an image's signature, to be replaced as
 * the bytes go out (the image, so its signature, is made later): as long
 * as a signature, plain JSON-safe characters, never in anything else an
 * event holds. */
#define GF_SIM_SIG_PLACEHOLDER "gf-sim-signature-placeholder-0123456789abcde"

/* out: GF_SIM_SIG_LEN characters and a NUL. */
void gf__sim_sig_image(const unsigned char sha[32], char *out);
void gf__sim_sig_text(const char *text, size_t n, char *out);
/* 1 when sig[0..n) decodes (standard or URL-safe base64, padded or not) to
 * the bytes that expected (a gf__sim_sig_* result) encodes. */
int gf__sim_sig_matches(const char *sig, size_t n, const char *expected);

/* HMAC-SHA256 (RFC 2104), exposed for its test vectors. */
void gf__sim_hmac_sha256(const void *key, size_t klen, const void *msg,
                         size_t n, unsigned char out[32]);
#endif
