#include "validation/validator.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "core/resource_model.hpp"
#include "validation/invariants.hpp"
#include "validation/questionnaire_check.hpp"
#include "validation/structure.hpp"
#include "validation/terminology.hpp"

namespace fhirgw::validation {

namespace fs = std::filesystem;

struct Validator::Impl {
  StructureSet structures;
  Terminology terminology;
  std::unordered_map<std::string, std::shared_ptr<const json::Document>> questionnaires;
  const Structure* element = nullptr;    // Element: what a primitive's "_name" sibling holds
  const Structure* extension = nullptr;  // base Extension
};

namespace {

std::string_view sv(const json::Value& v) { return {v.GetString(), v.GetStringLength()}; }

bool valid_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  return true;
}

// The resource type a literal reference points at ("Patient/1",
// "https://x/fhir/Patient/1/_history/2"); empty if it is not of that form.
std::string_view reference_type(std::string_view ref) {
  if (auto h = ref.find("/_history/"); h != std::string_view::npos) ref = ref.substr(0, h);
  auto slash = ref.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return {};
  std::string_view id = ref.substr(slash + 1);
  std::string_view head = ref.substr(0, slash);
  std::string_view type = head.substr(head.rfind('/') + 1);  // npos + 1 == 0
  if (!valid_id(id) || type.empty() || type[0] < 'A' || type[0] > 'Z') return {};
  for (char c : type)
    if (!std::isalpha(static_cast<unsigned char>(c))) return {};
  return type;
}

bool pattern_matches(const json::Value& inst, const json::Value& pat) {
  if (pat.IsObject()) {
    if (!inst.IsObject()) return false;
    for (const auto& m : pat.GetObject()) {
      auto it = inst.FindMember(m.name);
      if (it == inst.MemberEnd() || !pattern_matches(it->value, m.value)) return false;
    }
    return true;
  }
  if (pat.IsArray()) {
    if (!inst.IsArray()) return false;
    for (const auto& p : pat.GetArray()) {
      bool found = false;
      for (const auto& i : inst.GetArray())
        if (pattern_matches(i, p)) { found = true; break; }
      if (!found) return false;
    }
    return true;
  }
  return inst == pat;
}

const json::Value* at_path(const json::Value& item, std::string_view path) {
  if (path == "$this") return &item;
  return json::get_path(item, path);
}

std::string max_text(uint32_t max) { return max == kUnbounded ? "*" : std::to_string(max); }

// One validation run: the issues found and the path of the element being checked.
class Walk {
 public:
  Walk(const Validator::Impl& impl, std::vector<Issue>& out) : v_(impl), out_(out) { path_.reserve(128); }

  void resource(const json::Value& r, const Structure& s, std::string_view root_path) {
    path_.assign(root_path);
    resource_ = &r;
    check_resource(r, s);
  }

 private:
  struct Match {
    int index = -1;
    const TypeRef* type = nullptr;
  };

