/* gemflow: streaming image generation from the native Gemini API on libuv.
 *
 * One gf_client is bound to a caller's uv_loop_t; any number of generations
 * (gf_gen) run on it at once. Each generation reports through callbacks and
 * ends with exactly one on_done, after which no callback for it runs again.
 *
 * Errors are negative GF_E* codes; gf_strerror() and gf_err_name() describe
 * them. No function prints anything. The API key never appears in any string
 * the library returns.
 *
 * Threads: everything runs on the thread that runs the client's loop. Call
 * every function of a client, its generations and its requests from that
 * thread only (gf_request_*, gf_chat_* on objects no generation uses, and
 * the pure functions gf_strerror, gf_err_name, gf_version*, gf_model_*,
 * gf_sniff_mime, gf_hex_sha256, gf_sha256_file may be called from any
 * thread). Two clients on two loops in two threads share nothing. Every
 * callback runs on the loop's thread. Files are the exception inside: a
 * client that writes images to files (out_path, out_dir) starts one
 * thread of its own, which writes, hashes, syncs and names them, so that
 * a slow disk never holds the loop; it ends with the client. The loop
 * stays alive while it has work.
 *
 * Inside a callback every function is allowed, with the generation it is
 * about included: gf_cancel, gf_gen_pause/resume, gf_generate (a new
 * generation), gf_client_close. Callbacks never run from inside a call the
 * caller made: always from the loop.
 *
 * Signals: as with libuv, the program should ignore SIGPIPE; the library
 * installs no handler and reads no environment but SSL_CERT_FILE.
 *
 * Lifetimes: a pointer handed to a callback (text, image bytes, info,
 * usage, result and everything it points to) is valid until that callback
 * returns; copy what is needed later. Strings passed to the library are
 * copied unless said otherwise.
 *
 * ABI: structs the caller fills (gf_client_options, gf_gen_options,
 * gf_callbacks) begin with struct_size, set by their _init function; the
 * library reads only the fields that size covers, so a program built
 * against an older header keeps working with a newer 0.x library. Structs
 * the library fills (gf_result, gf_usage, gf_timings, gf_image_info,
 * gf_attempt) only ever grow at their end. See docs/API.md.
 */
#ifndef GEMFLOW_H
#define GEMFLOW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's entry points; everything else in libgemflow is hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define GF_EXTERN __attribute__((visibility("default")))
#else
#define GF_EXTERN
#endif

/* The one source of the version: CMake's project version, the library's
 * gf_version(), the programs' --version and the User-Agent all read these
 * three lines. */
#define GF_VERSION_MAJOR 0
#define GF_VERSION_MINOR 1
#define GF_VERSION_PATCH 0
#define GF_VERSION_HEX                                                         \
  ((GF_VERSION_MAJOR << 16) | (GF_VERSION_MINOR << 8) | GF_VERSION_PATCH)
/* The library's version (which may differ from the header's a program was
 * built with): as GF_VERSION_HEX, and as "0.1.0". */
GF_EXTERN unsigned gf_version(void);
GF_EXTERN const char *gf_version_string(void);

