#include "store/postgres/search_sql.hpp"

namespace fhirgw::store::postgres {
namespace {

// A LIKE pattern matching every string that starts with prefix. With the "C"
// collation the planner turns it into an index range on the bound value.
std::string like_prefix(const std::string& prefix) {
  std::string out;
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

}  // namespace

void Dialect::starts_with(const char* column, const std::string& prefix, Sql& out) {
  out << column << " LIKE ";
  out.bind(like_prefix(prefix));
}

void Dialect::contains(const char* column, const std::string& text, Sql& out) {
  out << "strpos(" << column << ", ";
  out.bind(text) << ") > 0";
}

void Dialect::id_in(const std::string& column, const std::vector<std::string>& ids, Sql& out) {
  out << column << " = ANY(";
  out.bind(TextArray{ids}) << ")";
}

void Dialect::in_list(const std::string& column, const std::vector<std::string>& items, bool negate, Sql& out) {
  out << column << (negate ? " <> ALL(" : " = ANY(");
  out.bind(TextArray{items}) << ")";
}

void Dialect::in_list(const std::string& column, const search::IdList& ids, bool negate, Sql& out) {
  in_list(column, ids.items(), negate, out);
}

void Dialect::code_in(const std::string& xc, const search::CodeList& codes, Sql& out) {
  std::vector<std::string> systems, code_values;
  for (const auto& [s, c] : codes) {
    systems.push_back(s);
    code_values.push_back(c);
  }
  out << "(" << xc << ".system, " << xc << ".code) IN (SELECT * FROM unnest(";
  out.bind(TextArray{std::move(systems)}) << ", ";
  out.bind(TextArray{std::move(code_values)}) << "))";
}

void Dialect::rid_in(const char* column, const std::vector<int64_t>& rids, Sql& out) {
  out << column << " = ANY(";
  out.bind(IntArray{rids}) << ")";
}

}  // namespace fhirgw::store::postgres
