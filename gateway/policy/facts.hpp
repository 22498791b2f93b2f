#pragma once
// The facts the engine decides on, kept apart from resource JSON so that the
// engine stays a pure function: the store's governance columns plus codes
// for a resource, and the patient-level facts the cohort language reads.
#include <cstdint>
#include <limits>
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

// A code of one of the patient's active Flags, with the Flag's period. The
// cohort reads it at the decision's instant: a flag that ends (or starts)
// later changes the cohort then, without any store change to prompt it.
struct FlagCode {
  Coding code;
  int64_t from_ms = std::numeric_limits<int64_t>::min();
  int64_t until_ms = std::numeric_limits<int64_t>::max();  // exclusive
  bool active_at(int64_t now_ms) const { return now_ms >= from_ms && now_ms < until_ms; }
};

struct PatientFacts {
  std::string id;
  std::string controller;             // the patient's practice
  bool nhs_number_verified = false;
  std::string birth_date;             // FHIR date; "" unknown
  std::vector<FlagCode> flag_codes;   // codes of the patient's status-active Flags, with their periods
  bool confidential = false;          // the Patient resource itself is marked R or V (never readable by partners)
};

// Facts of every patient, by id (the app keeps it in memory from the store);
// hashed, since every decision looks its patient up. No order: callers that
// list patients sort.
using PatientDirectory = StringMap<PatientFacts>;

ResourceFacts resource_facts(const json::Value& resource);
// Patient facts from a Patient resource (flags are added with add_flag).
PatientFacts patient_facts(const json::Value& patient);
// Adds the codes of a status-active Flag with its period (start inclusive,
// end exclusive at the end of its precision). A period bound that cannot be
// read makes the flag count for nothing: a flag can only widen a cohort.
void add_flag(PatientFacts& patient, const json::Value& flag);

// Whole years between a FHIR date (full precision) and the instant now_ms (UTC);
// -1 if the date is missing or not a full date.
int age_in_years(const std::string& birth_date, int64_t now_ms);
// The UTC day an instant falls in (days since 1970-01-01, floored): the day
// age_in_years counts, so an age can change only when it does.
inline constexpr int64_t kDayMs = 86'400'000;
inline int64_t utc_day(int64_t ms) { return ms / kDayMs - ((ms % kDayMs != 0) && (ms < 0)); }

// Whether the patient is in the cohort; `why` (optional) gets a sentence.
bool in_cohort(const Cohort& cohort, const PatientFacts& patient, int64_t now_ms, std::string* why = nullptr);

}  // namespace fhirgw::policy
