#pragma once
// PostgreSQL's dialect of the search compiler (store/search_compiler.hpp):
// its SQL builder and how it spells lists and prefixes.
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "search/search_query.hpp"
#include "store/postgres/pg.hpp"
#include "store/sql_conditions.hpp"
#include "store/store.hpp"

namespace fhirgw::store::postgres {

// How PostgreSQL spells what the search compiler (store/search_compiler.hpp)
// leaves to each dialect; operations.cpp instantiates the compiler with it.
// Lists are one array parameter each, whatever their length.
struct Dialect {
  using Sql = postgres::Sql;
  using Bind = postgres::Bind;
  static constexpr const char* kTrue = "TRUE";
  static constexpr const char* kFalse = "FALSE";
  static constexpr const char* kChainJoin = "JOIN";
  static void starts_with(const char* column, const std::string& prefix, Sql& out);
  static void contains(const char* column, const std::string& text, Sql& out);
  static void id_in(const std::string& column, const std::vector<std::string>& ids, Sql& out);
  static void in_list(const std::string& column, const std::vector<std::string>& items, bool negate, Sql& out);
  static void in_list(const std::string& column, const search::IdList& ids, bool negate, Sql& out);
  static void code_in(const std::string& xc, const search::CodeList& codes, Sql& out);
  static std::string is_false(const std::string& column) { return "NOT " + column; }
  static void rid_in(const char* column, const std::vector<int64_t>& rids, Sql& out);
  static const char* type_term(const search::Query&) { return "r.type = "; }
  static const char* chain_driver_hint(const search::Clause&) { return ""; }  // the planner has statistics
};

}  // namespace fhirgw::store::postgres
