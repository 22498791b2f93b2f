#include "validation/primitive_format.hpp"

#include <cstdint>

#include "core/fhir_time.hpp"

namespace fhirgw::validation {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_lower(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

// code: [^\s]+(\s[^\s]+)* — no leading, trailing or doubled whitespace.
bool valid_code(std::string_view s) {
  if (s.empty() || is_space(s.front()) || is_space(s.back())) return false;
  for (size_t i = 1; i < s.size(); ++i)
    if (is_space(s[i]) && is_space(s[i - 1])) return false;
  return true;
}

// id: [A-Za-z0-9\-\.]{1,64}
bool valid_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '.'))
      return false;
  return true;
}

// uri/url/canonical: \S* (and FHIR forbids empty strings everywhere).
bool valid_uri(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (is_space(c)) return false;
  return true;
}

// urn:oid:[0-2](\.(0|[1-9][0-9]*))+
bool valid_oid(std::string_view s) {
  constexpr std::string_view prefix = "urn:oid:";
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  if (s.size() < 3 || s[0] < '0' || s[0] > '2') return false;
  size_t i = 1;
  int arcs = 0;
  while (i < s.size()) {
    if (s[i] != '.') return false;
    ++i;
    if (i >= s.size() || !is_digit(s[i])) return false;
    if (s[i] == '0' && i + 1 < s.size() && is_digit(s[i + 1])) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
    ++arcs;
  }
  return arcs > 0;
}

// urn:uuid: + 8-4-4-4-12 lower-case hex
bool valid_uuid(std::string_view s) {
  constexpr std::string_view prefix = "urn:uuid:";
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex_lower(s[i])) return false;
  }
  return true;
}

// (\s*([0-9a-zA-Z\+/\=]){4}\s*)+ with padding only at the end.
bool valid_base64(std::string_view s) {
  size_t n = 0, pad = 0;
  for (char c : s) {
    if (is_space(c)) continue;
    bool alnum = is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (c == '=') {
      ++pad;
    } else if (alnum || c == '+' || c == '/') {
      if (pad) return false;
    } else {
      return false;
    }
    ++n;
  }
  return n > 0 && n % 4 == 0 && pad <= 2;
}

// time: hh:mm:ss(.f+)? within range
bool valid_time(std::string_view s) {
  if (s.size() < 8 || s[2] != ':' || s[5] != ':') return false;
  auto two = [&](size_t at, int max) {
    if (!is_digit(s[at]) || !is_digit(s[at + 1])) return false;
    return (s[at] - '0') * 10 + (s[at + 1] - '0') <= max;
  };
  if (!two(0, 23) || !two(3, 59) || !two(6, 60)) return false;
  if (s.size() == 8) return true;
  if (s[8] != '.' || s.size() == 9) return false;
  for (size_t i = 9; i < s.size(); ++i)
    if (!is_digit(s[i])) return false;
  return true;
}

std::optional<std::string> want_string(const json::Value& v, std::string_view type) {
  if (!v.IsString()) return "a " + std::string(type) + " must be a JSON string";
  if (v.GetStringLength() == 0) return "a " + std::string(type) + " must not be empty";
  return std::nullopt;
}

}  // namespace

Primitive primitive_from_name(std::string_view n) {
  struct Entry { std::string_view name; Primitive p; };
  static constexpr Entry kTable[] = {
      {"base64Binary", Primitive::base64Binary}, {"boolean", Primitive::boolean},
      {"canonical", Primitive::canonical},       {"code", Primitive::code},
      {"date", Primitive::date},                 {"dateTime", Primitive::dateTime},
      {"decimal", Primitive::decimal},           {"id", Primitive::id},
      {"instant", Primitive::instant},           {"integer", Primitive::integer},
      {"markdown", Primitive::markdown},         {"oid", Primitive::oid},
      {"positiveInt", Primitive::positiveInt},   {"string", Primitive::string},
      {"time", Primitive::time},                 {"unsignedInt", Primitive::unsignedInt},
      {"uri", Primitive::uri},                   {"url", Primitive::url},
      {"uuid", Primitive::uuid},                 {"xhtml", Primitive::xhtml},
  };
  for (const auto& e : kTable)
    if (e.name == n) return e.p;
  return Primitive::none;
}

std::optional<std::string> check_primitive(Primitive p, const json::Value& v) {
  switch (p) {
    case Primitive::none: return std::nullopt;
    case Primitive::boolean:
      if (!v.IsBool()) return "a boolean must be JSON true or false";
      return std::nullopt;
    case Primitive::integer:
      if (!v.IsInt()) return "an integer must be a JSON number without a fraction, within 32 bits";
      return std::nullopt;
    case Primitive::positiveInt:
      if (!v.IsInt() || v.GetInt() < 1) return "a positiveInt must be a JSON integer of at least 1";
      return std::nullopt;
    case Primitive::unsignedInt:
      if (!v.IsInt() || v.GetInt() < 0) return "an unsignedInt must be a JSON integer of at least 0";
      return std::nullopt;
    case Primitive::decimal:
      if (!v.IsNumber()) return "a decimal must be a JSON number";
      return std::nullopt;
    default: break;
  }
  if (auto bad = want_string(v, "value")) return bad;
  std::string_view s(v.GetString(), v.GetStringLength());
  switch (p) {
    case Primitive::string:
    case Primitive::markdown: return std::nullopt;  // non-empty is all R4 asks
    case Primitive::code:
      if (!valid_code(s)) return "not a valid code (no leading, trailing or repeated whitespace)";
      return std::nullopt;
    case Primitive::id:
      if (!valid_id(s)) return "not a valid id (1-64 of A-Z a-z 0-9 - .)";
      return std::nullopt;
    case Primitive::uri:
    case Primitive::url:
    case Primitive::canonical:
      if (!valid_uri(s)) return "not a valid URI (no whitespace allowed)";
      return std::nullopt;
    case Primitive::oid:
      if (!valid_oid(s)) return "not a valid OID (urn:oid:1.2.3...)";
      return std::nullopt;
    case Primitive::uuid:
      if (!valid_uuid(s)) return "not a valid UUID (urn:uuid: and lower-case 8-4-4-4-12 hex)";
      return std::nullopt;
    case Primitive::base64Binary:
      if (!valid_base64(s)) return "not valid base64";
      return std::nullopt;
    case Primitive::date:
      if (!fhir_time::is_valid_date(s)) return "not a valid FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)";
      return std::nullopt;
    case Primitive::dateTime:
      if (!fhir_time::is_valid_datetime(s))
        return "not a valid FHIR dateTime (a time needs seconds and a zone)";
      return std::nullopt;
    case Primitive::instant:
      if (!fhir_time::is_valid_instant(s)) return "not a valid FHIR instant (full date, time and zone)";
      return std::nullopt;
    case Primitive::time:
      if (!valid_time(s)) return "not a valid FHIR time (hh:mm:ss)";
      return std::nullopt;
    case Primitive::xhtml:
      if (s.substr(0, 4) != "<div") return "narrative XHTML must be a <div> element";
      return std::nullopt;
    default: return std::nullopt;
  }
}

}  // namespace fhirgw::validation
