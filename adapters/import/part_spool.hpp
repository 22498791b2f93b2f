#pragma once
// Child rows ("parts") waiting for their parent, kept in a temporary file
// rather than in memory, so an import's memory does not grow with the number
// of questionnaire answers, care-plan items or issue records in the set.
// In memory: one small entry per parent (hash of "type/id" → the file offset
// of its latest part; each part links to the previous one of its parent).
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "mapping/source_mapper.hpp"

namespace fhirgw::adapters {

struct PendingPart {
  Part part;
  size_t file_index = 0;
  int64_t line = 0;
  std::string raw;
};

struct ParentKey {
  std::string type, id;
};

class PartSpool {
 public:
  PartSpool() = default;
  ~PartSpool();
  PartSpool(const PartSpool&) = delete;
  PartSpool& operator=(const PartSpool&) = delete;

  Status add(const std::string& type, const std::string& id, const PendingPart& part);
  // Removes and returns the parts of (type, id) in the order they were added.
  Result<std::vector<PendingPart>> take(const std::string& type, const std::string& id);
  bool empty() const { return heads_.empty(); }
  // The parents still holding parts, ordered by "type/id" (deterministic flush).
  Result<std::vector<ParentKey>> remaining();

 private:
  struct Record {
    std::string type, id;
    PendingPart part;
    int64_t prev = -1;
  };
  Status open();
  Status write(const std::string& bytes);
  Status read_at(int64_t offset, size_t size, std::string& out);
  Result<Record> load(int64_t offset);
  Status append(uint64_t hash, const std::string& type, const std::string& id, const PendingPart& part);

  std::FILE* file_ = nullptr;
  int64_t flushed_ = 0;  // bytes in the file; buffer_ holds the bytes after
  std::string buffer_;
  std::unordered_map<uint64_t, int64_t> heads_;  // parent hash → offset of its latest part
};

}  // namespace fhirgw::adapters
