#include "search/parse.hpp"

#include "core/ids.hpp"

#include <algorithm>
#include <cmath>

#include "core/fhir_time.hpp"
#include "search/normalize.hpp"
#include "search/reference.hpp"

namespace fhirgw::search {
namespace {

using model::ParamType;
using model::SearchParam;

Error invalid(std::string_view param, const std::string& message) {
  return Error::make(400, "invalid", "Search parameter '" + std::string(param) + "': " + message);
}

Error not_supported(std::string_view param, const std::string& message) {
  return Error::make(400, "not-supported",
                     "Search parameter '" + std::string(param) + "': " + message);
}

// Strict: an error; lenient: remembered in Query::ignored and skipped.
Status reject(Query& q, bool strict, std::string_view name, const std::string& message) {
  if (strict) return not_supported(name, message);
  q.ignored.emplace_back(name);
  return {};
}

// Splits on sep where it is not escaped with a backslash; escapes are kept.
std::vector<std::string_view> split_unescaped(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

// FHIR search escapes: \, \$ \| \\ .
std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool contains(const std::vector<std::string_view>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

struct ParsedModifier {
  Modifier modifier = Modifier::none;
  std::string ref_type;  // reference type modifier (subject:Patient=123)
};

// nullopt: a modifier this gateway does not support on this parameter.
std::optional<ParsedModifier> parse_modifier(const SearchParam& p, std::string_view mod) {
  ParsedModifier out;
  if (mod.empty()) return out;
  if (mod == "missing") {
    out.modifier = Modifier::missing;
    return out;
  }
  switch (p.type) {
    case ParamType::string:
      if (mod == "exact") out.modifier = Modifier::exact;
      else if (mod == "contains") out.modifier = Modifier::contains;
      else return std::nullopt;
      return out;
    case ParamType::token:
      if (mod == "not") out.modifier = Modifier::not_;
      else return std::nullopt;  // :text needs display text the index does not keep
      return out;
    case ParamType::reference:
      if (mod == "identifier") {
        out.modifier = Modifier::identifier;
        return out;
      }
      if (contains(p.targets, mod)) {
        out.ref_type = std::string(mod);
        return out;
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

Status parse_token(std::string_view name, std::string_view raw, Value& v) {
  auto parts = split_unescaped(raw, '|');
  if (parts.size() > 2) {
    // Only the first unescaped bar separates system from code.
    size_t bar = parts[0].size();
    parts = {raw.substr(0, bar), raw.substr(bar + 1)};
  }
  if (parts.size() == 2) {
    v.has_system = true;
    v.system = unescape(parts[0]);
    v.code = unescape(parts[1]);
    if (v.system.empty() && v.code.empty()) return invalid(name, "token '|' names neither a system nor a code");
  } else {
    v.code = unescape(parts[0]);
  }
  return {};
}

Status parse_date(std::string_view name, std::string_view raw, Value& v) {
  static const std::pair<std::string_view, Prefix> kPrefixes[] = {
      {"eq", Prefix::eq}, {"ne", Prefix::ne}, {"lt", Prefix::lt}, {"gt", Prefix::gt}, {"le", Prefix::le},
      {"ge", Prefix::ge}, {"sa", Prefix::sa}, {"eb", Prefix::eb}, {"ap", Prefix::ap}};
  std::string_view text = raw;
  if (text.size() >= 2 && text[0] >= 'a' && text[0] <= 'z') {
    bool found = false;
    for (const auto& [code, prefix] : kPrefixes) {
      if (text.substr(0, 2) == code) {
        v.prefix = prefix;
        found = true;
        break;
      }
    }
    if (!found) return invalid(name, "unknown prefix '" + std::string(text.substr(0, 2)) + "'");
    text.remove_prefix(2);
  }
  auto range = fhir_time::parse(text);
  if (!range)
    return invalid(name, "'" + std::string(text) +
                             "' is not a valid FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime)");
  v.lo_ms = range->lo_ms;
  v.hi_ms = range->hi_ms;
  if (v.prefix == Prefix::ap) {
    // ap: the value widened by 10% of its distance from now (FHIR's suggestion).
    int64_t now = fhir_time::now_ms();
    int64_t mid = v.lo_ms + (v.hi_ms - v.lo_ms) / 2;
    int64_t slack = static_cast<int64_t>(std::llabs(now - mid) / 10);
    v.lo_ms -= slack;
    v.hi_ms += slack;
  }
  return {};
}

Status parse_reference_value(std::string_view name, const SearchParam& p, const ParsedModifier& mod,
                             std::string_view raw, Value& v) {
  std::string text = unescape(raw);
  auto parts = parse_reference(text);
  if (!parts) return invalid(name, "'" + text + "' is not a reference (id, Type/id or an absolute URL)");
  if (parts->url.empty() && parts->type.empty() && !ids::is_valid_id(parts->id))
    return invalid(name, "'" + text + "' is not a valid resource id");
  v.ref_type = parts->type;
  v.ref_id = parts->id;
  v.ref_url = parts->url;
  if (!mod.ref_type.empty()) {
    if (!v.ref_url.empty() || (!v.ref_type.empty() && v.ref_type != mod.ref_type))
      return invalid(name, "the type modifier ':" + mod.ref_type + "' conflicts with '" + text + "'");
    v.ref_type = mod.ref_type;
  }
  return {};
}

Status parse_values(std::string_view name, const SearchParam& p, const ParsedModifier& mod,
                    std::string_view raw, Clause& clause) {
  if (mod.modifier == Modifier::missing) {
    Value v;
    if (raw == "true") v.missing = true;
    else if (raw == "false") v.missing = false;
    else return invalid(name, ":missing takes true or false, not '" + std::string(raw) + "'");
    clause.any_of.push_back(std::move(v));
    return {};
  }
  if (raw.empty()) return invalid(name, "empty value");
  for (std::string_view piece : split_unescaped(raw, ',')) {
    if (piece.empty()) return invalid(name, "empty value in a comma-separated list");
    Value v;
    Status st;
    if (mod.modifier == Modifier::identifier) {
      st = parse_token(name, piece, v);
    } else {
      switch (p.type) {
        case ParamType::token: st = parse_token(name, piece, v); break;
        case ParamType::string: {
          std::string text = unescape(piece);
          v.text = mod.modifier == Modifier::exact ? text : normalize_string(text);
          break;
        }
        case ParamType::date: st = parse_date(name, piece, v); break;
        case ParamType::reference: st = parse_reference_value(name, p, mod, piece, v); break;
        case ParamType::uri: v.text = unescape(piece); break;
        case ParamType::number: return not_supported(name, "number parameters are not supported");
      }
    }
    if (!st) return st;
    clause.any_of.push_back(std::move(v));
  }
  return {};
}

// A type parameter, possibly chained one level: subject:Patient.identifier.
Status parse_clause(const model::ResourceType& type, const std::string& name, std::string_view value,
                    bool strict, Query& q) {
  std::string_view full = name;
  auto dot = full.find('.');
  std::string_view head = full.substr(0, dot);
  std::string_view rest = dot == std::string_view::npos ? std::string_view{} : full.substr(dot + 1);
  if (dot != std::string_view::npos && rest.find('.') != std::string_view::npos)
    return not_supported(name, "chaining is supported one level deep only");
  auto colon = head.find(':');
  std::string_view pname = head.substr(0, colon);
  std::string_view pmod = colon == std::string_view::npos ? std::string_view{} : head.substr(colon + 1);

  const SearchParam* param = model::find_param(type, pname);
  if (!param) return reject(q, strict, name, "unknown parameter for " + std::string(type.name));

  Clause clause;
  clause.param = param;
  clause.name = name;
  const SearchParam* value_param = param;
  std::string_view vmod = pmod;

  if (dot != std::string_view::npos) {
    if (param->type != ParamType::reference)
      return invalid(name, "'" + std::string(pname) + "' is not a reference parameter and cannot be chained");
    std::string target;
    if (!pmod.empty()) {
      if (!contains(param->targets, pmod))
        return invalid(name, "'" + std::string(pmod) + "' is not a target type of '" + std::string(pname) + "'");
      target = std::string(pmod);
    } else if (param->targets.size() == 1) {
      target = std::string(param->targets[0]);
    } else {
      return invalid(name, "'" + std::string(pname) +
                               "' can refer to several types: name one (e.g. " + std::string(pname) + ":" +
                               std::string(param->targets[0]) + "." + std::string(rest) + ")");
    }
    const model::ResourceType* target_type = model::find_type(target);
    if (!target_type) return reject(q, strict, name, "chaining into " + target + " is not supported");
    auto ccolon = rest.find(':');
    std::string_view cname = rest.substr(0, ccolon);
    vmod = ccolon == std::string_view::npos ? std::string_view{} : rest.substr(ccolon + 1);
    value_param = model::find_param(*target_type, cname);
    if (!value_param) return reject(q, strict, name, "unknown parameter '" + std::string(cname) + "' on " + target);
    clause.chain = Chain{target, value_param};
  }

  auto mod = parse_modifier(*value_param, vmod);
  if (!mod)
    return reject(q, strict, name,
                  "modifier ':" + std::string(vmod) + "' is not supported on " +
                      std::string(model::to_string(value_param->type)) + " parameters");
  clause.modifier = mod->modifier;
  if (auto st = parse_values(name, *value_param, *mod, value, clause); !st) return st;
  q.clauses.push_back(std::move(clause));
  return {};
}

Status parse_count(std::string_view value, Query& q) {
  if (value.empty() || value.size() > 9 ||
      !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return invalid("_count", "'" + std::string(value) + "' is not a non-negative integer");
  q.count = std::min(std::stoi(std::string(value)), kMaxCount);
  return {};
}

Status parse_sort(const model::ResourceType& type, std::string_view value, bool strict, Query& q) {
  for (std::string_view item : split_unescaped(value, ',')) {
    item = trim(item);
    if (item.empty()) return invalid("_sort", "empty sort key");
    SortKey key;
    if (item[0] == '-') {
      key.descending = true;
      item.remove_prefix(1);
    }
    key.name = std::string(item);
    key.param = model::find_param(type, item);
    if (!key.param) {
      if (auto st = reject(q, strict, "_sort=" + key.name, "unknown sort parameter"); !st) return st;
      continue;
    }
    auto t = key.param->type;
    if (t != ParamType::token && t != ParamType::string && t != ParamType::date) {
      if (auto st = reject(q, strict, "_sort=" + key.name, "sorting by a " +
                                           std::string(model::to_string(t)) + " parameter is not supported");
          !st)
        return st;
      continue;
    }
    q.sort.push_back(std::move(key));
  }
  return {};
}

Status parse_include(const model::ResourceType& type, std::string_view name, std::string_view value,
                     bool reverse, bool iterate, Query& q) {
  auto parts = split_unescaped(value, ':');
  if (parts.size() < 2 || parts.size() > 3)
    return invalid(name, "expected Type:parameter[:TargetType], got '" + std::string(value) + "'");
  const model::ResourceType* source = model::find_type(parts[0]);
  if (!source) return invalid(name, "'" + std::string(parts[0]) + "' is not a supported resource type");
  const SearchParam* p = model::find_param(*source, parts[1]);
  if (!p || p->type != ParamType::reference)
    return invalid(name, "'" + std::string(parts[1]) + "' is not a reference parameter of " +
                             std::string(source->name));
  Include inc;
  inc.source_type = std::string(source->name);
  inc.param = std::string(p->name);
  inc.iterate = iterate;
  if (parts.size() == 3) {
    if (!contains(p->targets, parts[2]))
      return invalid(name, "'" + std::string(parts[2]) + "' is not a target of " + inc.source_type + ":" +
                               inc.param);
    inc.target_type = std::string(parts[2]);
  }
  if (!iterate) {
    if (!reverse && source->name != type.name)
      return invalid(name, "the source type must be " + std::string(type.name) + " (use :iterate for others)");
    if (reverse && !contains(p->targets, type.name) && inc.target_type != type.name)
      return invalid(name, inc.source_type + ":" + inc.param + " does not refer to " + std::string(type.name));
  }
  (reverse ? q.revincludes : q.includes).push_back(std::move(inc));
  return {};
}

Status parse_one(const model::ResourceType& type, const std::string& name, const std::string& value,
                 bool strict, Query& q) {
  if (name == "_format" || name == "_pretty" || name == "_cursor") return {};  // REST layer's
  if (name == "_count") return parse_count(value, q);
  if (name == "_sort") return parse_sort(type, value, strict, q);
  if (name == "_include" || name == "_include:iterate")
    return parse_include(type, name, value, false, name != "_include", q);
  if (name == "_revinclude" || name == "_revinclude:iterate")
    return parse_include(type, name, value, true, name != "_revinclude", q);
  if (name == "_summary") {
    if (value == "count") q.summary = Summary::count;
    else if (value == "true") q.summary = Summary::true_;
    else if (value == "text") q.summary = Summary::text;
    else if (value == "data") q.summary = Summary::data;
    else if (value == "false") q.summary = Summary::none;
    else return invalid(name, "expected count, true, text, data or false, not '" + value + "'");
    return {};
  }
  if (name == "_total") {
    if (value == "none") q.total = TotalMode::none;
    else if (value == "estimate") q.total = TotalMode::estimate;
    else if (value == "accurate") q.total = TotalMode::accurate;
    else return invalid(name, "expected none, estimate or accurate, not '" + value + "'");
    return {};
  }
  if (name == "_elements") {
    for (std::string_view e : split_unescaped(value, ',')) {
      e = trim(e);
      if (e.empty()) return invalid(name, "empty element name");
      q.elements.emplace_back(e);
    }
    return {};
  }
  if (name.empty()) return invalid("(empty)", "parameter with no name");
  if (name[0] == '_' && name.rfind("_id", 0) != 0 && name.rfind("_lastUpdated", 0) != 0)
    return reject(q, strict, name, "not supported by this server");
  return parse_clause(type, name, value, strict, q);
}

}  // namespace

Result<Query> parse_search(const model::ResourceType& type,
                           const std::vector<std::pair<std::string, std::string>>& params,
                           bool strict) {
  Query q;
  q.type = std::string(type.name);
  q.count = kDefaultCount;
  for (const auto& [name, value] : params)
    if (auto st = parse_one(type, name, value, strict, q); !st) return std::move(st).error();
  return q;
}

}  // namespace fhirgw::search
