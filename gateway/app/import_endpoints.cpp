// Import and write-back over HTTP, for integrators (policy::may_operate):
//
//   POST /$import[?format=emis|systmone]   body: a FHIR Parameters resource
//       {"resourceType":"Parameters","parameter":[
//         {"name":"format","valueCode":"systmone"},
//         {"name":"file","part":[{"name":"name","valueString":"SRPatient.csv"},
//                                {"name":"content","valueBase64Binary":"..."}]}, ...]}
//     JSON with base64 files: curl sends it as it is (-d @set.json), it is
//     parsed with the JSON library the gateway already has, and file bytes
//     (Windows-1252 included) pass through untouched. The request body limit
//     applies (8 MiB by default): bigger sets go through the inbox or the CLI.
//     → 202 Accepted, Content-Location: <base>/$import-status?id=ID (FHIR
//     asynchronous request pattern). The import runs on its own thread; one
//     at a time: while one runs (upload or inbox) another gets 429 + Retry-After.
//   GET /$import-status?id=ID
//     → 202 + X-Progress while running; 200 + the import report (JSON) when
//     done; 422 + OperationOutcome when the set was refused; 404 if unknown.
//   GET /$import-quarantine?import=ID[&_count=N][&after=QID]
//     → the quarantined rows of that import (JSON), paged by entry id.
//   POST /$export-writeback?format=&organisation=&since=
//     → a Parameters resource: the export report (text) and each file
//     (name + base64 content), written from the partner writes since `since`.
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "app/gateway_runtime.hpp"
#include "app/governance_state.hpp"
#include "app/import_jobs.hpp"
#include "app/import_setup.hpp"
#include "app/inbox_watcher.hpp"
#include "core/ids.hpp"
#include "core/operation_outcome.hpp"
#include "policy/engine.hpp"
#include "writeback/export.hpp"

