#include "store/audit_chain.hpp"

#include "core/ids.hpp"
#include "core/json.hpp"

namespace fhirgw::store {

std::string audit_link_hash(const std::string& prev_hash, const std::string& json) {
  return ids::sha256_hex(prev_hash + "\n" + json);
}

Status rechain(std::vector<AuditRow>& rows, int64_t last_seq, std::string last_hash) {
  for (auto& r : rows) {
    r.seq = ++last_seq;
    auto doc = json::parse(r.json);
    if (!doc) return std::move(doc).error();
    if (doc->IsObject() && doc->HasMember("id")) json::set_string(*doc, "id", std::to_string(r.seq), doc->GetAllocator());
    r.json = json::to_string(*doc);
    r.prev_hash = last_hash;
    r.hash = audit_link_hash(r.prev_hash, r.json);
    last_hash = r.hash;
  }
  return {};
}

Status attach_to_chain(std::vector<AuditRow>& rows, int64_t last_seq, const std::string& last_hash) {
  if (rows.empty() || (rows.front().seq == last_seq + 1 && rows.front().prev_hash == last_hash)) return {};
  return rechain(rows, last_seq, last_hash);
}

}  // namespace fhirgw::store
