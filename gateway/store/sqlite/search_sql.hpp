#pragma once
// SQLite's entry points to the search compiler (store/search_compiler.hpp):
// clauses, visibility and sort keys as SQL with bound values.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "search/search_query.hpp"
#include "store/sqlite/db.hpp"
#include "store/sql_conditions.hpp"

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
};

using CodeRows = sql::CodeRows;  // current token rows (search) or codes_ever (history)

// A boolean expression: the row aliased `alias` (of table resources) is visible.
void append_visibility(const search::Visibility& vis, std::string_view alias, CodeRows codes, Sql& out);

// A boolean expression: the resource row `alias` of `type` satisfies the clause.
// Chained clauses join through resources visible under `vis` only.
Status append_clause(const search::Clause& clause, const std::string& type, std::string_view alias,
                     const search::Visibility& vis, Sql& out);

// True when the clause is a selective index lookup (a positive IN over an
// index table) that should drive the query instead of the resources type index.
bool drives_search(const search::Clause& clause);

// The SQL value a sort key orders by (missing values sort lowest).
void append_sort_expr(const search::SortKey& key, const std::string& type, std::string_view alias, Sql& out);

}  // namespace fhirgw::store::sqlite
