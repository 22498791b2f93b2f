#pragma once
// The audit trail's storage: append-only rows, each carrying its entry (the
// hashed text the AuditEvent is rendered from), its searchable facts and its
// place in the hash chain. Kept apart from
// the resource store (its own SQLite file, or table set) so that writing an
// entry for every read never waits on resource writes.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace fhirgw::store {

struct AuditRow {
  int64_t seq = 0;           // assigned on append: 1, 2, 3, ... with no gaps
  int64_t recorded_ms = 0;
  std::string request_id;
  std::string client_id, organisation, purpose;
  std::string action;        // FHIR interaction: read, search-type, create, ...
  std::string resource_type;
  int status = 0;            // HTTP status
  std::string outcome;       // FHIR AuditEvent.outcome: 0, 4, 8, 12
  std::string patients;      // space-separated patient ids touched
  std::string entities;      // space-separated Type/id/_history/v references
  std::string agreements;    // space-separated DSA ids
  std::string policy_version;
  // The hashed text of the entry, opaque to the store (stored in the `json`
  // column; gateway/audit writes and renders it: audit/audit_event.hpp).
  std::string entry;
  std::string prev_hash, hash;
};

struct AuditQuery {
  std::optional<int64_t> from_ms, to_ms;  // recorded_ms range [from, to)
  std::string client_id;                  // agent
  std::string organisation;
  std::string patient;                    // patient id
  std::string entity;                     // "Type/id" prefix of an entity
  std::string outcome;                    // 0 | 4 | 8 | 12
  int64_t after_seq = 0;
  int limit = 100;
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // Appends rows in order (seq assigned) in one durable transaction.
  virtual Status append(std::vector<AuditRow>& rows) = 0;
  virtual Result<std::optional<AuditRow>> last() = 0;
  virtual Result<std::vector<AuditRow>> query(const AuditQuery& q) = 0;
  // Rows in seq order from after_seq (for verification and export).
  virtual Result<std::vector<AuditRow>> scan(int64_t after_seq, int limit) = 0;
};

// The audit log that goes with a store URL ("sqlite:PATH" → PATH's sibling
// file "<stem>.audit.db").
Result<std::unique_ptr<AuditLog>> open_audit_log(const std::string& store_url);

}  // namespace fhirgw::store
