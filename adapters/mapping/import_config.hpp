#pragma once
// What an import needs to know that the extract does not say: which
// organisation code a source organisation id means, which codes are consent
// (permit / deny), and which coded entries form questionnaires. Filled by the
// app from policy/config; plain data so tests can build it inline.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace YAML {
class Node;
}

namespace fhirgw::adapters {

struct CodeRef {
  std::string system, code;
};

// One question of a questionnaire: matched by code (EMIS child observation,
// SystmOne SRCode row) or by question text (SystmOne SRFreeText).
struct QuestionLink {
  std::string system, code;
  std::string question;
  std::string link_id;
};

struct QuestionnaireMap {
  std::string canonical;      // Questionnaire.url (QuestionnaireResponse.questionnaire)
  CodeRef header;             // EMIS: the header observation's code
  std::string systmone_name;  // SystmOne: SRQuestionnaire.QuestionnaireName
  std::vector<QuestionLink> questions;
};

enum class ConsentKind { permit, deny };

// A practice's local code and the shared code it means. The mappers keep the
// local coding and add the shared one next to it (e.g. an EMIS local alert
// code → the gateway's care-flag "complex-case", an EMIS local drug code →
// its dm+d product).
struct CodeMap {
  CodeRef from;                            // local system + code
  std::string system, code, display;       // the shared coding added
};

struct ImportConfig {
  // Source organisation id (EMIS OrganisationGuid, SystmOne
  // IDOrganisationVisibleTo) → ODS code. Unmapped ids are used as they are.
  std::map<std::string, std::string, std::less<>> org_codes;
  // Controller for rows that carry no organisation when the file set has not
  // shown exactly one ("" = quarantine such rows).
  std::string default_organisation;
  std::vector<CodeRef> consent_permit_codes;
  std::vector<CodeRef> consent_deny_codes;
  std::vector<QuestionnaireMap> questionnaires;
  std::vector<CodeMap> code_maps;

  std::string organisation_code(std::string_view source_id) const;
  // The controller for a row that names no organisation: default_organisation,
  // else the one ODS code every org_codes entry maps to; "" when ambiguous.
  std::string sole_organisation() const;
  // Deny is checked first: a code listed in both lists is a dissent.
  std::optional<ConsentKind> consent_kind(std::string_view system, std::string_view code) const;
  const QuestionnaireMap* questionnaire_by_header(std::string_view system,
                                                  std::string_view code) const;
  const QuestionnaireMap* questionnaire_by_name(std::string_view name) const;
  // True when (system, code) is a question of any configured questionnaire.
  bool is_question_code(std::string_view system, std::string_view code) const;
  // The shared codes a local (system, code) maps to (none when unmapped).
  std::vector<const CodeMap*> code_maps_for(std::string_view system, std::string_view code) const;
};

// linkId for a coded answer / a free-text question; nullopt when the
// questionnaire does not list it.
std::optional<std::string> link_id_for_code(const QuestionnaireMap& q, std::string_view system,
                                            std::string_view code);
std::optional<std::string> link_id_for_question(const QuestionnaireMap& q,
                                                std::string_view question);

// Loads:
//   organisations: {source-id: ODS}
//   default_organisation: ODS
//   consent_codes: {permit: [{system, code}], deny: [{system, code}]}
//   questionnaires: [{url, header: {system, code}, systmone_name,
//                     items: [{system, code, question, linkId}]}]
//   code_maps: [{from: {system, code}, to: {system, code, display}}]
Result<ImportConfig> load_import_config(const YAML::Node& node);

}  // namespace fhirgw::adapters