/* ---- errors ------------------------------------------------------------- */
#define GF_ERRNO_MAP(X)                                                        \
  X(EINVAL, -1, "invalid_argument", "invalid argument")                        \
  X(ENOMEM, -2, "no_memory", "out of memory")                                  \
  X(EDNS, -3, "dns", "host name could not be resolved")                        \
  X(ECONNECT, -4, "connect", "connection failed")                              \
  X(ETLS, -5, "tls", "TLS handshake or protocol failure")                      \
  X(ECERT, -6, "certificate", "server certificate is not trusted")             \
  X(EHOSTNAME, -7, "hostname", "server certificate does not match the host")   \
  X(ETRUNCATED, -8, "truncated", "connection ended before the response did")   \
  X(ERESET, -9, "reset", "connection reset by peer")                           \
  X(EHTTP, -10, "http", "malformed HTTP response")                             \
  X(ESTATUS, -11, "http_status", "server answered with an HTTP error")         \
  X(EAPI, -12, "api_error", "server sent an error object in the stream")       \
  X(EJSON, -13, "bad_json", "invalid JSON in the response")                    \
  X(EB64, -14, "bad_base64", "invalid base64 image data")                      \
  X(EFINISH, -15, "finish_reason", "generation stopped without success")       \
  X(EBLOCKED, -16, "prompt_blocked", "prompt was blocked")                     \
  X(ENOIMAGE, -17, "no_image", "response finished without an image")           \
  X(ENOFINISH, -18, "no_finish", "stream ended without a finish reason")       \
  X(ECANCELED, -19, "canceled", "generation was canceled")                     \
  X(ETIMEDOUT, -20, "timeout", "operation timed out")                          \
  X(EIO, -21, "io", "file input/output error")                                 \
  X(ETOOBIG, -22, "too_large", "a response element exceeds its limit")         \
  X(EUNSUPPORTED, -23, "unsupported", "unsupported image type")                \
  X(EURL, -24, "bad_url", "invalid base URL")                                  \
  X(ECAFILE, -25, "ca_file", "CA bundle could not be loaded")              \
  X(EINSECURE, -26, "insecure",                                              \
    "the key would go unencrypted (plain http to a host not on loopback)")    \
  X(EPROXY, -27, "proxy", "the proxy refused the tunnel")

typedef enum gf_errno {
  GF_OK = 0,
#define GF__ERR_ENUM(name, code, id, text) GF_##name = code,
  GF_ERRNO_MAP(GF__ERR_ENUM)
#undef GF__ERR_ENUM
} gf_errno;

/* A sentence for the code ("connection reset by peer"); never NULL. */
GF_EXTERN const char *gf_strerror(int err);
/* A stable lower-case identifier ("reset", "truncated"); never NULL. */
GF_EXTERN const char *gf_err_name(int err);

/* ---- request ------------------------------------------------------------ */
typedef struct gf_request gf_request;

enum gf_modalities { GF_MOD_IMAGE = 1, GF_MOD_TEXT_IMAGE = 3 };

#define GF_DEFAULT_MODEL "gemini-3-pro-image-preview"
/* Keys this long or longer are searched for and redacted in any text the
 * library or the CLI prints; the key= parameter is always redacted. */
#define GF_REDACT_MIN 8
#define GF_MAX_REFS 14

GF_EXTERN gf_request *gf_request_new(void);
GF_EXTERN void gf_request_free(gf_request *req);
/* Each setter copies its argument. NULL model means GF_DEFAULT_MODEL. */
GF_EXTERN int gf_request_set_model(gf_request *req, const char *model);
GF_EXTERN int gf_request_set_prompt(gf_request *req, const char *text);
/* Checked against the model's table (GF_EINVAL when not in it) unless
 * gf_request_set_passthrough(req, 1) lets unknown values through for newer
 * models. NULL leaves the field out of the request. */
GF_EXTERN int gf_request_set_aspect(gf_request *req, const char *ratio);
GF_EXTERN int gf_request_set_size(gf_request *req, const char *size);
GF_EXTERN void gf_request_set_passthrough(gf_request *req, int on);
GF_EXTERN int gf_request_set_modalities(gf_request *req, int modalities);
GF_EXTERN void gf_request_set_search(gf_request *req, int on);
/* A reference image. mime NULL: told from the magic bytes (png, jpeg, webp,
 * heic, heif), GF_EUNSUPPORTED if none matches. At most GF_MAX_REFS. */
GF_EXTERN int gf_request_add_ref(gf_request *req, const void *data, size_t len,
                       const char *mime);
/* Reads the file; GF_EIO when it cannot, GF_EUNSUPPORTED for other types. */
GF_EXTERN int gf_request_add_ref_file(gf_request *req, const char *path);
/* The model's valid values, space separated ("1:1 2:3 ..."), NULL if the
 * model is unknown. */
