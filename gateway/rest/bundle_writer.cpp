#include "rest/bundle_writer.hpp"

#include <stdexcept>

#include "core/fhir_time.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"

namespace fhirgw::rest {

BundleWriter::BundleWriter(std::string_view type) {
  out_.reserve(4096);
  out_ += "{\"resourceType\":\"Bundle\",\"id\":\"";
  out_ += ids::random_uuid();
  out_ += "\",\"meta\":{\"lastUpdated\":\"";
  out_ += fhir_time::format_instant(fhir_time::now_ms());
  out_ += "\"},\"type\":";
  json::append_quoted(out_, type);
}

void BundleWriter::total(int64_t n) {
  if (part_ != Part::head) throw std::logic_error("Bundle.total follows the links or entries");
  out_ += ",\"total\":";
  out_ += std::to_string(n);
}

void BundleWriter::link(std::string_view relation, std::string_view url) {
  if (part_ == Part::entries) throw std::logic_error("Bundle.link follows the entries");
  out_ += part_ == Part::head ? ",\"link\":[" : ",";
  part_ = Part::links;
  out_ += "{\"relation\":";
  json::append_quoted(out_, relation);
  out_ += ",\"url\":";
  json::append_quoted(out_, url);
  out_ += '}';
}

void BundleWriter::begin_entry() {
  if (part_ == Part::entries) {
    out_ += ',';
    return;
  }
  if (part_ == Part::links) out_ += ']';
  out_ += ",\"entry\":[";
  part_ = Part::entries;
}

void BundleWriter::search_entry(std::string_view full_url, std::string_view resource_json, const char* mode) {
  begin_entry();
  out_ += "{\"fullUrl\":";
  json::append_quoted(out_, full_url);
  out_ += ",\"resource\":";
  out_ += resource_json;
  out_ += ",\"search\":{\"mode\":\"";
  out_ += mode;
  out_ += "\"}}";
}

void BundleWriter::history_entry(std::string_view full_url, const std::string* resource_json,
                                 const char* method, std::string_view url, const char* status,
                                 std::string_view etag, std::string_view last_modified) {
  begin_entry();
  out_ += "{\"fullUrl\":";
  json::append_quoted(out_, full_url);
  if (resource_json) {
    out_ += ",\"resource\":";
    out_ += *resource_json;
  }
  out_ += ",\"request\":{\"method\":\"";
  out_ += method;
  out_ += "\",\"url\":";
  json::append_quoted(out_, url);
  out_ += "},\"response\":{\"status\":\"";
  out_ += status;
  out_ += "\",\"etag\":";
  json::append_quoted(out_, etag);
  out_ += ",\"lastModified\":";
  json::append_quoted(out_, last_modified);
  out_ += "}}";
}

void BundleWriter::response_entry(const std::string* resource_json, std::string_view status,
                                  std::string_view location, std::string_view etag,
                                  std::string_view last_modified, const std::string* outcome_json) {
  begin_entry();
  out_ += '{';
  if (resource_json && !resource_json->empty()) {
    out_ += "\"resource\":";
    out_ += *resource_json;
    out_ += ',';
  }
  out_ += "\"response\":{\"status\":";
  json::append_quoted(out_, status);
  auto optional = [this](const char* name, std::string_view v) {
    if (v.empty()) return;
    out_ += name;
    json::append_quoted(out_, v);
  };
  optional(",\"location\":", location);
  optional(",\"etag\":", etag);
  optional(",\"lastModified\":", last_modified);
  if (outcome_json && !outcome_json->empty()) {
    out_ += ",\"outcome\":";
    out_ += *outcome_json;
  }
  out_ += "}}";
}

std::string BundleWriter::finish() {
  if (part_ == Part::links) out_ += ']';
  // FHIR JSON has no empty arrays: a Bundle without entries has no "entry".
  out_ += part_ == Part::entries ? "]}" : "}";
  return std::move(out_);
}

}  // namespace fhirgw::rest
