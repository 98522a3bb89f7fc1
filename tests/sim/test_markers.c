/* Prompt markers: what each one sets, what is cut out of the prompt the
 * picture is drawn from, and what stays as plain text; the retry markers'
 * delay text and the server's [[times:N]] counts. */
#include "common/buf.h"
#include "sim/job.h"
#include "sim/markers.h"
#include "sim/plan.h"
#include "test.h"

/* The SSE variant flags, summed: 0 when none is set. */
static int variants(const gf__sim_marks *m) {
  return m->bom + m->sse_fields + m->multiline + m->nospace + m->ping +
         m->pretty;
}

static void parse(const char *p, gf__sim_marks *m, gf__buf *stripped) {
  gf__buf_init(stripped, 0);
  CHECK_INT(gf__sim_marks_parse(p, strlen(p), m, stripped), 0);
  gf__buf_append(stripped, "", 0);
}

static void test_none(void) {
  gf__sim_marks m;
  gf__buf s;
  parse("a plain prompt [with] brackets [[", &m, &s);
  CHECK(m.eol == NULL);
  CHECK_INT(m.chunk, 0);
  CHECK_INT(m.think_ms, -1);
  CHECK_INT(m.thoughts, -1);
  CHECK_INT(m.comments, 0);
  CHECK_INT(m.array, 0);
  CHECK_INT(m.body, -1);
  CHECK_INT(variants(&m), 0);
  CHECK_INT(m.faults, 0);
  CHECK_INT(m.times, 0);
  CHECK_INT(m.retry_delay_ms, -1);
  CHECK_INT(m.retry_after, -1);
  CHECK_STR(s.data, "a plain prompt [with] brackets [[");
  gf__buf_free(&s);
  parse("", &m, &s);
  CHECK_STR(s.data, "");
  gf__buf_free(&s);
}

static void test_all(void) {
  gf__sim_marks m;
  gf__buf s;
  parse("a [[chunk:7]] b [[comments]][[array]][[think:250]][[thoughts:0]]"
        "[[fault:429]][[fault:thought-image]] c[[eol:lf]]",
        &m, &s);
  CHECK_STR(m.eol, "\n");
  CHECK_INT(m.chunk, 7);
  CHECK_INT(m.think_ms, 250);
  CHECK_INT(m.thoughts, 0);
  CHECK_INT(m.comments, 1);
  CHECK_INT(m.array, 1);
  CHECK_INT(m.faults, GF_SIM_F_429 | GF_SIM_F_THOUGHT_IMAGE);
  CHECK_STR(s.data, "a  b  c");
  gf__buf_free(&s);
  parse("[[eol:cr]][[eol:crlf]]", &m, &s); /* the last one wins */
  CHECK_STR(m.eol, "\r\n");
  CHECK_STR(s.data, "");
  gf__buf_free(&s);
  parse("[[eol:cr]]", &m, &s);
  CHECK_STR(m.eol, "\r");
  gf__buf_free(&s);
}

