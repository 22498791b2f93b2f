#pragma once
// SQLite's entry points to the search compiler (store/search_compiler.hpp),
// which builds the statements of searches and history pages with bound values.
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
};

// The statements of a search and of a history page, built by the search
// compiler (store/search_compiler.hpp); operations.cpp runs them.
Result<Sql> search_page_sql(const search::Query& q);
Result<Sql> search_count_sql(const search::Query& q);
Sql include_sql(const search::Query& q, const search::Include& inc, const std::vector<int64_t>& rids);
Sql revinclude_sql(const search::Query& q, const search::Include& inc, const std::vector<int64_t>& rids);
Sql history_condition(const HistoryQuery& q);
Sql history_count_sql(const Sql& where);
Sql history_page_sql(const HistoryQuery& q, const Sql& where);

// True when the clause is a selective index lookup (a positive IN over an
// index table) that should drive the query instead of the resources type index.
bool drives_search(const search::Clause& clause);

}  // namespace fhirgw::store::sqlite
