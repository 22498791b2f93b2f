#include "policy/policy_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/fhir_time.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"

namespace fhirgw::policy {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxProblems = 200;

struct Problem {
  int line = 0;
  std::string text;
};

// Collects every problem with its line, so one load reports them all.
class Checker {
 public:
  static int line_of(const YAML::Node& n) {
    if (!n.IsDefined()) return 0;
    const YAML::Mark m = n.Mark();
    return m.line >= 0 ? m.line + 1 : 0;
  }
  void fail(const YAML::Node& at, std::string msg) { add(line_of(at), std::move(msg)); }
  void add(int line, std::string msg) {
    if (problems_.size() < kMaxProblems) problems_.push_back({line, std::move(msg)});
    else truncated_ = true;
  }
  bool ok() const { return problems_.empty(); }
  Error to_error(const std::string& source) const {
    auto sorted = problems_;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Problem& a, const Problem& b) { return a.line < b.line; });
    Error e;
    e.status = 422;
    for (const auto& p : sorted) {
      std::string text = p.line > 0 ? "line " + std::to_string(p.line) + ": " + p.text : p.text;
      e.add(Severity::error, "invalid", source + ": " + text);
    }
    if (truncated_) e.add(Severity::error, "too-costly", source + ": too many problems; stopped listing");
    return e;
  }

 private:
  std::vector<Problem> problems_;
  bool truncated_ = false;
};

struct Field {
  YAML::Node key, value;
};
using Fields = std::map<std::string, Field>;

// A mapping's entries by key; unknown and duplicate keys are problems.
Fields read_map(Checker& c, const YAML::Node& node, const std::string& where,
                std::initializer_list<std::string_view> allowed) {
  Fields out;
  if (!node.IsMap()) {
    c.fail(node, where + " must be a mapping");
    return out;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      c.fail(key, where + ": keys must be plain names");
      continue;
    }
    const std::string name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      c.fail(key, where + ": unknown key '" + name + "' (allowed: " + list + ")");
      continue;
    }
    if (out.count(name)) {
      c.fail(key, where + ": duplicate key '" + name + "'");
      continue;
    }
    out.emplace(name, Field{key, it->second});
  }
  return out;
}

const Field* field(const Fields& f, const std::string& name) {
  auto it = f.find(name);
  return it == f.end() ? nullptr : &it->second;
}

// The value of a scalar key of a mapping, if present (to name an entry in
// messages before its keys are checked).
std::string peek(const YAML::Node& node, const std::string& key) {
  if (!node.IsMap()) return {};
  for (auto it = node.begin(); it != node.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key && it->second.IsScalar()) return it->second.Scalar();
  return {};
}

std::optional<std::string> scalar_value(Checker& c, const YAML::Node& v, const std::string& what) {
  if (!v.IsScalar()) {
    c.fail(v, what + " must be a single value");
    return std::nullopt;
  }
  return v.Scalar();
}

// A required (or optional) non-empty string field.
std::optional<std::string> string_field(Checker& c, const Fields& f, const YAML::Node& parent,
                                        const std::string& where, const std::string& name,
                                        bool required = true) {
  const Field* x = field(f, name);
  if (!x) {
    if (required) c.fail(parent, where + ": missing '" + name + "'");
    return std::nullopt;
  }
  auto s = scalar_value(c, x->value, where + ": '" + name + "'");
  if (s && s->empty()) {
    c.fail(x->value, where + ": '" + name + "' must not be empty");
    return std::nullopt;
  }
  return s;
}

// A sequence of scalars; each element with its node (for line numbers).
std::vector<std::pair<std::string, YAML::Node>> string_list(Checker& c, const YAML::Node& v,
                                                             const std::string& what) {
  std::vector<std::pair<std::string, YAML::Node>> out;
  if (!v.IsSequence()) {
    c.fail(v, what + " must be a list");
    return out;
  }
  for (const auto& item : v) {
    if (!item.IsScalar() || item.Scalar().empty()) {
      c.fail(item, what + ": each entry must be a non-empty value");
      continue;
    }
    out.emplace_back(item.Scalar(), item);
  }
  return out;
}