static void test_every_fault(void) {
  static const struct {
    const char *name;
    unsigned bit;
  } v[] = {{"429", GF_SIM_F_429},
           {"503", GF_SIM_F_503},
           {"500", GF_SIM_F_500},
           {"reset", GF_SIM_F_RESET},
           {"eof", GF_SIM_F_EOF},
           {"truncate", GF_SIM_F_TRUNCATE},
           {"midstream", GF_SIM_F_MIDSTREAM},
           {"error-event", GF_SIM_F_ERROR_EVENT},
           {"badjson", GF_SIM_F_BADJSON},
           {"safety", GF_SIM_F_SAFETY},
           {"block", GF_SIM_F_BLOCK},
           {"slow", GF_SIM_F_SLOW},
           {"thought-image", GF_SIM_F_THOUGHT_IMAGE},
           {"thought-only", GF_SIM_F_THOUGHT_ONLY},
           {"text", GF_SIM_F_TEXT},
           {"mime-after", GF_SIM_F_MIME_AFTER},
           {"502", GF_SIM_F_502},
           {"504", GF_SIM_F_504},
           {"3xx", GF_SIM_F_3XX},
           {"1xx", GF_SIM_F_1XX},
           {"1xx-flood", GF_SIM_F_1XX_FLOOD},
           {"close", GF_SIM_F_CLOSE},
           {"stall", GF_SIM_F_STALL},
           {"drip", GF_SIM_F_DRIP},
           {"bigheaders", GF_SIM_F_BIGHEADERS},
           {"html200", GF_SIM_F_HTML200}};
  unsigned all = 0;
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    char p[64];
    snprintf(p, sizeof p, "x[[fault:%s]]y", v[i].name);
    gf__sim_marks m;
    gf__buf s;
    parse(p, &m, &s);
    CHECK_INT(m.faults, v[i].bit);
    CHECK_STR(s.data, "xy");
    gf__buf_free(&s);
    gf__buf_init(&s, 0);
    CHECK_INT(gf__sim_fault_names(v[i].bit, &s), 0);
    CHECK_STR(s.data, v[i].name);
    gf__buf_free(&s);
    all |= v[i].bit;
  }
  gf__buf s;
  gf__buf_init(&s, 0);
  CHECK_INT(gf__sim_fault_names(all, &s), 0);
  CHECK_STR(s.data, "429,503,500,reset,eof,truncate,midstream,error-event,"
                    "badjson,safety,block,slow,thought-image,thought-only,"
                    "text,mime-after,502,504,3xx,1xx,1xx-flood,close,stall,"
                    "drip,bigheaders,html200");
  gf__buf_reset(&s);
  CHECK_INT(gf__sim_fault_names(0, &s), 0);
  CHECK_STR(s.data, "");
  gf__buf_free(&s);
}

static void test_malformed_stay(void) {
  static const char *const keep[] = {
      "[[fault:nope]]",    "[[chunk:0]]",       "[[chunk:x]]",
      "[[chunk:16777217]]", "[[chunk:]]",       "[[chunk:-1]]",
      "[[eol:CRLF]]",      "[[eol:crlf ]]",     "[[think:600001]]",
      "[[thoughts:65]]",   "[[ comments]]",     "[[Array]]",
      "[[eol:lf",          "[[]]",              "[fault:429]",
      "[[fault:429]",      "[[chunk:1234567890]]", "[[body:]]",
      "[[body:Length]]",   "[[body:chunk]]",    "[[body]]",
      "[[eol:Mixed]]",     "[[eol:mix]]",       "[[BOM]]",
      "[[bom ]]",          "[[bom:1]]",         "[[sse_fields]]",
      "[[sse-field]]",     "[[multi-line]]",    "[[nospace:]]",
      "[[no-space]]",      "[[pings]]",         "[[ping:x]]",
      "[[times:0]]",       "[[times:1001]]",    "[[times:]]",
      "[[times:x]]",       "[[times:-1]]",      "[[times]]",
      "[[times:2 ]]",      "[[Times:2]]",       "[[time:2]]",
      "[[retry-delay:600001]]", "[[retry-delay:1.5]]", "[[retry-delay:]]",
      "[[retry-delay:-1]]", "[[retry-delay]]",  "[[retry_delay:300]]",
      "[[retry-delay:300ms]]", "[[retry-after:86401]]", "[[retry-after:2s]]",
      "[[retry-after: 3]]", "[[Retry-After:3]]", "[[retry-after:]]",
      "[[retry-after:1234567890]]", "[[fault:502 ]]", "[[fault:5xx]]",
      "[[fault:3XX]]",     "[[fault:1xx-]]",    "[[fault:flood]]",
      "[[fault:closed]]",  "[[fault:Stall]]",   "[[fault:drip:1]]",
      "[[fault:big-headers]]", "[[fault:html]]", "[[at:head]]",
      "[[at:usage]]",      "[[at:]]",           "[[at]]"};
  for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
    gf__sim_marks m;
    gf__buf s;
    parse(keep[i], &m, &s);
    CHECK_STR(s.data, keep[i]);
    CHECK_INT(m.faults, 0);
    CHECK_INT(m.chunk, 0);
    CHECK(m.eol == NULL);
    CHECK_INT(m.think_ms, -1);
    CHECK_INT(m.thoughts, -1);
    CHECK_INT(m.comments + m.array, 0);
    CHECK_INT(m.body, -1);
    CHECK_INT(variants(&m), 0);
    CHECK_INT(m.times, 0);
    CHECK_INT(m.retry_delay_ms, -1);
    CHECK_INT(m.retry_after, -1);
    CHECK_INT(m.at, GF_SIM_AT_NONE);
    gf__buf_free(&s);
  }
}

