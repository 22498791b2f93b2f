#pragma once
// What reads the same in every SQL dialect: the Record columns, paging
// limits, FHIR date-prefix range comparisons and the token forms (templated
// on the backend's Sql builder, which owns only its placeholders: ? or $n).
#include <string>
#include <string_view>

#include "search/search_query.hpp"

namespace fhirgw::store::sql {

// Where excluded codes are looked up: the current version's token rows
// (search), or those and every superseded version's (codes_ever: history).
enum class CodeRows { current, ever };

// The columns a Record is read from (resources r joined to versions v), in order.
inline constexpr const char* kRecordCols =
    "r.rid, r.type, r.id, v.version, v.last_updated, v.deleted, v.json, r.controller, r.patient_id, "
    "r.author_org, r.confidential";
inline constexpr int kRecordColCount = 11;
// Appended to kRecordCols by read and vread: the store's change_seq in the
// same snapshot (Record::change_seq), so governance needs no second look.
inline constexpr const char* kChangeSeqCol = ", (SELECT COALESCE(MAX(seq), 0) FROM versions)";
// At most this many resources join a page through _include / _revinclude.
inline constexpr size_t kMaxIncluded = 1000;

// Whether a sort key's values are integers (dates, _lastUpdated) or text:
// a paging cursor's values must have the same kinds.
inline bool sort_key_is_integer(const search::SortKey& key) {
  if (key.name == "_id") return false;
  if (key.name == "_lastUpdated") return true;
  return key.param && key.param->type == model::ParamType::date;
}

inline std::string col(std::string_view alias, std::string_view name) {
  return std::string(alias) + "." + std::string(name);
}

// FHIR R4 prefix semantics: [lo, hi) is the resource value's range,
// [v.lo_ms, v.hi_ms) the search value's.
template <class Sql>
void append_date_cond(const search::Value& v, const std::string& lo, const std::string& hi, Sql& out) {
  using search::Prefix;
  auto contained = [&] {
    out << "(" << lo << " >= ";
    out.bind(v.lo_ms) << " AND " << hi << " <= ";
    out.bind(v.hi_ms) << ")";
  };
  switch (v.prefix) {
    case Prefix::eq: contained(); break;
    case Prefix::ne:
      out << "(" << lo << " < ";
      out.bind(v.lo_ms) << " OR " << hi << " > ";
      out.bind(v.hi_ms) << ")";
      break;
    case Prefix::gt: out << hi << " > "; out.bind(v.hi_ms); break;
    case Prefix::lt: out << lo << " < "; out.bind(v.lo_ms); break;
    case Prefix::ge:
      out << "(" << hi << " > ";
      out.bind(v.hi_ms) << " OR ";
      contained();
      out << ")";
      break;
    case Prefix::le:
      out << "(" << lo << " < ";
      out.bind(v.lo_ms) << " OR ";
      contained();
      out << ")";
      break;
    case Prefix::sa: out << lo << " >= "; out.bind(v.hi_ms); break;
    case Prefix::eb: out << hi << " <= "; out.bind(v.lo_ms); break;
    case Prefix::ap:  // overlap with the (already widened) search range
      out << "(" << lo << " < ";
      out.bind(v.hi_ms) << " AND " << hi << " > ";
      out.bind(v.lo_ms) << ")";
      break;
  }
}

// system|code, |code (no system), system|, code.
template <class Sql>
void append_token_cond(const search::Value& v, Sql& out) {
  if (v.has_system && v.system.empty()) {
    out << "(system = '' AND code = ";
    out.bind(v.code) << ")";
  } else if (v.has_system && v.code.empty()) {
    out << "system = ";
    out.bind(v.system);
  } else if (v.has_system) {
    out << "(system = ";
    out.bind(v.system) << " AND code = ";
    out.bind(v.code) << ")";
  } else {
    out << "code = ";
    out.bind(v.code);
  }
}

}  // namespace fhirgw::store::sql
