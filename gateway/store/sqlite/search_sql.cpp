#include "store/sqlite/search_sql.hpp"

namespace fhirgw::store::sqlite {
namespace {

// Short id lists are bound value by value: SQLite then compares against an
// in-memory list instead of parsing a JSON argument and running json_each
// on every search. Long lists (thousands of patient ids) stay one JSON bind,
// so the statement text and its variable count stay bounded.
constexpr size_t kInlineListMax = 64;

}  // namespace

// A range on the bound value, so the value index serves it: the first string
// greater than every string starting with prefix ends it (bytes 0xF5..0xFF
// never occur in UTF-8).
void Dialect::starts_with(const char* column, const std::string& prefix, Sql& out) {
  out << "(" << column << " >= ";
  out.bind(prefix) << " AND " << column << " < ";
  out.bind(prefix + "\xFF") << ")";
}

void Dialect::contains(const char* column, const std::string& text, Sql& out) {
  out << "instr(" << column << ", ";
  out.bind(text) << ") > 0";
}

void Dialect::id_in(const std::string& column, const std::vector<std::string>& ids, Sql& out) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out << " OR ";
    out << column << " = ";
    out.bind(ids[i]);
  }
}

namespace {

// column (NOT) IN a JSON array bound as one value: for lists too long to inline.
void json_in(const std::string& column, std::string json, bool negate, Sql& out) {
  out << column << (negate ? " NOT IN (" : " IN (") << "SELECT value FROM json_each(";
  out.bind(std::move(json)) << "))";
}

void inline_in(const std::string& column, const std::vector<std::string>& items, bool negate, Sql& out) {
  if (items.empty()) {  // x IN () is false, x NOT IN () is true
    out << (negate ? Dialect::kTrue : Dialect::kFalse);
    return;
  }
  // Unary + keeps the planner from driving the search through the
  // controller or patient index on these terms (as with the json_each form,
  // which it cannot see through): the query's own clauses stay in charge.
  out << "+" << column << (negate ? " NOT IN (" : " IN (");
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out << ", ";
    out.bind(items[i]);
  }
  out << ")";
}

}  // namespace

void Dialect::in_list(const std::string& column, const std::vector<std::string>& items, bool negate, Sql& out) {
  if (items.size() > kInlineListMax) return json_in(column, json_array(items), negate, out);
  inline_in(column, items, negate, out);
}

void Dialect::in_list(const std::string& column, const search::IdList& ids, bool negate, Sql& out) {
  if (ids.size() > kInlineListMax) return json_in(column, ids.json(), negate, out);  // serialised once per narrowing
  inline_in(column, ids.items(), negate, out);
}

// Excluded codes are always one JSON bind, made once per narrowing: a
// governed search is mostly answered from the result cache, where the cost
// is building the statement and its key, and dozens of (system, code) binds
// cost more there than SQLite's parse of one JSON argument on a miss.
void Dialect::code_in(const std::string& xc, const search::CodeList& codes, Sql& out) {
  if (codes.size() == 0) {
    out << kFalse;
    return;
  }
  out << "(" << xc << ".system, " << xc
      << ".code) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(";
  out.bind(codes.json()) << "))";
}

void Dialect::rid_in(const char* column, const std::vector<int64_t>& rids, Sql& out) {
  out << column << " IN (SELECT value FROM json_each(";
  out.bind(json_int_array(rids)) << "))";
}

// Without statistics SQLite would scan the whole type and test each row
// against the index lookups; "+r.type" lets a selective lookup drive
// instead. An _id clause uses the (type, id) key, so the type index stays
// usable then.
const char* Dialect::type_term(const search::Query& q) {
  bool driven = false, by_id = false;
  for (const auto& c : q.clauses) {
    driven = driven || drives_search(c);
    by_id = by_id || (!c.chain && c.param && c.param->name == "_id");
  }
  return driven && !by_id ? "+r.type = " : "r.type = ";
}

// "+": the chain's target is found through its own clause's index, not the type index.
const char* Dialect::chain_driver_hint(const search::Clause& inner) { return drives_search(inner) ? "+" : ""; }


bool drives_search(const search::Clause& c) {
  using search::Modifier;
  if (c.chain) return true;
  if (!c.param || c.param->name == "_id" || c.param->name == "_lastUpdated") return false;
  if (c.modifier == Modifier::not_) return false;
  if (c.modifier == Modifier::missing) return !c.any_of.empty() && !c.any_of[0].missing;
  return true;
}

}  // namespace fhirgw::store::sqlite