  void add(Severity s, const char* code, std::string msg) { out_.push_back({s, code, std::move(msg), path_}); }
  void add_member(Severity s, const char* code, std::string msg, std::string_view member) {
    std::string p = path_;
    p += '.';
    p += member;
    out_.push_back({s, code, std::move(msg), std::move(p)});
  }
  void push_member(std::string_view name) {
    path_ += '.';
    path_ += name;
  }
  void push_index(size_t i) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, i);
    path_ += '[';
    path_.append(buf, r.ptr);
    path_ += ']';
  }

  static Match match(const std::vector<Node>& kids, std::string_view name) {
    for (size_t i = 0; i < kids.size(); ++i) {
      const Node& k = kids[i];
      if (k.choice_prefix.empty()) {
        if (k.name == name) return {static_cast<int>(i), k.types.size() == 1 ? &k.types[0] : nullptr};
      } else if (name.size() > k.choice_prefix.size() && name.substr(0, k.choice_prefix.size()) == k.choice_prefix) {
        std::string_view suffix = name.substr(k.choice_prefix.size());
        for (const auto& t : k.types)
          if (t.json_suffix == suffix) return {static_cast<int>(i), &t};
      }
    }
    return {};
  }

  // The same type on a slice node (slices may name a profile for it).
  static const TypeRef* type_on(const Node& n, const TypeRef* t) {
    if (!t) return n.types.size() == 1 ? &n.types[0] : nullptr;
    for (const auto& x : n.types)
      if (&x == t || x.code == t->code) return &x;
    return t;
  }

  const std::vector<Node>& kids_of(const Node& n, const TypeRef* t) const {
    static const std::vector<Node> none;
    if (!n.children.empty()) return n.children;
    if (n.content_target) return n.content_target->children;
    if (t && t->type_def) return t->type_def->root.children;
    return none;
  }

  void check_resource(const json::Value& r, const Structure& s) {
    if (!r.IsObject()) return add(Severity::error, "structure", "a resource must be a JSON object");
    auto rt = json::get_string(r, "resourceType");
    if (!rt) return add(Severity::error, "structure", "resourceType is missing");
    if (*rt != s.type)
      return add(Severity::error, "invalid", "resourceType " + std::string(*rt) + " does not match " + s.type);
    children(r, s.root.children, true);
    run_invariants(s.root.invariants, r);
  }

  void children(const json::Value& obj, const std::vector<Node>& kids, bool resource_root) {
    uint32_t small[64];
    std::vector<uint32_t> big;
    uint32_t* counts = small;
    if (kids.size() > 64) {
      big.resize(kids.size());
      counts = big.data();
    }
    std::fill(counts, counts + kids.size(), 0u);

    for (const auto& m : obj.GetObject()) {
      std::string_view name = sv(m.name);
      if (resource_root && name == "resourceType") continue;
      bool underscore = !name.empty() && name[0] == '_';
      std::string_view base = underscore ? name.substr(1) : name;
      Match mt = match(kids, base);
      if (mt.index < 0) {
        add_member(Severity::error, "structure", "unknown element '" + std::string(name) + "'", name);
        continue;
      }
      const Node& c = kids[mt.index];
      if (underscore) {
        primitive_extension(obj, m.value, c, mt.type, base, counts[mt.index]);
        continue;
      }
      size_t mark = path_.size();
      push_member(name);
      if (c.repeats) {
        counts[mt.index] += array_member(obj, m.value, c, mt.type, name);
      } else if (m.value.IsArray()) {
        add(Severity::error, "structure", "'" + std::string(name) + "' is a single value, not a JSON array");
      } else if (m.value.IsNull()) {
        add(Severity::error, "structure", "'" + std::string(name) + "' is null; omit absent elements");
      } else {
        value(m.value, c, mt.type);
        ++counts[mt.index];
      }
      path_.resize(mark);
    }

    for (size_t i = 0; i < kids.size(); ++i) {
      const Node& k = kids[i];
      if (counts[i] < k.min)
        add_member(Severity::error, "required",
                   "'" + k.name + "' is required: minimum cardinality " + std::to_string(k.min) + ", found " +
                       std::to_string(counts[i]),
                   k.name);
      else if (counts[i] > k.max)
        add_member(Severity::error, "structure",
                   "'" + k.name + "' allows at most " + max_text(k.max) + ", found " + std::to_string(counts[i]), k.name);
      if (counts[i] == 0)
        for (const auto& s : k.slices)
          if (s.min > 0)
            add_member(Severity::error, "required",
                       "slice '" + s.slice_name + "' of '" + k.name + "' is required (minimum " + std::to_string(s.min) + ")",
                       k.name);
    }
  }

  // A repeating element: its items, their slices and the slices' cardinality.
  uint32_t array_member(const json::Value& obj, const json::Value& arr, const Node& c, const TypeRef* t,
                        std::string_view name) {
    if (!arr.IsArray()) {
      add(Severity::error, "structure", "'" + std::string(name) + "' repeats: it must be a JSON array");
      return 1;
    }
    if (arr.Empty()) add(Severity::error, "structure", "'" + std::string(name) + "' is an empty array; omit it instead");
    uint32_t slice_small[16] = {};
    std::vector<uint32_t> slice_big;
    uint32_t* slice_counts = slice_small;
    if (c.slices.size() > 16) {
      slice_big.resize(c.slices.size());
      slice_counts = slice_big.data();
    }
    bool has_ext_sibling = false;
    if (t && t->primitive != Primitive::none) {
      std::string ext = "_" + std::string(name);
      has_ext_sibling = json::get(obj, ext) != nullptr;
    }
    size_t mark = path_.size();
    for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
      push_index(i);
      const json::Value& item = arr[i];
      if (item.IsNull()) {
        if (!has_ext_sibling) add(Severity::error, "structure", "null array item without a '_" + std::string(name) + "' extension");
      } else {
        const Node* target = &c;
        if (c.sliced) {
          int s = find_slice(c, item);
          if (s >= 0) {
            target = &c.slices[s];
            ++slice_counts[s];
          } else if (c.slicing_closed) {
            add(Severity::error, "structure", "item matches none of the slices of closed '" + std::string(name) + "'");
          }
        }
        value(item, *target, type_on(*target, t));
      }
      path_.resize(mark);
    }
    for (size_t s = 0; s < c.slices.size(); ++s) {
      const Node& sl = c.slices[s];
      if (slice_counts[s] < sl.min)
        add(Severity::error, "required",
            "slice '" + sl.slice_name + "' requires at least " + std::to_string(sl.min) + ", found " + std::to_string(slice_counts[s]));
      else if (slice_counts[s] > sl.max)
        add(Severity::error, "structure",
            "slice '" + sl.slice_name + "' allows at most " + max_text(sl.max) + ", found " + std::to_string(slice_counts[s]));
    }
    return arr.Size();
  }

  int find_slice(const Node& c, const json::Value& item) const {
    for (size_t s = 0; s < c.slices.size(); ++s) {
      const Node& sl = c.slices[s];
      bool ok = true;
      for (size_t d = 0; d < c.discriminators.size() && ok; ++d) {
        if (c.discriminators[d].kind == Discriminator::Kind::exists) continue;
        if (d >= sl.discriminator_values.size() || !sl.discriminator_values[d]) { ok = false; break; }
        const json::Value* at = at_path(item, c.discriminators[d].path);
        const json::Value& want = *sl.discriminator_values[d];
        ok = at && (c.discriminators[d].kind == Discriminator::Kind::pattern ? pattern_matches(*at, want) : *at == want);
      }
      if (ok) return static_cast<int>(s);
    }
    return -1;
  }

  // "_name": the id and extensions of a primitive (an object, or an array aligned with the values).
  void primitive_extension(const json::Value& obj, const json::Value& ext, const Node& c, const TypeRef* t,
                           std::string_view base, uint32_t& count) {
    size_t mark = path_.size();
    push_member(base);
    if (!t || t->primitive == Primitive::none) {
      add(Severity::error, "structure", "'_" + std::string(base) + "' is only allowed beside a primitive element");
    } else if (c.repeats) {
      if (!ext.IsArray()) {
        add(Severity::error, "structure", "'_" + std::string(base) + "' must be an array aligned with '" + std::string(base) + "'");
      } else {
        for (rapidjson::SizeType i = 0; i < ext.Size(); ++i) {
          size_t m2 = path_.size();
          push_index(i);
          if (ext[i].IsObject()) element_extension(ext[i]);
          else if (!ext[i].IsNull()) add(Severity::error, "structure", "items of '_" + std::string(base) + "' are objects or null");
          path_.resize(m2);
        }
        if (!json::get(obj, base)) count += ext.Size();
      }
    } else if (!ext.IsObject()) {
      add(Severity::error, "structure", "'_" + std::string(base) + "' must be a JSON object");
    } else {
      element_extension(ext);
      if (!json::get(obj, base)) ++count;
    }
    path_.resize(mark);
  }

  void element_extension(const json::Value& e) {
    if (e.ObjectEmpty()) return add(Severity::error, "invalid", "ele-1: All FHIR elements must have a @value or children");
    children(e, v_.element->root.children, false);
  }

  void value(const json::Value& v, const Node& n, const TypeRef* t) {
    if (t && t->primitive != Primitive::none) return primitive(v, n, *t);
    if (!v.IsObject()) return add(Severity::error, "structure", "expected a JSON object" + (t ? " (" + t->code + ")" : std::string()));
    if (v.ObjectEmpty()) return add(Severity::error, "invalid", "ele-1: All FHIR elements must have a @value or children");
    if (t && t->type_def && t->type_def->kind == "resource") return contained(v);

    const std::vector<Node>* kids = &kids_of(n, t);
    const Structure* ext_def = nullptr;
    if (t && t->code == "Extension" && n.children.empty() && t->type_def == v_.extension) {
      // An extension we define is validated against its definition wherever it appears.
      if (auto url = json::get_string(v, "url"))
        if ((ext_def = v_.structures.extension(*url))) kids = &ext_def->root.children;
    }
    children(v, *kids, false);
    if (n.fixed && v != *n.fixed) add(Severity::error, "value", "value must be exactly " + json::to_string(*n.fixed));
    if (n.pattern && !pattern_matches(v, *n.pattern))
      add(Severity::error, "value", "value must match the pattern " + json::to_string(*n.pattern));
    if (t && n.expansion) binding(v, n, *t);
    if (t && t->code == "Reference") reference(v, *t);
    run_invariants(n.invariants, v);
    if (t && t->type_def) run_invariants(t->type_def->root.invariants, v);
    if (ext_def) run_invariants(ext_def->root.invariants, v);
  }

  void primitive(const json::Value& v, const Node& n, const TypeRef& t) {
    if (auto bad = check_primitive(t.primitive, v)) {
      std::string shown = v.IsString() ? "'" + std::string(sv(v)) + "'" : json::to_string(v);
      if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
      return add(Severity::error, "value", "invalid " + t.code + " " + shown + ": " + *bad);
    }
    if (n.fixed && v != *n.fixed) add(Severity::error, "value", "value must be exactly " + json::to_string(*n.fixed));
    if (n.pattern && v != *n.pattern) add(Severity::error, "value", "value must be " + json::to_string(*n.pattern));
    if (n.expansion && t.primitive == Primitive::code && !n.expansion->contains_code(sv(v))) {
      bool required = n.binding == BindingStrength::required;
      add(required ? Severity::error : Severity::warning, "code-invalid",
          "code '" + std::string(sv(v)) + "' is not in the " + (required ? "required" : "extensible") +
              " ValueSet " + n.value_set);
    }
  }

  void contained(const json::Value& r) {
    auto rt = json::get_string(r, "resourceType");
    const Structure* s = rt ? v_.structures.base_type(*rt) : nullptr;
    if (!s || s->kind != "resource" || s->is_abstract)
      return add(Severity::error, "structure", rt ? "unknown resource type " + std::string(*rt) : "resourceType is missing");
    check_resource(r, *s);
  }

  void binding(const json::Value& v, const Node& n, const TypeRef& t) {
    const ExpandedValueSet& vs = *n.expansion;
    bool required = n.binding == BindingStrength::required;
    auto in_set = [&](const json::Value& c) {
      auto system = json::get_string(c, "system");
      auto code = json::get_string(c, "code");
      return system && code && vs.contains(*system, *code);
    };
    bool ok = false, known_system = false;
    if (t.code == "Coding") {
      ok = in_set(v);
      auto system = json::get_string(v, "system");
      known_system = system && vs.has_system(*system);
    } else if (t.code == "CodeableConcept") {
      if (const auto* codings = json::get(v, "coding"); codings && codings->IsArray())
        for (const auto& c : codings->GetArray()) {
          ok = ok || in_set(c);
          auto system = json::get_string(c, "system");
          known_system = known_system || (system && vs.has_system(*system));
        }
    } else {
      return;  // Quantity, string, uri bindings are not checked
    }
    if (ok) return;
    if (required)
      add(Severity::error, "code-invalid", "no coding from the required ValueSet " + n.value_set);
    else if (known_system)
      add(Severity::warning, "code-invalid", "code is not in the extensible ValueSet " + n.value_set);
  }

  void reference(const json::Value& v, const TypeRef& t) {
    std::string_view type;
    if (auto ref = json::get_string(v, "reference")) {
      if (!ref->empty() && (*ref)[0] == '#') {
        type = contained_type(ref->substr(1));
        if (type.empty() && ref->size() > 1) {
          add_member(Severity::error, "invalid", "no contained resource with id '" + std::string(ref->substr(1)) + "'", "reference");
          return;
        }
      } else if (ref->substr(0, 9) == "urn:uuid:" || ref->substr(0, 8) == "urn:oid:") {
        // bundle-local: the target's type is not knowable here
      } else {
        type = reference_type(*ref);
        if (type.empty() || !v_.structures.is_resource_type(type)) {
          add_member(Severity::error, "invalid", "'" + std::string(*ref) + "' is not a valid reference ([type]/[id])", "reference");
          return;
        }
      }
      if (!type.empty() && !allowed(t, type))
        add_member(Severity::error, "invalid", "a reference to " + std::string(type) + " is not allowed here (" + targets(t) + ")",
                   "reference");
    }
    if (auto declared = json::get_string(v, "type"); declared && !allowed(t, *declared))
      add_member(Severity::error, "invalid", "reference type " + std::string(*declared) + " is not allowed here (" + targets(t) + ")",
                 "type");
  }

  static bool allowed(const TypeRef& t, std::string_view type) {
    if (t.target_types.empty()) return true;
    return std::find(t.target_types.begin(), t.target_types.end(), type) != t.target_types.end();
  }

  static std::string targets(const TypeRef& t) {
    std::string s = "allowed: ";
    for (size_t i = 0; i < t.target_types.size(); ++i) s += (i ? ", " : "") + t.target_types[i];
    return s;
  }

  std::string_view contained_type(std::string_view id) const {
    const json::Value* list = resource_ ? json::get(*resource_, "contained") : nullptr;
    if (id.empty() || !list || !list->IsArray()) return {};
    for (const auto& c : list->GetArray())
      if (json::get_string(c, "id") == id)
        if (auto rt = json::get_string(c, "resourceType")) return *rt;
    return {};
  }

  void run_invariants(const std::vector<InvariantRef>& list, const json::Value& v) {
    for (const auto& r : list) {
      const InvariantDef& def = invariants()[r.index];
      InvariantSink sink(out_, path_, def.key, def.human, r.severity);
      def.check(v, *resource_, sink);
    }
  }

  const Validator::Impl& v_;
  std::vector<Issue>& out_;
  std::string path_;
  const json::Value* resource_ = nullptr;
};

