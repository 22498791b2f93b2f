#pragma once
// Profile validation driven by StructureDefinitions: the official R4 base
// definitions (fhir-profiles/base) and the gateway's profiles, ValueSets and
// Questionnaires (fhir-profiles/*). Nothing here knows a resource type by
// name: every rule comes from those files, plus the named invariants of
// validation/invariants.hpp that profiles reference by key.
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/result.hpp"

namespace fhirgw::validation {

class StructureSet;

// Finds a Questionnaire by canonical URL ("url" or "url|version"); nullptr if unknown.
using QuestionnaireLookup =
    std::function<std::shared_ptr<const json::Document>(std::string_view canonical)>;

struct LoadStats {
  size_t structures = 0;   // compiled StructureDefinitions (base + profiles)
  size_t elements = 0;     // element nodes in all compiled tables
  size_t value_sets = 0;   // ValueSets expanded for bindings
  double load_ms = 0;      // wall time of Validator::load
};

class Validator {
 public:
  // Loads base definitions from <profiles_root>/base and the gateway's own
  // files from <profiles_root>/{profiles,valuesets,questionnaires}. Fails if
  // any of our files is malformed, names an unknown invariant or ValueSet, or
  // a resource_model profile URL is missing.
  static Result<std::unique_ptr<Validator>> load(const std::filesystem::path& profiles_root);
  ~Validator();

  // Validates against profile_url, or by default the type's gateway profile
  // from resource_model (else its R4 base definition). A QuestionnaireResponse
  // is also checked against its Questionnaire: found through `questionnaires`
  // if given, else among the Questionnaires shipped in fhir-profiles.
  // Safe to call concurrently.
  std::vector<Issue> validate(const json::Value& resource, std::string_view profile_url = {},
                              const QuestionnaireLookup* questionnaires = nullptr) const;
  // The same, as a Status: an Error (HTTP 422) holding every issue if any is an error.
  Status validate_or_error(const json::Value& resource, std::string_view profile_url = {},
                           const QuestionnaireLookup* questionnaires = nullptr) const;
  // Against the R4 base definition of the resource's type only.
  std::vector<Issue> validate_base(const json::Value& resource) const;

  // The Questionnaires shipped in fhir-profiles/questionnaires, by canonical URL.
  std::shared_ptr<const json::Document> builtin_questionnaire(std::string_view canonical) const;
  bool has_profile(std::string_view url) const;
  const LoadStats& stats() const { return stats_; }
  const StructureSet& structures() const;

  struct Impl;  // opaque: the compiled tables

 private:
  Validator();
  std::unique_ptr<Impl> impl_;
  LoadStats stats_;
};

// True if any issue is an error or fatal.
bool has_errors(const std::vector<Issue>& issues);

}  // namespace fhirgw::validation