GF_EXTERN const char *gf_model_aspects(const char *model);
GF_EXTERN const char *gf_model_sizes(const char *model);
/* The mime type the magic bytes say, or NULL. */
GF_EXTERN const char *gf_sniff_mime(const void *data, size_t len);

/* ---- multi-turn editing --------------------------------------------------
 * The service edits conversationally: each turn sends the turns before it,
 * the model's parts back unchanged with their thoughtSignature, or the
 * service refuses the turn. A gf_chat keeps them: pass it in
 * gf_gen_options.chat and the generation sends the chat's history followed
 * by its request as the next user turn (the request's model, ratio, size
 * and options apply to that turn). When the generation succeeds, its user
 * turn (prompt and reference images) and the model's turn (every part that
 * is not a thought, every part with a signature: texts, the image with its
 * bytes) are appended to the chat before on_done; a failed or canceled one
 * leaves the chat as it was. One generation at a time per chat (another
 * gf_generate with it: GF_EINVAL); the chat must outlive the generation. */
typedef struct gf_chat gf_chat;

GF_EXTERN gf_chat *gf_chat_new(void);
GF_EXTERN void gf_chat_free(gf_chat *chat);
/* Completed turns: user turns answered by the model. */
GF_EXTERN int gf_chat_turns(const gf_chat *chat);
/* The chat as JSON text, to continue it in another process: images the
 * file sink saved are referenced by path and sha256, others inlined in
 * base64. NULL on ENOMEM. Free it with gf_free(). */
GF_EXTERN char *gf_chat_to_json(const gf_chat *chat);
/* A chat from gf_chat_to_json's text (len bytes, no NUL needed). GF_EJSON
 * when it is not one, GF_EIO when a referenced image cannot be read,
 * GF_EINVAL when its contents no longer match the recorded sha256. */
GF_EXTERN int gf_chat_from_json(const char *json, size_t len, gf_chat **out);
/* Frees memory the library returned (gf_chat_to_json). */
GF_EXTERN void gf_free(void *p);

/* ---- client ------------------------------------------------------------- */
typedef struct gf_client gf_client;
typedef struct gf_gen gf_gen;

/* Where the key goes: the query (?key=, the API document's way), the
 * x-goog-api-key header (Google's), or AUTO: as the service does. */
enum gf_key_in { GF_KEY_IN_AUTO = -1, GF_KEY_IN_QUERY = 0, GF_KEY_IN_HEADER = 1 };

/* Named services: each a base URL and a key placement.
 *   "anyfast" (the default): https://www.anyfast.ai, the key in ?key=
 *   "google": https://generativelanguage.googleapis.com, x-goog-api-key
 * The base URL of a service, or NULL for a name that is not one. */
GF_EXTERN const char *gf_service_base_url(const char *service);
/* 1 when the base URL's host is this machine's loopback (127.0.0.0/8,
 * ::1, localhost), 0 otherwise or when it is not a valid base URL. */
GF_EXTERN int gf_url_is_loopback(const char *base_url);

