#pragma once
// Resources both formats build the same way once the source fields are
// read: Consent from a consent code, QuestionnaireResponse headers and
// their answer items, the patient reference.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/fhir_builder.hpp"
#include "mapping/import_config.hpp"

namespace fhirgw::adapters {

struct ConsentInput {
  ConsentKind kind = ConsentKind::permit;
  std::string patient_id;
  std::string date_time;  // FHIR dateTime ("" = unknown)
  std::vector<Coding> codes;  // the recorded code(s)
  std::string text;
};
json::Document build_consent(const SourceKey& source, bool confidential, const ConsentInput& in);

struct QuestionnaireResponseInput {
  std::string canonical;
  std::string patient_id;
  std::string authored;  // FHIR dateTime ("" = unknown)
};
// Without items: they arrive as parts (Part::Kind::item).
json::Document build_questionnaire_response(const SourceKey& source, bool confidential,
                                         const QuestionnaireResponseInput& in);

// One answer: valueQuantity when numeric is set, else valueString when text is
// set, else valueCoding with the question's own code.
struct AnswerInput {
  std::string element_id, link_id, question_text;
  std::optional<double> numeric;
  std::string unit;
  std::string text;
  std::optional<Coding> code;
};
std::string build_answer_item(const AnswerInput& in);

// Appends, after the source codings, the shared codings config.code_maps
// gives for any of them (each at most once; local codings are kept).
void add_mapped_codings(const ImportConfig& config, std::vector<Coding>& codings);

// "12.5" → 12.5; nullopt for anything that is not a plain decimal.
std::optional<double> parse_decimal(std::string_view s);
// true|false|TRUE|FALSE (any case); nullopt otherwise.
std::optional<bool> parse_bool(std::string_view s);

}  // namespace fhirgw::adapters
