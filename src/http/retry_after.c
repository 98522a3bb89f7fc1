/* Retry-After (RFC 9110 10.2.3): delta-seconds or an HTTP-date in any of
 * its three forms (5.6.7). Parsed by hand: strptime depends on the locale
 * for day and month names, and on the platform for two-digit years. */
#include <string.h>
#include <strings.h>

#include "http/http.h"

#define GF__DELTA_MAX 2147483648.0

typedef struct gf__cur {
  const char *p, *end;
} gf__cur;

static int parse_delta(gf__cur c, double *secs);
static int parse_date(gf__cur c, double now, double *t);

double gf__http_parse_retry_after(const char *value, size_t n, double now) {
  if (!value)
    return -1;
  gf__cur c = {value, value + n};
  /* the field value excludes surrounding whitespace */
  while (c.p < c.end && (*c.p == ' ' || *c.p == '\t'))
    c.p++;
  while (c.end > c.p && (c.end[-1] == ' ' || c.end[-1] == '\t'))
    c.end--;
  double v;
  if (parse_delta(c, &v))
    return v;
  if (parse_date(c, now, &v))
    return v > now ? v - now : 0;
  return -1;
}

static int parse_delta(gf__cur c, double *secs) {
  if (c.p == c.end)
    return 0;
  double v = 0;
  for (; c.p < c.end; c.p++) {
    if (*c.p < '0' || *c.p > '9')
      return 0;
    v = v * 10 + (*c.p - '0');
  }
  /* saturate as RFC 9111 1.2.2 does, rather than reach infinity */
  *secs = v < GF__DELTA_MAX ? v : GF__DELTA_MAX;
  return 1;
}

/* ---- a small cursor ---- */

static int lit(gf__cur *c, const char *s) {
  size_t n = strlen(s);
  if ((size_t)(c->end - c->p) < n || strncmp(c->p, s, n) != 0)
    return 0;
  c->p += n;
  return 1;
}

static int digits(gf__cur *c, int n, int *out) {
  if (c->end - c->p < n)
    return 0;
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (c->p[i] < '0' || c->p[i] > '9')
      return 0;
    v = v * 10 + (c->p[i] - '0');
  }
  c->p += n;
  *out = v;
  return 1;
}

/* One of names (case-insensitively, as recipients are lenient there); its
 * index, or -1. */
static int name(gf__cur *c, const char *const *names, int count) {
  for (int i = 0; i < count; i++) {
    size_t n = strlen(names[i]);
    if ((size_t)(c->end - c->p) >= n && !strncasecmp(c->p, names[i], n)) {
      c->p += n;
      return i;
    }
  }
  return -1;
}

static const char *const gf__days[] = {"Mon", "Tue", "Wed", "Thu",
                                       "Fri", "Sat", "Sun"};
static const char *const gf__long_days[] = {"Monday",   "Tuesday", "Wednesday",
                                            "Thursday", "Friday",  "Saturday",
                                            "Sunday"};
static const char *const gf__months[] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};

typedef struct gf__date {
  int year, month, day, hour, min, sec; /* month 1..12 */
} gf__date;

static int month(gf__cur *c, gf__date *d) {
  int m = name(c, gf__months, 12);
  d->month = m + 1;
  return m >= 0;
}

/* time-of-day = hour ":" minute ":" second */
static int clock_time(gf__cur *c, gf__date *d) {
  return digits(c, 2, &d->hour) && lit(c, ":") && digits(c, 2, &d->min) &&
         lit(c, ":") && digits(c, 2, &d->sec);
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static int imf_fixdate(gf__cur c, gf__date *d) {
  return name(&c, gf__days, 7) >= 0 && lit(&c, ", ") &&
         digits(&c, 2, &d->day) && lit(&c, " ") && month(&c, d) &&
         lit(&c, " ") && digits(&c, 4, &d->year) && lit(&c, " ") &&
         clock_time(&c, d) && lit(&c, " GMT") && c.p == c.end;
}

/* "Sunday, 06-Nov-94 08:49:37 GMT"; the century comes later */
static int rfc850_date(gf__cur c, gf__date *d) {
  return name(&c, gf__long_days, 7) >= 0 && lit(&c, ", ") &&
         digits(&c, 2, &d->day) && lit(&c, "-") && month(&c, d) &&
         lit(&c, "-") && digits(&c, 2, &d->year) && lit(&c, " ") &&
         clock_time(&c, d) && lit(&c, " GMT") && c.p == c.end;
}

/* "Sun Nov  6 08:49:37 1994" */
static int asctime_date(gf__cur c, gf__date *d) {
  if (!(name(&c, gf__days, 7) >= 0 && lit(&c, " ") && month(&c, d) &&
        lit(&c, " ")))
    return 0;
  if (!(lit(&c, " ") ? digits(&c, 1, &d->day) : digits(&c, 2, &d->day)))
    return 0;
  return lit(&c, " ") && clock_time(&c, d) && lit(&c, " ") &&
         digits(&c, 4, &d->year) && c.p == c.end;
}

/* ---- calendar ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (the well-known
 * era-based computation: 400-year eras of 146097 days, years starting in
 * March so that the leap day comes last). */
static long days_from_civil(long y, int m, int d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int valid(const gf__date *d) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int dim = mdays[d->month - 1] + (d->month == 2 && is_leap(d->year));
  /* second 60: a leap second (RFC 9110 5.6.7) */
  return d->day >= 1 && d->day <= dim && d->hour <= 23 && d->min <= 59 &&
         d->sec <= 60;
}

static int year_of(double t) {
  /* a clock this far off is not worth a year: keep the casts defined */
  if (!(t > -1e13 && t < 1e13))
    t = 0;
  long days = (long)(t / 86400);
  int y = 1970 + (int)(days / 365); /* close; fix up below */
  while (days_from_civil(y, 1, 1) > days)
    y--;
  while (days_from_civil(y + 1, 1, 1) <= days)
    y++;
  return y;
}

/* RFC 9110 5.6.7: a two-digit year more than 50 years in the future is the
 * most recent past year with those digits. */
static int full_year(int yy, double now) {
  int cur = year_of(now);
  int y = cur - cur % 100 + yy;
  if (y > cur + 50)
    y -= 100;
  else if (y + 100 <= cur + 50)
    y += 100;
  return y;
}

static int parse_date(gf__cur c, double now, double *t) {
  gf__date d;
  if (rfc850_date(c, &d))
    d.year = full_year(d.year, now);
  else if (!imf_fixdate(c, &d) && !asctime_date(c, &d))
    return 0;
  if (!valid(&d))
    return 0;
  *t = (double)days_from_civil(d.year, d.month, d.day) * 86400.0 +
       d.hour * 3600 + d.min * 60 + d.sec;
  return 1;
}
