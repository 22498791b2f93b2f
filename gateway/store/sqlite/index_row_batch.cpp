#include "store/sqlite/index_row_batch.hpp"

#include <algorithm>

namespace fhirgw::store::sqlite {

void IndexRowBatch::put(Row& r, size_t i, std::string_view s) {
  r.offset[i] = static_cast<uint32_t>(text_.size());
  r.size[i] = static_cast<uint32_t>(s.size());
  text_.append(s);
}

bool IndexRowBatch::add(int64_t rid, std::string_view type, const search::IndexEntry& e) {
  using model::ParamType;
  Row r{rid, type};
  put(r, 0, e.param);
  RowTable table;
  switch (e.type) {
    case ParamType::token:
      table = RowTable::token;
      put(r, 1, e.code);
      put(r, 2, e.system);
      break;
    case ParamType::string:
      table = RowTable::string;
      put(r, 1, e.text);
      put(r, 2, e.exact);
      break;
    case ParamType::date:
      table = RowTable::date;
      r.lo = e.lo_ms;
      r.hi = e.hi_ms;
      break;
    case ParamType::reference:
      table = RowTable::ref;
      put(r, 1, e.ref_id);
      put(r, 2, e.ref_type);
      put(r, 3, e.ref_url);
      break;
    case ParamType::uri:
      table = RowTable::uri;
      put(r, 1, e.text);
      break;
    default:
      text_.resize(r.offset[0]);  // not stored: take back the param
      return false;
  }
  rows_[static_cast<size_t>(table)].push_back(r);
  rids_.insert(rid);
  return true;
}

std::vector<const IndexRowBatch::Row*> IndexRowBatch::rows(RowTable table, bool sorted) const {
  const auto& all = rows_[static_cast<size_t>(table)];
  std::vector<const Row*> out;
  out.reserve(all.size());
  for (const auto& r : all) out.push_back(&r);
  if (sorted) {
    // The value index's order: (type, param, value..., res).
    std::sort(out.begin(), out.end(), [this](const Row* a, const Row* b) {
      if (a->type != b->type) return a->type < b->type;
      for (size_t i = 0; i < a->offset.size(); ++i) {
        int c = field(*a, i).compare(field(*b, i));
        if (c) return c < 0;
      }
      if (a->lo != b->lo) return a->lo < b->lo;
      if (a->hi != b->hi) return a->hi < b->hi;
      return a->rid < b->rid;
    });
  }
  return out;
}

bool IndexRowBatch::holds(int64_t rid) const { return rids_.count(rid) > 0; }

size_t IndexRowBatch::size() const {
  size_t n = 0;
  for (const auto& t : rows_) n += t.size();
  return n;
}

void IndexRowBatch::clear() {
  for (auto& t : rows_) t.clear();
  text_.clear();
  rids_.clear();
}

}  // namespace fhirgw::store::sqlite
