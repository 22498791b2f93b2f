#include "mapping/source_dates.hpp"

#include <array>
#include <cstdio>

#include "core/fhir_time.hpp"

namespace fhirgw::adapters {
namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool valid_ymd(int y, int m, int d) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1800 || y > 2200 || m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// HH:mm or HH:mm:ss
bool parse_time(std::string_view t, int& h, int& mi, int& s) {
  s = 0;
  if (!digits(t, 0, 2, h) || t.size() < 5 || t[2] != ':' || !digits(t, 3, 2, mi)) return false;
  if (t.size() == 8) {
    if (t[5] != ':' || !digits(t, 6, 2, s)) return false;
  } else if (t.size() != 5) {
    return false;
  }
  return h < 24 && mi < 60 && s < 60;
}

bool parse_iso_date(std::string_view d, int& y, int& m, int& day) {
  return d.size() == 10 && digits(d, 0, 4, y) && d[4] == '-' && digits(d, 5, 2, m) &&
         d[7] == '-' && digits(d, 8, 2, day) && valid_ymd(y, m, day);
}

// Zero-padded decimal digits of v (0 <= v < 10^width), appended to out:
// every date of every row goes through here, so no printf.
void append_digits(std::string& out, int v, int width) {
  char buf[4];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<size_t>(width));
}

// Years are 1800..2200 (valid_ymd), months and days two digits.
std::string ymd(int y, int m, int d) {
  std::string out;
  out.reserve(10);
  append_digits(out, y, 4);
  out.push_back('-');
  append_digits(out, m, 2);
  out.push_back('-');
  append_digits(out, d, 2);
  return out;
}

Error bad(std::string_view value, std::string_view expected) {
  return Error::invalid("invalid date '" + std::string(value) + "', expected " + std::string(expected));
}

}  // namespace

Result<std::string> emis_date(std::string_view date) {
  int y, m, d;
  if (!parse_iso_date(date, y, m, d)) return bad(date, "yyyy-MM-dd");
  return ymd(y, m, d);
}

Result<std::string> emis_datetime(std::string_view date, std::string_view time,
                                  std::string_view precision) {
  if (precision == "U") return std::string();
  // The time may be inside the date column ("2025-01-15 11:02:00" or "...T...").
  std::string_view d = date, t = time;
  if (date.size() > 10 && (date[10] == ' ' || date[10] == 'T')) {
    d = date.substr(0, 10);
    if (t.empty()) t = date.substr(11);
  }
  int y, m, day;
  if (!parse_iso_date(d, y, m, day)) return bad(date, "yyyy-MM-dd");
  if (precision == "Y") return ymd(y, m, day).substr(0, 4);
  if (precision == "YM") return ymd(y, m, day).substr(0, 7);
  if (precision == "YMD" || (precision.empty() && t.empty())) return ymd(y, m, day);
  if (precision == "YMDT" || precision.empty()) {
    int h, mi, s;
    if (t.empty()) return ymd(y, m, day);
    if (!parse_time(t, h, mi, s)) {
      return Error::invalid("invalid time '" + std::string(t) + "', expected HH:mm:ss");
    }
    return fhir_time::london_datetime(y, m, day, h, mi, s);
  }
  return Error::invalid("invalid date precision '" + std::string(precision) +
                        "', expected U, Y, YM, YMD or YMDT");
}

namespace {
bool parse_systmone(std::string_view text, int& y, int& m, int& d, int& h, int& mi, int& s,
                    bool& has_time) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() < 11 || text[2] != ' ' || text[6] != ' ') return false;
  if (!digits(text, 0, 2, d) || !digits(text, 7, 4, y)) return false;
  m = 0;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (text.substr(3, 3) == kMonths[i]) m = static_cast<int>(i) + 1;
  }
  if (m == 0 || !valid_ymd(y, m, d)) return false;
  h = mi = s = 0;
  has_time = text.size() > 11;
  if (!has_time) return true;
  return text[11] == ' ' && parse_time(text.substr(12), h, mi, s);
}
}  // namespace

Result<std::string> systmone_datetime(std::string_view text) {
  int y, m, d, h, mi, s;
  bool has_time;
  if (!parse_systmone(text, y, m, d, h, mi, s, has_time)) {
    return bad(text, "dd MMM yyyy HH:mm:ss");
  }
  if (!has_time) return ymd(y, m, d);
  return fhir_time::london_datetime(y, m, d, h, mi, s);
}

Result<std::string> systmone_date(std::string_view text) {
  int y, m, d, h, mi, s;
  bool has_time;
  if (!parse_systmone(text, y, m, d, h, mi, s, has_time)) return bad(text, "dd MMM yyyy HH:mm");
  return ymd(y, m, d);
}

}  // namespace fhirgw::adapters