static void test_nested_and_limits(void) {
  gf__sim_marks m;
  gf__buf s;
  parse("[[[fault:eof]]", &m, &s);
  CHECK_INT(m.faults, GF_SIM_F_EOF);
  CHECK_STR(s.data, "[");
  gf__buf_free(&s);
  parse("[[a [[fault:reset]] b]]", &m, &s);
  CHECK_INT(m.faults, GF_SIM_F_RESET);
  CHECK_STR(s.data, "[[a  b]]");
  gf__buf_free(&s);
  parse("[[chunk:16777216]][[think:600000]][[thoughts:64]][[chunk:1]]", &m,
        &s);
  CHECK_INT(m.chunk, 1);
  CHECK_INT(m.think_ms, 600000);
  CHECK_INT(m.thoughts, 64);
  CHECK_STR(s.data, "");
  gf__buf_free(&s);
  /* a marker split by a NUL is no marker; bytes after it still count */
  const char p[] = "[[fault:\0eof]] [[comments]]";
  gf__buf_init(&s, 0);
  CHECK_INT(gf__sim_marks_parse(p, sizeof p - 1, &m, &s), 0);
  CHECK_INT(m.faults, 0);
  CHECK_INT(m.comments, 1);
  CHECK_INT(s.len, 15);
  CHECK_MEM(s.data, s.len, "[[fault:\0eof]] ", 15);
  gf__buf_free(&s);
  CHECK_STR(gf__sim_eol_named("lf", 2), "\n");
  CHECK(gf__sim_eol_named("lff", 3) == NULL);
  CHECK(gf__sim_eol_named("l", 1) == NULL);
}

/* The framing markers added for the client's decoders: each one alone,
 * then all of them with the older ones. */