Result<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error::internal("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<json::Document> parse_file(const fs::path& p) {
  auto text = read_file(p);
  if (!text) return std::move(text).error();
  auto doc = json::parse(*text);
  if (!doc) return Error::internal(p.string() + ": " + doc.error().message());
  return std::move(doc).value();
}

// Calls f for each resource of a Bundle file (entry[].resource).
template <class F>
Status each_bundle_resource(const fs::path& p, F f) {
  auto text = read_file(p);
  if (!text) return std::move(text).error();
  json::Document doc;
  // Not in situ: values copied out of this document (fixed/pattern values,
  // ValueSet composes) must own their strings, and RapidJSON copies only
  // strings the document itself owns.
  doc.Parse(text->data(), text->size());
  if (doc.HasParseError() || !doc.IsObject()) return Error::internal(p.string() + " is not a JSON object");
  const auto* entries = json::get(doc, "entry");
  if (!entries || !entries->IsArray()) return Error::internal(p.string() + " is not a Bundle");
  for (const auto& e : entries->GetArray())
    if (const auto* r = json::get(e, "resource"); r && r->IsObject())
      if (auto st = f(*r); !st) return st;
  return {};
}

std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Validator::Validator() : impl_(std::make_unique<Impl>()) {}
Validator::~Validator() = default;

