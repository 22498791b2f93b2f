#include "core/systems.hpp"
#include "rest/access.hpp"
#include "store/resource_meta.hpp"

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
  AccessDecision check_read(const Caller&, model::Interaction, const store::Record&, ReadUse) override {
    return {true, {}, "development", "development", "development mode", nullptr};
  }
  AccessDecision check_write(const Caller&, model::Interaction, const std::string&, const json::Value&,
                             const store::Record*) override {
    return {true, {}, "development", "development", "development mode", nullptr};
  }
  // Resources written in development mode without a controller belong to "DEV",
  // so they still meet the profiles (which require one).
  void stamp_write(const Caller&, json::Value& resource, json::Allocator& a, const store::Record* current) override {
    json::Value& tags = store::meta_tags(resource, a);
    for (const auto& t : tags.GetArray())
      if (json::get_string(t, "system") == std::string_view(systems::kController)) return;
    json::Value tag(rapidjson::kObjectType);
    json::set_string(tag, "system", systems::kController, a);
    json::set_string(tag, "code", current && !current->controller.empty() ? current->controller : "DEV", a);
    tags.PushBack(tag, a);
  }
  bool queues_write_back(const Caller&) const override { return false; }
  Status audit(const AuditRecord&) override { return {}; }
};

}  // namespace

std::unique_ptr<AccessControl> make_development_access() { return std::make_unique<DevelopmentAccess>(); }

}  // namespace fhirgw::rest
