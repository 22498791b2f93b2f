#include "app/profiles.hpp"

#include <unistd.h>

#include "app/basic_validation.hpp"
#include "core/operation_outcome.hpp"
#include "search/parse.hpp"

#ifndef FHIRGW_SOURCE_DIR
#define FHIRGW_SOURCE_DIR ""
#endif

namespace fhirgw::app {

namespace {

std::filesystem::path executable_dir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  buf[n] = '\0';
  return std::filesystem::path(buf).parent_path();
}

bool usable(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_directory(p / "profiles", ec);
}

}  // namespace

Result<std::filesystem::path> find_profiles_dir(const std::string& configured) {
  std::vector<std::filesystem::path> candidates;
  if (!configured.empty()) candidates.emplace_back(configured);
  if (const char* env = std::getenv("FHIRGW_PROFILES")) candidates.emplace_back(env);
  candidates.emplace_back("fhir-profiles");
  auto exe = executable_dir();
  if (!exe.empty()) {
    candidates.push_back(exe.parent_path() / "fhir-profiles");
    candidates.push_back(exe.parent_path() / "share" / "fhir-gateway" / "fhir-profiles");
  }
  if (std::string(FHIRGW_SOURCE_DIR).size()) candidates.push_back(std::filesystem::path(FHIRGW_SOURCE_DIR) / "fhir-profiles");
  for (const auto& c : candidates)
    if (usable(c)) return std::filesystem::absolute(c);
  return Error::internal("Cannot find the fhir-profiles folder (give --profiles DIR or set FHIRGW_PROFILES)");
}

Result<std::unique_ptr<validation::Validator>> load_validator(const std::string& configured) {
  auto dir = find_profiles_dir(configured);
  if (!dir.ok()) return std::move(dir).error();
  return validation::Validator::load(*dir);
}

rest::ValidateFn profile_validation(const validation::Validator& validator, store::Store& store) {
  auto basic = basic_validation();
  return [&validator, &store, basic](const json::Value& resource) {
    auto issues = basic(resource);
    if (validation::has_errors(issues)) return issues;
    // Questionnaires held in the store take precedence over the shipped ones.
    validation::QuestionnaireLookup lookup = [&store](std::string_view canonical) -> std::shared_ptr<const json::Document> {
      const auto* type = model::find_type("Questionnaire");
      auto q = search::parse_search(*type, {{"url", std::string(canonical)}}, true);
      if (!q.ok()) return nullptr;
      q->visibility = search::Visibility::everything();  // reference data, not patient data
      q->count = 1;
      auto page = store.search(*q);
      if (!page.ok() || page->matches.empty()) return nullptr;
      auto doc = json::parse(page->matches.front().json);
      if (!doc.ok()) return nullptr;
      return std::make_shared<const json::Document>(std::move(doc).value());
    };
    auto more = validator.validate(resource, {}, &lookup);
    issues.insert(issues.end(), more.begin(), more.end());
    return issues;
  };
}

void register_validate_operation(rest::FhirHandler& handler, const validation::Validator& validator,
                                 store::Store& store, rest::AccessControl& access) {
  auto validate = profile_validation(validator, store);
  handler.add_operation("validate", [validate, &access](rest::RequestContext& ctx, const rest::Route& route) {
    http::Response r;
    if (ctx.http.method != "POST") {
      r.status = 405;
      r.body = to_operation_outcome(Error::make(405, "not-supported", "POST the resource to $validate"));
      return r;
    }
    auto doc = json::parse(ctx.http.body);
    if (!doc.ok()) {
      r.status = 400;
      r.body = to_operation_outcome(doc.error());
      return r;
    }
    // A bare resource, or a Parameters with a "resource" parameter.
    const json::Value* resource = &*doc;
    if (json::get_string(*doc, "resourceType") == std::string_view("Parameters")) {
      resource = nullptr;
      if (const auto* params = json::get(*doc, "parameter"); params && params->IsArray())
        for (const auto& p : params->GetArray())
          if (json::get_string(p, "name") == std::string_view("resource")) resource = json::get(p, "resource");
      if (!resource) {
        r.status = 400;
        r.body = to_operation_outcome(Error::invalid("Parameters needs a 'resource' parameter"));
        return r;
      }
    }
    auto type = json::get_string(*resource, "resourceType");
    if (!route.type.empty() && (!type || *type != route.type)) {
      r.status = 400;
      r.body = to_operation_outcome(Error::invalid("resourceType does not match the endpoint", "resourceType"));
      return r;
    }
    // Validate what would be stored: a copy with the gateway's own stamps.
    json::Document stamped;
    stamped.CopyFrom(*resource, stamped.GetAllocator());
    access.stamp_write(ctx.caller, stamped, stamped.GetAllocator(), nullptr);
    if (const auto* t = type ? model::find_type(*type) : nullptr; t && std::string_view(t->profile).rfind("http://hl7.org/fhir/", 0) != 0) {
      if (!stamped.HasMember("meta") || !stamped["meta"].IsObject()) {
        json::remove(stamped, "meta");
        stamped.AddMember("meta", json::Value(rapidjson::kObjectType), stamped.GetAllocator());
      }
      if (!stamped["meta"].HasMember("profile")) {
        json::Value profiles(rapidjson::kArrayType);
        profiles.PushBack(json::make_string(t->profile, stamped.GetAllocator()), stamped.GetAllocator());
        stamped["meta"].AddMember("profile", profiles, stamped.GetAllocator());
      }
    }
    Error e;
    e.status = 200;
    e.issues = validate(stamped);
    if (e.issues.empty()) e.issues.push_back({Severity::information, "informational", "No issues found", {}});
    r.body = to_operation_outcome(e);
    return r;
  });
}

}  // namespace fhirgw::app