bool is_org_code(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
  });
}

bool is_agreement_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
           ch == '.';
  });
}

bool is_system_url(std::string_view s) {
  return (s.rfind("http://", 0) == 0 && s.size() > 7) ||
         (s.rfind("https://", 0) == 0 && s.size() > 8) || (s.rfind("urn:", 0) == 0 && s.size() > 4);
}

// An element path: identifiers separated by dots, optional "[x]" at the end.
bool is_element_path(std::string_view s) {
  if (s.empty()) return false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    std::string_view seg = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    bool last = dot == std::string_view::npos;
    if (last && seg.size() > 3 && seg.substr(seg.size() - 3) == "[x]") seg.remove_suffix(3);
    if (seg.empty()) return false;
    if (!((seg[0] >= 'a' && seg[0] <= 'z') || (seg[0] >= 'A' && seg[0] <= 'Z'))) return false;
    for (char ch : seg)
      if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '_'))
        return false;
    if (last) break;
    start = dot + 1;
  }
  return true;
}

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<fs::path> resolve_code_set(const std::string& written, const LoadOptions& opt) {
  std::error_code ec;
  fs::path p(written);
  if (p.is_absolute()) return fs::is_regular_file(p, ec) ? std::optional(p) : std::nullopt;
  std::vector<fs::path> dirs;
  fs::path base = opt.base_dir.empty() ? fs::current_path(ec) : fs::path(opt.base_dir);
  base = fs::absolute(base, ec);
  for (fs::path d = base; !d.empty(); d = d.parent_path()) {
    dirs.push_back(d);
    if (d == d.parent_path()) break;
  }
  for (const auto& e : opt.extra_dirs) dirs.emplace_back(e);
  for (const auto& d : dirs) {
    fs::path candidate = d / p;
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return std::nullopt;
}

class Loader {
 public:
  Loader(Checker& c, const LoadOptions& opt) : c_(c), opt_(opt) {}

  Policy load(const YAML::Node& root, std::string& hashed_extra) {
    Policy p;
    const Fields top = read_map(c_, root, "policy",
                                {"version", "description", "organisations", "agreements",
                                 "consent_codes", "code_sets"});
    if (!root.IsMap()) return p;
    if (auto v = string_field(c_, top, root, "policy", "version")) p.version = *v;
    if (auto d = field(top, "description")) scalar_value(c_, d->value, "description");
    // Code sets first: agreements and cohorts refer to them.
    if (auto f = field(top, "code_sets")) load_code_sets(f->value, p, hashed_extra);
    if (auto f = field(top, "organisations")) load_organisations(f->value, p);
    else c_.fail(root, "policy: missing 'organisations'");
    if (auto f = field(top, "consent_codes")) load_consent_codes(f->value, p);
    else c_.fail(root, "policy: missing 'consent_codes'");
    if (auto f = field(top, "agreements")) load_agreements(f->value, p);
    else c_.fail(root, "policy: missing 'agreements'");
    return p;
  }

 private:
  void load_code_sets(const YAML::Node& node, Policy& p, std::string& hashed_extra) {
    if (!node.IsMap()) {
      c_.fail(node, "code_sets must be a mapping of name: path");
      return;
    }
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first, val = it->second;
      if (!key.IsScalar() || key.Scalar().empty()) {
        c_.fail(key, "code_sets: names must be plain values");
        continue;
      }
      const std::string name = key.Scalar();
      if (!seen.insert(name).second) {
        c_.fail(key, "code_sets: duplicate code set '" + name + "'");
        continue;
      }
      auto path = scalar_value(c_, val, "code set '" + name + "'");
      if (!path) continue;
      auto resolved = resolve_code_set(*path, opt_);
      if (!resolved) {
        c_.fail(val, "code set '" + name + "': file not found: " + *path);
        continue;
      }
      auto text = read_file(*resolved);
      if (!text) {
        c_.fail(val, "code set '" + name + "': cannot read " + resolved->string());
        continue;
      }
      auto codes = codes_of_value_set(*text);
      if (!codes) {
        c_.fail(val, "code set '" + name + "' (" + *path + "): " + codes.error().message());
        continue;
      }
      if (codes->empty()) {
        c_.fail(val, "code set '" + name + "' (" + *path + ") holds no codes");
        continue;
      }
      hashed_extra += name + '\0' + *text + '\0';
      p.code_sets[name] = std::move(*codes);
      p.code_set_files[name] = resolved->string();
    }
  }

  void load_organisations(const YAML::Node& node, Policy& p) {
    if (!node.IsSequence()) {
      c_.fail(node, "organisations must be a list");
      return;
    }
    for (const auto& item : node) {
      const std::string peeked = peek(item, "code");
      const std::string where0 = "organisation";
      const Fields f = read_map(c_, item, peeked.empty() ? where0 : "organisation '" + peeked + "'",
                                {"code", "name", "kind"});
      Organisation o;
      o.line = Checker::line_of(item);
      auto code = string_field(c_, f, item, where0, "code");
      const std::string where = code ? "organisation '" + *code + "'" : where0;
      if (code) {
        if (!is_org_code(*code)) c_.fail(field(f, "code")->value, where + ": code must be letters and digits");
        else if (p.find_organisation(*code)) c_.fail(field(f, "code")->value, where + ": duplicate organisation code");
        o.code = *code;
      }
      if (auto n = string_field(c_, f, item, where, "name")) o.name = *n;
      if (auto k = string_field(c_, f, item, where, "kind")) {
        auto kind = parse_partner_kind(*k);
        if (!kind) c_.fail(field(f, "kind")->value, where + ": kind must be statutory, voluntary or controller, not '" + *k + "'");
        else o.kind = *kind;
      }
      if (!o.code.empty() && !p.find_organisation(o.code)) p.organisations.push_back(std::move(o));
    }
  }

  // One {system, code, display, applies_to} entry.
  void load_consent_code(const YAML::Node& item, bool permit, Policy& p) {
    const std::string list = permit ? "consent_codes.permit" : "consent_codes.deny";
    const Fields f = read_map(c_, item, list + " entry", {"system", "code", "display", "applies_to"});
    ConsentCode cc;
    auto sys = string_field(c_, f, item, list + " entry", "system");
    auto code = string_field(c_, f, item, list + " entry", "code");
    if (!sys || !code) return;
    const std::string where = "consent code " + *sys + "|" + *code;
    if (!is_system_url(*sys)) {
      c_.fail(field(f, "system")->value, where + ": system must be a full URL (e.g. http://read.info/readv2)");
      return;
    }
    cc.system = *sys;
    cc.code = *code;
    if (auto d = string_field(c_, f, item, where, "display", false)) cc.display = *d;
    if (auto a = field(f, "applies_to")) {
      if (!permit) {
        c_.fail(a->key, where + ": a deny code always means dissent from sharing with anyone; 'applies_to' is not allowed");
      } else {
        for (const auto& [v, n] : string_list(c_, a->value, where + ": applies_to")) {
          if (auto k = parse_partner_kind(v)) cc.applies_to_kinds.push_back(*k);
          else if (p.find_organisation(v)) cc.applies_to_orgs.push_back(v);
          else c_.fail(n, where + ": applies_to: unknown organisation '" + v + "'");
        }
      }
    }
    if (p.find_permit_code(cc.system, cc.code) || p.find_deny_code(cc.system, cc.code)) {
      c_.fail(item, where + ": listed more than once (a code is either permit or deny)");
      return;
    }
    (permit ? p.permit_codes : p.deny_codes).push_back(std::move(cc));
  }

  void load_consent_codes(const YAML::Node& node, Policy& p) {
    const Fields f = read_map(c_, node, "consent_codes", {"permit", "deny"});
    for (const char* list : {"deny", "permit"}) {
      const Field* x = field(f, list);
      if (!x) {
        if (node.IsMap()) c_.fail(node, std::string("consent_codes: missing '") + list + "'");
        continue;
      }
      if (x->value.IsNull()) continue;  // an explicitly empty list
      if (!x->value.IsSequence()) {
        c_.fail(x->value, std::string("consent_codes.") + list + " must be a list");
        continue;
      }
      for (const auto& item : x->value) load_consent_code(item, std::string(list) == "permit", p);
    }
  }

  std::optional<std::pair<int64_t, int64_t>> date_field(const Fields& f, const YAML::Node& parent,
                                                        const std::string& where,
                                                        const std::string& name, std::string& written) {
    auto s = string_field(c_, f, parent, where, name);
    if (!s) return std::nullopt;
    written = *s;
    auto r = s->size() == 10 ? fhir_time::parse(*s) : std::nullopt;
    if (!r || r->precision != fhir_time::Precision::day) {
      c_.fail(field(f, name)->value, where + ": " + name + " must be a date YYYY-MM-DD, not '" + *s + "'");
      return std::nullopt;
    }
    return std::pair{r->lo_ms, r->hi_ms};
  }

  void load_codes_list(const YAML::Node& node, const std::string& where, CodeSet& out) {
    if (!node.IsSequence()) {
      c_.fail(node, where + " must be a list of {system, code}");
      return;
    }
    for (const auto& item : node) {
      const Fields f = read_map(c_, item, where + " entry", {"system", "code", "display"});
      auto sys = string_field(c_, f, item, where + " entry", "system");
      auto code = string_field(c_, f, item, where + " entry", "code");
      if (sys && !is_system_url(*sys)) c_.fail(field(f, "system")->value, where + ": system must be a full URL");
      else if (sys && code) out.insert({*sys, *code});
    }
  }

  void load_cohort(const YAML::Node& node, const std::string& where0, const Policy& p, Cohort& cohort) {
    const std::string where = where0 + ": cohort";
    const Fields f = read_map(c_, node, where, {"all_of", "any_of"});
    if (f.size() != 1) {
      if (node.IsMap()) c_.fail(node, where + " must have exactly one of all_of, any_of");
      return;
    }
    cohort.any_of = f.begin()->first == "any_of";
    const YAML::Node list = f.begin()->second.value;
    if (!list.IsSequence() || list.size() == 0) {
      c_.fail(list, where + ": " + f.begin()->first + " must be a non-empty list of conditions");
      return;
    }
    for (const auto& item : list) {
      const Fields cf = read_map(c_, item, where + " condition", {"has_active_flag", "min_age", "max_age"});
      if (cf.size() != 1) {
        if (item.IsMap()) c_.fail(item, where + ": each condition has exactly one of has_active_flag, min_age, max_age");
        continue;
      }
      const auto& [name, x] = *cf.begin();
      CohortCondition cond;
      if (name == "min_age" || name == "max_age") {
        cond.check = name == "min_age" ? CohortCheck::min_age : CohortCheck::max_age;
        auto s = scalar_value(c_, x.value, where + ": " + name);
        if (!s) continue;
        int years = -1;
        if (!s->empty() && s->size() <= 3 && std::all_of(s->begin(), s->end(), ::isdigit)) years = std::stoi(*s);
        if (years < 0 || years > 150) {
          c_.fail(x.value, where + ": " + name + " must be a whole number of years 0-150, not '" + *s + "'");
          continue;
        }
        cond.years = years;
      } else {
        cond.check = CohortCheck::has_active_flag;
        const std::string w = where + ": has_active_flag";
        const Fields hf = read_map(c_, x.value, w, {"codes", "code_sets"});
        if (auto cs = field(hf, "codes")) load_codes_list(cs->value, w + ".codes", cond.flag_codes);
        if (auto sets = field(hf, "code_sets")) {
          for (const auto& [n, at] : string_list(c_, sets->value, w + ".code_sets")) {
            auto it = p.code_sets.find(n);
            if (it == p.code_sets.end()) {
              c_.fail(at, w + ": unknown code set '" + n + "'");
              continue;
            }
            cond.code_sets.push_back(n);
            cond.flag_codes.insert(it->second.begin(), it->second.end());
          }
        }
        if (x.value.IsMap() && cond.flag_codes.empty() && cond.code_sets.empty()) {
          c_.fail(x.value, w + " needs codes or code_sets");
          continue;
        }
      }
      cohort.conditions.push_back(std::move(cond));
    }
  }

  void load_resource_rule(const YAML::Node& key, const YAML::Node& node, const std::string& where0,
                          const Policy& p, Agreement& a) {
    ResourceRule r;
    r.type = key.Scalar();
    const std::string where = where0 + ": " + r.type;
    const model::ResourceType* t = model::find_type(r.type);
    if (!t) {
      c_.fail(key, where0 + ": unknown resource type '" + r.type + "'");
      return;
    }
    if (is_reference_type(r.type)) {
      c_.fail(key, where0 + ": " + r.type + " is reference data shared with every partner; it is not governed by agreements");
      return;
    }
    if (a.rule_for(r.type)) {
      c_.fail(key, where0 + ": duplicate resource type '" + r.type + "'");
      return;
    }
    const Fields f = read_map(c_, node, where, {"interactions", "hidden_fields", "exclusions"});
    if (auto x = field(f, "interactions")) {
      for (const auto& [v, at] : string_list(c_, x->value, where + ": interactions")) {
        auto act = parse_action(v);
        if (!act) {
          c_.fail(at, where + ": unknown interaction '" + v + "' (read, search, create, update)");
          continue;
        }
        const model::Interaction mi = *act == Action::read     ? model::Interaction::read
                                      : *act == Action::search ? model::Interaction::search
                                      : *act == Action::create ? model::Interaction::create
                                                               : model::Interaction::update;
        if (!model::supports(*t, mi)) c_.fail(at, where + ": the gateway does not support " + v + " on " + r.type);
        else r.actions.insert(*act);
      }
    } else if (node.IsMap()) {
      c_.fail(node, where + ": missing 'interactions'");
    }
    if (auto x = field(f, "hidden_fields")) {
      for (auto [v, at] : string_list(c_, x->value, where + ": hidden_fields")) {
        const std::string prefix = r.type + ".";
        if (v.rfind(prefix, 0) == 0) v = v.substr(prefix.size());
        else if (!v.empty() && v[0] >= 'A' && v[0] <= 'Z') {
          c_.fail(at, where + ": hidden field '" + v + "' names another resource type");
          continue;
        }
        if (!is_element_path(v)) {
          c_.fail(at, where + ": '" + v + "' is not an element path (e.g. note, dosage.text, effective[x])");
          continue;
        }
        r.hidden_fields.push_back(v);
      }
    }
    if (auto x = field(f, "exclusions")) {
      for (const auto& [v, at] : string_list(c_, x->value, where + ": exclusions")) {
        if (!p.code_sets.count(v)) c_.fail(at, where + ": unknown code set '" + v + "'");
        else r.exclusions.push_back(v);
      }
    }
    a.resources.push_back(std::move(r));
  }

  void load_agreement(const YAML::Node& item, Policy& p) {
    const std::string peeked = peek(item, "id");
    const Fields f = read_map(c_, item, peeked.empty() ? "agreement" : "agreement '" + peeked + "'",
                              {"id", "title", "legal_basis", "controllers", "partners", "valid_from",
                               "valid_to", "purposes", "consent_mode", "require_verified_nhs_number",
                               "cohort", "resources"});
    Agreement a;
    a.line = Checker::line_of(item);
    auto id = string_field(c_, f, item, "agreement", "id");
    const std::string where = id ? "agreement '" + *id + "'" : "agreement";
    bool keep = true;
    if (id) {
      if (!is_agreement_id(*id)) c_.fail(field(f, "id")->value, where + ": id must be lower-case letters, digits, '-', '_' or '.'");
      if (p.find_agreement(*id)) {
        c_.fail(field(f, "id")->value, where + ": duplicate agreement id");
        keep = false;
      }
      a.id = *id;
    } else {
      keep = false;
    }
    if (auto s = string_field(c_, f, item, where, "title")) a.title = *s;
    if (auto s = string_field(c_, f, item, where, "legal_basis")) a.legal_basis = *s;

    if (auto x = field(f, "controllers")) {
      for (const auto& [v, at] : string_list(c_, x->value, where + ": controllers")) {
        const Organisation* o = p.find_organisation(v);
        if (!o) c_.fail(at, where + ": unknown controller '" + v + "'");
        else if (o->kind != OrgKind::controller) c_.fail(at, where + ": '" + v + "' is not a controller (kind " + kind_word(o->kind) + ")");
        else a.controllers.push_back(v);
      }
      if (x->value.IsSequence() && x->value.size() == 0) c_.fail(x->value, where + ": controllers must not be empty");
    } else if (item.IsMap()) {
      c_.fail(item, where + ": missing 'controllers'");
    }

    if (auto x = field(f, "partners")) {
      for (const auto& [v, at] : string_list(c_, x->value, where + ": partners")) {
        if (auto k = parse_partner_kind(v)) a.partner_kinds.push_back(*k);
        else if (p.find_organisation(v)) a.partner_orgs.push_back(v);
        else c_.fail(at, where + ": unknown partner '" + v + "'");
      }
      if (x->value.IsSequence() && x->value.size() == 0) c_.fail(x->value, where + ": partners must not be empty");
    } else if (item.IsMap()) {
      c_.fail(item, where + ": missing 'partners'");
    }

    auto from = date_field(f, item, where, "valid_from", a.valid_from);
    auto to = date_field(f, item, where, "valid_to", a.valid_to);
    if (from) a.valid_from_ms = from->first;
    if (to) a.valid_until_ms = to->second;
    if (from && to && to->first < from->first)
      c_.fail(field(f, "valid_to")->value, where + ": valid_to " + a.valid_to + " is before valid_from " + a.valid_from);

    if (auto x = field(f, "purposes")) {
      for (const auto& [v, at] : string_list(c_, x->value, where + ": purposes")) {
        if (!is_known_purpose(v)) c_.fail(at, where + ": unknown purpose of use '" + v + "' (an ActReason code such as TREAT, CAREMGT)");
        else if (!a.covers_purpose(v)) a.purposes.push_back(v);
      }
      if (x->value.IsSequence() && x->value.size() == 0) c_.fail(x->value, where + ": purposes must not be empty");
    } else if (item.IsMap()) {
      c_.fail(item, where + ": missing 'purposes'");
    }

    if (auto s = string_field(c_, f, item, where, "consent_mode")) {
      if (*s == "explicit") a.consent_mode = ConsentMode::explicit_consent;
      else if (*s == "implied") a.consent_mode = ConsentMode::implied_consent;
      else c_.fail(field(f, "consent_mode")->value, where + ": consent_mode must be explicit or implied, not '" + *s + "'");
    }
    if (auto x = field(f, "require_verified_nhs_number")) {
      auto s = scalar_value(c_, x->value, where + ": require_verified_nhs_number");
      if (s && *s == "true") a.require_verified_nhs_number = true;
      else if (s && *s == "false") a.require_verified_nhs_number = false;
      else if (s) c_.fail(x->value, where + ": require_verified_nhs_number must be true or false");
    }
    if (auto x = field(f, "cohort")) load_cohort(x->value, where, p, a.cohort);

    if (auto x = field(f, "resources")) {
      if (!x->value.IsMap() || x->value.size() == 0) {
        c_.fail(x->value, where + ": resources must be a non-empty mapping of resource type to rules");
      } else {
        for (auto it = x->value.begin(); it != x->value.end(); ++it) {
          if (!it->first.IsScalar()) {
            c_.fail(it->first, where + ": resource types must be plain names");
            continue;
          }
          load_resource_rule(it->first, it->second, where, p, a);
        }
      }
    } else if (item.IsMap()) {
      c_.fail(item, where + ": missing 'resources'");
    }
    if (keep) p.agreements.push_back(std::move(a));
  }

  void load_agreements(const YAML::Node& node, Policy& p) {
    if (node.IsNull()) return;  // no agreements: nothing is shared
    if (!node.IsSequence()) {
      c_.fail(node, "agreements must be a list");
      return;
    }
    for (const auto& item : node) load_agreement(item, p);
  }

  Checker& c_;
  const LoadOptions& opt_;
};