Result<std::unique_ptr<Validator>> Validator::load(const fs::path& root) {
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Validator> v(new Validator());
  Impl& impl = *v->impl_;

  auto add_base = [&](const json::Value& r) -> Status {
    if (json::get_string(r, "resourceType") != "StructureDefinition") return {};
    auto kind = json::get_string(r, "kind");
    if (!kind || *kind == "primitive-type" || *kind == "logical") return {};
    auto s = build_from_snapshot(r);
    if (!s) return std::move(s).error();
    return impl.structures.add(std::move(s).value());
  };
  if (auto st = each_bundle_resource(root / "base" / "profiles-types.json", add_base); !st) return std::move(st).error();
  if (auto st = each_bundle_resource(root / "base" / "profiles-resources.json", add_base); !st) return std::move(st).error();
  auto add_term = [&](const json::Value& r) -> Status {
    impl.terminology.add(r);
    return {};
  };
  if (auto st = each_bundle_resource(root / "base" / "valuesets.json", add_term); !st) return std::move(st).error();
  for (const auto& f : json_files(root / "valuesets")) {
    auto doc = parse_file(f);
    if (!doc) return std::move(doc).error();
    impl.terminology.add(*doc);
  }

  // Our profiles, each after its base (extensions before the profiles that use them).
  std::vector<std::pair<fs::path, json::Document>> pending;
  for (const auto& f : json_files(root / "profiles")) {
    auto doc = parse_file(f);
    if (!doc) return std::move(doc).error();
    pending.emplace_back(f, std::move(doc).value());
  }
  std::stable_sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) {
    return (json::get_string(a.second, "type") == "Extension") > (json::get_string(b.second, "type") == "Extension");
  });
  while (!pending.empty()) {
    size_t before = pending.size();
    for (auto it = pending.begin(); it != pending.end();) {
      auto base = json::get_string(it->second, "baseDefinition");
      if (base && !impl.structures.by_url(*base)) { ++it; continue; }
      auto s = apply_differential(it->second, impl.structures);
      if (!s) {
        Error e = std::move(s).error();
        e.issues.front().diagnostics = it->first.filename().string() + ": " + e.issues.front().diagnostics;
        return e;
      }
      if (auto st = impl.structures.add(std::move(s).value()); !st) return std::move(st).error();
      it = pending.erase(it);
    }
    if (pending.size() == before)
      return Error::internal(pending.front().first.filename().string() + ": baseDefinition is not loaded");
  }
  if (auto st = impl.structures.finalize(impl.terminology); !st) return std::move(st).error();
  impl.element = impl.structures.base_type("Element");
  impl.extension = impl.structures.base_type("Extension");
  if (!impl.element || !impl.extension) return Error::internal("base definitions lack Element or Extension");

  for (const auto& t : model::resource_types())
    if (!impl.structures.by_url(t.profile))
      return Error::internal("profile " + std::string(t.profile) + " of " + std::string(t.name) + " is not defined in " + root.string());

  for (const auto& f : json_files(root / "questionnaires")) {
    auto doc = parse_file(f);
    if (!doc) return std::move(doc).error();
    auto url = json::get_string(*doc, "url");
    if (!url) return Error::internal(f.string() + ": Questionnaire without url");
    std::string key(*url);
    impl.questionnaires[key] = std::make_shared<const json::Document>(std::move(doc).value());
  }

  v->stats_.structures = impl.structures.size();
  v->stats_.elements = impl.structures.node_count();
  v->stats_.value_sets = impl.terminology.expanded_count();
  v->stats_.load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return v;
}

