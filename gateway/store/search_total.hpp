#pragma once
// The `total` of a search, shared by both store backends.
#include <cstdint>

#include "core/result.hpp"
#include "search/search_query.hpp"
#include "store/store.hpp"

namespace fhirgw::store {

// Whether the query asks for a total (`_total` not none, or `_summary=count`).
inline bool wants_total(const search::Query& q) {
  return q.total != search::TotalMode::none || q.summary == search::Summary::count;
}

// Sets page.total once the page has been read. A first page without a next
// link holds every match, so its size is the total and the second query over
// the same conditions (`count_matches`, returning Result<int64_t>) is skipped.
template <class CountMatches>
Status fill_total(const search::Query& q, SearchPage& page, CountMatches&& count_matches) {
  if (!wants_total(q)) return {};
  if (!q.after && !page.next) {
    page.total = static_cast<int64_t>(page.matches.size());
    return {};
  }
  auto total = count_matches();
  if (!total) return std::move(total).error();
  page.total = *total;
  return {};
}

}  // namespace fhirgw::store
