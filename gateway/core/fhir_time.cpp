#include "core/fhir_time.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace fhirgw::fhir_time {
namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int y, int m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : dm[m - 1];
}

// Day of week, 0 = Sunday.
int weekday(int64_t days) { return static_cast<int>(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6); }

int64_t last_sunday(int y, int m) {
  int64_t d = days_from_civil(y, m, days_in_month(y, m));
  return d - weekday(d);
}

struct Parsed {
  Range range;
  bool has_time = false;
  bool has_zone = false;
  bool full_seconds = false;
};

std::optional<Parsed> parse_full(std::string_view s) {
  Parsed p;
  int y = 0, mo = 1, d = 1, h = 0, mi = 0, sec = 0;
  int64_t frac_ms = 0;
  if (!digits(s, 0, 4, y) || y < 1) return std::nullopt;
  size_t pos = 4;
  Precision prec = Precision::year;
  if (pos < s.size() && s[pos] == '-') {
    if (!digits(s, pos + 1, 2, mo) || mo < 1 || mo > 12) return std::nullopt;
    pos += 3;
    prec = Precision::month;
    if (pos < s.size() && s[pos] == '-') {
      if (!digits(s, pos + 1, 2, d) || d < 1 || d > days_in_month(y, mo)) return std::nullopt;
      pos += 3;
      prec = Precision::day;
      if (pos < s.size() && s[pos] == 'T') {
        if (!digits(s, pos + 1, 2, h) || h > 23 || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !digits(s, pos + 4, 2, mi) || mi > 59)
          return std::nullopt;
        pos += 6;
        prec = Precision::minute;
        p.has_time = true;
        if (pos < s.size() && s[pos] == ':') {
          if (!digits(s, pos + 1, 2, sec) || sec > 59) return std::nullopt;
          pos += 3;
          prec = Precision::second;
          p.full_seconds = true;
          if (pos < s.size() && s[pos] == '.') {
            size_t start = ++pos;
            int64_t scale = 100;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
              frac_ms += (s[pos] - '0') * scale;
              scale /= 10;
              ++pos;
            }
            if (pos == start) return std::nullopt;
            prec = Precision::fraction;
          }
        }
        int off_min = 0;
        if (pos < s.size() && s[pos] == 'Z') {
          ++pos;
          p.has_zone = true;
        } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
          int oh = 0, om = 0;
          if (!digits(s, pos + 1, 2, oh) || oh > 14 || pos + 3 >= s.size() || s[pos + 3] != ':' ||
              !digits(s, pos + 4, 2, om) || om > 59)
            return std::nullopt;
          off_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
          pos += 6;
          p.has_zone = true;
        }
        int64_t base = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000 +
                       frac_ms - int64_t(off_min) * 60000;
        int64_t width = prec == Precision::minute ? 60000 : prec == Precision::second ? 1000 : 1;
        if (pos != s.size()) return std::nullopt;
        p.range = {base, base + width, prec};
        return p;
      }
    }
  }
  if (pos != s.size()) return std::nullopt;
  int64_t lo = days_from_civil(y, mo, d) * 86400000LL, hi = 0;
  if (prec == Precision::year) hi = days_from_civil(y + 1, 1, 1) * 86400000LL;
  else if (prec == Precision::month) hi = (mo == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, mo + 1, 1)) * 86400000LL;
  else hi = lo + 86400000LL;
  p.range = {lo, hi, prec};
  return p;
}

}  // namespace

int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<Range> parse(std::string_view text) {
  auto p = parse_full(text);
  if (!p) return std::nullopt;
  return p->range;
}

bool is_valid_date(std::string_view text) {
  auto p = parse_full(text);
  return p && !p->has_time;
}

bool is_valid_datetime(std::string_view text) {
  auto p = parse_full(text);
  // FHIR: if hours and minutes are specified, seconds and a zone SHALL be too.
  return p && (!p->has_time || (p->has_zone && p->full_seconds));
}

bool is_valid_instant(std::string_view text) {
  auto p = parse_full(text);
  return p && p->has_time && p->has_zone && p->full_seconds;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_instant(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  int millis = static_cast<int>(ms - int64_t(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::string format_http_date(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

int london_offset_minutes(int y, int mo, int d, int h, int mi) {
  // UK summer time under the harmonised EU rule (in force since 1981; the end
  // date before 1996 differed, which practice data of that age never needs to
  // the minute): from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
  // last Sunday of October. Local times are compared as wall-clock minutes.
  int64_t local = (days_from_civil(y, mo, d) * 1440) + h * 60 + mi;
  int64_t start = last_sunday(y, 3) * 1440 + 60;        // 01:00 GMT == 01:00 local
  int64_t end = last_sunday(y, 10) * 1440 + 120;        // 01:00 UTC == 02:00 BST local
  return (local >= start && local < end) ? 60 : 0;
}

std::string london_datetime(int y, int mo, int d, int h, int mi, int s) {
  int off = london_offset_minutes(y, mo, d, h, mi);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d+%02d:00", y, mo, d, h, mi, s,
                off / 60);
  return buf;
}

}  // namespace fhirgw::fhir_time
