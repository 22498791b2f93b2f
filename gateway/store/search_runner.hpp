#pragma once
// Runs a search or a history page on one backend connection: the statements
// come from the search compiler (store/search_compiler.hpp), the rows from
// the backend's executor. Written once for both backends, so paging, totals
// and includes behave the same on SQLite and PostgreSQL. An Exec supplies
//
//   template <class F> Status each_row(const Sql& sql, F f)
//       runs sql and calls f(row) per row until f returns false;
//   row.int_at(col), row.text_at(col), row.is_integer(col), row.flag_at(col)
//       the row's columns (flag_at: a boolean column).
//
// Included by the two backends' operations.cpp only.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "core/try.hpp"
#include "store/search_total.hpp"
#include "store/sql_conditions.hpp"
#include "store/store.hpp"

namespace fhirgw::store::sql {

// A Record from the kRecordCols columns at the start of a row.
template <class Row>
Record record_from(const Row& row) {
  Record r;
  r.row = row.int_at(0);
  r.type = row.text_at(1);
  r.id = row.text_at(2);
  r.version = row.int_at(3);
  r.last_updated_ms = row.int_at(4);
  r.deleted = row.flag_at(5);
  r.json = row.text_at(6);
  r.controller = row.text_at(7);
  r.patient_id = row.text_at(8);
  r.author_org = row.text_at(9);
  r.confidential = row.flag_at(10);
  return r;
}

// A Record from kRecordCols followed by kChangeSeqCol.
template <class Row>
Record record_with_change_seq(const Row& row) {
  Record r = record_from(row);
  r.change_seq = row.int_at(kRecordColCount);
  return r;
}

template <class Compiler, class Exec>
class SearchRunner {
 public:
  using Sql = typename Compiler::Sql;

  static Result<std::vector<Record>> records(Exec& x, const Sql& sql) {
    std::vector<Record> out;
    GW_TRY(x.each_row(sql, [&](const auto& row) {
      out.push_back(record_from(row));
      return true;
    }));
    return out;
  }

  static Result<int64_t> count(Exec& x, const Sql& sql) {
    int64_t n = 0;
    GW_TRY(x.each_row(sql, [&](const auto& row) {
      n = row.int_at(0);
      return false;
    }));
    return n;
  }

  static Result<SearchPage> search(Exec& x, const search::Query& q) {
    SearchPage page;
    auto count_matches = [&]() -> Result<int64_t> {
      GW_TRY_ASSIGN(sql, Compiler::count_sql(q));
      return count(x, sql);
    };
    if (q.summary == search::Summary::count || q.count <= 0) {
      if (wants_total(q)) {
        GW_TRY_ASSIGN(total, count_matches());
        page.total = total;
      } else {
        GW_TRY(Compiler::count_sql(q));  // still reject a bad query
      }
      return page;
    }
    GW_TRY_ASSIGN(sql, Compiler::page_sql(q));
    page.matches.reserve(static_cast<size_t>(std::min(q.count, 100)));
    GW_TRY(x.each_row(sql, [&](const auto& row) {
      if (page.matches.size() == static_cast<size_t>(q.count)) {  // one more exists: there is a next page
        const Record& last = page.matches.back();
        page.next = search::Cursor{last.sort_value, last.row};
        return false;
      }
      Record r = record_from(row);
      r.sort_value = sort_value(row, kRecordColCount, q.sort.size());
      page.matches.push_back(std::move(r));
      return true;
    }));
    GW_TRY(fill_total(q, page, count_matches));
    GW_TRY(add_includes(x, q, page));
    return page;
  }

  static Result<HistoryPage> history(Exec& x, const HistoryQuery& q) {
    Sql where = Compiler::history_condition(q);
    HistoryPage page;
    GW_TRY_ASSIGN(total, count(x, Compiler::history_count_sql(where)));
    page.total = total;
    if (q.count <= 0) return page;
    int64_t last_seq = 0;
    GW_TRY(x.each_row(Compiler::history_page_sql(q, where), [&](const auto& row) {
      if (page.versions.size() == static_cast<size_t>(q.count)) {
        page.next_before_seq = last_seq;
        return false;
      }
      page.versions.push_back(record_from(row));
      last_seq = row.int_at(kRecordColCount);
      return true;
    }));
    return page;
  }

 private:
  // The sort values after the record columns, as the cursor's JSON array.
  template <class Row>
  static std::string sort_value(const Row& row, int first_col, size_t keys) {
    if (keys == 0) return {};
    json::Document doc(rapidjson::kArrayType);
    auto& a = doc.GetAllocator();
    for (size_t i = 0; i < keys; ++i) {
      int c = first_col + static_cast<int>(i);
      if (row.is_integer(c)) doc.PushBack(json::Value(static_cast<int64_t>(row.int_at(c))), a);
      else doc.PushBack(json::make_string(row.text_at(c), a), a);
    }
    return json::to_string(doc);
  }

  static Status add_includes(Exec& x, const search::Query& q, SearchPage& page) {
    if (page.matches.empty() || (q.includes.empty() && q.revincludes.empty())) return {};
    std::vector<int64_t> rids;
    std::set<int64_t> seen;
    for (const auto& m : page.matches) {
      rids.push_back(m.row);
      seen.insert(m.row);
    }
    auto collect = [&](const Sql& sql) -> Status {
      GW_TRY_ASSIGN(recs, records(x, sql));
      for (auto& r : recs)
        if (page.included.size() < kMaxIncluded && seen.insert(r.row).second) page.included.push_back(std::move(r));
      return {};
    };
    for (const auto& inc : q.includes) {
      if (inc.source_type != q.type) continue;  // :iterate is one level: only the matches are sources
      GW_TRY(collect(Compiler::include_sql(q, inc, rids)));
    }
    for (const auto& inc : q.revincludes) GW_TRY(collect(Compiler::revinclude_sql(q, inc, rids)));
    return {};
  }
};

}  // namespace fhirgw::store::sql