typedef struct gf_client_options {
  size_t struct_size;    /* set by gf_client_options_init() */
  /* Plain http:// only to a loopback
   * host (127.0.0.0/8, ::1, localhost) when there is a key: anything else
   * is refused with GF_EINSECURE before any lookup or connection. */
  const char *base_url;  /* NULL: the service's */
  const char *api_key;   /* copied; never printed */
  int key_in;            /* GF_KEY_IN_AUTO (default): the service's way */
  const char *ca_file;   /* NULL: $SSL_CERT_FILE, then the system bundle */
  int use_sse;           /* 1 (default): ask for alt=sse; 0: JSON array */
  /* 0: none. Name resolution, then each address's TCP connect and TLS
   * handshake; an address that times out gives way to the next. */
  uint64_t connect_timeout_ms; /* default 15000 */
  /* No byte for this long fails the attempt, also while waiting for the
   * response head; the service may think for 50-120 s at 4K. */
  uint64_t idle_timeout_ms;    /* default 300000 */
  /* Limits on what a server can make us hold; an exceeded limit fails the
   * attempt with GF_ETOOBIG (not retried). More at the end of the struct
   * (max_image_bytes, max_header_bytes, ...). Fixed ones: 8 interim (1xx)
   * responses, 64 KiB of an error body or of raw lines, 64 MiB per
   * reference image file (gf_request_add_ref_file). Thought and model text
   * is never accumulated: each part is handed to on_thought / on_text and
   * dropped (a chat keeps the parts it must send back), so it is bounded
   * by max_event_bytes per event. */
  size_t max_event_bytes; /* a non-image event; default 4 MiB */
  /* Called for request and response lines when set (verbose output); the
   * text never contains the key. */
  void (*on_trace)(const char *line, void *ud);
  void *trace_ud;
  /* The retry policy (see "Retries" below). */
  int max_attempts;            /* attempts in all, the first included;
                                  default 5; 1 turns retries off */
  uint64_t retry_initial_ms;   /* default 1000 */
  uint64_t retry_max_delay_ms; /* cap of one delay; default 60000 */
  double retry_factor;         /* default 2 */
  /* At most this many requests (every attempt counts) start per minute,
   * evenly spaced, across all of the client's generations; 0: no limit. */
  double requests_per_minute;
  /* "anyfast" or "google" (NULL: "anyfast"); another name: GF_EINVAL. */
  const char *service;
  /* The whole attempt, connect to the last byte; 0: none. */
  uint64_t attempt_timeout_ms; /* default 900000 */
  /* One decoded image (a 4K PNG is about 30 MB); 0: no limit. */
  uint64_t max_image_bytes;    /* default 128 MiB */
  /* Addresses to use instead of DNS's, as curl's --resolve: entries
   * "HOST:PORT:ADDR[,ADDR...]" separated by ';' (ADDR an IPv4 or IPv6
   * literal, the latter bare or in brackets; HOST may be a bracketed IPv6
   * literal). Copied; a malformed one: GF_EINVAL. When the host and port
   * connected to (the base URL's, or the proxy's when there is one) match
   * an entry, its addresses are tried, in the given order, each family's
   * addresses alternating with the other's. NULL: none.
   * Connecting, with or without pins: the addresses are raced (RFC 8305,
   * Happy Eyeballs): the next one starts 250 ms after the previous or as
   * soon as it fails, the first TCP connect to complete wins; the connect
   * timeout bounds each address's attempt. */
  const char *resolve;
  /* An HTTP proxy, "http://[user:pass@]host[:port]" (port 1080 when left
   * out; user and password percent-decoded), through which the connection
   * is tunneled with CONNECT; TLS, its certificate and host name check are
   * the base URL's host's, never the proxy's. https:// and other schemes:
   * GF_EINVAL. The library reads no environment: a program that honours
   * HTTPS_PROXY passes it here. Copied; never printed, nor its
   * credentials. With a key, plain http:// through a proxy not on loopback
   * is GF_EINSECURE. NULL or "": none. */
  const char *proxy;
  /* Hosts reached without the proxy, as curl's NO_PROXY: entries separated
   * by commas (or blanks), each a host name that also matches its
   * subdomains (a leading dot ignored), an IP address or a CIDR range;
   * "*" matches every host. NULL: none. */
  const char *no_proxy;
  /* More limits (0: the default). One response header, name and value:
   * default 16 KiB. Headers per response: default 128. JSON nesting in one
   * response object: default 32, at most 64 (more: GF_EINVAL). The request
   * body (the prompt, reference images in base64, a chat's turns):
   * default 100 MiB; a larger one fails gf_generate with GF_ETOOBIG before
   * anything is sent. */
  size_t max_header_bytes;
  int max_headers;
  int max_json_depth;
  uint64_t max_request_bytes;
  /* Connections being established at once (name resolution, TCP connect,
   * TLS handshake); the others wait their turn, their connect timeout not
   * yet running. A full handshake costs milliseconds of CPU: 10 000
   * generations started together would otherwise all time out. The first
   * handshakes leave a TLS session the later ones resume, and one lookup
   * per host serves every connection (answers kept for their TTL, at most
   * 30 s). 0: the default, 32. */
  int max_connecting;
  /* Connection reuse (HTTP/1.1 keep-alive): a connection whose response
   * ended as its framing says, with nothing after it, serves the client's
   * next request (of any generation, any attempt) if one comes within
   * keep_alive_ms; a reused connection the server closed before answering
   * is replaced by a new one without counting an attempt. 1 (default): on;
   * 0: a connection per attempt. */
  int keep_alive;
  uint64_t keep_alive_ms; /* 0: the default, 30000 */
  /* Connections open at once, idle ones included; 0 (default): no limit.
   * Generations beyond it wait for one to free (as for max_connecting). */
  int max_connections;
  /* 1: ask for a gzip-compressed response (Accept-Encoding: gzip) and
   * inflate it as it streams. An image's base64 shrinks by about a quarter
   * on the wire, for the CPU of inflating it. 0 (default): identity. A
   * gzip response is inflated whether asked for or not; a response in any
   * other coding fails with GF_EHTTP. */
  int compressed;
  /* The AEAD cipher offered in TLS: GF_AEAD_AUTO (default) offers both,
   * first the one that sealed faster on this CPU with this TLS engine in a
   * short measurement made once per process (under a millisecond: with
   * OpenSSL on a CPU with AES instructions usually AES-GCM, with mbedTLS
   * 2.28 usually ChaCha20-Poly1305); GF_AEAD_AES_GCM or GF_AEAD_CHACHA20
   * offers only that one (a server without it fails the handshake). Any
   * other value: GF_EINVAL from gf_client_new. */
  int aead;
} gf_client_options;

