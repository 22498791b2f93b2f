#include "store/postgres/search_sql.hpp"

#include "store/search_compiler.hpp"

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

// What PostgreSQL spells its own way (see store/search_compiler.hpp). Lists
// are one array parameter each, whatever their length.
struct Dialect {
  using Sql = postgres::Sql;
  using Bind = postgres::Bind;
  static constexpr const char* kTrue = "TRUE";
  static constexpr const char* kFalse = "FALSE";
  static constexpr const char* kChainJoin = "JOIN";

  static void starts_with(const char* column, const std::string& prefix, Sql& out) {
    out << column << " LIKE ";
    out.bind(like_prefix(prefix));
  }
  static void contains(const char* column, const std::string& text, Sql& out) {
    out << "strpos(" << column << ", ";
    out.bind(text) << ") > 0";
  }
  static void id_in(const std::string& column, const std::vector<std::string>& ids, Sql& out) {
    out << column << " = ANY(";
    out.bind(TextArray{ids}) << ")";
  }
  static void in_list(const std::string& column, const std::vector<std::string>& items, bool negate, Sql& out) {
    out << column << (negate ? " <> ALL(" : " = ANY(");
    out.bind(TextArray{items}) << ")";
  }
  static void code_in(const std::string& xc, const std::vector<std::pair<std::string, std::string>>& pairs,
                      Sql& out) {
    std::vector<std::string> systems, codes;
    for (const auto& [s, c] : pairs) {
      systems.push_back(s);
      codes.push_back(c);
    }
    out << "(" << xc << ".system, " << xc << ".code) IN (SELECT * FROM unnest(";
    out.bind(TextArray{std::move(systems)}) << ", ";
    out.bind(TextArray{std::move(codes)}) << "))";
  }
  static std::string is_false(const std::string& column) { return "NOT " + column; }
  static const char* chain_driver_hint(const search::Clause&) { return ""; }  // the planner has statistics
  static const char* type_term(const search::Query&) { return "r.type = "; }
  static void rid_in(const char* column, const std::vector<int64_t>& rids, Sql& out) {
    out << column << " = ANY(";
    out.bind(IntArray{rids}) << ")";
  }
};

using Compiler = sql::SearchCompiler<Dialect>;

}  // namespace

Result<Sql> search_page_sql(const search::Query& q) { return Compiler::page_sql(q); }
Result<Sql> search_count_sql(const search::Query& q) { return Compiler::count_sql(q); }
Sql include_sql(const search::Query& q, const search::Include& inc, const std::vector<int64_t>& rids) {
  return Compiler::include_sql(q, inc, rids);
}
Sql revinclude_sql(const search::Query& q, const search::Include& inc, const std::vector<int64_t>& rids) {
  return Compiler::revinclude_sql(q, inc, rids);
}
Sql history_condition(const HistoryQuery& q) { return Compiler::history_condition(q); }
Sql history_count_sql(const Sql& where) { return Compiler::history_count_sql(where); }
Sql history_page_sql(const HistoryQuery& q, const Sql& where) { return Compiler::history_page_sql(q, where); }

}  // namespace fhirgw::store::postgres
