#pragma once
// Builds Bundle JSON by appending already-serialised resources, so a search
// page never re-parses what the store returned.
#include <cstdint>
#include <string>

namespace fhirgw::rest {

class BundleWriter {
 public:
  explicit BundleWriter(const std::string& type);
  void total(int64_t n);
  void link(const std::string& relation, const std::string& url);
  void search_entry(const std::string& full_url, const std::string& resource_json, const char* mode);
  // resource_json may be null (deleted version).
  void history_entry(const std::string& full_url, const std::string* resource_json, const char* method,
                     const std::string& url, const char* status, const std::string& etag,
                     const std::string& last_modified);
  // A batch/transaction-response entry.
  void response_entry(const std::string* resource_json, const std::string& status, const std::string& location,
                      const std::string& etag, const std::string& last_modified, const std::string* outcome_json);
  std::string finish();

 private:
  std::string head_, links_, entries_;
  int64_t total_ = -1;
};

// JSON string literal for s (quotes included).
std::string json_quote(const std::string& s);

}  // namespace fhirgw::rest
