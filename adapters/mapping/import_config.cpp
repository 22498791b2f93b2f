#include "mapping/import_config.hpp"

#include <yaml-cpp/yaml.h>

namespace fhirgw::adapters {

std::string ImportConfig::organisation_code(std::string_view source_id) const {
  auto it = org_codes.find(source_id);
  return it == org_codes.end() ? std::string(source_id) : it->second;
}

std::string ImportConfig::sole_organisation() const {
  if (!default_organisation.empty()) return default_organisation;
  std::string only;
  for (const auto& [source, code] : org_codes) {
    if (!only.empty() && code != only) return {};
    only = code;
  }
  return only;
}

namespace {
bool listed(const std::vector<CodeRef>& list, std::string_view system, std::string_view code) {
  for (const auto& c : list) {
    if (c.system == system && c.code == code) return true;
  }
  return false;
}
}  // namespace

std::optional<ConsentKind> ImportConfig::consent_kind(std::string_view system,
                                                      std::string_view code) const {
  if (listed(consent_deny_codes, system, code)) return ConsentKind::deny;
  if (listed(consent_permit_codes, system, code)) return ConsentKind::permit;
  return std::nullopt;
}

const QuestionnaireMap* ImportConfig::questionnaire_by_header(std::string_view system,
                                                              std::string_view code) const {
  for (const auto& q : questionnaires) {
    if (!q.header.code.empty() && q.header.system == system && q.header.code == code) return &q;
  }
  return nullptr;
}

const QuestionnaireMap* ImportConfig::questionnaire_by_name(std::string_view name) const {
  for (const auto& q : questionnaires) {
    if (!q.systmone_name.empty() && q.systmone_name == name) return &q;
  }
  return nullptr;
}

bool ImportConfig::is_question_code(std::string_view system, std::string_view code) const {
  for (const auto& q : questionnaires) {
    if (link_id_for_code(q, system, code)) return true;
  }
  return false;
}

std::vector<const CodeMap*> ImportConfig::code_maps_for(std::string_view system, std::string_view code) const {
  std::vector<const CodeMap*> out;
  for (const auto& m : code_maps) {
    if (m.from.system == system && m.from.code == code) out.push_back(&m);
  }
  return out;
}

std::optional<std::string> link_id_for_code(const QuestionnaireMap& q, std::string_view system,
                                            std::string_view code) {
  for (const auto& l : q.questions) {
    if (!l.code.empty() && l.system == system && l.code == code) return l.link_id;
  }
  return std::nullopt;
}

std::optional<std::string> link_id_for_question(const QuestionnaireMap& q,
                                                std::string_view question) {
  for (const auto& l : q.questions) {
    if (!l.question.empty() && l.question == question) return l.link_id;
  }
  return std::nullopt;
}

namespace {

std::string where(const YAML::Node& n) {
  auto m = n.Mark();
  return m.is_null() ? std::string() : " (line " + std::to_string(m.line + 1) + ")";
}

Result<std::vector<CodeRef>> load_codes(const YAML::Node& list, const std::string& path) {
  std::vector<CodeRef> out;
  if (!list) return out;
  if (!list.IsSequence()) return Error::invalid(path + " must be a list" + where(list), path);
  for (const auto& item : list) {
    if (!item.IsMap() || !item["system"] || !item["code"]) {
      return Error::invalid(path + ": each entry needs system and code" + where(item), path);
    }
    out.push_back({item["system"].as<std::string>(), item["code"].as<std::string>()});
  }
  return out;
}

}  // namespace

Result<ImportConfig> load_import_config(const YAML::Node& node) {
  ImportConfig cfg;
  try {
    if (!node || node.IsNull()) return cfg;
    if (!node.IsMap()) return Error::invalid("import config must be a mapping" + where(node));
    if (auto orgs = node["organisations"]) {
      if (!orgs.IsMap()) return Error::invalid("organisations must be a mapping" + where(orgs), "organisations");
      for (const auto& kv : orgs) {
        cfg.org_codes.emplace(kv.first.as<std::string>(), kv.second.as<std::string>());
      }
    }
    if (auto d = node["default_organisation"]) cfg.default_organisation = d.as<std::string>();
    if (auto cc = node["consent_codes"]) {
      auto permit = load_codes(cc["permit"], "consent_codes.permit");
      if (!permit) return permit.error();
      auto deny = load_codes(cc["deny"], "consent_codes.deny");
      if (!deny) return deny.error();
      cfg.consent_permit_codes = std::move(*permit);
      cfg.consent_deny_codes = std::move(*deny);
    }
    if (auto qs = node["questionnaires"]) {
      if (!qs.IsSequence()) return Error::invalid("questionnaires must be a list" + where(qs), "questionnaires");
      for (const auto& q : qs) {
        QuestionnaireMap m;
        if (!q["url"]) return Error::invalid("questionnaires: url is required" + where(q), "questionnaires.url");
        m.canonical = q["url"].as<std::string>();
        if (auto h = q["header"]) {
          m.header.system = h["system"].as<std::string>("");
          m.header.code = h["code"].as<std::string>("");
        }
        m.systmone_name = q["systmone_name"].as<std::string>("");
        if (auto items = q["items"]) {
          for (const auto& it : items) {
            QuestionLink l;
            l.system = it["system"].as<std::string>("");
            l.code = it["code"].as<std::string>("");
            l.question = it["question"].as<std::string>("");
            l.link_id = it["linkId"].as<std::string>("");
            if (l.link_id.empty() || (l.code.empty() && l.question.empty())) {
              return Error::invalid("questionnaires.items: each needs linkId and code or question" +
                                        where(it),
                                    "questionnaires.items");
            }
            m.questions.push_back(std::move(l));
          }
        }
        cfg.questionnaires.push_back(std::move(m));
      }
    }
    if (auto maps = node["code_maps"]) {
      if (!maps.IsSequence()) return Error::invalid("code_maps must be a list" + where(maps), "code_maps");
      for (const auto& m : maps) {
        auto from = m.IsMap() ? m["from"] : YAML::Node();
        auto to = m.IsMap() ? m["to"] : YAML::Node();
        auto text = [](const YAML::Node& n, const char* key) {
          return n && n.IsMap() && n[key] ? n[key].as<std::string>() : std::string();
        };
        CodeMap c{{text(from, "system"), text(from, "code")}, text(to, "system"), text(to, "code"), text(to, "display")};
        if (c.from.system.empty() || c.from.code.empty() || c.system.empty() || c.code.empty()) {
          return Error::invalid("code_maps: each entry needs from: {system, code} and to: {system, code}" + where(m),
                                "code_maps");
        }
        cfg.code_maps.push_back(std::move(c));
      }
    }
  } catch (const YAML::Exception& e) {
    return Error::invalid(std::string("import config: ") + e.what());
  }
  return cfg;
}

}  // namespace fhirgw::adapters
