#pragma once
// ValueSets and CodeSystems the validator needs for bindings: expands
// compose.include/exclude concept lists, whole-CodeSystem includes (from the
// CodeSystems loaded) and nested ValueSets, into sorted tables so membership
// tests are a binary search with no allocation.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/json.hpp"

namespace fhirgw::validation {

class ExpandedValueSet {
 public:
  // False when the ValueSet could not be enumerated (filters, external code
  // systems such as SNOMED CT without a concept list): bindings to it are not checked.
  bool complete() const { return complete_; }
  bool contains(std::string_view system, std::string_view code) const;
  bool contains_code(std::string_view code) const;  // any system (for `code` elements)
  bool has_system(std::string_view system) const;
  size_t size() const { return entries_.size(); }

 private:
  friend class Terminology;
  bool complete_ = true;
  std::vector<std::pair<std::string, std::string>> entries_;  // (system, code), sorted
  std::vector<std::string> codes_;                              // sorted, unique
  std::vector<std::string> systems_;                            // sorted, unique
};

class Terminology {
 public:
  // Takes a ValueSet or CodeSystem resource; other resources are ignored.
  // The JSON is copied: only url, content and concept lists are kept.
  void add(const json::Value& resource);
  // Expands (and memoises) a ValueSet by canonical URL ("|version" ignored);
  // nullptr when unknown. Not thread-safe: call during load only.
  const ExpandedValueSet* expand(std::string_view url);
  // Already-expanded ValueSet; safe for concurrent readers after load.
  const ExpandedValueSet* find(std::string_view url) const;
  bool has_value_set(std::string_view url) const;
  size_t expanded_count() const { return expanded_.size(); }

 private:
  struct CodeSystemCodes {
    bool complete = false;
    std::vector<std::string> codes;
  };
  std::unordered_map<std::string, CodeSystemCodes> code_systems_;
  std::unordered_map<std::string, std::shared_ptr<json::Document>> value_sets_;  // compose only
  std::unordered_map<std::string, std::unique_ptr<ExpandedValueSet>> expanded_;
  std::vector<std::string> expanding_;  // cycle guard
};

std::string_view strip_version(std::string_view canonical);

}  // namespace fhirgw::validation