std::vector<Issue> Validator::validate(const json::Value& resource, std::string_view profile_url,
                                       const QuestionnaireLookup* questionnaires) const {
  std::vector<Issue> out;
  auto rt = resource.IsObject() ? json::get_string(resource, "resourceType") : std::nullopt;
  const Structure* s = nullptr;
  if (!profile_url.empty()) {
    s = impl_->structures.by_url(profile_url);
    if (!s) {
      out.push_back({Severity::error, "not-supported", "profile " + std::string(profile_url) + " is not known", ""});
      return out;
    }
  } else if (rt) {
    if (const auto* t = model::find_type(*rt)) s = impl_->structures.by_url(t->profile);
    if (!s) s = impl_->structures.base_type(*rt);
  }
  if (!s || s->kind != "resource" || s->is_abstract) {
    if (!resource.IsObject()) out.push_back({Severity::error, "structure", "a resource must be a JSON object", ""});
    else if (!rt) out.push_back({Severity::error, "structure", "resourceType is missing", ""});
    else out.push_back({Severity::error, "not-supported", "unknown resource type " + std::string(*rt), ""});
    return out;
  }
  Walk(*impl_, out).resource(resource, *s, s->type);

  if (s->type == "QuestionnaireResponse" && rt == "QuestionnaireResponse") {
    if (auto canonical = json::get_string(resource, "questionnaire")) {
      std::shared_ptr<const json::Document> q;
      if (questionnaires && *questionnaires) q = (*questionnaires)(*canonical);
      if (!q) q = builtin_questionnaire(*canonical);
      if (q) check_questionnaire_response(resource, *q, out);
      else
        out.push_back({Severity::error, "not-found", "Questionnaire " + std::string(*canonical) + " is not known",
                       "QuestionnaireResponse.questionnaire"});
    }
  }
  return out;
}

