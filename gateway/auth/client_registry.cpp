#include "auth/client_registry.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "auth/scopes.hpp"
#include "core/resource_model.hpp"

namespace fhirgw::auth {
namespace {

const std::vector<std::string_view> kRoles = {"partner", "integrator", "ig-officer", "admin"};
const std::vector<std::string_view> kKeys = {"client_id",      "organisation", "kind",
                                             "roles",          "allowed_scopes", "jwks_file",
                                             "jwks_url",       "cert_fingerprints"};

struct Problem {
  std::string field;  // "kind", "allowed_scopes[1]", "" for the whole entry
  std::string message;
};

std::string scope_problem(const std::string& text) {
  auto s = parse_scope(text);
  if (!s) return s.error().message();
  if (s->resource_type != "*" && !model::find_type(s->resource_type))
    return "scope '" + text + "' names resource type " + s->resource_type +
           " that the gateway does not serve";
  return {};
}

// The rules for one registration, given the ones accepted before it.
std::vector<Problem> check(const ClientRegistration& c, const std::vector<ClientRegistration>& prior) {
  std::vector<Problem> out;
  bool id_ok = !c.client_id.empty() && c.client_id.size() <= 128 &&
               std::none_of(c.client_id.begin(), c.client_id.end(),
                            [](char ch) { return ch <= ' ' || ch == 0x7f; });
  if (!id_ok) out.push_back({"client_id", "client_id is required: 1-128 characters, no spaces"});
  if (std::any_of(prior.begin(), prior.end(), [&](const auto& p) { return p.client_id == c.client_id; }))
    out.push_back({"client_id", "duplicate client_id '" + c.client_id + "'"});
  if (c.organisation.empty()) out.push_back({"organisation", "organisation is required"});
  if (c.kind == OrgKind::unknown)
    out.push_back({"kind", "kind is required: statutory, voluntary, controller or internal"});
  for (std::size_t i = 0; i < c.roles.size(); ++i)
    if (std::find(kRoles.begin(), kRoles.end(), c.roles[i]) == kRoles.end())
      out.push_back({"roles[" + std::to_string(i) + "]",
                     "unknown role '" + c.roles[i] + "' (partner, integrator, ig-officer, admin)"});
  for (std::size_t i = 0; i < c.allowed_scopes.size(); ++i)
    if (auto p = scope_problem(c.allowed_scopes[i]); !p.empty())
      out.push_back({"allowed_scopes[" + std::to_string(i) + "]", p});
  if (!c.jwks_file.empty() && !c.jwks_url.empty())
    out.push_back({"jwks_url", "give jwks_file or jwks_url, not both"});
  if (!c.jwks_url.empty() && c.jwks_url.rfind("https://", 0) != 0 &&
      c.jwks_url.rfind("http://", 0) != 0)
    out.push_back({"jwks_url", "jwks_url must be an https:// (or, for testing, http://) URL"});
  if (c.jwks_file.empty() && c.jwks_url.empty() && c.cert_fingerprints.empty())
    out.push_back({"", "client has no credentials: give jwks_file, jwks_url or cert_fingerprints"});
  for (std::size_t i = 0; i < c.cert_fingerprints.size(); ++i) {
    const auto& fp = c.cert_fingerprints[i];
    std::string field = "cert_fingerprints[" + std::to_string(i) + "]";
    if (normalise_fingerprint(fp) != fp) {
      out.push_back({field, "not a SHA-256 fingerprint (64 hex digits, colons allowed)"});
      continue;
    }
    for (const auto& p : prior)
      if (std::find(p.cert_fingerprints.begin(), p.cert_fingerprints.end(), fp) !=
          p.cert_fingerprints.end())
        out.push_back({field, "certificate already registered to client '" + p.client_id + "'"});
  }
  return out;
}

std::string where(const std::string& source, const YAML::Mark& m) {
  if (m.is_null()) return source;
  return source + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

struct EntryReader {
  const YAML::Node& node;
  std::string path;  // "clients[3]"
  std::string source;
  std::vector<Issue>& issues;
  std::map<std::string, YAML::Mark> marks;  // field → where it was written

  void fail(const YAML::Mark& m, const std::string& field, const std::string& msg) {
    std::string p = field.empty() ? path : path + "." + field;
    issues.push_back({Severity::error, "invalid", where(source, m) + ": " + p + ": " + msg, p});
  }

  std::string scalar(const char* key) {
    YAML::Node v = node[key];
    if (!v) return {};
    marks[key] = v.Mark();
    if (!v.IsScalar()) {
      fail(v.Mark(), key, "must be a single value");
      return {};
    }
    return v.Scalar();
  }

  std::vector<std::string> list(const char* key) {
    std::vector<std::string> out;
    YAML::Node v = node[key];
    if (!v) return out;
    marks[key] = v.Mark();
    if (!v.IsSequence()) {
      fail(v.Mark(), key, "must be a list");
      return out;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::string field = std::string(key) + "[" + std::to_string(i) + "]";
      marks[field] = v[i].Mark();
      if (!v[i].IsScalar()) {
        fail(v[i].Mark(), field, "must be a single value");
        continue;
      }
      out.push_back(v[i].Scalar());
    }
    return out;
  }
};

std::string resolve(const std::string& base_dir, const std::string& file) {
  if (file.empty() || base_dir.empty() || std::filesystem::path(file).is_absolute()) return file;
  return (std::filesystem::path(base_dir) / file).lexically_normal().string();
}

}  // namespace

Caller caller_for(const ClientRegistration& reg, const std::string& purpose) {
  Caller c;
  c.authenticated = true;
  c.client_id = reg.client_id;
  c.organisation = reg.organisation;
  c.kind = reg.kind;
  c.roles = reg.roles;
  c.scopes = reg.allowed_scopes;
  c.purpose = purpose;
  return c;
}

std::optional<OrgKind> parse_org_kind(std::string_view text) {
  if (text == "statutory") return OrgKind::statutory;
  if (text == "voluntary") return OrgKind::voluntary;
  if (text == "controller") return OrgKind::controller;
  if (text == "internal") return OrgKind::internal;
  return std::nullopt;
}

std::string normalise_fingerprint(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ':') continue;
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
    out += c;
  }
  return out.size() == 64 ? out : std::string();
}

