#pragma once
// SQLite's dialect of the search compiler (store/search_compiler.hpp): its
// SQL builder and how it spells lists, prefixes and planner hints.
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "search/search_query.hpp"
#include "store/sqlite/db.hpp"
#include "store/sql_conditions.hpp"
#include "store/store.hpp"

namespace fhirgw::store::sqlite {

struct Sql {
  std::string text;
  std::vector<Bind> binds;
  Sql& operator<<(std::string_view s) {
    text += s;
    return *this;
  }
  Sql& bind(Bind b) {  // appends a "?" and its value
    text += '?';
    binds.push_back(std::move(b));
    return *this;
  }
  Sql& append(const Sql& other) {
    text += other.text;
    binds.insert(binds.end(), other.binds.begin(), other.binds.end());
    return *this;
  }
  Sql& append(Sql&& other) {
    text += other.text;
    binds.insert(binds.end(), std::make_move_iterator(other.binds.begin()), std::make_move_iterator(other.binds.end()));
    return *this;
  }
};

// How SQLite spells what the search compiler (store/search_compiler.hpp)
// leaves to each dialect; operations.cpp instantiates the compiler with it.
struct Dialect {
  using Sql = sqlite::Sql;
  using Bind = sqlite::Bind;
  static constexpr const char* kTrue = "1";
  static constexpr const char* kFalse = "0";
  static constexpr const char* kChainJoin = "CROSS JOIN";  // keeps the target (found by its own index) outer
  static void starts_with(const char* column, const std::string& prefix, Sql& out);
  static void contains(const char* column, const std::string& text, Sql& out);
  static void id_in(const std::string& column, const std::vector<std::string>& ids, Sql& out);
  static void in_list(const std::string& column, const std::vector<std::string>& items, bool negate, Sql& out);
  static void in_list(const std::string& column, const search::IdList& ids, bool negate, Sql& out);
  static void code_in(const std::string& xc, const search::CodeList& codes, Sql& out);
  static std::string is_false(const std::string& column) { return column + " = 0"; }
  static void rid_in(const char* column, const std::vector<int64_t>& rids, Sql& out);
  static const char* type_term(const search::Query& q);
  static const char* chain_driver_hint(const search::Clause& inner);
};

// True when the clause is a selective index lookup (a positive IN over an
// index table) that should drive the query instead of the resources type index.
bool drives_search(const search::Clause& clause);

}  // namespace fhirgw::store::sqlite
