/* The image part's "data" string, streamed: its characters (unescaped by
 * the scanner) are base64-decoded into one fixed block and handed to
 * on_image_data a block at a time. on_image_begin waits for the first bytes
 * when no mimeType came before the data, so the magic bytes can name the
 * type; on_image_end waits for the part object to close, so a mimeType or
 * thought flag after the data still counts.
 *
 * With shared blocks the block is borrowed at the first decoded byte of a
 * feed and given back by gf__evdec_yield, so a thousand streams decoding
 * images need one block between them, not a thousand. */
#include <stdlib.h>
#include <string.h>

#include "gemini/gemini_int.h"

void gf__img_part_start(gf__evdec *d) { memset(&d->part, 0, sizeof d->part); }

/* Holds the decode block, with the bytes kept aside since the last feed. */
static int take_block(gf__evdec *d) {
  if (d->out)
    return 0;
  d->out = d->blocks ? gf__blocks_get(d->blocks) : malloc(GF__IMG_BLOCK);
  if (!d->out)
    return GF_ENOMEM;
  memcpy(d->out, d->hold, d->hold_len);
  d->out_len = d->hold_len;
  d->hold_len = 0;
  return 0;
}

/* Gives a borrowed block back; the few bytes not yet handed out (fewer
 * than the sniffer needs) are kept aside. More are left only by a failure,
 * which is final. */
void gf__img_release(gf__evdec *d) {
  if (!d->blocks || !d->out)
    return;
  d->hold_len = d->out_len <= sizeof d->hold ? d->out_len : 0;
  memcpy(d->hold, d->out, d->hold_len);
  gf__blocks_put(d->blocks, d->out);
  d->out = NULL;
  d->out_len = 0;
}

int gf__img_data_start(gf__evdec *d) {
  gf__part *pt = &d->part;
  if (pt->have_data) /* two images in one part: no sane reading of it */
    return GF_EJSON;
  d->hold_len = 0; /* an earlier part's data ended with a final flush */
  int rc = take_block(d);
  if (rc)
    return rc;
  pt->have_data = 1;
  pt->begun = 0;
  pt->mime_at_start = pt->mime_ok;
  pt->sniffed = NULL;
  pt->bytes = 0;
  gf__b64_init(&d->b64);
  d->out_len = 0;
  return 0;
}

int gf__img_data_run(gf__evdec *d, const char *p, size_t n) {
  int trc = n ? take_block(d) : 0;
  if (trc)
    return trc;
  while (n) {
    size_t room = GF__IMG_OUT - d->out_len;
    if (room < 6) {
      int rc = gf__img_flush(d, 0);
      if (rc)
        return rc;
      room = GF__IMG_OUT - d->out_len;
    }
    /* GF_B64_DEC_MAX(k) <= room */
    size_t kmax = (room / 3 - 1) * 4, k = n < kmax ? n : kmax, got = 0;
    int rc = gf__b64_decode(&d->b64, p, k, d->out + d->out_len, &got);
    d->out_len += got;
    if (rc)
      return GF_EB64;
    p += k;
    n -= k;
  }
  return 0;
}

int gf__img_data_char(gf__evdec *d, unsigned code) {
  char c = (char)code;
  if (code >= 0x80) /* \u escape of something that is no base64 */
    return GF_EB64;
  return gf__img_data_run(d, &c, 1);
}

int gf__img_data_end(gf__evdec *d) {
  size_t got = 0;
  int trc = take_block(d);
  if (trc)
    return trc;
  if (GF__IMG_OUT - d->out_len < 6) {
    int rc = gf__img_flush(d, 0);
    if (rc)
      return rc;
  }
  if (gf__b64_finish(&d->b64, d->out + d->out_len, &got))
    return GF_EB64;
  d->out_len += got;
  return gf__img_flush(d, 1);
}

/* Hands the decoded block to the consumer; before the first bytes went
 * out, holds them until the magic bytes are in (or the string ended). */
int gf__img_flush(gf__evdec *d, int final) {
  gf__part *pt = &d->part;
  int rc = 0;
  if (!pt->begun) {
    if (d->out_len == 0 || (d->out_len < GF__SNIFF_LEN && !final))
      return 0; /* an empty string is no image at all */
    pt->sniffed = gf_sniff_mime(d->out, d->out_len);
    pt->begun = 1;
    if (d->cbs.on_image_begin)
      rc = d->cbs.on_image_begin(
          d->ud, pt->mime_at_start ? pt->mime : pt->sniffed, pt->thought);
    if (rc)
      return rc;
  }
  if (d->out_len && d->cbs.on_image_data)
    rc = d->cbs.on_image_data(d->ud, d->out, d->out_len);
  pt->bytes += d->out_len;
  d->out_len = 0;
  return rc;
}

int gf__img_part_end(gf__evdec *d) {
  gf__part *pt = &d->part;
  if (!pt->begun)
    return 0;
  d->sum.images++;
  if (!pt->thought)
    d->sum.final_images++;
  if (!d->cbs.on_image_end)
    return 0;
  return d->cbs.on_image_end(d->ud, pt->mime_ok ? pt->mime : pt->sniffed,
                             pt->thought, pt->bytes);
}