enum { GF_AEAD_AUTO = 0, GF_AEAD_AES_GCM = 1, GF_AEAD_CHACHA20 = 2 };

GF_EXTERN void gf_client_options_init(gf_client_options *opts);
struct uv_loop_s;
GF_EXTERN int gf_client_new(struct uv_loop_s *loop,
                            const gf_client_options *opts, gf_client **out);

/* Closes the client, as uv_close does a handle: generations still running
 * are canceled (each gets its on_done with GF_ECANCELED), then, once every
 * libuv handle of the client is closed, close_cb runs (from the loop, never
 * from inside this call) and the client is freed as it returns. After
 * close_cb, uv_loop_close() succeeds as far as gemflow is concerned. No
 * gf_generate after this call. Safe to call from a callback. */
typedef void (*gf_close_cb)(gf_client *client);
GF_EXTERN void gf_client_close(gf_client *client, gf_close_cb close_cb);
/* gf_client_close(client, NULL). */
GF_EXTERN void gf_client_free(gf_client *client);
/* The caller's pointer, as a uv_handle_t's data: the library never reads
 * it. NULL until set. */
GF_EXTERN void gf_client_set_data(gf_client *client, void *data);
GF_EXTERN void *gf_client_get_data(const gf_client *client);

/* ---- generation --------------------------------------------------------- */
typedef struct gf_usage {
  int64_t prompt_tokens, candidates_tokens, thoughts_tokens, total_tokens;
} gf_usage;

typedef struct gf_image_info {
  const char *mime;  /* best known: mimeType if seen, else the magic bytes */
  int thought;       /* at begin: as far as known yet; at end: final */
  uint64_t bytes;    /* decoded bytes (at end) */
  int index;         /* 0, 1, ... in stream order */
} gf_image_info;

typedef struct gf_timings {
  /* milliseconds since gf_generate(); -1 when the stage was not reached.
   * With retries, the stages are the last attempt's. */
  double connected, first_byte, first_thought, image_start, image_end, done;
} gf_timings;

/* An attempt that failed and was followed by another. */
typedef struct gf_attempt {
  int status;          /* the GF_E* code that ended it */
  int http_status;     /* 0 when no response arrived */
  char api_status[40]; /* "RESOURCE_EXHAUSTED", ... or "" */
  double delay_s;      /* waited before the next attempt */
} gf_attempt;