static void test_new_framings(void) {
  static const struct {
    const char *text;
    size_t off; /* of the int it sets to 1 */
  } flags[] = {{"[[bom]]", offsetof(gf__sim_marks, bom)},
               {"[[sse-fields]]", offsetof(gf__sim_marks, sse_fields)},
               {"[[multiline]]", offsetof(gf__sim_marks, multiline)},
               {"[[nospace]]", offsetof(gf__sim_marks, nospace)},
               {"[[ping]]", offsetof(gf__sim_marks, ping)},
               {"[[pretty]]", offsetof(gf__sim_marks, pretty)}};
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    char p[64];
    snprintf(p, sizeof p, "a %s b", flags[i].text);
    gf__sim_marks m;
    gf__buf s;
    parse(p, &m, &s);
    CHECK_STR(s.data, "a  b");
    CHECK_INT(*(int *)(void *)((char *)&m + flags[i].off), 1);
    CHECK_INT(variants(&m), 1);
    CHECK_INT(m.body, -1);
    CHECK(m.eol == NULL);
    gf__buf_free(&s);
  }
  static const struct {
    const char *text;
    int body;
  } bodies[] = {{"[[body:chunked]]", GF_SIM_BODY_CHUNKED},
                {"[[body:length]]", GF_SIM_BODY_LENGTH},
                {"[[body:close]]", GF_SIM_BODY_CLOSE},
                {"[[body:close]][[body:length]]", GF_SIM_BODY_LENGTH}};
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    gf__sim_marks m;
    gf__buf s;
    parse(bodies[i].text, &m, &s);
    CHECK_STR(s.data, "");
    CHECK_INT(m.body, bodies[i].body);
    CHECK_INT(variants(&m), 0);
    gf__buf_free(&s);
  }
  gf__sim_marks m;
  gf__buf s;
  parse("x[[eol:mixed]]y", &m, &s);
  CHECK(m.eol == gf__sim_eol_mixed);
  CHECK_STR(m.eol, "\r\n"); /* its bytes, for a writer without the cycle */
  CHECK_STR(s.data, "xy");
  gf__buf_free(&s);
  CHECK(gf__sim_eol_named("mixed", 5) == gf__sim_eol_mixed);
  CHECK(gf__sim_eol_named("crlf", 4) != gf__sim_eol_mixed);
  CHECK_INT(gf__sim_body_named("close", 5), GF_SIM_BODY_CLOSE);
  CHECK_INT(gf__sim_body_named("close", 4), -1);
  parse("p [[body:length]][[eol:mixed]][[bom]][[sse-fields]][[multiline]]"
        "[[nospace]][[ping]][[array]][[chunk:3]][[comments]][[fault:eof]] q",
        &m, &s);
  CHECK_STR(s.data, "p  q");
  CHECK_INT(m.body, GF_SIM_BODY_LENGTH);
  CHECK(m.eol == gf__sim_eol_mixed);
  CHECK_INT(variants(&m), 5);
  CHECK_INT(m.array + m.comments, 2);
  CHECK_INT(m.chunk, 3);
  CHECK_INT(m.faults, GF_SIM_F_EOF);
  gf__buf_free(&s);
}

/* Markers over the server's defaults: given values replace them, flags
 * add to them, and no alt=sse means an array. */
static void test_apply(void) {
  gf__sim_framing def = {"\n", 100, GF_SIM_BODY_CLOSE, 1, 0, 7, 2,
                         0,    0,   0,                 0, 0, GF_SIM_AT_USAGE,
                         0};
  gf__sim_framing f = def;
  gf__sim_marks m;
  gf__buf s;
  parse("nothing", &m, &s);
  gf__buf_free(&s);
  gf__sim_marks_apply(&m, 1, &f);
  CHECK(memcmp(&f, &def, sizeof f) == 0);
  gf__sim_marks_apply(&m, 0, &f);
  CHECK_INT(f.array, 1);
  f = def;
  parse("[[eol:cr]][[chunk:9]][[body:chunked]][[think:0]][[thoughts:0]]"
        "[[bom]][[sse-fields]][[multiline]][[nospace]][[ping]][[pretty]]",
        &m, &s);
  gf__buf_free(&s);
  gf__sim_marks_apply(&m, 1, &f);
  CHECK_INT(f.at, GF_SIM_AT_USAGE); /* not given: the default stays */
  CHECK_INT(f.pretty, 1);
  CHECK_STR(f.eol, "\r");
  CHECK_INT(f.chunk, 9);
  CHECK_INT(f.body, GF_SIM_BODY_CHUNKED);
  CHECK_INT(f.comments, 1);
  CHECK_INT(f.array, 0);
  CHECK_INT(f.think_ms, 0);
  CHECK_INT(f.thoughts, 0);
  CHECK_INT(f.bom + f.sse_fields + f.multiline + f.nospace + f.ping, 5);
}

/* [[times:N]], [[retry-delay:MS]], [[retry-after:S]]: values, bounds, and
 * cut out of the picture's prompt like the others. */
