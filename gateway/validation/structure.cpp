#include "validation/structure.hpp"

#include <algorithm>
#include <charconv>

#include "validation/invariants.hpp"
#include "validation/terminology.hpp"

namespace fhirgw::validation {
namespace {

constexpr std::string_view kFhirTypeExt = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type";
constexpr std::string_view kBaseSd = "http://hl7.org/fhir/StructureDefinition/";
constexpr size_t kMaxDepth = 64;  // element paths deeper than this are rejected (hostile input)

std::string_view sv(const json::Value& v) { return {v.GetString(), v.GetStringLength()}; }

Error load_error(std::string_view where, std::string msg) {
  return Error::make(422, "invalid", std::string(where) + ": " + std::move(msg));
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

std::string capitalised(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

void set_name(Node& n, std::string_view name) {
  n.name = std::string(name);
  n.choice_prefix.clear();
  if (name.size() > 3 && name.substr(name.size() - 3) == "[x]")
    n.choice_prefix = std::string(name.substr(0, name.size() - 3));
}

std::optional<uint32_t> parse_max(const json::Value& v) {
  if (!v.IsString()) return std::nullopt;
  std::string_view s = sv(v);
  if (s == "*") return kUnbounded;
  uint32_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return n;
}

// System.String etc. carry the FHIR type in an extension; map them back.
std::string fhir_type_code(const json::Value& type) {
  auto code = json::get_string(type, "code");
  if (!code) return {};
  if (code->substr(0, 22) != "http://hl7.org/fhirpat") return std::string(*code);
  if (const auto* exts = json::get(type, "extension"); exts && exts->IsArray()) {
    for (const auto& e : exts->GetArray()) {
      if (json::get_string(e, "url") != kFhirTypeExt) continue;
      if (auto t = json::get_string(e, "valueUrl")) return std::string(*t);
      if (auto t = json::get_string(e, "valueUri")) return std::string(*t);
    }
  }
  std::string_view sys = code->substr(code->rfind('.') + 1);
  if (sys == "Boolean") return "boolean";
  if (sys == "Integer") return "integer";
  if (sys == "Decimal") return "decimal";
  if (sys == "Date") return "date";
  if (sys == "DateTime") return "dateTime";
  if (sys == "Time") return "time";
  return "string";
}

Result<std::vector<TypeRef>> read_types(const json::Value& types, std::string_view where) {
  std::vector<TypeRef> out;
  if (!types.IsArray()) return load_error(where, "type must be an array");
  for (const auto& t : types.GetArray()) {
    if (!t.IsObject()) return load_error(where, "type entries must be objects");
    TypeRef r;
    r.code = fhir_type_code(t);
    if (r.code.empty()) return load_error(where, "type without a code");
    r.json_suffix = capitalised(r.code);
    for (const char* key : {"targetProfile", "profile"}) {
      const auto* list = json::get(t, key);
      if (!list) continue;
      if (!list->IsArray()) return load_error(where, std::string(key) + " must be an array");
      for (const auto& u : list->GetArray()) {
        if (!u.IsString()) return load_error(where, std::string(key) + " entries must be strings");
        (key[0] == 't' ? r.target_profiles : r.profiles).emplace_back(strip_version(sv(u)));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

// Reads the fixed[x] / pattern[x] member, if any; checks its type suffix.
Status read_fixed_pattern(Node& n, const json::Value& e, std::string_view where) {
  for (const auto& m : e.GetObject()) {
    std::string_view name = sv(m.name);
    bool fixed = name.size() > 5 && name.substr(0, 5) == "fixed" && std::isupper(static_cast<unsigned char>(name[5]));
    bool pattern = name.size() > 7 && name.substr(0, 7) == "pattern" && std::isupper(static_cast<unsigned char>(name[7]));
    if (!fixed && !pattern) continue;
    std::string_view suffix = name.substr(fixed ? 5 : 7);
    bool type_ok = n.types.empty();
    for (const auto& t : n.types)
      if (t.json_suffix == suffix) type_ok = true;
    if (!type_ok) return load_error(where, std::string(name) + " does not match the element's type");
    auto doc = std::make_shared<json::Document>();
    doc->CopyFrom(m.value, doc->GetAllocator());
    (fixed ? n.fixed : n.pattern) = std::move(doc);
  }
  return {};
}

BindingStrength parse_strength(std::string_view s) {
  if (s == "required") return BindingStrength::required;
  if (s == "extensible") return BindingStrength::extensible;
  if (s == "preferred") return BindingStrength::preferred;
  if (s == "example") return BindingStrength::example;
  return BindingStrength::none;
}

Status read_constraints(Node& n, const json::Value& list, std::string_view where) {
  if (!list.IsArray()) return load_error(where, "constraint must be an array");
  for (const auto& c : list.GetArray()) {
    auto key = json::get_string(c, "key");
    if (!key) return load_error(where, "constraint without a key");
    auto idx = find_invariant(*key);
    if (!idx) {
      if (key->substr(0, 3) == "gw-")
        return load_error(where, "invariant '" + std::string(*key) + "' has no implementation");
      continue;  // a FHIRPath constraint the gateway does not evaluate
    }
    auto sev = json::get_string(c, "severity");
    InvariantRef ref{*idx, sev && *sev == "warning" ? Severity::warning : Severity::error};
    if (std::find(n.invariants.begin(), n.invariants.end(), ref) == n.invariants.end())
      n.invariants.push_back(ref);
  }
  return {};
}

Status read_slicing(Node& n, const json::Value& s, std::string_view where) {
  if (!s.IsObject()) return load_error(where, "slicing must be an object");
  n.sliced = true;
  n.discriminators.clear();
  if (const auto* ds = json::get(s, "discriminator")) {
    if (!ds->IsArray()) return load_error(where, "slicing.discriminator must be an array");
    for (const auto& d : ds->GetArray()) {
      auto type = json::get_string(d, "type");
      auto path = json::get_string(d, "path");
      if (!type || !path) return load_error(where, "discriminator needs type and path");
      Discriminator disc;
      if (*type == "value") disc.kind = Discriminator::Kind::value;
      else if (*type == "pattern") disc.kind = Discriminator::Kind::pattern;
      else if (*type == "exists") disc.kind = Discriminator::Kind::exists;
      else return load_error(where, "discriminator type '" + std::string(*type) + "' is not supported");
      disc.path = std::string(*path);
      n.discriminators.push_back(std::move(disc));
    }
  }
  auto rules = json::get_string(s, "rules");
  n.slicing_closed = rules && *rules == "closed";
  return {};
}

// Applies the properties of one ElementDefinition onto a node. In a
// differential, constraints may only tighten what the base allows.
Status apply_element(Node& n, const json::Value& e, bool differential, std::string_view where) {
  n.constrained = n.constrained || differential;
  if (const auto* types = json::get(e, "type")) {
    auto parsed = read_types(*types, where);
    if (!parsed) return std::move(parsed).error();
    if (differential && !n.types.empty()) {
      for (auto& t : *parsed) {
        auto base = std::find_if(n.types.begin(), n.types.end(), [&](const TypeRef& b) { return b.code == t.code; });
        if (base == n.types.end()) return load_error(where, "type " + t.code + " is not allowed by the base");
        if (t.target_profiles.empty()) t.target_profiles = base->target_profiles;
      }
    }
    n.types = std::move(*parsed);
  }
  std::optional<uint32_t> min, max;
  if (const auto* v = json::get(e, "min")) {
    if (!v->IsUint()) return load_error(where, "min must be a non-negative integer");
    min = v->GetUint();
  }
  if (const auto* v = json::get(e, "max")) {
    max = parse_max(*v);
    if (!max) return load_error(where, "max must be '*' or a non-negative integer");
  }
  if (differential && n.slice_name.empty()) {
    if (min && *min < n.min) return load_error(where, "min cannot be lower than the base's " + std::to_string(n.min));
    if (max && *max > n.max) return load_error(where, "max cannot exceed the base's");
  }
  if (differential && !n.slice_name.empty() && max && *max > n.max && n.max != kUnbounded)
    return load_error(where, "a slice's max cannot exceed the sliced element's");
  if (min) n.min = *min;
  if (max) n.max = *max;
  if (n.min > n.max) return load_error(where, "min exceeds max");
  if (!differential) {
    const auto* base_max = json::get_path(e, "base.max");
    auto bm = base_max ? parse_max(*base_max) : std::nullopt;
    n.repeats = (bm ? *bm : n.max) > 1;
    if (auto cr = json::get_string(e, "contentReference"); cr && !cr->empty() && (*cr)[0] == '#')
      n.content_ref = std::string(cr->substr(1));
  }
  if (auto st = read_fixed_pattern(n, e, where); !st) return st;
  if (const auto* b = json::get(e, "binding")) {
    if (!b->IsObject()) return load_error(where, "binding must be an object");
    auto strength = json::get_string(*b, "strength");
    if (!strength) return load_error(where, "binding without strength");
    n.binding = parse_strength(*strength);
    auto vs = json::get_string(*b, "valueSet");
    n.value_set = vs ? std::string(strip_version(*vs)) : std::string();
  }
  if (const auto* c = json::get(e, "constraint"))
    if (auto st = read_constraints(n, *c, where); !st) return st;
  if (const auto* s = json::get(e, "slicing"))
    if (auto st = read_slicing(n, *s, where); !st) return st;
  return {};
}

Node* find_child(std::vector<Node>& kids, std::string_view name) {
  for (auto& k : kids)
    if (k.name == name) return &k;
  return nullptr;
}

const Node* find_by_path(const Node& root, std::string_view path) {
  auto segs = split(path, '.');
  if (segs.empty() || segs[0] != root.name) return nullptr;
  const Node* cur = &root;
  for (size_t i = 1; i < segs.size() && cur; ++i) {
    const std::vector<Node>& kids = cur->children.empty() && cur->content_target ? cur->content_target->children : cur->children;
    const Node* next = nullptr;
    for (const auto& k : kids)
      if (k.name == segs[i]) next = &k;
    cur = next;
  }
  return cur;
}

// Gives a node explicit children (copied from its type or content
// reference) so a differential can constrain them.
Status unfold(Node& n, const StructureSet& set, const Node& structure_root, std::string_view where) {
  if (!n.children.empty()) return {};
  if (!n.content_ref.empty()) {
    std::string_view first = std::string_view(n.content_ref).substr(0, n.content_ref.find('.'));
    const Node* owner_root = first == structure_root.name ? &structure_root : nullptr;
    if (!owner_root)
      if (const Structure* s = set.base_type(first)) owner_root = &s->root;
    const Node* target = owner_root ? find_by_path(*owner_root, n.content_ref) : nullptr;
    if (!target) return load_error(where, "contentReference #" + n.content_ref + " not found");
    n.children = target->children;
    n.content_ref.clear();
    return {};
  }
  if (n.types.size() != 1) return load_error(where, "cannot constrain inside an element with " + std::to_string(n.types.size()) + " types; restrict it to one type first");
  const TypeRef& t = n.types[0];
  if (primitive_from_name(t.code) != Primitive::none)
    return load_error(where, "constraints inside primitive elements are not supported");
  const Structure* def = nullptr;
  if (!t.profiles.empty()) def = set.by_url(t.profiles[0]);
  if (!def) def = set.base_type(t.code);
  if (!def) return load_error(where, "unknown type " + t.code);
  n.children = def->root.children;
  return {};
}

void copy_header(Structure& s, const json::Value& sd) {
  if (auto v = json::get_string(sd, "url")) s.url = std::string(strip_version(*v));
  if (auto v = json::get_string(sd, "name")) s.name = std::string(*v);
  if (auto v = json::get_string(sd, "type")) s.type = std::string(*v);
  if (auto v = json::get_string(sd, "kind")) s.kind = std::string(*v);
  if (auto v = json::get_string(sd, "baseDefinition")) s.base_url = std::string(strip_version(*v));
  if (const auto* v = json::get(sd, "abstract"); v && v->IsBool()) s.is_abstract = v->GetBool();
  s.is_profile = json::get_string(sd, "derivation") == "constraint";
}

}  // namespace

// ---------------------------------------------------------------- building

Result<std::unique_ptr<Structure>> build_from_snapshot(const json::Value& sd) {
  if (!sd.IsObject()) return load_error("StructureDefinition", "not an object");
  auto s = std::make_unique<Structure>();
  copy_header(*s, sd);
  std::string where = s->url.empty() ? "StructureDefinition" : s->url;
  if (s->url.empty() || s->type.empty()) return load_error(where, "url and type are required");
  const auto* elements = json::get_path(sd, "snapshot.element");
  if (!elements || !elements->IsArray() || elements->Empty())
    return load_error(where, "no snapshot elements");
  for (const auto& e : elements->GetArray()) {
    auto path = json::get_string(e, "path");
    if (!path) return load_error(where, "element without a path");
    if (json::get(e, "sliceName")) continue;  // base definitions do not slice
    auto segs = split(*path, '.');
    if (segs.size() > kMaxDepth) return load_error(where, "path too deep");
    std::string ewhere = where + " " + std::string(*path);
    if (segs.size() == 1) {
      if (segs[0] != s->type) return load_error(ewhere, "root element must be the type");
      set_name(s->root, segs[0]);
      s->root.path = std::string(*path);
      if (auto st = apply_element(s->root, e, false, ewhere); !st) return std::move(st).error();
      s->root.min = 0;
      s->root.max = kUnbounded;
      continue;
    }
    Node* parent = &s->root;
    for (size_t i = 1; i + 1 < segs.size() && parent; ++i) parent = find_child(parent->children, segs[i]);
    if (!parent || segs[0] != s->root.name) return load_error(ewhere, "parent element not defined before it");
    Node child;
    set_name(child, segs.back());
    child.path = std::string(*path);
    if (auto st = apply_element(child, e, false, ewhere); !st) return std::move(st).error();
    parent->children.push_back(std::move(child));
  }
  return s;
}

Result<std::unique_ptr<Structure>> apply_differential(const json::Value& sd, const StructureSet& set) {
  if (!sd.IsObject()) return load_error("StructureDefinition", "not a JSON object");
  if (json::get_string(sd, "resourceType") != "StructureDefinition")
    return load_error("StructureDefinition", "resourceType must be StructureDefinition");
  auto s = std::make_unique<Structure>();
  copy_header(*s, sd);
  std::string where = s->url.empty() ? "StructureDefinition" : s->url;
  if (s->url.empty() || s->type.empty() || s->base_url.empty())
    return load_error(where, "url, type and baseDefinition are required");
  if (json::get_string(sd, "derivation") != "constraint")
    return load_error(where, "only derivation 'constraint' profiles are supported");
  const Structure* base = set.by_url(s->base_url);
  if (!base) return load_error(where, "baseDefinition " + s->base_url + " is not loaded");
  if (base->type != s->type) return load_error(where, "type differs from the base's type " + base->type);
  s->is_profile = true;
  s->strict = true;
  s->kind = base->kind;
  s->root = base->root;
  const auto* elements = json::get_path(sd, "differential.element");
  if (!elements || !elements->IsArray()) return load_error(where, "differential.element must be an array");

  for (const auto& e : elements->GetArray()) {
    if (!e.IsObject()) return load_error(where, "differential elements must be objects");
    std::string id;
    if (auto v = json::get_string(e, "id")) {
      id = std::string(*v);
    } else if (auto p = json::get_string(e, "path")) {
      id = std::string(*p);
      if (auto slice = json::get_string(e, "sliceName")) id += ":" + std::string(*slice);
    } else {
      return load_error(where, "differential element without id or path");
    }
    std::string ewhere = where + " " + id;
    auto segs = split(id, '.');
    if (segs.size() > kMaxDepth) return load_error(ewhere, "path too deep");
    if (segs[0] != s->type) return load_error(ewhere, "element id must start with the type " + s->type);
    Node* cur = &s->root;
    for (size_t i = 1; i < segs.size(); ++i) {
      auto colon = segs[i].find(':');
      std::string_view name = segs[i].substr(0, colon);
      std::string_view slice = colon == std::string_view::npos ? std::string_view{} : segs[i].substr(colon + 1);
      if (name.empty()) return load_error(ewhere, "empty path segment");
      if (auto st = unfold(*cur, set, s->root, ewhere); !st) return std::move(st).error();
      Node* child = find_child(cur->children, name);
      // "valueQuantity" (or "value[x]:valueQuantity") narrows a choice to one type.
      std::string_view type_name = name;
      if (!child) {
        for (auto& k : cur->children)
          if (!k.choice_prefix.empty() && name.substr(0, k.choice_prefix.size()) == k.choice_prefix) {
            child = &k;
            type_name = name;
          }
      } else if (!child->choice_prefix.empty() && !slice.empty()) {
        type_name = slice;
        slice = {};
      }
      if (!child) return load_error(ewhere, "no element '" + std::string(name) + "' here");
      if (!child->choice_prefix.empty() && type_name != child->name) {
        if (type_name.size() <= child->choice_prefix.size() ||
            type_name.substr(0, child->choice_prefix.size()) != child->choice_prefix)
          return load_error(ewhere, "'" + std::string(type_name) + "' does not name a type of " + child->name);
        std::string_view suffix = type_name.substr(child->choice_prefix.size());
        auto t = std::find_if(child->types.begin(), child->types.end(), [&](const TypeRef& r) { return r.json_suffix == suffix; });
        if (t == child->types.end()) return load_error(ewhere, "'" + std::string(type_name) + "' is not a type of " + child->name);
        TypeRef keep = *t;
        child->types = {std::move(keep)};
      }
      if (!slice.empty()) {
        if (!child->sliced) {
          if (child->name != "extension" && child->name != "modifierExtension")
            return load_error(ewhere, "slice on an element that declares no slicing");
          child->sliced = true;  // extensions are implicitly sliced by url
          child->discriminators = {{Discriminator::Kind::value, "url"}};
        }
        auto it = std::find_if(child->slices.begin(), child->slices.end(), [&](const Node& n) { return n.slice_name == slice; });
        if (it == child->slices.end()) {
          Node fresh = *child;
          fresh.slices.clear();
          fresh.sliced = false;
          fresh.discriminators.clear();
          fresh.slice_name = std::string(slice);
          fresh.min = 0;
          child->slices.push_back(std::move(fresh));
          it = child->slices.end() - 1;
        }
        child = &*it;
      }
      cur = child;
    }
    if (auto st = apply_element(*cur, e, true, ewhere); !st) return std::move(st).error();
  }
  return s;
}

// ---------------------------------------------------------------- finalising

namespace {

struct Finalizer {
  Structure& s;
  const StructureSet& set;
  Terminology& term;

  Status run(Node& n, bool resource_child, size_t depth) {
    if (depth > kMaxDepth) return load_error(s.url, "element tree too deep");
    std::string where = s.url + " " + n.path;
    const bool strict = s.strict && n.constrained;
    for (auto& t : n.types) {
      t.primitive = primitive_from_name(t.code);
      // R4 types Resource.id as string; it is an id (fixed in R4B).
      if (resource_child && n.name == "id" && t.code == "string") t.primitive = Primitive::id;
      if (t.primitive == Primitive::none) {
        t.type_def = nullptr;
        if (!t.profiles.empty()) t.type_def = set.by_url(t.profiles[0]);
        if (!t.type_def && !t.profiles.empty() && strict)
          return load_error(where, "profile " + t.profiles[0] + " is not loaded");
        if (!t.type_def) t.type_def = set.base_type(t.code);
        if (!t.type_def) return load_error(where, "unknown type " + t.code);
      }
      t.target_types.clear();
      for (const auto& url : t.target_profiles) {
        std::string type;
        if (const Structure* target = set.by_url(url)) type = target->type;
        else if (std::string_view(url).substr(0, kBaseSd.size()) == kBaseSd) type = url.substr(kBaseSd.size());
        else if (strict) return load_error(where, "target profile " + url + " is not loaded");
        else continue;  // the package's own additions (e.g. medplum's Bot): not a type we serve
        if (type == "Resource" || type == "DomainResource") {
          t.target_types.clear();
          break;
        }
        t.target_types.push_back(std::move(type));
      }
    }
    if (!n.content_ref.empty()) {
      std::string_view first = std::string_view(n.content_ref).substr(0, n.content_ref.find('.'));
      const Node* owner = first == s.root.name ? &s.root : nullptr;
      if (!owner)
        if (const Structure* b = set.base_type(first)) owner = &b->root;
      n.content_target = owner ? find_by_path(*owner, n.content_ref) : nullptr;
      if (!n.content_target) return load_error(where, "contentReference #" + n.content_ref + " not found");
    }
    n.expansion = nullptr;
    if (!n.value_set.empty() &&
        (n.binding == BindingStrength::required || n.binding == BindingStrength::extensible)) {
      const ExpandedValueSet* vs = term.expand(n.value_set);
      if (!vs && strict && !term.has_value_set(n.value_set))
        return load_error(where, "ValueSet " + n.value_set + " is not loaded");
      if (vs && vs->complete()) n.expansion = vs;
    }
    // Invariants of the element's type run with the type; do not run them twice.
    if (n.types.size() == 1 && n.types[0].type_def) {
      const auto& type_inv = n.types[0].type_def->root.invariants;
      std::erase_if(n.invariants, [&](const InvariantRef& r) {
        return std::find(type_inv.begin(), type_inv.end(), r) != type_inv.end();
      });
    }
    bool is_resource_root = &n == &s.root && s.kind == "resource";
    for (auto& c : n.children)
      if (auto st = run(c, is_resource_root, depth + 1); !st) return st;
    for (auto& sl : n.slices) {
      if (auto st = run(sl, resource_child, depth + 1); !st) return st;
      if (auto st = discriminator_values(n, sl, where); !st) return st;
    }
    return {};
  }

  // What each discriminator path must hold for an item to be in this slice.
  Status discriminator_values(const Node& sliced, Node& slice, const std::string& where) {
    slice.discriminator_values.clear();
    for (const auto& d : sliced.discriminators) {
      std::shared_ptr<const json::Document> value;
      if (d.kind == Discriminator::Kind::exists) {
        slice.discriminator_values.push_back(nullptr);
        continue;
      }
      if (d.path == "$this") {
        value = slice.fixed ? slice.fixed : slice.pattern;
      } else {
        const Node* cur = &slice;
        for (auto seg : split(d.path, '.')) {
          const Node* next = nullptr;
          const auto& kids = !cur->children.empty() ? cur->children
                           : (cur->types.size() == 1 && cur->types[0].type_def) ? cur->types[0].type_def->root.children
                                                                                 : cur->children;
          for (const auto& k : kids)
            if (k.name == seg) next = &k;
          cur = next;
          if (!cur) break;
        }
        if (cur) value = cur->fixed ? cur->fixed : cur->pattern;
        // Extension slices are told apart by their definition's url.
        if (!value && d.path == "url" && slice.types.size() == 1 && !slice.types[0].profiles.empty()) {
          auto doc = std::make_shared<json::Document>();
          doc->SetString(slice.types[0].profiles[0].c_str(),
                         static_cast<rapidjson::SizeType>(slice.types[0].profiles[0].size()), doc->GetAllocator());
          value = std::move(doc);
        }
      }
      if (!value)
        return load_error(where, "slice '" + slice.slice_name + "' does not fix discriminator " + d.path);
      slice.discriminator_values.push_back(std::move(value));
    }
    return {};
  }
};

size_t count_nodes(const Node& n) {
  size_t c = 1;
  for (const auto& k : n.children) c += count_nodes(k);
  for (const auto& k : n.slices) c += count_nodes(k);
  return c;
}

}  // namespace

Status finalize_structure(Structure& s, const StructureSet& set, Terminology& terminology) {
  Finalizer f{s, set, terminology};
  return f.run(s.root, false, 0);
}

// ---------------------------------------------------------------- the set

const Structure* StructureSet::by_url(std::string_view url) const {
  auto it = by_url_.find(std::string(strip_version(url)));
  return it == by_url_.end() ? nullptr : it->second.get();
}

const Structure* StructureSet::base_type(std::string_view type_name) const {
  auto it = base_by_type_.find(std::string(type_name));
  return it == base_by_type_.end() ? nullptr : it->second;
}

const Structure* StructureSet::extension(std::string_view url) const {
  auto it = extensions_.find(std::string(url));
  return it == extensions_.end() ? nullptr : it->second;
}

bool StructureSet::is_resource_type(std::string_view type_name) const {
  const Structure* s = base_type(type_name);
  return s && s->kind == "resource" && !s->is_abstract;
}

Status StructureSet::add(std::unique_ptr<Structure> s) {
  if (by_url_.count(s->url)) return load_error(s->url, "defined twice");
  Structure* raw = s.get();
  if (!raw->is_profile) base_by_type_[raw->type] = raw;
  else if (raw->type == "Extension") extensions_[raw->url] = raw;
  by_url_[raw->url] = std::move(s);
  pending_.push_back(raw);
  return {};
}

Status StructureSet::finalize(Terminology& terminology) {
  for (Structure* s : pending_)
    if (auto st = finalize_structure(*s, *this, terminology); !st) return st;
  pending_.clear();
  return {};
}

size_t StructureSet::node_count() const {
  size_t n = 0;
  for (const auto& [url, s] : by_url_) n += count_nodes(s->root);
  return n;
}

}  // namespace fhirgw::validation
