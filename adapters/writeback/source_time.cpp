#include "writeback/source_time.hpp"

#include <array>
#include <cstdio>

#include "core/fhir_time.hpp"

namespace fhirgw::adapters::writeback {
namespace {

LocalTime civil_from_epoch_ms(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // civil_from_days (Howard Hinnant).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  LocalTime t;
  t.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  t.year = static_cast<int>(yoe + era * 400 + (t.month <= 2));
  t.hour = static_cast<int>(rem / 3600);
  t.minute = static_cast<int>(rem % 3600 / 60);
  t.second = static_cast<int>(rem % 60);
  t.has_time = true;
  return t;
}

// BST runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
// last Sunday of October.
bool is_bst(int64_t epoch_ms) {
  LocalTime u = civil_from_epoch_ms(epoch_ms);
  auto last_sunday = [&](int month) {
    int64_t days = fhir_time::days_from_civil(u.year, static_cast<unsigned>(month), 31);
    int weekday = static_cast<int>(((days % 7) + 11) % 7);  // 0 = Sunday (1970-01-01 was a Thursday)
    return (days - weekday) * 86'400'000LL + 3'600'000LL;
  };
  return epoch_ms >= last_sunday(3) && epoch_ms < last_sunday(10);
}

}  // namespace

LocalTime london_from_epoch_ms(int64_t epoch_ms) {
  return civil_from_epoch_ms(is_bst(epoch_ms) ? epoch_ms + 3'600'000 : epoch_ms);
}


std::optional<LocalTime> to_london(std::string_view fhir) {
  auto range = fhir_time::parse(fhir);
  if (!range) return std::nullopt;
  if (range->precision == fhir_time::Precision::year || range->precision == fhir_time::Precision::month ||
      range->precision == fhir_time::Precision::day) {
    // A date has no zone: it is already the local date.
    LocalTime t = civil_from_epoch_ms(range->lo_ms);
    t.hour = t.minute = t.second = 0;
    t.has_time = false;
    return t;
  }
  return london_from_epoch_ms(range->lo_ms);
}

std::string emis_date(const LocalTime& t) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", t.year, t.month, t.day);
  return buf;
}

std::string emis_time(const LocalTime& t) {
  if (!t.has_time) return {};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", t.hour, t.minute, t.second);
  return buf;
}

std::string systmone_datetime(const LocalTime& t) {
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d %s %04d %02d:%02d:%02d", t.day, kMonths[(t.month - 1) % 12], t.year, t.hour,
                t.minute, t.second);
  return buf;
}

std::string compact_timestamp(const LocalTime& t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", t.year, t.month, t.day, t.hour, t.minute, t.second);
  return buf;
}

}  // namespace fhirgw::adapters::writeback
