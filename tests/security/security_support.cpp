#include "security_support.hpp"

namespace fhirgw::testing {

std::unique_ptr<GovernedGateway> GovernedSuite::gateway_;
std::string GovernedSuite::start_error_;
std::unique_ptr<HttpClient> GovernedSuite::ageuk_, GovernedSuite::trust_, GovernedSuite::ig_;

void GovernedSuite::SetUpTestSuite() {
  auto g = GovernedGateway::start();
  if (!g.ok()) {
    start_error_ = g.error().message();
    return;
  }
  gateway_ = std::move(g).value();
}

void GovernedSuite::TearDownTestSuite() {
  ageuk_.reset();
  trust_.reset();
  ig_.reset();
  if (gateway_) {
    // Whatever the suite did, the audit trail it left must verify.
    gateway_->process().stop();
    std::string text;
    int rc = gateway_->audit_verify(&text);
    if (rc != 0 || text.find("intact") == std::string::npos)
      ADD_FAILURE() << "fhir-gateway audit verify after the suite: exit " << rc << ": " << text;
  }
  gateway_.reset();
}

void GovernedSuite::SetUp() {
  if (!gateway_) FAIL() << "the governed gateway did not start: " << start_error_;
}

std::unique_ptr<HttpClient> GovernedSuite::session(const std::string& client, const std::string& scopes,
                                                   const std::string& purpose, const std::string& cert) {
  auto s = gateway_->session(client, scopes, purpose, cert);
  if (!s.ok()) {
    ADD_FAILURE() << "no token for " << client << " (" << scopes << "): " << s.error().message();
    return gateway_->http(cert);  // unauthenticated: every assertion on it will fail closed
  }
  return std::move(s).value();
}

HttpClient& GovernedSuite::ageuk() {
  if (!ageuk_) ageuk_ = session("ageuk-app", kAgeUkScopes, "CAREMGT");
  return *ageuk_;
}

HttpClient& GovernedSuite::trust() {
  if (!trust_) trust_ = session("trust-app", kTrustScopes, "TREAT");
  return *trust_;
}

HttpClient& GovernedSuite::ig_officer() {
  if (!ig_) ig_ = session("ig-officer", "", "");
  return *ig_;
}

json::Document parse_body(const HttpResponse& r) {
  auto d = json::parse(r.body);
  if (!d.ok()) return json::Document(rapidjson::kNullType);
  return std::move(d).value();
}

std::vector<std::string> entry_refs(const HttpResponse& r, const std::string& mode) {
  std::vector<std::string> out;
  auto d = parse_body(r);
  const json::Value* entries = d.IsObject() ? json::get(d, "entry") : nullptr;
  if (!entries || !entries->IsArray()) return out;
  for (const auto& e : entries->GetArray()) {
    const json::Value* res = json::get(e, "resource");
    if (!res || !res->IsObject()) continue;
    if (!mode.empty()) {
      const json::Value* m = json::get_path(e, "search.mode");
      if (!m || !m->IsString() || m->GetString() != mode) continue;
    }
    auto type = json::get_string(*res, "resourceType");
    auto id = json::get_string(*res, "id");
    out.push_back(std::string(type.value_or("?")) + "/" + std::string(id.value_or("?")));
  }
  return out;
}

int64_t bundle_total(const HttpResponse& r) {
  auto d = parse_body(r);
  const json::Value* t = d.IsObject() ? json::get(d, "total") : nullptr;
  return t && t->IsInt64() ? t->GetInt64() : -1;
}

std::string bundle_link(const HttpResponse& r, const std::string& relation) {
  auto d = parse_body(r);
  const json::Value* links = d.IsObject() ? json::get(d, "link") : nullptr;
  if (!links || !links->IsArray()) return {};
  for (const auto& l : links->GetArray())
    if (json::get_string(l, "relation") == std::optional<std::string_view>(relation))
      return std::string(json::get_string(l, "url").value_or(""));
  return {};
}

std::string outcome_text(const HttpResponse& r) {
  auto d = parse_body(r);
  std::string out;
  const json::Value* issues = d.IsObject() ? json::get(d, "issue") : nullptr;
  if (!issues || !issues->IsArray()) return out;
  for (const auto& i : issues->GetArray()) {
    out += std::string(json::get_string(i, "code").value_or("")) + ": " +
           std::string(json::get_string(i, "diagnostics").value_or("")) + "\n";
  }
  return out;
}

std::string without(std::string text, const std::string& id) {
  if (id.empty()) return text;
  for (size_t pos = 0; (pos = text.find(id, pos)) != std::string::npos;) {
    text.replace(pos, id.size(), "<id>");
    pos += 4;
  }
  return text;
}

std::string show(const HttpResponse& r) {
  return std::to_string(r.status) + " " + r.body.substr(0, 2000) + (r.error.empty() ? "" : " [" + r.error + "]");
}

std::string path_of(const std::string& url, const std::string& base) {
  return url.rfind(base, 0) == 0 ? url.substr(base.size()) : url;
}

}  // namespace fhirgw::testing
