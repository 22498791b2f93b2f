#pragma once
// A resource's search rows, held compactly until they are inserted.
//
// A bulk import keeps tens of thousands of rows waiting (see
// WriteStatements::defer_index_rows). Each row's texts go into one shared
// buffer and the row keeps offsets: ~100 bytes a row where a copy of its
// IndexEntry took ~300, so a batch twice as large fits in less memory. The
// fields are kept in the order of the table's value index, so sorting rows
// by them orders the inserts for that index.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/resource_model.hpp"
#include "search/indexer.hpp"

namespace fhirgw::store::sqlite {

// The tables that take a resource's search rows.
enum class RowTable { token, string, date, ref, uri };
inline constexpr size_t kRowTableCount = 5;

class IndexRowBatch {
 public:
  struct Row {
    int64_t rid;
    std::string_view type;  // the model's name: static
    int64_t lo = 0, hi = 0;  // date rows
    // Texts, value-index order after param: token (param, code, system);
    // string (param, norm, exact); date (param); ref (param, ref_id,
    // ref_type, url); uri (param, uri). Unused ones are empty.
    std::array<uint32_t, 4> offset{};
    std::array<uint32_t, 4> size{};
  };

  // Adds the row of `entry`; false when its kind is not stored in a table.
  bool add(int64_t rid, std::string_view type, const search::IndexEntry& entry);
  std::string_view field(const Row& r, size_t i) const { return std::string_view(text_).substr(r.offset[i], r.size[i]); }
  // The rows of one table, in insertion order or sorted by its value index.
  std::vector<const Row*> rows(RowTable table, bool sorted) const;
  bool holds(int64_t rid) const;
  size_t size() const;
  bool empty() const { return size() == 0; }
  void clear();

 private:
  void put(Row& r, size_t i, std::string_view s);

  std::array<std::vector<Row>, kRowTableCount> rows_;
  std::string text_;
  std::unordered_set<int64_t> rids_;
};

}  // namespace fhirgw::store::sqlite
