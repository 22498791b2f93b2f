#include "core/resource_model.hpp"

namespace fhirgw::model {
namespace {


using I = Interaction;
using P = ParamType;
const std::vector<Interaction> kAll = {I::read, I::vread, I::update, I::remove, I::history_instance,
                                       I::history_type, I::create, I::search};

std::vector<ResourceType> build() {
  return {
      {"Patient",
       "https://fhir-gateway.org.uk/StructureDefinition/Gateway-Patient",
       kAll,
       {
           {"identifier", P::token, {"identifier"}, {}, "http://hl7.org/fhir/SearchParameter/Patient-identifier", "A patient identifier (NHS number: https://fhir.nhs.uk/Id/nhs-number|NNNNNNNNNN)"},
           {"family", P::string, {"name.family"}, {}, "http://hl7.org/fhir/SearchParameter/individual-family", "A portion of the family name"},
           {"given", P::string, {"name.given"}, {}, "http://hl7.org/fhir/SearchParameter/individual-given", "A portion of the given name"},
           {"name", P::string, {"name.family", "name.given", "name.text", "name.prefix", "name.suffix"}, {}, "http://hl7.org/fhir/SearchParameter/Patient-name", "A portion of any part of the name"},
           {"birthdate", P::date, {"birthDate"}, {}, "http://hl7.org/fhir/SearchParameter/individual-birthdate", "The patient's date of birth"},
           {"gender", P::token, {"gender"}, {}, "http://hl7.org/fhir/SearchParameter/individual-gender", "Gender of the patient"},
       },
       ""},
      {"CarePlan",
       "https://fhir-gateway.org.uk/StructureDefinition/Gateway-CarePlan",
       kAll,
       {
           {"patient", P::reference, {"subject"}, {"Patient"}, "http://hl7.org/fhir/SearchParameter/clinical-patient", "Who the care plan is for"},
           {"subject", P::reference, {"subject"}, {"Patient"}, "http://hl7.org/fhir/SearchParameter/CarePlan-subject", "Who the care plan is for"},
           {"status", P::token, {"status"}, {}, "http://hl7.org/fhir/SearchParameter/CarePlan-status", "draft | active | on-hold | revoked | completed | entered-in-error | unknown"},
           {"category", P::token, {"category"}, {}, "http://hl7.org/fhir/SearchParameter/CarePlan-category", "Type of plan"},
           {"intent", P::token, {"intent"}, {}, "http://hl7.org/fhir/SearchParameter/CarePlan-intent", "proposal | plan | order | option"},
           {"date", P::date, {"period"}, {}, "http://hl7.org/fhir/SearchParameter/clinical-date", "Time period plan covers"},
           {"identifier", P::token, {"identifier"}, {}, "http://hl7.org/fhir/SearchParameter/clinical-identifier", "External Ids for this plan"},
       },
       "patient"},
      {"Flag",
       "https://fhir-gateway.org.uk/StructureDefinition/Gateway-Flag",
       kAll,
       {
           {"patient", P::reference, {"subject"}, {"Patient"}, "http://hl7.org/fhir/SearchParameter/clinical-patient", "The identity of a subject to list flags for"},
           {"subject", P::reference, {"subject"}, {"Patient"}, "http://hl7.org/fhir/SearchParameter/Flag-subject", "The identity of a subject to list flags for"},
           {"date", P::date, {"period"}, {}, "http://hl7.org/fhir/SearchParameter/clinical-date", "Time period when flag is active"},
           {"identifier", P::token, {"identifier"}, {}, "http://hl7.org/fhir/SearchParameter/Flag-identifier", "Business identifier"},
           {"status", P::token, {"status"}, {}, "https://fhir-gateway.org.uk/SearchParameter/Flag-status", "active | inactive | entered-in-error (the gateway's own SearchParameter)"},
           {"category", P::token, {"category"}, {}, "https://fhir-gateway.org.uk/SearchParameter/Flag-category", "Clinical, administrative, etc. (the gateway's own SearchParameter)"},
           {"code", P::token, {"code"}, {}, "https://fhir-gateway.org.uk/SearchParameter/Flag-code", "The coded value of the flag, e.g. a complex-case marker (the gateway's own SearchParameter)"},
       },
       "patient"},
      {"QuestionnaireResponse",
       "https://fhir-gateway.org.uk/StructureDefinition/Gateway-QuestionnaireResponse",
       kAll,
       {
           {"patient", P::reference, {"subject"}, {"Patient"}, "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-patient", "The patient that is the subject of the questionnaire response"},
           {"subject", P::reference, {"subject"}, {"Patient"}, "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-subject", "The subject of the questionnaire response"},
           {"questionnaire", P::reference, {"questionnaire"}, {"Questionnaire"}, "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-questionnaire", "The questionnaire the answers are provided for"},
           {"status", P::token, {"status"}, {}, "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-status", "The status of the questionnaire response"},
           {"authored", P::date, {"authored"}, {}, "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-authored", "When the questionnaire response was last changed"},
           {"author", P::reference, {"author"}, {"Organization", "Practitioner", "PractitionerRole", "Patient", "RelatedPerson", "Device"}, "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-author", "The author of the questionnaire response"},
           {"identifier", P::token, {"identifier"}, {}, "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-identifier", "The unique identifier for the questionnaire response"},
       },
       "patient"},
      {"MedicationStatement",
       "https://fhir-gateway.org.uk/StructureDefinition/Gateway-MedicationStatement",
       kAll,
       {
           {"patient", P::reference, {"subject"}, {"Patient"}, "http://hl7.org/fhir/SearchParameter/clinical-patient", "Returns statements for a specific patient"},
           {"subject", P::reference, {"subject"}, {"Patient"}, "http://hl7.org/fhir/SearchParameter/MedicationStatement-subject", "The identity of a patient, animal or group to list statements for"},
           {"status", P::token, {"status"}, {}, "http://hl7.org/fhir/SearchParameter/medications-status", "Return statements that match the given status"},
           {"code", P::token, {"medicationCodeableConcept"}, {}, "http://hl7.org/fhir/SearchParameter/clinical-code", "Return statements of this medication code (dm+d)"},
           {"effective", P::date, {"effective[x]"}, {}, "http://hl7.org/fhir/SearchParameter/MedicationStatement-effective", "Date when patient was taking (or not taking) the medication"},
           {"category", P::token, {"category"}, {}, "http://hl7.org/fhir/SearchParameter/MedicationStatement-category", "Returns statements of this category"},
           {"identifier", P::token, {"identifier"}, {}, "http://hl7.org/fhir/SearchParameter/clinical-identifier", "Return statements with this external identifier"},
       },
       "patient"},
      {"Consent",
       "https://fhir-gateway.org.uk/StructureDefinition/Gateway-Consent",
       kAll,
       {
           {"patient", P::reference, {"patient"}, {"Patient"}, "http://hl7.org/fhir/SearchParameter/clinical-patient", "Who the consent applies to"},
           {"status", P::token, {"status"}, {}, "http://hl7.org/fhir/SearchParameter/Consent-status", "draft | proposed | active | rejected | inactive | entered-in-error"},
           {"category", P::token, {"category"}, {}, "http://hl7.org/fhir/SearchParameter/Consent-category", "Classification of the consent statement"},
           {"actor", P::reference, {"provision.actor.reference"}, {"Organization", "Practitioner", "Group", "CareTeam", "RelatedPerson", "Patient", "Device", "PractitionerRole"}, "http://hl7.org/fhir/SearchParameter/Consent-actor", "Resource for the actor (or group, by role)"},
           {"purpose", P::token, {"provision.purpose"}, {}, "http://hl7.org/fhir/SearchParameter/Consent-purpose", "Context of activities covered by this rule"},
       },
       "patient"},
      {"Questionnaire",
       "http://hl7.org/fhir/StructureDefinition/Questionnaire",
       kAll,
       {
           {"url", P::uri, {"url"}, {}, "http://hl7.org/fhir/SearchParameter/Questionnaire-url", "The uri that identifies the questionnaire"},
           {"name", P::string, {"name"}, {}, "http://hl7.org/fhir/SearchParameter/Questionnaire-name", "Computationally friendly name of the questionnaire"},
           {"status", P::token, {"status"}, {}, "http://hl7.org/fhir/SearchParameter/Questionnaire-status", "The current status of the questionnaire"},
           {"identifier", P::token, {"identifier"}, {}, "http://hl7.org/fhir/SearchParameter/Questionnaire-identifier", "External identifier for the questionnaire"},
           {"version", P::token, {"version"}, {}, "http://hl7.org/fhir/SearchParameter/Questionnaire-version", "The business version of the questionnaire"},
       },
       ""},
  };
}

// Parameters that would index the same values twice share one set of rows.
std::vector<ResourceType> with_shared_rows(std::vector<ResourceType> types) {
  for (auto& t : types) {
    for (size_t i = 0; i < t.params.size(); ++i) {
      auto& p = t.params[i];
      for (size_t j = 0; j < i; ++j) {
        const auto& q = t.params[j];
        if (q.rows_of.empty() && q.type == p.type && q.paths == p.paths && q.targets == p.targets) {
          p.rows_of = q.name;
          break;
        }
      }
    }
  }
  return types;
}

}  // namespace

const std::vector<ResourceType>& resource_types() {
  static const std::vector<ResourceType> types = with_shared_rows(build());
  return types;
}

std::string_view index_name(std::string_view type, std::string_view param) {
  const ResourceType* t = find_type(type);
  const SearchParam* p = t ? find_param(*t, param) : nullptr;
  return p ? index_name(*p) : param;
}

const ResourceType* find_type(std::string_view name) {
  for (const auto& t : resource_types())
    if (t.name == name) return &t;
  return nullptr;
}

const std::vector<SearchParam>& common_params() {
  static const std::vector<SearchParam> params = {
      {"_id", P::token, {"id"}, {}, "http://hl7.org/fhir/SearchParameter/Resource-id", "Logical id of this artifact"},
      {"_lastUpdated", P::date, {"meta.lastUpdated"}, {}, "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated", "When the resource version last changed"},
  };
  return params;
}

const SearchParam* find_param(const ResourceType& t, std::string_view name) {
  for (const auto& p : common_params())
    if (p.name == name) return &p;
  for (const auto& p : t.params)
    if (p.name == name) return &p;
  return nullptr;
}

bool supports(const ResourceType& t, Interaction i) {
  for (auto x : t.interactions)
    if (x == i) return true;
  return false;
}

std::string_view to_string(Interaction i) {
  switch (i) {
    case I::read: return "read";
    case I::vread: return "vread";
    case I::update: return "update";
    case I::remove: return "delete";
    case I::history_instance: return "history-instance";
    case I::history_type: return "history-type";
    case I::create: return "create";
    case I::search: return "search-type";
  }
  return "read";
}

std::string_view to_string(ParamType t) {
  switch (t) {
    case P::token: return "token";
    case P::string: return "string";
    case P::date: return "date";
    case P::reference: return "reference";
    case P::uri: return "uri";
    case P::number: return "number";
  }
  return "token";
}

}  // namespace fhirgw::model
