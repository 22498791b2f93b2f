#include "app/version_facts_cache.hpp"

#include <algorithm>

namespace fhirgw::app {

std::shared_ptr<const std::string> VersionEntry::redacted(const std::vector<std::string>& hidden) const {
  std::lock_guard lock(mu_);
  for (const auto& [fields, text] : redacted_)
    if (fields == hidden) return text;
  return nullptr;
}

void VersionEntry::keep_redacted(const std::vector<std::string>& hidden, std::shared_ptr<const std::string> text) {
  std::lock_guard lock(mu_);
  for (const auto& r : redacted_)
    if (r.first == hidden) return;
  if (redacted_.size() < kRedactions) redacted_.emplace_back(hidden, std::move(text));
}

bool VersionEntry::KeptDecision::matches(const ReadContext& c) const {
  const Caller& who = *c.caller;
  return generation == c.generation && slot == c.slot && interaction == c.interaction &&
         scope_allows == c.scope_allows && caller.authenticated == who.authenticated && caller.kind == who.kind &&
         caller.client_id == who.client_id && caller.organisation == who.organisation &&
         caller.purpose == who.purpose && caller.roles == who.roles;
}

std::optional<rest::AccessDecision> VersionEntry::decision(const ReadContext& context) const {
  std::lock_guard lock(mu_);
  for (const auto& d : decisions_)
    if (d.matches(context)) return d.decision;
  return std::nullopt;
}

void VersionEntry::keep_decision(const ReadContext& context, rest::AccessDecision decision) {
  KeptDecision kept{context.generation, context.slot, *context.caller, context.interaction, context.scope_allows,
                    std::move(decision)};
  kept.caller.scopes.clear();
  kept.caller.token_id.clear();
  std::lock_guard lock(mu_);
  for (auto& d : decisions_)
    if (d.matches(context) || d.generation != context.generation) {
      d = std::move(kept);
      return;
    }
  if (decisions_.size() < kDecisions) {
    decisions_.push_back(std::move(kept));
  } else {
    decisions_[next_replaced_] = std::move(kept);
    next_replaced_ = (next_replaced_ + 1) % kDecisions;
  }
}

VersionFactsCache::VersionFactsCache(size_t capacity) : per_shard_(std::max<size_t>(1, capacity / kShards)) {}

std::string VersionFactsCache::key(const store::Record& r) {
  if (r.deleted || r.version <= 0) return {};
  std::string k;
  k.reserve(r.type.size() + r.id.size() + r.controller.size() + r.patient_id.size() + r.author_org.size() + 96);
  k.append(r.type).append("/").append(r.id).append("/");
  k.append(std::to_string(r.version)).append("/").append(std::to_string(r.row)).append("/");
  k.append(std::to_string(r.last_updated_ms)).append("/");
  k.append(std::to_string(std::hash<std::string>{}(r.json))).append("/").append(std::to_string(r.json.size()));
  // The columns fill in what the text lacks (facts_of): part of the key too.
  k.append("\n").append(r.controller).append("\n").append(r.patient_id).append("\n").append(r.author_org);
  k.append(r.confidential ? "\nC" : "\n-");
  return k;
}

std::shared_ptr<VersionEntry> VersionFactsCache::find(const std::string& k) {
  if (k.empty()) return nullptr;
  Shard& sh = shard_of(k);
  std::lock_guard lock(sh.mu);
  auto it = sh.versions.find(k);
  return it == sh.versions.end() ? nullptr : it->second;
}

std::shared_ptr<VersionEntry> VersionFactsCache::keep(const std::string& k,
                                                      std::shared_ptr<const policy::ResourceFacts> facts) {
  auto entry = std::make_shared<VersionEntry>(std::move(facts));
  if (k.empty()) return entry;
  Shard& sh = shard_of(k);
  std::lock_guard lock(sh.mu);
  if (sh.versions.size() >= per_shard_) sh.versions.clear();
  sh.versions.insert_or_assign(k, entry);
  return entry;
}

}  // namespace fhirgw::app
