#include "store/audit_chain.hpp"

#include "core/ids.hpp"

namespace fhirgw::store {

std::string audit_link_hash(const std::string& prev_hash, const std::string& entry) {
  return ids::sha256_hex(prev_hash + "\n" + entry);
}

void rechain(std::vector<AuditRow>& rows, int64_t last_seq, std::string last_hash) {
  for (auto& r : rows) {
    r.seq = ++last_seq;
    r.prev_hash = last_hash;
    r.hash = audit_link_hash(r.prev_hash, r.entry);
    last_hash = r.hash;
  }
}

void attach_to_chain(std::vector<AuditRow>& rows, int64_t last_seq, const std::string& last_hash) {
  if (rows.empty() || (rows.front().seq == last_seq + 1 && rows.front().prev_hash == last_hash)) return;
  rechain(rows, last_seq, last_hash);
}

}  // namespace fhirgw::store
