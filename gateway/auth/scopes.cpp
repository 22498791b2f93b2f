#include "auth/scopes.hpp"

#include <algorithm>
#include <optional>

namespace fhirgw::auth {
namespace {

Error bad_scope(std::string_view text, std::string why) {
  return Error::invalid("invalid scope '" + std::string(text) + "': " + std::move(why), "scope");
}

bool is_type_name(std::string_view t) {
  if (t.empty() || t.size() > 64 || !(t[0] >= 'A' && t[0] <= 'Z')) return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool has_param(const SearchParams& params, const std::pair<std::string, std::string>& p) {
  return std::find(params.begin(), params.end(), p) != params.end();
}

bool allows_letter(const Scope& s, char letter) {
  switch (letter) {
    case 'c': return s.c;
    case 'r': return s.r;
    case 'u': return s.u;
    case 'd': return s.d;
    case 's': return s.s;
  }
  return false;
}

char letter_for(model::Interaction i) {
  using I = model::Interaction;
  switch (i) {
    case I::create: return 'c';
    case I::read:
    case I::vread:
    case I::history_instance: return 'r';
    case I::update: return 'u';
    case I::remove: return 'd';
    case I::search:
    case I::history_type: return 's';
  }
  return '\0';
}

}  // namespace

Result<Scope> parse_scope(std::string_view text) {
  constexpr std::string_view kSystem = "system/";
  if (text.rfind("patient/", 0) == 0 || text.rfind("user/", 0) == 0)
    return bad_scope(text, "only system/ scopes are available to backend services");
  if (text.rfind(kSystem, 0) != 0) return bad_scope(text, "must start with system/");
  std::string_view rest = text.substr(kSystem.size());
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (query.empty()) return bad_scope(text, "empty parameter list after '?'");
  }
  auto dot = rest.find('.');
  if (dot == std::string_view::npos) return bad_scope(text, "missing '.' before the permissions");
  Scope s;
  s.text = std::string(text);
  std::string_view type = rest.substr(0, dot);
  std::string_view perms = rest.substr(dot + 1);
  if (type != "*" && !is_type_name(type)) return bad_scope(text, "not a resource type or '*'");
  s.resource_type = std::string(type);

  if (perms == "read" || perms == "write" || perms == "*") {
    s.v1 = true;
    s.r = s.s = perms != "write";
    s.c = s.u = s.d = perms != "read";
    if (!query.empty()) return bad_scope(text, "v1 scopes cannot carry parameters");
    return s;
  }
  // v2: letters in the order c, r, u, d, s, each at most once.
  constexpr std::string_view kOrder = "cruds";
  std::size_t pos = 0;
  if (perms.empty()) return bad_scope(text, "no permissions");
  for (char ch : perms) {
    auto at = kOrder.find(ch, pos);
    if (at == std::string_view::npos)
      return bad_scope(text, "permissions must be letters of 'cruds' in that order");
    pos = at + 1;
    switch (ch) {
      case 'c': s.c = true; break;
      case 'r': s.r = true; break;
      case 'u': s.u = true; break;
      case 'd': s.d = true; break;
      case 's': s.s = true; break;
    }
  }
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size())
      return bad_scope(text, "parameters must be name=value");
    auto name = percent_decode(item.substr(0, eq));
    auto value = percent_decode(item.substr(eq + 1));
    if (!name || !value) return bad_scope(text, "bad percent-encoding");
    s.params.emplace_back(std::move(*name), std::move(*value));
  }
  return s;
}

std::vector<std::string> split_scopes(std::string_view scope_param) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < scope_param.size()) {
    auto sp = scope_param.find(' ', i);
    if (sp == std::string_view::npos) sp = scope_param.size();
    if (sp > i) out.emplace_back(scope_param.substr(i, sp - i));
    i = sp + 1;
  }
  return out;
}

bool Scope::allows(std::string_view type, model::Interaction interaction,
                   const SearchParams& search_params) const {
  if (resource_type != "*" && resource_type != type) return false;
  if (!allows_letter(*this, letter_for(interaction))) return false;
  for (const auto& p : params)
    if (!has_param(search_params, p)) return false;
  return true;
}

bool scope_allows(const std::vector<std::string>& granted, std::string_view type,
                  model::Interaction interaction, const SearchParams& search_params) {
  for (const auto& text : granted) {
    auto s = parse_scope(text);
    if (s && s->allows(type, interaction, search_params)) return true;
  }
  return false;
}

bool scope_within(const Scope& requested, const std::vector<Scope>& allowed) {
  for (char letter : std::string_view("cruds")) {
    if (!allows_letter(requested, letter)) continue;
    bool covered = std::any_of(allowed.begin(), allowed.end(), [&](const Scope& a) {
      // A wildcard request is only covered by a wildcard pattern.
      bool type_ok = a.resource_type == "*" || a.resource_type == requested.resource_type;
      if (!type_ok || !allows_letter(a, letter)) return false;
      return std::all_of(a.params.begin(), a.params.end(),
                         [&](const auto& p) { return has_param(requested.params, p); });
    });
    if (!covered) return false;
  }
  return true;
}

Result<std::vector<std::string>> grant_scopes(std::string_view requested_scope_param,
                                              const std::vector<std::string>& allowed_patterns) {
  std::vector<Scope> allowed;
  for (const auto& p : allowed_patterns)
    if (auto s = parse_scope(p)) allowed.push_back(std::move(s).value());
  auto requested = split_scopes(requested_scope_param);
  if (requested.empty()) return Error::invalid("invalid_scope: no scope requested", "scope");
  std::vector<std::string> granted;
  for (const auto& text : requested) {
    auto s = parse_scope(text);
    if (!s) return Error::invalid("invalid_scope: " + s.error().message(), "scope");
    if (!scope_within(*s, allowed))
      return Error::invalid("invalid_scope: scope '" + text + "' is not allowed for this client",
                            "scope");
    if (std::find(granted.begin(), granted.end(), text) == granted.end()) granted.push_back(text);
  }
  return granted;
}

std::vector<std::string> still_allowed(const std::vector<std::string>& granted,
                                       const std::vector<std::string>& allowed_patterns) {
  std::vector<Scope> allowed;
  for (const auto& p : allowed_patterns)
    if (auto s = parse_scope(p)) allowed.push_back(std::move(s).value());
  std::vector<std::string> out;
  for (const auto& text : granted) {
    auto s = parse_scope(text);
    if (s && scope_within(*s, allowed)) out.push_back(text);
  }
  return out;
}

}  // namespace fhirgw::auth
