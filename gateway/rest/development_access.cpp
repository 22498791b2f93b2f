#include "rest/access.hpp"

namespace fhirgw::rest {
namespace {

class DevelopmentAccess : public AccessControl {
 public:
  Result<Caller> authenticate(const http::Request&) override {
    Caller c;
    c.authenticated = true;
    c.client_id = "development";
    c.organisation = "DEV";
    c.kind = OrgKind::internal;
    c.roles = {"admin"};
    c.scopes = {"system/*.cruds"};
    return c;
  }
  Status authorize(const Caller&, const std::string&, model::Interaction,
                   const std::vector<std::pair<std::string, std::string>>&) override {
    return {};
  }
  search::Visibility visibility(const Caller&, const std::string&, model::Interaction) override {
    return search::Visibility::everything();
  }
  AccessDecision check_read(const Caller&, model::Interaction, const store::Record&) override {
    return {true, {}, "development", "development", "development mode"};
  }
  AccessDecision check_write(const Caller&, model::Interaction, const std::string&, const json::Value&,
                             const store::Record*) override {
    return {true, {}, "development", "development", "development mode"};
  }
  void stamp_write(const Caller&, json::Value&, json::Allocator&, const store::Record*) override {}
  bool queues_write_back(const Caller&) const override { return false; }
  Status audit(const AuditRecord&) override { return {}; }
};

}  // namespace

std::unique_ptr<AccessControl> make_development_access() { return std::make_unique<DevelopmentAccess>(); }

}  // namespace fhirgw::rest