static void test_retry_markers(void) {
  gf__sim_marks m;
  gf__buf s;
  parse("a [[fault:429]][[times:2]] b [[retry-delay:300]][[retry-after:3]]c",
        &m, &s);
  CHECK_INT(m.faults, GF_SIM_F_429);
  CHECK_INT(m.times, 2);
  CHECK_INT(m.retry_delay_ms, 300);
  CHECK_INT(m.retry_after, 3);
  CHECK_STR(s.data, "a  b c");
  gf__buf_free(&s);
  parse("[[times:1]][[retry-delay:0]][[retry-after:0]]", &m, &s);
  CHECK_INT(m.times, 1);
  CHECK_INT(m.retry_delay_ms, 0);
  CHECK_INT(m.retry_after, 0);
  CHECK_STR(s.data, "");
  gf__buf_free(&s);
  parse("[[times:1000]][[retry-delay:600000]][[retry-after:86400]][[times:7]]",
        &m, &s);
  CHECK_INT(m.times, 7); /* the last one wins */
  CHECK_INT(m.retry_delay_ms, 600000);
  CHECK_INT(m.retry_after, 86400);
  CHECK_STR(s.data, "");
  gf__buf_free(&s);
  parse("x [[retry-delay:1500]]", &m, &s); /* one alone: the other unset */
  CHECK_INT(m.retry_delay_ms, 1500);
  CHECK_INT(m.retry_after, -1);
  CHECK_INT(m.times, 0);
  CHECK_STR(s.data, "x ");
  gf__buf_free(&s);
}

static void test_delay_text(void) {
  static const struct {
    long ms;
    const char *text;
  } v[] = {{0, "0s"},         {1, "0.001s"},    {10, "0.01s"},
           {300, "0.3s"},     {1000, "1s"},     {1234, "1.234s"},
           {1500, "1.5s"},    {2000, "2s"},     {57230, "57.23s"},
           {60001, "60.001s"}, {600000, "600s"}};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    char t[GF_SIM_DELAY_TEXT];
    gf__sim_delay_text(v[i].ms, t);
    CHECK_STR(t, v[i].text);
  }
}

/* The server's counts: per prompt text, byte for byte, and bounded. */
static void test_tally(void) {
  gf__sim_tally *t = gf__sim_tally_new();
  CHECK(t != NULL);
  const char a[] = "a [[fault:429]][[times:2]]";
  CHECK_INT(gf__sim_tally_add(t, a, strlen(a)), 1);
  CHECK_INT(gf__sim_tally_add(t, a, strlen(a)), 2);
  CHECK_INT(gf__sim_tally_add(t, "a [[fault:429]][[times:2]] ", 27), 1);
  CHECK_INT(gf__sim_tally_add(t, a, strlen(a) - 1), 1);
  CHECK_INT(gf__sim_tally_add(t, a, sizeof a), 1); /* with its NUL */
  CHECK_INT(gf__sim_tally_add(t, "", 0), 1);
  CHECK_INT(gf__sim_tally_add(t, a, strlen(a)), 3);
  /* full: a new prompt is not counted, the known ones still are */
  char p[32];
  for (int i = 5; i < GF_SIM_TALLY_MAX; i++) {
    int n = snprintf(p, sizeof p, "prompt %d", i);
    CHECK_INT(gf__sim_tally_add(t, p, (size_t)n), 1);
  }
  CHECK_INT(gf__sim_tally_add(t, "one too many", 12), 0);
  CHECK_INT(gf__sim_tally_add(t, "one too many", 12), 0);
  CHECK_INT(gf__sim_tally_add(t, a, strlen(a)), 4);
  CHECK_INT(gf__sim_tally_add(t, "prompt 5", 8), 2);
  gf__sim_tally_free(t);
  gf__sim_tally_free(NULL);
}

/* [[at:STAGE]]: each name, where it applies, and as plain text where it
 * does not. Whether it applies depends on the faults of the whole prompt,
 * those after it included. */
