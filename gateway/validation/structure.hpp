#pragma once
// The compiled form of StructureDefinitions: one tree of element nodes per
// type or profile, built once at load (base snapshots as they are, profiles
// by applying their differential onto a copy of the base), so validation is
// a walk over small vectors with no lookups by path string.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/result.hpp"
#include "validation/primitive_format.hpp"

namespace fhirgw::validation {

class ExpandedValueSet;
class Terminology;
struct Structure;

inline constexpr uint32_t kUnbounded = UINT32_MAX;

struct TypeRef {
  std::string code;                          // FHIR type: "string", "CodeableConcept", "Reference"
  std::string json_suffix;                   // "CodeableConcept": value[x] -> valueCodeableConcept
  std::vector<std::string> target_profiles;  // Reference targets as given (canonical URLs)
  std::vector<std::string> profiles;         // type profiles, e.g. an Extension definition's URL
  // Resolved by finalize():
  Primitive primitive = Primitive::none;
  const Structure* type_def = nullptr;    // definition of a complex type (profile if one is named)
  std::vector<std::string> target_types;  // resource type names allowed; empty = any
};

enum class BindingStrength { none, required, extensible, preferred, example };

struct InvariantRef {
  uint16_t index = 0;  // into invariants()
  Severity severity = Severity::error;
  bool operator==(const InvariantRef&) const = default;
};

struct Discriminator {
  enum class Kind { value, pattern, exists, type, profile };
  Kind kind = Kind::value;
  std::string path;  // dotted, "$this" for the item itself
};

struct Node {
  std::string name;           // JSON member name, or "value[x]" for a choice
  std::string choice_prefix;  // "value" when name is "value[x]"
  std::string slice_name;     // set on slice nodes only
  std::string path;           // element path in its defining structure ("Patient.identifier")
  uint32_t min = 0;
  uint32_t max = kUnbounded;
  bool repeats = false;  // a JSON array (the base element repeats, whatever the profile says)
  std::vector<TypeRef> types;
  std::vector<Node> children;  // backbone elements, or a type unfolded by a profile
  std::string content_ref;     // "Questionnaire.item" (contentReference without '#')
  const Node* content_target = nullptr;
  std::shared_ptr<const json::Document> fixed;
  std::shared_ptr<const json::Document> pattern;
  BindingStrength binding = BindingStrength::none;
  std::string value_set;
  const ExpandedValueSet* expansion = nullptr;  // resolved when the ValueSet can be enumerated
  std::vector<InvariantRef> invariants;
  bool constrained = false;  // touched by a differential: its references must resolve
  // Slicing (on the sliced element):
  bool sliced = false;
  bool slicing_closed = false;
  std::vector<Discriminator> discriminators;
  std::vector<Node> slices;
  // On a slice: the value each of the parent's discriminators must have.
  std::vector<std::shared_ptr<const json::Document>> discriminator_values;
};

struct Structure {
  std::string url;
  std::string name;
  std::string type;       // the type constrained: "Patient", "Extension"
  std::string kind;       // resource | complex-type | primitive-type | logical
  std::string base_url;   // baseDefinition
  bool is_profile = false;
  bool is_abstract = false;
  bool strict = false;  // compiled from a differential: unresolved references are errors
  Node root;
};

// All structures, indexed by canonical URL and (for base definitions) by type.
class StructureSet {
 public:
  const Structure* by_url(std::string_view url) const;
  const Structure* base_type(std::string_view type_name) const;
  // A profile on Extension with this URL, if one is loaded.
  const Structure* extension(std::string_view url) const;
  bool is_resource_type(std::string_view type_name) const;

  // Adds a compiled structure; fails if its URL is already present.
  Status add(std::unique_ptr<Structure> s);
  // Resolves types, content references, bindings, invariants and slice
  // discriminators of every structure not yet finalised.
  Status finalize(Terminology& terminology);
  size_t size() const { return by_url_.size(); }
  size_t node_count() const;

 private:
  std::unordered_map<std::string, std::unique_ptr<Structure>> by_url_;
  std::unordered_map<std::string, Structure*> base_by_type_;
  std::unordered_map<std::string, Structure*> extensions_;
  std::vector<Structure*> pending_;
};

// Compiles a base definition from its snapshot.
Result<std::unique_ptr<Structure>> build_from_snapshot(const json::Value& structure_definition);

// Compiles a profile: its differential applied onto a copy of its base
// (baseDefinition, which must already be in `set`). Arbitrary input yields
// an Error, never a crash.
Result<std::unique_ptr<Structure>> apply_differential(const json::Value& structure_definition,
                                                      const StructureSet& set);

// Resolves one structure against the set (what StructureSet::finalize does for each).
Status finalize_structure(Structure& s, const StructureSet& set, Terminology& terminology);

}  // namespace fhirgw::validation
