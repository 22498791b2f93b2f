#include "mapping/writeback_keys.hpp"

#include <charconv>
#include <limits>

#include "core/ids.hpp"

namespace fhirgw::adapters {
namespace {

std::string digest(std::string_view scheme, std::string_view organisation, std::string_view type,
                   std::string_view id, std::string_view part) {
  std::string input("fhir-gateway/writeback/");
  input.append(scheme).append("\x1f").append(organisation).append("\x1f").append(type).append("\x1f");
  input.append(id).append("\x1f").append(part);
  return ids::sha256_hex(input);  // 64 lower-case hex digits
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string_view> writeback_table(Format format, std::string_view type) {
  bool emis = format == Format::emis;
  if (type == "QuestionnaireResponse") return emis ? "CareRecord_Observation" : "SRAnsweredQuestionnaire";
  if (type == "Flag") return emis ? "CareRecord_Alert" : "SRSpecialNotes";
  if (type == "CarePlan") return emis ? "CareRecord_CarePlan" : "SRCarePlan";
  return std::nullopt;
}

std::string writeback_guid(std::string_view organisation, std::string_view type, std::string_view id,
                           std::string_view part) {
  std::string h = digest("emis", organisation, type, id, part);
  // 8-4-4-4-12 from the first 32 digits; version nibble 8, variant 10xx.
  h[12] = '8';
  h[16] = "89ab"[hex_value(h[16]) & 0x3];
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out.push_back('-');
    char c = h[i];
    out.push_back(c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return out;
}

int64_t writeback_row_id(std::string_view organisation, std::string_view type, std::string_view id,
                         std::string_view part) {
  std::string h = digest("systmone", organisation, type, id, part);
  uint64_t v = 0;
  for (size_t i = 0; i < 16; ++i) v = (v << 4) | static_cast<uint64_t>(hex_value(h[i]));
  const uint64_t span = static_cast<uint64_t>(std::numeric_limits<int64_t>::max() - kWritebackRowIdFirst) + 1;
  return kWritebackRowIdFirst + static_cast<int64_t>(v % span);
}

std::string writeback_key(Format format, std::string_view organisation, std::string_view type,
                          std::string_view id, std::string_view part) {
  if (format == Format::emis) return writeback_guid(organisation, type, id, part);
  return std::to_string(writeback_row_id(organisation, type, id, part));
}

bool is_writeback_guid(std::string_view key) {
  if (key.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? key[i] != '-' : hex_value(key[i]) < 0) return false;
  }
  return key[14] == '8' && (hex_value(key[19]) & 0xC) == 0x8;
}

bool is_writeback_row_id(std::string_view key) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), v);
  return ec == std::errc() && p == key.data() + key.size() && v >= kWritebackRowIdFirst;
}

bool is_writeback_key(Format format, std::string_view key) {
  return format == Format::emis ? is_writeback_guid(key) : is_writeback_row_id(key);
}

}  // namespace fhirgw::adapters