typedef struct gf_result {
  int status;                /* GF_OK or a GF_E* code */
  int http_status;           /* 0 when no response arrived */
  const char *api_status;    /* "RESOURCE_EXHAUSTED", ... or NULL */
  const char *message;       /* server's or library's explanation, or NULL */
  const char *finish_reason; /* "STOP", "IMAGE_SAFETY", ... or NULL */
  const char *block_reason;  /* promptFeedback.blockReason or NULL */
  double retry_after_s;      /* RetryInfo / Retry-After, -1 when absent */
  const char *model_version, *response_id;
  /* Token counts (all 0 when the service sent none) and the timings. */
  const gf_usage *usage;
  const gf_timings *timings;
  int attempts;
  /* The result image (the last non-thought image; or, when only thought
   * images came and the stream ended with STOP, the last of those). */
  const char *mime;
  uint64_t bytes;
  unsigned width, height;
  unsigned char sha256[32];
  int fell_back_to_thought_image;
  const char *file;          /* final path when the file sink was used */
  /* The attempts before the last one (attempts - 1 of them), oldest
   * first; NULL when there were none. */
  const gf_attempt *retries;
  int nretries;
  /* 1 when the last attempt's TLS handshake resumed an earlier session of
   * this client (a ticket: no certificate exchange, no key agreement). */
  int tls_resumed;
  /* 1 when the last attempt's request went on a kept connection (see
   * keep_alive): no connect and no handshake at all. */
  int conn_reused;
} gf_result;

/* Every callback is optional (NULL). ud is gf_generate's. */
typedef struct gf_callbacks {
  size_t struct_size; /* set by gf_callbacks_init() */
  void (*on_thought)(gf_gen *g, const char *text, size_t len, void *ud);
  void (*on_text)(gf_gen *g, const char *text, size_t len, void *ud);
  void (*on_image_begin)(gf_gen *g, const gf_image_info *info, void *ud);
  void (*on_image_data)(gf_gen *g, const unsigned char *p, size_t n,
                        void *ud);
  void (*on_image_end)(gf_gen *g, const gf_image_info *info, void *ud);
  void (*on_usage)(gf_gen *g, const gf_usage *usage, void *ud);
  /* Exactly once. Pointers in res live until it returns. The gen is freed
   * after it returns, unless gf_gen_options.keep_handle asked to keep it
   * until gf_gen_release(). */
  void (*on_done)(gf_gen *g, const gf_result *res, void *ud);
  /* The discard event. An attempt failed with a transient fault and another
   * follows after failed->delay_s seconds: everything reported since
   * gf_generate or the previous on_retry (thoughts, text, image bytes,
   * usage) came from the abandoned attempt and is not the result. An image
   * begun in it gets no on_image_end. The file sink starts over by itself;
   * a caller that streams image bytes elsewhere drops what it has. */
  void (*on_retry)(gf_gen *g, const gf_attempt *failed, void *ud);
} gf_callbacks;

/* Zeroes *cbs and sets struct_size. */
GF_EXTERN void gf_callbacks_init(gf_callbacks *cbs);

typedef struct gf_gen_options {
  size_t struct_size; /* set by gf_gen_options_init() */
  /* File sink. out_path: written to a temporary file beside it, fsynced and
   * renamed over it only on success. Or out_dir (+ out_prefix): named
   * "<prefix>.<ext>" from the served mime type, with "-1", "-2", ... added
   * rather than overwrite. Neither: no file is written. out_prefix also
   * names the temporary file, ".gemflow-<prefix>-XXXXXX.part", when it is
   * a plain name (A-Z a-z 0-9 . _ -, not starting with '.', at most 128
   * characters), with out_path too; otherwise ".gemflow-XXXXXX.part". */
  const char *out_path;
  const char *out_dir;
  const char *out_prefix;
  /* With out_dir: an existing "<prefix>.<ext>" is replaced (atomically)
   * instead of a "-N" name being chosen. */
  int out_replace;
  /* 1: the handle stays valid after on_done until the caller calls
   * gf_gen_release(), so a caller holding it (a Cancel button) may call
   * gf_cancel() or gf_gen_userdata() at any time. 0 (default): it is freed
   * as on_done returns. */
  int keep_handle;
  /* A multi-turn chat (see above), or NULL: a single turn. */
  gf_chat *chat;
  /* 1: the result's sha256 is not computed (left all zero), which saves
   * hashing every image byte (about 0.5 ms per MB without SHA
   * instructions in the CPU, 0.5 ms per 4 MB with them). Ignored with a
   * chat: its saved turns name images by their sha256. */
  int no_sha256;
} gf_gen_options;

