#pragma once
// The logic of a resource write, once for both backends: the id and type
// checks, If-Match, create-versus-existing, a delete's tombstone, the
// unchanged test, meta stamping, governance columns and index rows. What a
// backend supplies is how to run its few statements (RowWriter).
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "search/indexer.hpp"
#include "store/store.hpp"

namespace fhirgw::store {

// One backend's statements for a write, inside the caller's transaction.
class RowWriter {
 public:
  virtual ~RowWriter() = default;
  virtual Result<std::optional<Record>> current(const std::string& type, const std::string& id) = 0;
  // A new resources row with rec's version, time and governance columns; its row id.
  virtual Result<int64_t> insert_resource(const Record& rec) = 0;
  // The resources row rec.row takes rec's version, time and governance columns (live).
  virtual Status update_resource(const Record& rec) = 0;
  // The resources row rec.row becomes a tombstone at rec's version and time.
  virtual Status mark_deleted(const Record& rec) = 0;
  virtual Status insert_version(const Record& rec) = 0;
  virtual Status clear_index(int64_t rid) = 0;
  virtual Status write_index(int64_t rid, const model::ResourceType& type,
                             const std::vector<search::IndexEntry>& entries) = 0;
};

// An API write (create, update, delete, with If-Match) of w.json.
Result<WriteResult> write_resource(RowWriter& rows, const Write& w);
// An import's write of a document already parsed (and validated): stored as
// the next version of type/id unless its content is unchanged.
Result<WriteResult> write_parsed(RowWriter& rows, const std::string& type, const std::string& id,
                                 json::Document& doc);

}  // namespace fhirgw::store