void collect_contains(const json::Value& list, CodeSet& out, int depth) {
  if (!list.IsArray() || depth > 32) return;
  for (const auto& c : list.GetArray()) {
    auto sys = json::get_string(c, "system");
    auto code = json::get_string(c, "code");
    if (sys && code) out.insert({std::string(*sys), std::string(*code)});
    if (const json::Value* nested = json::get(c, "contains")) collect_contains(*nested, out, depth + 1);
  }
}

}  // namespace

Result<CodeSet> codes_of_value_set(std::string_view json_text) {
  auto doc = json::parse(json_text);
  if (!doc) return doc.error();
  const json::Value& vs = *doc;
  if (json::get_string(vs, "resourceType") != std::optional<std::string_view>("ValueSet"))
    return Error::invalid("not a FHIR ValueSet (resourceType is not ValueSet)");
  CodeSet out;
  const json::Value* expansion = json::get(vs, "expansion");
  if (expansion) {
    if (const json::Value* contains = json::get(*expansion, "contains")) collect_contains(*contains, out, 0);
  }
  if (const json::Value* compose = json::get(vs, "compose")) {
    if (const json::Value* include = json::get(*compose, "include"); include && include->IsArray()) {
      for (const auto& inc : include->GetArray()) {
        auto sys = json::get_string(inc, "system");
        const json::Value* concepts = json::get(inc, "concept");
        const bool by_rule = json::get(inc, "filter") || json::get(inc, "valueSet") || (sys && !concepts);
        if (by_rule && !expansion)
          return Error::invalid("compose.include selects codes by filter, whole system or another ValueSet; "
                                "the gateway needs the codes listed (compose.include.concept or an expansion)");
        if (!sys || !concepts || !concepts->IsArray()) continue;
        for (const auto& c : concepts->GetArray())
          if (auto code = json::get_string(c, "code")) out.insert({std::string(*sys), std::string(*code)});
      }
    }
    if (json::get(*compose, "exclude"))
      return Error::invalid("compose.exclude is not supported; list the codes to include instead");
  }
  return out;
}