namespace fhirgw::app {

namespace {

http::Response oo(int status, const std::string& code, const std::string& message) {
  http::Response r;
  r.status = status;
  Error e = Error::make(status, code, message);
  // Progress reports (202) are information, not errors.
  if (status < 400) e.issues.front().severity = Severity::information;
  r.body = to_operation_outcome(e);
  return r;
}

http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

std::string param(const rest::Params& params, const std::string& name) {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return "";
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string clean;
  clean.reserve(in.size());
  for (char c : in)
    if (c != '\n' && c != '\r' && c != ' ') clean.push_back(c);
  if (clean.size() % 4 != 0) return std::nullopt;
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') ++pad;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string base64_encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// A plain file name: no folders, nothing hidden, nothing that climbs out.
bool safe_file_name(const std::string& name) {
  if (name.empty() || name.size() > 255 || name.front() == '.') return false;
  return name.find('/') == std::string::npos && name.find('\\') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

struct Upload {
  std::string format;
  std::vector<std::pair<std::string, std::string>> files;  // name, bytes
};

Result<Upload> parse_upload(const std::string& body) {
  auto doc = json::parse(body);
  if (!doc) return Error::invalid("The body must be a FHIR Parameters resource (JSON)");
  if (json::get_string(*doc, "resourceType") != std::string_view("Parameters"))
    return Error::invalid("The body must be a FHIR Parameters resource", "Parameters");
  Upload u;
  const auto* params = json::get(*doc, "parameter");
  if (!params || !params->IsArray()) return Error::invalid("Parameters.parameter is missing", "Parameters.parameter");
  for (rapidjson::SizeType i = 0; i < params->Size(); ++i) {
    const auto& p = (*params)[i];
    std::string where = "Parameters.parameter[" + std::to_string(i) + "]";
    auto name = json::get_string(p, "name").value_or("");
    if (name == "format") {
      u.format = std::string(json::get_string(p, "valueCode").value_or(json::get_string(p, "valueString").value_or("")));
    } else if (name == "file") {
      std::string file, content;
      bool has_content = false;
      if (const auto* parts = json::get(p, "part"); parts && parts->IsArray()) {
        for (const auto& part : parts->GetArray()) {
          auto pn = json::get_string(part, "name").value_or("");
          if (pn == "name") file = std::string(json::get_string(part, "valueString").value_or(""));
          if (pn == "content") {
            if (auto c = json::get_string(part, "valueBase64Binary")) {
              content = std::string(*c);
              has_content = true;
            }
          }
        }
      }
      if (!safe_file_name(file)) return Error::invalid("Each file needs a plain file name", where + ".part");
      if (!has_content) return Error::invalid(file + ": content (valueBase64Binary) is missing", where + ".part");
      auto bytes = base64_decode(content);
      if (!bytes) return Error::invalid(file + ": content is not base64", where + ".part");
      u.files.emplace_back(file, std::move(*bytes));
    }
  }
  if (u.files.empty()) return Error::invalid("No files: give one `file` parameter per file of the set", "Parameters.parameter");
  return u;
}

std::string progress_text(const ImportJob& job) {
  const auto& p = job.progress;
  return "step " + std::to_string(p.step + (p.steps ? 1 : 0)) + " of " + std::to_string(p.steps) + ", " +
         std::to_string(p.rows_done) + " rows" + (p.file.empty() ? "" : ", " + p.file);
}

}  // namespace

void GatewayRuntime::register_import_endpoints() {
  auto& h = *handler_;
  GatewayRuntime* rt = this;

  h.add_operation("import", [rt](rest::RequestContext& ctx, const rest::Route& route) {
    if (!policy::may_operate(ctx.caller, policy::Operation::import))
      return oo(403, "forbidden", "$import is for integrators");
    if (ctx.http.method != "POST") return oo(405, "not-supported", "POST the file set as a Parameters resource");
    auto upload = parse_upload(ctx.http.body);
    if (!upload) return rt->service_->error(upload.error());
    std::string format_text = param(route.params, "format");
    if (format_text.empty()) format_text = upload->format;
    auto format = adapters::parse_format(format_text);
    if (!format) return oo(400, "required", "format must be emis or systmone");
    auto dir = std::filesystem::temp_directory_path() / ("fhirgw-import-" + ids::random_uuid());
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return oo(500, "exception", "Cannot stage the upload");
    for (const auto& [name, bytes] : upload->files) {
      std::ofstream out(dir / name, std::ios::binary);
      out << bytes;
      if (!out) {
        std::filesystem::remove_all(dir, ec);
        return oo(500, "exception", "Cannot stage the upload");
      }
    }
    auto id = rt->imports_->start(*format, dir, true);
    if (!id) {
      std::filesystem::remove_all(dir, ec);
      auto r = rt->service_->error(id.error());
      if (r.status == 429) r.set_header("Retry-After", "5");
      return r;
    }
    ctx.audit.outcome_detail = "import " + *id + " accepted: " + std::to_string(upload->files.size()) + " files";
    auto r = oo(202, "informational", "Import " + *id + " accepted; poll the Content-Location for its report");
    r.set_header("Content-Location", rt->base_url_ + "/$import-status?id=" + *id);
    return r;
  });

  h.add_operation("import-status", [rt](rest::RequestContext& ctx, const rest::Route& route) {
    if (!policy::may_operate(ctx.caller, policy::Operation::import))
      return oo(403, "forbidden", "$import-status is for integrators");
    auto job = rt->imports_->find(param(route.params, "id"));
    if (!job) return oo(404, "not-found", "No import with that id (finished imports are kept for a while only)");
    if (job->state == ImportJob::State::running) {
      auto r = oo(202, "informational", "Import " + job->id + " is running: " + progress_text(*job));
      r.set_header("X-Progress", progress_text(*job));
      r.set_header("Retry-After", "1");
      return r;
    }
    if (job->state == ImportJob::State::failed) return oo(422, "processing", "The file set was refused: " + job->error);
    return json_response(200, adapters::render_json(*job->report));
  });

  h.add_operation("import-quarantine", [rt](rest::RequestContext& ctx, const rest::Route& route) {
    if (!policy::may_operate(ctx.caller, policy::Operation::read_quarantine))
      return oo(403, "forbidden", "The quarantine is for integrators");
    std::string import_id = param(route.params, "import");
    if (import_id.empty()) return oo(400, "required", "Give import=ID (the importId of the report)");
    int limit = 100;
    int64_t after = 0;
    try {
      if (auto c = param(route.params, "_count"); !c.empty()) limit = std::clamp(std::stoi(c), 1, 1000);
      if (auto a = param(route.params, "after"); !a.empty()) after = std::stoll(a);
    } catch (...) {
      return oo(400, "invalid", "_count and after must be numbers");
    }
    auto entries = rt->store_->list_quarantine(import_id, limit, after);
    if (!entries) return rt->service_->error(entries.error());
    json::Document d;
    d.SetObject();
    auto& a = d.GetAllocator();
    d.AddMember("importId", json::make_string(import_id, a), a);
    json::Value list(rapidjson::kArrayType);
    for (const auto& e : *entries) {
      json::Value v(rapidjson::kObjectType);
      v.AddMember("id", e.id, a);
      v.AddMember("file", json::make_string(e.file, a), a);
      v.AddMember("line", e.line, a);
      v.AddMember("column", json::make_string(e.column, a), a);
      v.AddMember("message", json::make_string(e.message, a), a);
      v.AddMember("raw", json::make_string(e.raw, a), a);
      list.PushBack(v, a);
    }
    d.AddMember("entries", list, a);
    if (static_cast<int>(entries->size()) == limit) {
      std::string next = rt->base_url_ + "/$import-quarantine?import=" + rest::percent_encode(import_id) +
                         "&_count=" + std::to_string(limit) + "&after=" + std::to_string(entries->back().id);
      d.AddMember("next", json::make_string(next, a), a);
    }
    ctx.audit.outcome_detail = "quarantine of import " + import_id;
    return json_response(200, json::to_string(d));
  });

  h.add_operation("export-writeback", [rt](rest::RequestContext& ctx, const rest::Route& route) {
    if (!policy::may_operate(ctx.caller, policy::Operation::export_writeback))
      return oo(403, "forbidden", "$export-writeback is for integrators");
    if (ctx.http.method != "POST") return oo(405, "not-supported", "Use POST");
    auto format = adapters::parse_format(param(route.params, "format"));
    std::string organisation = param(route.params, "organisation");
    auto since = parse_since(param(route.params, "since"));
    if (!format || organisation.empty() || !since)
      return oo(400, "required", "Give format=emis|systmone, organisation=ODS and since=<FHIR dateTime>");
    auto config = load_import_config_file(rt->config_.import_config_file);
    if (!config) return rt->service_->error(config.error());
    auto dir = std::filesystem::temp_directory_path() / ("fhirgw-export-" + ids::random_uuid());
    auto report = adapters::export_writeback(*rt->store_, *format, organisation, *since, dir, *config);
    std::error_code ec;
    if (!report) {
      std::filesystem::remove_all(dir, ec);
      return rt->service_->error(report.error());
    }
    json::Document d;
    d.SetObject();
    auto& a = d.GetAllocator();
    d.AddMember("resourceType", "Parameters", a);
    json::Value params(rapidjson::kArrayType);
    auto string_param = [&](const char* name, const std::string& value) {
      json::Value p(rapidjson::kObjectType);
      p.AddMember("name", json::make_string(name, a), a);
      p.AddMember("valueString", json::make_string(value, a), a);
      params.PushBack(p, a);
    };
    string_param("format", std::string(adapters::to_string(*format)));
    string_param("report", adapters::render_text(*report));
    for (const auto& f : report->files) {
      std::ifstream in(dir / f.name, std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      json::Value file(rapidjson::kObjectType);
      file.AddMember("name", "file", a);
      json::Value parts(rapidjson::kArrayType);
      json::Value n(rapidjson::kObjectType);
      n.AddMember("name", "name", a);
      n.AddMember("valueString", json::make_string(f.name, a), a);
      parts.PushBack(n, a);
      json::Value c(rapidjson::kObjectType);
      c.AddMember("name", "content", a);
      c.AddMember("valueBase64Binary", json::make_string(base64_encode(bytes.str()), a), a);
      parts.PushBack(c, a);
      file.AddMember("part", parts, a);
      params.PushBack(file, a);
    }
    d.AddMember("parameter", params, a);
    std::filesystem::remove_all(dir, ec);
    ctx.audit.outcome_detail = "write-back for " + organisation + ": " + std::to_string(report->exported.size()) +
                               " exported, " + std::to_string(report->skipped.size()) + " not exported";
    http::Response r;
    r.body = json::to_string(d);
    return r;
  });
}

Status GatewayRuntime::start_import_services() {
  ImportJobs::ConfigProvider provider = [rt = this]() -> Result<adapters::ImportConfig> {
    auto config = load_import_config_file(rt->config_.import_config_file);
    if (!config) return config.error();
    // Governed: the policy in force says which codes are consent and dissent.
    // Development mode has no policy: the import configuration's own codes apply.
    if (rt->governance_) {
      auto snap = rt->governance_->current();
      if (!snap) return snap.error();
      use_policy_consent_codes(*(*snap)->policy, *config);
    }
    return config;
  };
  adapters::ImportOptions options;
  options.validator = validator_.get();
  options.skip_validation = validator_ == nullptr;
  imports_ = std::make_unique<ImportJobs>(*store_, std::move(provider), options);
  register_import_endpoints();
  return {};
}

}  // namespace fhirgw::app
