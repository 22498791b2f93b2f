#pragma once
// The one table of what the gateway serves: resource types, their
// interactions and their search parameters. The router, the indexer, the
// search parser and the CapabilityStatement all read this table, so what is
// advertised cannot drift from what is implemented.
#include <string_view>
#include <vector>

namespace fhirgw::model {

enum class ParamType { token, string, date, reference, uri, number };

enum class Interaction { read, vread, update, remove, history_instance, history_type, create, search };

struct SearchParam {
  std::string_view name;
  ParamType type;
  // Element paths inside the resource, dotted, without the type prefix.
  // "x[x]" means a choice element (effective[x] → effectiveDateTime, effectivePeriod).
  std::vector<std::string_view> paths;
  std::vector<std::string_view> targets;  // reference target types
  std::string_view definition;            // canonical URL of the SearchParameter
  std::string_view documentation;
  // An earlier parameter of the same type with the same kind, paths and
  // targets (CarePlan's subject and patient): this one searches that one's
  // index rows and has none of its own. Empty: its own rows. Set by the table.
  std::string_view rows_of = {};
};

// The parameter name a parameter's index rows are stored under.
inline std::string_view index_name(const SearchParam& p) { return p.rows_of.empty() ? p.name : p.rows_of; }

struct ResourceType {
  std::string_view name;
  std::string_view profile;  // canonical URL of the gateway's profile
  std::vector<Interaction> interactions;
  std::vector<SearchParam> params;  // type-specific; common ones via common_params()
  // The search parameter that names the patient compartment ("" = none; Patient is its own).
  std::string_view patient_param;
};

const std::vector<ResourceType>& resource_types();
const ResourceType* find_type(std::string_view name);
// _id and _lastUpdated, valid on every type.
const std::vector<SearchParam>& common_params();
// A type's parameter by name, including the common ones; nullptr if unknown.
const SearchParam* find_param(const ResourceType& t, std::string_view name);
// index_name of a type's parameter; the name itself when either is unknown.
std::string_view index_name(std::string_view type, std::string_view param);
bool supports(const ResourceType& t, Interaction i);
std::string_view to_string(Interaction i);   // FHIR TypeRestfulInteraction code
std::string_view to_string(ParamType t);

}  // namespace fhirgw::model
