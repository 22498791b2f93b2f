#pragma once
// Backend-neutral parts of a resource write: the governance columns derived
// from the resource, meta stamping, and the "same content" test that makes an
// identical update a no-op. Every store backend derives these the same way.
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/resource_model.hpp"
#include "core/result.hpp"
#include "search/indexer.hpp"

namespace fhirgw::store {

struct Governance {
  std::string controller, patient_id, author_org;
  bool confidential = false;
};

// controller / author-organisation tags, confidentiality (R, V) and the
// compartment patient (the Patient itself, or its patient reference).
Governance derive_governance(const model::ResourceType& rt, const std::string& id, const json::Value& doc,
                             const std::vector<search::IndexEntry>& entries);

// True when the stored JSON and the incoming resource differ only in
// meta.versionId / meta.lastUpdated (which belong to the store).
Result<bool> same_content(const std::string& current_json, const json::Value& incoming);

// Sets meta.versionId and meta.lastUpdated.
void stamp_meta(json::Document& doc, int64_t version, int64_t now_ms);

// The resource's meta.tag array, created (with meta) when absent or not an array.
json::Value& meta_tags(json::Value& resource, json::Allocator& a);

}  // namespace fhirgw::store
