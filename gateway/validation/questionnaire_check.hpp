#pragma once
// Checks a QuestionnaireResponse against the Questionnaire it answers:
// every linkId exists at its level, answers have the item's type (and one of
// its answerOptions for a choice), single-answer items have one answer,
// non-repeating items appear once, and, once completed, every required and
// enabled item is answered (enableWhen is evaluated).
#include <vector>

#include "core/error.hpp"
#include "core/json.hpp"

namespace fhirgw::validation {

void check_questionnaire_response(const json::Value& response, const json::Value& questionnaire,
                                  std::vector<Issue>& out);

}  // namespace fhirgw::validation
