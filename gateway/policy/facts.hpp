#pragma once
// The facts the engine decides on, kept apart from resource JSON so that the
// engine stays a pure function: the store's governance columns plus codes
// for a resource, and the patient-level facts the cohort language reads.
#include <cstdint>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/string_map.hpp"
#include "policy/policy.hpp"

namespace fhirgw::policy {

struct ResourceFacts {
  std::string type, id;
  std::string controller;    // meta.tag controller ("" = none)
  std::string patient_id;    // compartment patient (a Patient's own id)
  bool confidential = false; // meta.security R or V
  std::vector<Coding> codes; // every (system, code) in the resource outside meta
  std::string author_org;    // meta.tag author-organisation ("" = imported)
};

struct PatientFacts {
  std::string id;
  std::string controller;             // the patient's practice
  bool nhs_number_verified = false;
  std::string birth_date;             // FHIR date; "" unknown
  std::vector<Coding> active_flag_codes;  // codes of the patient's active Flags
  bool confidential = false;          // the Patient resource itself is marked R or V (never readable by partners)
};

// Facts of every patient, by id (the app keeps it in memory from the store);
// hashed, since every decision looks its patient up. No order: callers that
// list patients sort.
using PatientDirectory = StringMap<PatientFacts>;

ResourceFacts resource_facts(const json::Value& resource);
// Patient facts from a Patient resource (flags are added with add_flag).
PatientFacts patient_facts(const json::Value& patient);
// Adds the codes of an active Flag (status active, period not ended at now_ms).
void add_flag(PatientFacts& patient, const json::Value& flag, int64_t now_ms);

// Whole years between a FHIR date (full precision) and the instant now_ms (UTC);
// -1 if the date is missing or not a full date.
int age_in_years(const std::string& birth_date, int64_t now_ms);

// Whether the patient is in the cohort; `why` (optional) gets a sentence.
bool in_cohort(const Cohort& cohort, const PatientFacts& patient, int64_t now_ms, std::string* why = nullptr);

}  // namespace fhirgw::policy
