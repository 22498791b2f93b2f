#pragma once
// PostgreSQL's entry points to the search compiler (store/search_compiler.hpp),
// which builds the statements of searches and history pages with bound values
// ($n; lists as one array parameter).
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "search/search_query.hpp"
#include "store/postgres/pg.hpp"
#include "store/sql_conditions.hpp"
#include "store/store.hpp"

namespace fhirgw::store::postgres {

// The statements of a search and of a history page, built by the search
// compiler (store/search_compiler.hpp); operations.cpp runs them.
Result<Sql> search_page_sql(const search::Query& q);
Result<Sql> search_count_sql(const search::Query& q);
Sql include_sql(const search::Query& q, const search::Include& inc, const std::vector<int64_t>& rids);
Sql revinclude_sql(const search::Query& q, const search::Include& inc, const std::vector<int64_t>& rids);
Sql history_condition(const HistoryQuery& q);
Sql history_count_sql(const Sql& where);
Sql history_page_sql(const HistoryQuery& q, const Sql& where);

}  // namespace fhirgw::store::postgres
