#pragma once
// SMART App Launch scopes for backend services: v2 `system/Type.cruds[?p=v]`
// and v1 `system/Type.read|write|*`, what a granted set allows, and how a
// client's request is cut down to what its registration allows.
//
// Narrowed scopes (`system/Observation.rs?category=laboratory`): a narrowed
// scope allows a request only if the request itself carries every one of the
// scope's parameters with exactly the same name and value (values compared
// after percent-decoding, no modifiers, no OR-lists: `category=a,b` does not
// match `category=a`). Extra request parameters only narrow a FHIR search
// further, so they are fine. Interactions that carry no search parameters
// (read, vread, update, delete, create, history) therefore never pass a
// narrowed scope: judging them would need the resource's content, and without
// it we fail closed. Included resources (_include/_revinclude) are authorised
// on their own type by the caller, never by the primary type's scope.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/resource_model.hpp"
#include "core/result.hpp"

namespace fhirgw::auth {

using SearchParams = std::vector<std::pair<std::string, std::string>>;

struct Scope {
  std::string text;           // as written (what a token's "scope" echoes)
  std::string resource_type;  // a FHIR type name, or "*"
  bool c = false, r = false, u = false, d = false, s = false;
  SearchParams params;  // v2 narrowing, percent-decoded
  bool v1 = false;

  // c=create; r=read, vread, history-instance; u=update; d=delete;
  // s=search, history-type. Narrowing as described at the top of this file.
  bool allows(std::string_view type, model::Interaction interaction,
              const SearchParams& search_params) const;
};

// Only the system/ context is accepted (backend services). v1 read = rs,
// write = cud, * = cruds. v2 letters must be a non-empty subsequence of "cruds".
Result<Scope> parse_scope(std::string_view text);
// RFC 6749 §3.3: space-delimited; empty items dropped.
std::vector<std::string> split_scopes(std::string_view scope_param);

// True if any granted scope (unparseable ones are ignored) allows the request.
bool scope_allows(const std::vector<std::string>& granted, std::string_view type,
                  model::Interaction interaction, const SearchParams& search_params);

// True if everything `requested` allows is allowed by `allowed` (a union of
// patterns): same type or an allowed "*", each permission covered, and every
// parameter an allowed pattern narrows by also present in the request.
bool scope_within(const Scope& requested, const std::vector<Scope>& allowed);

// The scopes to grant for a token request: each requested scope must be
// within the client's allowed patterns, else an error (400, "invalid_scope"
// in its diagnostics) naming it — a request is never silently widened, and
// never silently cut down either. Duplicates are dropped; order kept.
Result<std::vector<std::string>> grant_scopes(std::string_view requested_scope_param,
                                              const std::vector<std::string>& allowed_patterns);
// Those of `granted` still within `allowed_patterns` (after a registry reload).
std::vector<std::string> still_allowed(const std::vector<std::string>& granted,
                                       const std::vector<std::string>& allowed_patterns);

}  // namespace fhirgw::auth
