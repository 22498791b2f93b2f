#include "mapping/common_resources.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "core/systems.hpp"

namespace fhirgw::adapters {

json::Document build_consent(const SourceKey& source, bool confidential, const ConsentInput& in) {
  ResourceDoc r("Consent", source, confidential);
  auto& a = r.alloc();
  bool permit = in.kind == ConsentKind::permit;
  r.add_string("status", "active");
  r.add("scope", codeable_concept({{"http://terminology.hl7.org/CodeSystem/consentscope",
                                    "patient-privacy", "Privacy Consent"}},
                                  "", a));
  json::Value category(rapidjson::kArrayType);
  // LOINC 59284-0 is the category UK Core examples use for sharing consent;
  // the recorded practice code follows so it stays searchable.
  category.PushBack(codeable_concept({{"http://loinc.org", "59284-0", "Patient Consent"}}, "", a), a);
  category.PushBack(codeable_concept(in.codes, in.text, a), a);
  r.add("category", std::move(category));
  r.add("patient", reference("Patient", in.patient_id, a));
  if (!in.date_time.empty()) r.add_string("dateTime", in.date_time);
  json::Value orgs(rapidjson::kArrayType);
  orgs.PushBack(organisation_reference(source.organisation, a), a);
  r.add("organization", std::move(orgs));
  r.add("policyRule", codeable_concept({{"http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                         permit ? "OPTIN" : "OPTOUT", ""}},
                                       "", a));
  json::Value provision(rapidjson::kObjectType);
  provision.AddMember("type", str(permit ? "permit" : "deny", a), a);
  r.add("provision", std::move(provision));
  return r.take();
}

json::Document build_questionnaire_response(const SourceKey& source, bool confidential,
                                         const QuestionnaireResponseInput& in) {
  ResourceDoc r("QuestionnaireResponse", source, confidential);
  auto& a = r.alloc();
  r.add_string("questionnaire", in.canonical);
  r.add_string("status", "completed");
  r.add("subject", reference("Patient", in.patient_id, a));
  if (!in.authored.empty()) r.add_string("authored", in.authored);
  r.add("author", organisation_reference(source.organisation, a));
  return r.take();
}

std::string build_answer_item(const AnswerInput& in) {
  json::Document d;
  d.SetObject();
  auto& a = d.GetAllocator();
  d.AddMember("id", str(in.element_id, a), a);
  d.AddMember("linkId", str(in.link_id, a), a);
  if (!in.question_text.empty()) d.AddMember("text", str(in.question_text, a), a);
  json::Value answer(rapidjson::kObjectType);
  if (in.numeric) {
    json::Value q(rapidjson::kObjectType);
    q.AddMember("value", *in.numeric, a);
    if (!in.unit.empty()) q.AddMember("unit", str(in.unit, a), a);
    answer.AddMember("valueQuantity", q, a);
  } else if (!in.text.empty()) {
    answer.AddMember("valueString", str(in.text, a), a);
  } else if (in.code) {
    answer.AddMember("valueCoding", coding(*in.code, a), a);
  }
  if (answer.MemberCount() > 0) {
    json::Value answers(rapidjson::kArrayType);
    answers.PushBack(answer, a);
    d.AddMember("answer", answers, a);
  }
  return json::to_string(d);
}

void add_mapped_codings(const ImportConfig& config, std::vector<Coding>& codings) {
  if (config.code_maps.empty()) return;
  size_t source_count = codings.size();
  for (size_t i = 0; i < source_count; ++i) {
    for (const auto* m : config.code_maps_for(codings[i].system, codings[i].code)) {
      bool present = std::any_of(codings.begin(), codings.end(),
                                 [&](const Coding& c) { return c.system == m->system && c.code == m->code; });
      if (!present) codings.push_back({m->system, m->code, m->display});
    }
  }
}

std::optional<double> parse_decimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(std::string_view s) {
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "true") return true;
  if (lower == "false") return false;
  return std::nullopt;
}

}  // namespace fhirgw::adapters
