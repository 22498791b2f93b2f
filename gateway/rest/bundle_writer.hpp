#pragma once
// Builds Bundle JSON by appending already-serialised resources into one
// buffer, so a search page never re-parses, and copies each resource once.
// Calls come in the order of the Bundle's elements: total, links, entries.
#include <cstdint>
#include <string>
#include <string_view>

namespace fhirgw::rest {

class BundleWriter {
 public:
  explicit BundleWriter(std::string_view type);
  void total(int64_t n);  // before any link or entry
  void link(std::string_view relation, std::string_view url);  // before any entry
  void search_entry(std::string_view full_url, std::string_view resource_json, const char* mode);
  // resource_json may be null (deleted version).
  void history_entry(std::string_view full_url, const std::string* resource_json, const char* method,
                     std::string_view url, const char* status, std::string_view etag,
                     std::string_view last_modified);
  // A batch/transaction-response entry.
  void response_entry(const std::string* resource_json, std::string_view status, std::string_view location,
                      std::string_view etag, std::string_view last_modified, const std::string* outcome_json);
  std::string finish();

 private:
  enum class Part { head, links, entries };
  void begin_entry();
  std::string out_;
  Part part_ = Part::head;
};

}  // namespace fhirgw::rest
