#include "report.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "gemflow.h"
#include "stats.h"

static double per_image_ms(double s, long images) {
  return images > 0 ? s * 1000.0 / (double)images : -1;
}

static double rss_per_stream(const gfb_result *r) {
  if (r->peak_inflight <= 0 || r->rss_at_peak_kb < 0 || r->rss_idle_kb < 0)
    return -1;
  return (double)(r->rss_at_peak_kb - r->rss_idle_kb) /
         (double)r->peak_inflight;
}

static void add(json_object *o, const char *k, json_object *v) {
  json_object_object_add(o, k, v);
}

static json_object *num_or_null(double v) {
  return v < 0 ? NULL : json_object_new_double(v);
}

static json_object *str_or_null(const char *s) {
  return s ? json_object_new_string(s) : NULL;
}

static json_object *tally_json(const gfb_tally *t) {
  json_object *o = json_object_new_object();
  for (int i = 0; i < t->n; i++) {
    json_object *e = json_object_new_object();
    add(e, "count", json_object_new_int64(t->e[i].count));
    add(e, "first", json_object_new_string(t->e[i].first));
    add(o, t->e[i].name, e);
  }
  return o;
}

char *gfb_report_json(const gfb_opts *o, const gfb_context *ctx,
                      const gfb_result *r) {
  json_object *j = json_object_new_object();
  if (!j)
    return NULL;
  double cpu = r->cpu_user_s + r->cpu_sys_s;
  add(j, "tool", json_object_new_string("gemflow-bench"));
  add(j, "version", json_object_new_string(gf_version_string()));
  add(j, "label", str_or_null(o->label));
  add(j, "mode", json_object_new_string(ctx->mode));
  add(j, "servers", json_object_new_int(ctx->servers));
  add(j, "generations", json_object_new_int64(r->n));
  add(j, "concurrency", json_object_new_int64(r->c));
  add(j, "size", json_object_new_string(o->size));
  add(j, "ratio", json_object_new_string(o->ratio));
  add(j, "distinct", json_object_new_int(o->distinct));
  add(j, "think_ms", json_object_new_int64(o->think_ms < 0 ? 0 : o->think_ms));
  add(j, "markers", str_or_null(o->markers));
  add(j, "verify", json_object_new_string(ctx->verify));
  add(j, "ok", json_object_new_int64(r->ok));
  add(j, "failed", json_object_new_int64(r->failed + r->mismatched));
  add(j, "verified", json_object_new_int64(r->verified));
  add(j, "not_verified", json_object_new_int64(r->mismatched));
  add(j, "retries", json_object_new_int64(r->retries));
  add(j, "wall_s", json_object_new_double(r->wall_s));
  add(j, "images_per_s",
      json_object_new_double(r->wall_s > 0 ? (double)r->ok / r->wall_s : 0));
  add(j, "image_bytes", json_object_new_int64((int64_t)r->image_bytes));
  add(j, "image_MB_per_s",
      json_object_new_double(r->wall_s > 0 ? (double)r->image_bytes / 1e6 /
                                                 r->wall_s
                                           : 0));
  add(j, "cpu_user_s", json_object_new_double(r->cpu_user_s));
  add(j, "cpu_sys_s", json_object_new_double(r->cpu_sys_s));
  add(j, "cpu_ms_per_image", num_or_null(per_image_ms(cpu, r->ok)));
  add(j, "compressed", json_object_new_boolean(o->compressed));
  add(j, "received_bytes",
      r->rx_bytes >= 0 ? json_object_new_int64(r->rx_bytes) : NULL);
  add(j, "received_bytes_per_image",
      r->rx_bytes >= 0 && r->ok
          ? json_object_new_int64(r->rx_bytes / r->ok)
          : NULL);
  add(j, "peak_rss_kb", json_object_new_int64(r->maxrss_kb));
  add(j, "rss_idle_kb", json_object_new_int64(r->rss_idle_kb));
  add(j, "rss_at_peak_kb", json_object_new_int64(r->rss_at_peak_kb));
  add(j, "peak_in_flight", json_object_new_int64(r->peak_inflight));
  add(j, "rss_per_stream_kb", num_or_null(rss_per_stream(r)));
  json_object *lat = json_object_new_object();
  for (int k = 0; k < GFB_NLAT; k++) {
    json_object *p = json_object_new_object();
    add(p, "n", json_object_new_int64(r->nlat[k]));
    add(p, "p50", num_or_null(gfb_pct(r->lat[k], r->nlat[k], 50)));
    add(p, "p90", num_or_null(gfb_pct(r->lat[k], r->nlat[k], 90)));
    add(p, "p99", num_or_null(gfb_pct(r->lat[k], r->nlat[k], 99)));
    add(lat, gfb_lat_names[k], p);
  }
  add(j, "latency_ms", lat);
  int traced = !o->no_trace;
  add(j, "connections_opened", traced ? json_object_new_int64(r->connects) : NULL);
  add(j, "tls_full", traced ? json_object_new_int64(r->tls_full) : NULL);
  add(j, "tls_resumed", traced ? json_object_new_int64(r->tls_resumed) : NULL);
  add(j, "tls_resumed_results", json_object_new_int64(r->res_resumed));
  add(j, "connections_reused", traced ? json_object_new_int64(r->trace_reused) : NULL);
  add(j, "tls_suite", r->suite[0] ? json_object_new_string(r->suite) : NULL);
  add(j, "tls_suites_seen", json_object_new_int(r->suites));
  add(j, "errors", tally_json(&r->errs));
  add(j, "retried", tally_json(&r->retried));
  add(j, "sim_cpu_s", num_or_null(r->sim_cpu_s));
  add(j, "sim_cpu_ms_per_image",
      num_or_null(r->sim_cpu_s < 0 ? -1 : per_image_ms(r->sim_cpu_s, r->ok)));
  add(j, "rlimit_nofile", json_object_new_int(r->rlimit_nofile));
  const char *s = json_object_to_json_string_ext(
      j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  char *out = s ? strdup(s) : NULL;
  json_object_put(j);
  return out;
}

void gfb_report_table(FILE *f, const gfb_opts *o, const gfb_context *ctx,
                      const gfb_result *r) {
  double cpu = r->cpu_user_s + r->cpu_sys_s;
  fprintf(f, "gemflow-bench %s: %ld x %s %s, concurrency %ld, %d %s "
             "server%s, verify %s\n",
          gf_version_string(), r->n, o->size, o->ratio, r->c, ctx->servers,
          ctx->mode, ctx->servers == 1 ? "" : "s", ctx->verify);
  fprintf(f, "  %-26s %ld ok, %ld failed, %ld verified, %ld retries\n",
          "generations", r->ok, r->failed + r->mismatched, r->verified,
          r->retries);
  for (int i = 0; i < r->errs.n; i++)
    fprintf(f, "  %-26s %ld  (%s)\n", r->errs.e[i].name, r->errs.e[i].count,
            r->errs.e[i].first);
  for (int i = 0; i < r->retried.n; i++)
    fprintf(f, "  retried: %-17s %ld  (%s)\n", r->retried.e[i].name,
            r->retried.e[i].count, r->retried.e[i].first);
  fprintf(f, "  %-26s %.2f s, %.2f images/s, %.1f MB/s of image\n", "wall",
          r->wall_s, r->wall_s > 0 ? (double)r->ok / r->wall_s : 0.0,
          r->wall_s > 0 ? (double)r->image_bytes / 1e6 / r->wall_s : 0.0);
  fprintf(f, "  %-26s %.3f s user + %.3f s sys = %.2f ms per image\n",
          "client CPU", r->cpu_user_s, r->cpu_sys_s,
          per_image_ms(cpu, r->ok));
  if (r->rx_bytes >= 0 && r->ok)
    fprintf(f, "  %-26s %.2f MB = %.1f KB per image (%s)\n", "received",
            r->rx_bytes / 1e6, r->rx_bytes / 1e3 / r->ok,
            o->compressed ? "gzip asked for" : "identity");
  if (r->sim_cpu_s >= 0)
    fprintf(f, "  %-26s %.3f s = %.2f ms per image\n", "simulator CPU",
            r->sim_cpu_s, per_image_ms(r->sim_cpu_s, r->ok));
  fprintf(f, "  %-26s %.1f MB peak; %.1f MB idle, %.1f MB at %ld in flight"
             " = %.1f KB per stream\n",
          "RSS", r->maxrss_kb / 1024.0, r->rss_idle_kb / 1024.0,
          r->rss_at_peak_kb / 1024.0, r->peak_inflight, rss_per_stream(r));
  fprintf(f, "  %-26s %8s %8s %8s\n", "latency ms", "p50", "p90", "p99");
  for (int k = 0; k < GFB_NLAT; k++)
    fprintf(f, "  %-26s %8.1f %8.1f %8.1f\n", gfb_lat_names[k],
            gfb_pct(r->lat[k], r->nlat[k], 50),
            gfb_pct(r->lat[k], r->nlat[k], 90),
            gfb_pct(r->lat[k], r->nlat[k], 99));
  if (!o->no_trace)
    fprintf(f, "  %-26s %ld opened (%ld reused); TLS %ld full, %ld resumed;"
               " %s\n",
            "connections", r->connects, r->trace_reused, r->tls_full,
            r->tls_resumed, r->suite[0] ? r->suite : "(no suite seen)");
}
