#pragma once
// PostgreSQL's entry points to the search compiler (store/search_compiler.hpp):
// clauses, visibility and sort keys as SQL with bound values ($n; lists as
// one array parameter).
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "search/search_query.hpp"
#include "store/postgres/pg.hpp"
#include "store/sql_conditions.hpp"

namespace fhirgw::store::postgres {

using CodeRows = sql::CodeRows;  // current token rows (search) or codes_ever (history)

// A boolean expression: the row aliased `alias` (of table resources) is visible.
void append_visibility(const search::Visibility& vis, std::string_view alias, CodeRows codes, Sql& out);

// A boolean expression: the resource row `alias` of `type` satisfies the clause.
// Chained clauses join through resources visible under `vis` only.
Status append_clause(const search::Clause& clause, const std::string& type, std::string_view alias,
                     const search::Visibility& vis, Sql& out);

// The SQL value a sort key orders by (missing values sort lowest).
void append_sort_expr(const search::SortKey& key, const std::string& type, std::string_view alias, Sql& out);

// Whether a sort key's values are integers (dates, _lastUpdated) or text:
// a paging cursor's values must have the same kinds.
bool sort_key_is_integer(const search::SortKey& key);

}  // namespace fhirgw::store::postgres
