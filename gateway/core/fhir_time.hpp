#pragma once
// FHIR date/dateTime/instant handling: parse to the range of instants the
// value covers (FHIR search treats every date as a range at its precision),
// format instants, and convert Europe/London wall-clock times (what practice
// extracts carry) to FHIR dateTimes with the right GMT/BST offset.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::fhir_time {

enum class Precision { year, month, day, minute, second, fraction };

struct Range {
  int64_t lo_ms = 0;  // inclusive, milliseconds since the Unix epoch (UTC)
  int64_t hi_ms = 0;  // exclusive
  Precision precision = Precision::day;
};

// Accepts YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm(:ss(.fff))(Z|+hh:mm).
// A time without a zone is taken as UTC (search inputs); FHIR requires a zone
// on stored dateTimes with a time, which the validator enforces.
std::optional<Range> parse(std::string_view text);
bool is_valid_date(std::string_view text);      // FHIR date
bool is_valid_datetime(std::string_view text);  // FHIR dateTime
bool is_valid_instant(std::string_view text);   // FHIR instant (full, with zone)

int64_t now_ms();
// 2026-11-22T10:15:30.123Z
std::string format_instant(int64_t epoch_ms);
// HTTP-date (RFC 7231) for Last-Modified.
std::string format_http_date(int64_t epoch_ms);

// Days since epoch for a civil date (proleptic Gregorian).
int64_t days_from_civil(int y, unsigned m, unsigned d);

// Europe/London: offset in minutes (0 or 60) for a local wall-clock time.
int london_offset_minutes(int y, int mo, int d, int h, int mi);
// "2025-01-15T11:02:00+00:00" from local components.
std::string london_datetime(int y, int mo, int d, int h, int mi, int s);

}  // namespace fhirgw::fhir_time
