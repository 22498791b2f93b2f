#pragma once
// What the write-back files carry of a partner's resource, read out of its
// FHIR JSON into plain values: the answers of a QuestionnaireResponse (nested
// groups flattened to their answered questions), a Flag's and a CarePlan's
// fields. Both format writers build their rows from these.
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "mapping/fhir_builder.hpp"

namespace fhirgw::adapters::writeback {

struct Answer {
  enum class Kind { number, text, coding, boolean };
  std::string link_id, question;  // question = item.text
  int occurrence = 0;             // nth answer to the same linkId
  Kind kind = Kind::text;
  double number = 0;
  std::string unit;
  std::string text;  // text answers; display (or code) of a coding; Yes/No
  Coding coding;
  bool boolean = false;
};

struct QuestionnaireContent {
  std::string canonical;  // without |version
  std::string version;
  std::string status;
  std::string authored;  // FHIR dateTime ("" = absent)
  std::vector<Answer> answers;
};

struct FlagContent {
  std::string status;
  std::string category;        // flag-category code, else the category text
  std::vector<Coding> codes;
  std::string text;            // code.text, else the first coding's display
  std::string start, end;      // period
};

struct ActivityContent {
  std::string id;  // activity.id ("" = none)
  std::string description, status;
  std::string start, end;  // scheduledPeriod
};

struct CarePlanContent {
  std::string status, title, description;
  std::vector<Coding> category_codes;
  std::string category_text;
  std::string start, end, created;
  std::vector<std::string> notes;
  std::vector<ActivityContent> activities;
};

// The referenced id of subject (or patient), "" when not a Patient reference.
std::string subject_patient_id(const json::Value& resource);
// meta.security carries R or V (restricted, very restricted).
bool is_confidential(const json::Value& resource);
// Value of the identifier with this system, "" when none.
std::string identifier_value(const json::Value& resource, std::string_view system);

QuestionnaireContent questionnaire_content(const json::Value& qr);
FlagContent flag_content(const json::Value& flag);
CarePlanContent care_plan_content(const json::Value& plan);

// Shortest text that reads back as the same double ("12.5", "3").
std::string format_number(double v);

}  // namespace fhirgw::adapters::writeback