static void test_at_markers(void) {
  static const struct {
    const char *prompt;
    int at;              /* GF_SIM_AT_NONE: not recognised */
    const char *stripped;
  } v[] = {
      {"a [[fault:reset]][[at:head]] b", GF_SIM_AT_HEAD, "a  b"},
      {"[[fault:reset]][[at:headers]]", GF_SIM_AT_HEADERS, ""},
      {"[[fault:reset]][[at:between]]", GF_SIM_AT_BETWEEN, ""},
      {"[[fault:reset]][[at:image]]", GF_SIM_AT_IMAGE, ""},
      {"[[fault:reset]][[at:usage]]", GF_SIM_AT_USAGE, ""},
      {"[[at:usage]] x [[fault:eof]]", GF_SIM_AT_USAGE, " x "},
      {"[[fault:close]][[at:head]]", GF_SIM_AT_HEAD, ""},
      /* error objects: only after the head; an event never inside one */
      {"[[fault:midstream]][[at:between]]", GF_SIM_AT_BETWEEN, ""},
      {"[[fault:midstream]][[at:image]]", GF_SIM_AT_IMAGE, ""},
      {"[[fault:midstream]][[at:usage]]", GF_SIM_AT_USAGE, ""},
      {"[[fault:midstream]][[at:head]]", GF_SIM_AT_NONE, "[[at:head]]"},
      {"[[fault:midstream]][[at:headers]]", GF_SIM_AT_NONE, "[[at:headers]]"},
      {"[[fault:error-event]][[at:between]]", GF_SIM_AT_BETWEEN, ""},
      {"[[fault:error-event]][[at:usage]]", GF_SIM_AT_USAGE, ""},
      {"[[fault:error-event]][[at:image]]", GF_SIM_AT_NONE, "[[at:image]]"},
      {"[[fault:error-event]][[at:head]]", GF_SIM_AT_NONE, "[[at:head]]"},
      /* it must apply to each one given */
      {"[[fault:reset]][[fault:error-event]][[at:image]]", GF_SIM_AT_NONE,
       "[[at:image]]"},
      {"[[fault:eof]][[fault:midstream]][[at:image]]", GF_SIM_AT_IMAGE, ""},
      {"[[fault:reset]][[fault:429]][[at:head]]", GF_SIM_AT_HEAD, ""},
      /* nothing to place */
      {"[[at:image]]", GF_SIM_AT_NONE, "[[at:image]]"},
      {"[[fault:429]][[at:head]]", GF_SIM_AT_NONE, "[[at:head]]"},
      {"[[fault:truncate]][[at:between]]", GF_SIM_AT_NONE, "[[at:between]]"},
      {"[[fault:stall]][[at:usage]]", GF_SIM_AT_NONE, "[[at:usage]]"},
      {"[[fault:nope]][[at:usage]]", GF_SIM_AT_NONE,
       "[[fault:nope]][[at:usage]]"},
      /* malformed */
      {"[[fault:reset]][[at:Head]]", GF_SIM_AT_NONE, "[[at:Head]]"},
      {"[[fault:reset]][[at: head]]", GF_SIM_AT_NONE, "[[at: head]]"},
      {"[[fault:reset]][[at:body]]", GF_SIM_AT_NONE, "[[at:body]]"},
      {"[[fault:reset]][[at:]]", GF_SIM_AT_NONE, "[[at:]]"},
      {"[[fault:reset]][[at]]", GF_SIM_AT_NONE, "[[at]]"},
      {"[[fault:reset]][[at:head:1]]", GF_SIM_AT_NONE, "[[at:head:1]]"},
      {"[[fault:reset]][[At:head]]", GF_SIM_AT_NONE, "[[At:head]]"},
      /* the last one recognised wins; one not recognised changes nothing */
      {"[[fault:eof]][[at:head]][[at:usage]]", GF_SIM_AT_USAGE, ""},
      {"[[fault:close]][[at:head]][[at:nope]]", GF_SIM_AT_HEAD, "[[at:nope]]"},
      {"[[fault:midstream]][[at:image]][[at:head]]", GF_SIM_AT_IMAGE,
       "[[at:head]]"},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    gf__sim_marks m;
    gf__buf s;
    parse(v[i].prompt, &m, &s);
    if (m.at != v[i].at || strcmp(s.data, v[i].stripped) != 0)
      fprintf(stderr, "  %s\n", v[i].prompt);
    CHECK_INT(m.at, v[i].at);
    CHECK_STR(s.data, v[i].stripped);
    gf__buf_free(&s);
  }
  /* applied to a framing only when given */
  gf__sim_framing f;
  memset(&f, 0, sizeof f);
  gf__sim_marks m;
  gf__buf s;
  parse("[[fault:eof]][[at:image]]", &m, &s);
  gf__buf_free(&s);
  gf__sim_marks_apply(&m, 1, &f);
  CHECK_INT(f.at, GF_SIM_AT_IMAGE);
}