GF_EXTERN void gf_gen_options_init(gf_gen_options *opts);

/* Starts a generation. The request is copied into the generation (the caller
 * may free it at once). opts may be NULL. A non-zero return means nothing
 * started and no callback will run; 0 means on_done will run exactly once,
 * later, from the loop (also when the connection fails at once). */
GF_EXTERN int gf_generate(gf_client *client, const gf_request *req,
                const gf_gen_options *opts, const gf_callbacks *cbs, void *ud,
                gf_gen **out);
/* Cancels at any stage; on_done follows with GF_ECANCELED (possibly from
 * inside this call's loop iteration, never from inside this call). Once a
 * finished image is being given its name (after its fsync) it is too late:
 * on_done then reports the success, and the file is there. After
 * on_done it does nothing, but only a kept handle (keep_handle) may still
 * be passed then. */
GF_EXTERN void gf_cancel(gf_gen *g);
GF_EXTERN void *gf_gen_userdata(const gf_gen *g);
/* Back-pressure: stops reading the generation's connection (uv_read_stop)
 * until gf_gen_resume; its idle and attempt timeouts do not run meanwhile.
 * Bytes already read when it is called (at most one 64 KiB read) are still
 * delivered. A pause lasts across retries; connecting and the TLS
 * handshake go on while paused. GF_EINVAL for NULL or after on_done. */
GF_EXTERN int gf_gen_pause(gf_gen *g);
GF_EXTERN int gf_gen_resume(gf_gen *g);
/* Gives back a kept handle (keep_handle): freed now if on_done has run,
 * else as soon as it has. NULL and handles not kept are ignored. */
GF_EXTERN void gf_gen_release(gf_gen *g);

/* ---- retries -------------------------------------------------------------
 * A generation makes up to max_attempts attempts. Retried (transient):
 * HTTP 408, 429, 500, 502, 503, 504; connection refused, reset, closed or
 * cut before the response ended, idle timeout; an error object in the
 * stream whose code is 429, 500, 503 or 504 (or status RESOURCE_EXHAUSTED,
 * INTERNAL, UNAVAILABLE). Never retried: other HTTP statuses (400, 401,
 * 403, 404, ...), a blocked prompt or a finish reason other than STOP, TLS
 * and certificate failures, a response that is not an event stream or a
 * JSON array, invalid JSON or base64, file errors, cancel.
 * The delay before attempt n+1 is drawn uniformly from [0, min(cap,
 * initial * factor^(n-1))] (full jitter), and is never shorter than the
 * server's RetryInfo retryDelay or Retry-After. When the server asks for
 * more than the cap, the generation fails with that error instead. Each
 * retry is announced by on_retry before its delay starts. */

/* The digest of the request's inputs: model, prompt, ratio, size,
 * modalities, search, and each reference image's type and bytes. Equal
 * requests give equal digests (a resumed batch knows an unchanged item). */
GF_EXTERN int gf_request_digest(const gf_request *req, unsigned char out[32]);
/* The sha256 and size of a file's contents. 0 or GF_EIO. */
GF_EXTERN int gf_sha256_file(const char *path, unsigned char out[32], uint64_t *bytes);

/* Lower-case hex of a digest into out (65 bytes). */
GF_EXTERN void gf_hex_sha256(const unsigned char sha[32], char out[65]);

#ifdef __cplusplus
}
#endif
#endif
