#pragma once
// FHIR date / dateTime → the practice systems' own formats. Extracts carry
// Europe/London wall-clock time with no zone, so a dateTime is converted to
// London local time (GMT or BST for that instant) before it is written.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::adapters::writeback {

struct LocalTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  bool has_time = false;  // false: the FHIR value was a date
};

// "2025-02-03" → date; "2025-07-01T09:30:00+00:00" → 10:30:00 BST. Year or
// year-month precision becomes the first day; nullopt when not a FHIR date.
std::optional<LocalTime> to_london(std::string_view fhir);
LocalTime london_from_epoch_ms(int64_t epoch_ms);

std::string emis_date(const LocalTime& t);  // yyyy-MM-dd
std::string emis_time(const LocalTime& t);  // HH:mm:ss ("" without a time)
// dd MMM yyyy HH:mm:ss (00:00:00 for a date).
std::string systmone_datetime(const LocalTime& t);
// yyyyMMddHHmmss (EMIS file names).
std::string compact_timestamp(const LocalTime& t);

}  // namespace fhirgw::adapters::writeback
