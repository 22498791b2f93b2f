#pragma once
// The audit trail's hash chain, shared by every audit log backend and by
// gateway/audit: hash = sha256_hex(prev_hash + "\n" + entry), from
// a genesis of 64 zeros. Several gateway instances append to one trail, so a
// backend re-chains a batch onto the trail's real end inside its append
// transaction when another instance appended first.
#include <string>
#include <vector>

#include "store/audit_log.hpp"

namespace fhirgw::store {

inline constexpr const char* kAuditGenesis = "0000000000000000000000000000000000000000000000000000000000000000";
std::string audit_link_hash(const std::string& prev_hash, const std::string& entry);
// Renumbers rows after last_seq and re-hashes them. An entry does not carry
// its seq: its place in the chain fixes it.
void rechain(std::vector<AuditRow>& rows, int64_t last_seq, std::string last_hash);
// Re-chains only when the batch does not already follow (last_seq, last_hash).
void attach_to_chain(std::vector<AuditRow>& rows, int64_t last_seq, const std::string& last_hash);

}  // namespace fhirgw::store