Result<ClientRegistry> ClientRegistry::from_yaml(const YAML::Node& root, const std::string& source,
                                                 const std::string& base_dir) {
  std::vector<Issue> issues;
  auto fail_at = [&](const YAML::Mark& m, std::string path, std::string msg) {
    issues.push_back({Severity::error, "invalid", where(source, m) + ": " + path + ": " + msg, path});
  };
  ClientRegistry reg;
  YAML::Node list = root.IsMap() ? root["clients"] : YAML::Node();
  if (!list || !list.IsSequence()) {
    fail_at(root.Mark(), "clients", "expected a 'clients:' list");
  } else {
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node entry = list[i];
      std::string path = "clients[" + std::to_string(i) + "]";
      if (!entry.IsMap()) {
        fail_at(entry.Mark(), path, "each client must be a mapping");
        continue;
      }
      for (auto it = entry.begin(); it != entry.end(); ++it) {
        std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
        if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end())
          fail_at(it->first.Mark(), path + "." + key, "unknown field '" + key + "'");
      }
      EntryReader r{entry, path, source, issues, {}};
      ClientRegistration c;
      c.client_id = r.scalar("client_id");
      c.organisation = r.scalar("organisation");
      std::string kind = r.scalar("kind");
      if (auto k = parse_org_kind(kind)) c.kind = *k;
      c.roles = r.list("roles");
      c.allowed_scopes = r.list("allowed_scopes");
      c.jwks_file = resolve(base_dir, r.scalar("jwks_file"));
      c.jwks_url = r.scalar("jwks_url");
      for (const auto& fp : r.list("cert_fingerprints")) {
        auto n = normalise_fingerprint(fp);
        c.cert_fingerprints.push_back(n.empty() ? fp : n);
      }
      for (const auto& p : check(c, reg.clients_)) {
        auto m = r.marks.find(p.field);
        YAML::Mark mark = m != r.marks.end() ? m->second : entry.Mark();
        if (p.field == "kind" && !kind.empty())
          r.fail(mark, "kind", "unknown kind '" + kind + "' (statutory, voluntary, controller, internal)");
        else
          r.fail(mark, p.field, p.message);
      }
      reg.clients_.push_back(std::move(c));
    }
  }
  if (!issues.empty()) {
    Error e;
    e.status = 400;
    e.issues = std::move(issues);
    return e;
  }
  return reg;
}

Result<ClientRegistry> ClientRegistry::from_yaml_text(std::string_view text, const std::string& source,
                                                      const std::string& base_dir) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return from_yaml(root, source, base_dir);
  } catch (const YAML::Exception& e) {
    return Error::invalid(where(source, e.mark) + ": YAML syntax error: " + e.msg);
  }
}

Result<ClientRegistry> ClientRegistry::load_file(const std::string& path) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    return from_yaml(root, path, std::filesystem::path(path).parent_path().string());
  } catch (const YAML::BadFile&) {
    return Error::invalid("cannot read client registry " + path);
  } catch (const YAML::Exception& e) {
    return Error::invalid(where(path, e.mark) + ": YAML syntax error: " + e.msg);
  }
}

Status ClientRegistry::add(ClientRegistration client) {
  for (auto& fp : client.cert_fingerprints)
    if (auto n = normalise_fingerprint(fp); !n.empty()) fp = n;
  auto problems = check(client, clients_);
  if (!problems.empty()) {
    Error e;
    e.status = 400;
    for (const auto& p : problems)
      e.issues.push_back({Severity::error, "invalid",
                          client.client_id + (p.field.empty() ? "" : "." + p.field) + ": " + p.message,
                          p.field});
    return e;
  }
  clients_.push_back(std::move(client));
  return {};
}

const ClientRegistration* ClientRegistry::find(std::string_view client_id) const {
  for (const auto& c : clients_)
    if (c.client_id == client_id) return &c;
  return nullptr;
}

const ClientRegistration* ClientRegistry::find_by_certificate(std::string_view fingerprint) const {
  std::string fp = normalise_fingerprint(fingerprint);
  if (fp.empty()) return nullptr;
  for (const auto& c : clients_)
    if (std::find(c.cert_fingerprints.begin(), c.cert_fingerprints.end(), fp) !=
        c.cert_fingerprints.end())
      return &c;
  return nullptr;
}

}  // namespace fhirgw::auth
