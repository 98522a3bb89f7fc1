/* Retry-After: delta-seconds and the three HTTP-date forms, against Unix
 * times computed independently (Python's calendar.timegm). */
#include "gemflow.h"
#include "http/http.h"
#include "test.h"

#define T1994 784111777.0    /* Sun, 06 Nov 1994 08:49:37 GMT */
#define NOW2025 1748736000.0 /* 2025-06-01 00:00:00 */

static double ra(const char *s, double now) {
  return gf__http_parse_retry_after(s, strlen(s), now);
}

/* exact: every value here is a whole number of seconds */
#define CHECK_RA(s, now, want)                                                 \
  CHECK_INT((long long)(ra(s, now) * 1000), (long long)((want)*1000))

static void test_delta_seconds(void) {
  CHECK_RA("120", NOW2025, 120);
  CHECK_RA("0", NOW2025, 0);
  CHECK_RA("007", NOW2025, 7);
  CHECK_RA("  30 \t", NOW2025, 30);
  CHECK_RA("86400", 0, 86400);
  /* saturates rather than overflow */
  CHECK_RA("2147483647", NOW2025, 2147483647.0);
  CHECK_RA("99999999999999999999999999999999999999", NOW2025, 2147483648.0);
  char many[400];
  memset(many, '9', sizeof many - 1);
  many[sizeof many - 1] = '\0';
  CHECK_RA(many, NOW2025, 2147483648.0);

  const char *bad[] = {"",    " ",    "-5",  "+5",       "1.5", "12a",
                       "1 2", "0x10", "1e3", "\xd9\xa1", "5s"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_RA(bad[i], NOW2025, -1);
  /* the value is counted, not NUL-terminated */
  CHECK_INT((long long)gf__http_parse_retry_after("120xyz", 3, 0), 120);
  CHECK_INT((long long)gf__http_parse_retry_after("12", 0, 0), -1);
  CHECK_INT((long long)gf__http_parse_retry_after(NULL, 0, 0), -1);
}

static void test_imf_fixdate(void) {
  CHECK_RA("Sun, 06 Nov 1994 08:49:37 GMT", T1994 - 10, 10);
  CHECK_RA("Sun, 06 Nov 1994 08:49:37 GMT", T1994, 0);
  CHECK_RA("Sun, 06 Nov 1994 08:49:37 GMT", T1994 + 3600, 0); /* past */
  CHECK_RA(" Sun, 06 Nov 1994 08:49:37 GMT  ", T1994 - 1, 1);
  CHECK_RA("Fri, 01 Jan 2100 00:00:00 GMT", NOW2025, 4102444800.0 - NOW2025);
  CHECK_RA("Thu, 29 Feb 2024 00:00:00 GMT", 1709164800.0 - 42, 42);
  CHECK_RA("Sat, 31 Dec 2016 23:59:60 GMT", 1483228800.0 - 5, 5);
  CHECK_RA("Fri, 31 Dec 9999 23:59:59 GMT", 0, 253402300799.0);
  /* day and month names: any case; the day name is not checked */
  CHECK_RA("sun, 06 nov 1994 08:49:37 GMT", T1994 - 10, 10);
  CHECK_RA("Mon, 06 Nov 1994 08:49:37 GMT", T1994 - 10, 10);

  const char *bad[] = {
      "Sun, 06 Nov 1994 08:49:37",      /* no zone */
      "Sun, 06 Nov 1994 08:49:37 UTC",  /* only GMT */
      "Sun, 06 Nov 1994 08:49:37 GMTx", /* trailing junk */
      "Sun, 6 Nov 1994 08:49:37 GMT",   /* one-digit day */
      "Sun 06 Nov 1994 08:49:37 GMT",   /* no comma */
      "Sun, 06 Nov 94 08:49:37 GMT",    /* two-digit year */
      "Sun, 06 Foo 1994 08:49:37 GMT",  /* no such month */
      "Abc, 06 Nov 1994 08:49:37 GMT",  /* no such day */
      "Sun, 00 Nov 1994 08:49:37 GMT",  /* day 0 */
      "Sun, 31 Nov 1994 08:49:37 GMT",  /* November has 30 */
      "Thu, 29 Feb 2023 00:00:00 GMT",  /* not a leap year */
      "Thu, 29 Feb 2100 00:00:00 GMT",  /* nor a century */
      "Sun, 06 Nov 1994 24:00:00 GMT",  /* hour 24 */
      "Sun, 06 Nov 1994 08:60:00 GMT",  /* minute 60 */
      "Sun, 06 Nov 1994 08:49:61 GMT",  /* second 61 */
      "Sun, 06 Nov 1994 8:49:37 GMT",   /* one-digit hour */
      "Sun, 06 Nov 1994 08:49 GMT",     /* no seconds */
      "Sun,  06 Nov 1994 08:49:37 GMT", /* two spaces */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    double v = ra(bad[i], 0);
    if (v != -1)
      fprintf(stderr, "accepted: %s (%f)\n", bad[i], v);
    CHECK(v == -1);
  }
  /* leap day of a leap century */
  CHECK(ra("Tue, 29 Feb 2000 00:00:00 GMT", 0) > 0);
}

static void test_rfc850(void) {
  CHECK_RA("Sunday, 06-Nov-94 08:49:37 GMT", T1994 - 10, 10);
  /* two-digit years: within 50 years ahead, else the century before */
  CHECK_RA("Tuesday, 01-Jan-30 00:00:00 GMT", NOW2025, 1893456000.0 - NOW2025);
  CHECK_RA("Friday, 01-Jan-75 00:00:00 GMT", NOW2025, 3313526400.0 - NOW2025);
  CHECK_RA("Thursday, 01-Jan-76 00:00:00 GMT", NOW2025, 0); /* 1976 */
  CHECK_RA("Sunday, 06-Nov-94 08:49:37 GMT", NOW2025, 0);   /* 1994 */
  /* near the end of a century, a small year is the next one */
  double now2090 = 3786912000.0; /* 2090-01-01 */
  CHECK(ra("Monday, 01-Jan-01 00:00:00 GMT", now2090) > 86400.0 * 365 * 10);

  const char *bad[] = {
      "Sun, 06-Nov-94 08:49:37 GMT",      /* short day name */
      "Sunday, 06-Nov-1994 08:49:37 GMT", /* four-digit year */
      "Sunday, 06 Nov 94 08:49:37 GMT",   /* spaces for dashes */
      "Sunday, 06-Nov-94 08:49:37",       /* no zone */
      "Sunday, 31-Apr-94 08:49:37 GMT",   /* April has 30 */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_RA(bad[i], 0, -1);
}

static void test_asctime(void) {
  CHECK_RA("Sun Nov  6 08:49:37 1994", T1994 - 10, 10);
  CHECK_RA("Wed Nov 16 08:49:37 1994", T1994 - 10, 10 + 10 * 86400);
  CHECK_RA("Thu Jan  1 00:00:00 1970", -3, 3);
  const char *bad[] = {
      "Sun Nov 6 08:49:37 1994",      /* one space before a one-digit day */
      "Sun Nov  6 08:49:37 94",       /* two-digit year */
      "Sun Nov  6 08:49:37 1994 GMT", /* no zone in this form */
      "Sun Nov 06  08:49:37 1994",    "Sun Nov  0 08:49:37 1994",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_RA(bad[i], 0, -1);
}

static void test_odd_clocks(void) {
  /* dates and clocks before 1970 */
  CHECK_RA("Thu, 01 Mar 1900 00:00:00 GMT", -2203891200.0 - 60, 60);
  double now1960 = -315619200.0; /* 1960-01-01 */
  CHECK_RA("Sunday, 06-Nov-94 08:49:37 GMT", now1960, T1994 - now1960);
  /* an absurd clock keeps the arithmetic defined */
  CHECK_RA("Sunday, 06-Nov-94 08:49:37 GMT", 1e300, 0);
}

TEST_MAIN(TEST(test_delta_seconds), TEST(test_imf_fixdate), TEST(test_rfc850),
          TEST(test_asctime), TEST(test_odd_clocks))
