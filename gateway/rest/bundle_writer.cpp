#include "rest/bundle_writer.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/fhir_time.hpp"
#include "core/ids.hpp"

namespace fhirgw::rest {

std::string json_quote(const std::string& s) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(sb.GetString(), sb.GetSize());
}

BundleWriter::BundleWriter(const std::string& type) {
  head_ = "{\"resourceType\":\"Bundle\",\"id\":\"" + ids::random_uuid() + "\",\"meta\":{\"lastUpdated\":\"" +
          fhir_time::format_instant(fhir_time::now_ms()) + "\"},\"type\":\"" + type + "\"";
}

void BundleWriter::total(int64_t n) { total_ = n; }

void BundleWriter::link(const std::string& relation, const std::string& url) {
  if (!links_.empty()) links_ += ',';
  links_ += "{\"relation\":\"" + relation + "\",\"url\":" + json_quote(url) + "}";
}

void BundleWriter::search_entry(const std::string& full_url, const std::string& resource_json, const char* mode) {
  if (!entries_.empty()) entries_ += ',';
  entries_ += "{\"fullUrl\":" + json_quote(full_url) + ",\"resource\":" + resource_json +
              ",\"search\":{\"mode\":\"" + mode + "\"}}";
}

void BundleWriter::history_entry(const std::string& full_url, const std::string* resource_json,
                                 const char* method, const std::string& url, const char* status,
                                 const std::string& etag, const std::string& last_modified) {
  if (!entries_.empty()) entries_ += ',';
  entries_ += "{\"fullUrl\":" + json_quote(full_url);
  if (resource_json) entries_ += ",\"resource\":" + *resource_json;
  entries_ += ",\"request\":{\"method\":\"" + std::string(method) + "\",\"url\":" + json_quote(url) +
              "},\"response\":{\"status\":\"" + status + "\",\"etag\":" + json_quote(etag) +
              ",\"lastModified\":\"" + last_modified + "\"}}";
}

void BundleWriter::response_entry(const std::string* resource_json, const std::string& status,
                                  const std::string& location, const std::string& etag,
                                  const std::string& last_modified, const std::string* outcome_json) {
  if (!entries_.empty()) entries_ += ',';
  entries_ += "{";
  if (resource_json && !resource_json->empty()) entries_ += "\"resource\":" + *resource_json + ",";
  entries_ += "\"response\":{\"status\":" + json_quote(status);
  if (!location.empty()) entries_ += ",\"location\":" + json_quote(location);
  if (!etag.empty()) entries_ += ",\"etag\":" + json_quote(etag);
  if (!last_modified.empty()) entries_ += ",\"lastModified\":" + json_quote(last_modified);
  if (outcome_json && !outcome_json->empty()) entries_ += ",\"outcome\":" + *outcome_json;
  entries_ += "}}";
}

std::string BundleWriter::finish() {
  std::string out = head_;
  if (total_ >= 0) out += ",\"total\":" + std::to_string(total_);
  if (!links_.empty()) out += ",\"link\":[" + links_ + "]";
  out += ",\"entry\":[" + entries_ + "]}";
  return out;
}

}  // namespace fhirgw::rest
