#include "core/operation_outcome.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace fhirgw {

std::string to_operation_outcome(const Error& e) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("resourceType");
  w.String("OperationOutcome");
  w.Key("issue");
  w.StartArray();
  for (const Issue& i : e.issues) {
    w.StartObject();
    w.Key("severity");
    w.String(to_string(i.severity));
    w.Key("code");
    w.String(i.code.empty() ? "processing" : i.code.c_str());
    if (!i.diagnostics.empty()) {
      w.Key("diagnostics");
      w.String(i.diagnostics.c_str(), static_cast<rapidjson::SizeType>(i.diagnostics.size()));
    }
    if (!i.expression.empty()) {
      w.Key("expression");
      w.StartArray();
      w.String(i.expression.c_str(), static_cast<rapidjson::SizeType>(i.expression.size()));
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

std::string operation_outcome_info(const std::string& diagnostics) {
  Error e;
  e.status = 200;
  e.issues.push_back({Severity::information, "informational", diagnostics, {}});
  return to_operation_outcome(e);
}

}  // namespace fhirgw