Result<Policy> load_policy_text(std::string_view yaml_text, const LoadOptions& options,
                                std::string source_name) {
  Checker c;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    c.add(e.mark.line >= 0 ? e.mark.line + 1 : 0, "YAML syntax error: " + e.msg);
    return c.to_error(source_name);
  } catch (const std::exception& e) {
    c.add(0, std::string("YAML syntax error: ") + e.what());
    return c.to_error(source_name);
  }
  Policy p;
  std::string hashed_extra;
  try {
    if (!root.IsDefined() || root.IsNull()) {
      c.add(0, "the policy is empty");
      return c.to_error(source_name);
    }
    Loader loader(c, options);
    p = loader.load(root, hashed_extra);
  } catch (const std::exception& e) {  // yaml-cpp throws on malformed node access
    c.add(0, std::string("cannot read policy: ") + e.what());
  }
  if (!c.ok()) return c.to_error(source_name);
  p.loaded = true;
  p.source = std::move(source_name);
  p.content_hash = ids::sha256_hex(std::string(yaml_text) + '\0' + hashed_extra);
  p.version_stamp = p.version + "+sha256:" + p.content_hash.substr(0, 12);
  return p;
}

Result<Policy> load_policy_file(const std::string& path, const LoadOptions& options) {
  auto text = read_file(path);
  if (!text) return Error::make(422, "not-found", "cannot read policy file " + path);
  LoadOptions opt = options;
  if (opt.base_dir.empty()) {
    std::error_code ec;
    opt.base_dir = fs::absolute(fs::path(path), ec).parent_path().string();
  }
  return load_policy_text(*text, opt, path);
}

}  // namespace fhirgw::policy