Status Validator::validate_or_error(const json::Value& resource, std::string_view profile_url,
                                    const QuestionnaireLookup* questionnaires) const {
  auto issues = validate(resource, profile_url, questionnaires);
  if (!has_errors(issues)) return {};
  Error e;
  e.status = 422;
  // Errors first, so Error::message() names the first real problem.
  std::stable_partition(issues.begin(), issues.end(), [](const Issue& i) {
    return i.severity == Severity::error || i.severity == Severity::fatal;
  });
  e.issues = std::move(issues);
  return e;
}

std::vector<Issue> Validator::validate_base(const json::Value& resource) const {
  std::vector<Issue> out;
  auto rt = resource.IsObject() ? json::get_string(resource, "resourceType") : std::nullopt;
  const Structure* s = rt ? impl_->structures.base_type(*rt) : nullptr;
  if (!s || s->kind != "resource" || s->is_abstract) {
    out.push_back({Severity::error, rt ? "not-supported" : "structure",
                   rt ? "unknown resource type " + std::string(*rt) : "resourceType is missing", ""});
    return out;
  }
  Walk(*impl_, out).resource(resource, *s, s->type);
  return out;
}

std::shared_ptr<const json::Document> Validator::builtin_questionnaire(std::string_view canonical) const {
  auto it = impl_->questionnaires.find(std::string(strip_version(canonical)));
  return it == impl_->questionnaires.end() ? nullptr : it->second;
}

bool Validator::has_profile(std::string_view url) const { return impl_->structures.by_url(url) != nullptr; }

const StructureSet& Validator::structures() const { return impl_->structures; }

bool has_errors(const std::vector<Issue>& issues) {
  return std::any_of(issues.begin(), issues.end(),
                     [](const Issue& i) { return i.severity == Severity::error || i.severity == Severity::fatal; });
}

}  // namespace fhirgw::validation