static void test_at_helpers(void) {
  CHECK_INT(gf__sim_at_named("head", 4), GF_SIM_AT_HEAD);
  CHECK_INT(gf__sim_at_named("headers", 7), GF_SIM_AT_HEADERS);
  CHECK_INT(gf__sim_at_named("headers", 4), GF_SIM_AT_HEAD);
  CHECK_INT(gf__sim_at_named("between", 7), GF_SIM_AT_BETWEEN);
  CHECK_INT(gf__sim_at_named("image", 5), GF_SIM_AT_IMAGE);
  CHECK_INT(gf__sim_at_named("usage", 5), GF_SIM_AT_USAGE);
  CHECK_INT(gf__sim_at_named("usag", 4), -1);
  CHECK_INT(gf__sim_at_named("", 0), -1);
  /* the stages each fault can happen at */
  static const struct {
    unsigned fault;
    const char *stages; /* one letter per stage: h H b i u */
  } v[] = {{GF_SIM_F_RESET, "hHbiu"},    {GF_SIM_F_EOF, "hHbiu"},
           {GF_SIM_F_CLOSE, "hHbiu"},    {GF_SIM_F_MIDSTREAM, "biu"},
           {GF_SIM_F_ERROR_EVENT, "bu"}, {GF_SIM_F_TRUNCATE, ""},
           {GF_SIM_F_STALL, ""},         {GF_SIM_F_429, ""},
           {0, ""}};
  const char letters[] = "hHbiu";
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
    for (int at = GF_SIM_AT_HEAD; at <= GF_SIM_AT_USAGE; at++)
      CHECK_INT(gf__sim_at_applies(at, v[i].fault),
                strchr(v[i].stages, letters[at - GF_SIM_AT_HEAD]) != NULL);
  CHECK_INT(gf__sim_at_applies(GF_SIM_AT_NONE, GF_SIM_F_RESET), 0);
  CHECK_INT(gf__sim_at_applies(GF_SIM_AT_USAGE + 1, GF_SIM_F_RESET), 0);
  /* which connection fault happens */
  CHECK_INT(gf__sim_conn_fault(0), 0);
  CHECK_INT(gf__sim_conn_fault(GF_SIM_F_429 | GF_SIM_F_STALL), 0);
  CHECK_INT(gf__sim_conn_fault(GF_SIM_F_CLOSE), GF_SIM_F_CLOSE);
  CHECK_INT(gf__sim_conn_fault(GF_SIM_F_CLOSE | GF_SIM_F_EOF), GF_SIM_F_EOF);
  CHECK_INT(gf__sim_conn_fault(GF_SIM_F_CLOSE | GF_SIM_F_EOF | GF_SIM_F_RESET),
            GF_SIM_F_RESET);
}

TEST_MAIN(TEST(test_none), TEST(test_all), TEST(test_every_fault),
          TEST(test_malformed_stay), TEST(test_nested_and_limits),
          TEST(test_new_framings), TEST(test_apply),
          TEST(test_retry_markers), TEST(test_delay_text), TEST(test_tally),
          TEST(test_at_markers), TEST(test_at_helpers))
