#pragma once
// The facts of one request that the audit trail keeps: collected by the REST
// layer while it serves the request, written before the response leaves.
#include <string>
#include <vector>

#include "core/caller.hpp"

namespace fhirgw::audit {

struct AuditRecord {
  std::string request_id;
  Caller caller;
  std::string interaction;  // read, search-type, create, $explain, ...
  std::string type;         // resource type ("" for system-level)
  std::string query;        // search parameters or target, for the trail
  int status = 0;
  std::vector<std::string> returned;  // "Type/id/_history/v" of resources sent
  std::vector<std::string> written;   // same, for writes
  std::vector<std::string> patients;  // patient ids whose data was returned or written
  std::vector<std::string> agreements;
  std::string policy_version;
  std::string outcome_detail;
  std::string remote;
};

}  // namespace fhirgw::audit
