#include "emis/emis_mapper.hpp"

#include <algorithm>
#include <charconv>

#include "core/systems.hpp"
#include "mapping/categories.hpp"
#include "mapping/common_resources.hpp"
#include "mapping/source_dates.hpp"

namespace fhirgw::adapters::emis {
namespace {

constexpr const char* kFormat = "emis";
constexpr const char* kPatientTable = "Admin_Patient";
constexpr const char* kObservation = "CareRecord_Observation";
constexpr const char* kDrugRecord = "Prescribing_DrugRecord";

const std::vector<TableSchema>& schemas() {
  static const std::vector<TableSchema> s = {
      {"Coding_ClinicalCode", "CodeId", {"CodeId", "Term", "ReadTermId"}, {}, {}},
      {"Coding_DrugCode", "CodeId", {"CodeId", "Term"}, {}, {}},
      {kPatientTable, "PatientGuid",
       {"PatientGuid", "OrganisationGuid", "Sex", "DateOfBirth", "Surname", "NhsNumber", "Deleted", "ProcessingId"},
       {}, {"Patient"}},
      {kObservation, "ObservationGuid",
       {"ObservationGuid", "PatientGuid", "OrganisationGuid", "EffectiveDate", "EffectiveDatePrecision", "CodeId",
        "Deleted", "ProcessingId"},
       {}, {"Consent", "QuestionnaireResponse"}},
      {kDrugRecord, "DrugRecordGuid",
       {"DrugRecordGuid", "PatientGuid", "OrganisationGuid", "EffectiveDate", "EffectiveDatePrecision", "CodeId",
        "PrescriptionType", "IsActive", "Deleted", "ProcessingId"},
       {}, {"MedicationStatement"}},
      {"Prescribing_IssueRecord", "IssueRecordGuid",
       {"IssueRecordGuid", "PatientGuid", "DrugRecordGuid", "EffectiveDate", "Deleted", "ProcessingId"}, {}, {}},
      {"CareRecord_Alert", "AlertGuid",
       {"AlertGuid", "PatientGuid", "OrganisationGuid", "StartDate", "IsActive", "Deleted", "ProcessingId"},
       {{"AlertText", "CodeId"}}, {"Flag"}},
      {"CareRecord_CarePlan", "CarePlanGuid",
       {"CarePlanGuid", "PatientGuid", "OrganisationGuid", "Title", "StartDate", "Status", "Deleted", "ProcessingId"},
       {}, {"CarePlan"}},
  };
  return s;
}

std::string patient_id(const std::string& org, std::string_view patient_guid) {
  return derived_id(kFormat, org, kPatientTable, patient_guid);
}

// Fields every data row shares, checked once.
using Common = RowCommon;

std::optional<RowAction> read_flag(const RowView& row, std::string_view column, bool& out) {
  auto v = row.get(column);
  if (!v) {
    out = false;
    return std::nullopt;
  }
  auto b = parse_bool(*v);
  if (!b) return RowAction::quarantined(std::string(column), "expected true or false, found '" + std::string(*v) + "'");
  out = *b;
  return std::nullopt;
}

}  // namespace

std::optional<EmisFileName> parse_file_name(std::string_view name) {
  if (name.size() < 5 || name.substr(name.size() - 4) != ".csv") return std::nullopt;
  name.remove_suffix(4);
  auto first = name.find('_');
  auto last = name.rfind('_');
  if (first == std::string_view::npos || last == first) return std::nullopt;
  auto before_last = name.rfind('_', last - 1);
  if (before_last == first) return std::nullopt;
  EmisFileName f;
  auto range = name.substr(0, first);
  auto dash = range.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto parse_int = [](std::string_view s, int64_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && !s.empty();
  };
  if (!parse_int(range.substr(0, dash), f.proc_start) || !parse_int(range.substr(dash + 1), f.proc_end)) {
    return std::nullopt;
  }
  f.table = std::string(name.substr(first + 1, before_last - first - 1));
  f.timestamp = std::string(name.substr(before_last + 1, last - before_last - 1));
  f.agreement = std::string(name.substr(last + 1));
  if (f.table.find('_') == std::string::npos || f.timestamp.size() != 14) return std::nullopt;
  return f;
}

EmisMapper::EmisMapper(const ImportConfig& config) : config_(config) {}

Result<FileSet> EmisMapper::discover(const std::filesystem::path& dir) const {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return Error::invalid("not a directory: " + dir.string());
  FileSet set;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    auto name = entry.path().filename().string();
    auto parsed = parse_file_name(name);
    if (!parsed || !schema(parsed->table)) {
      set.unknown.push_back(name);
      continue;
    }
    if (parsed->proc_start == 1) set.bulk = true;
    set.files.push_back({entry.path(), parsed->table, parsed->proc_start, parsed->proc_start != 1});
  }
  if (ec) return Error::invalid("cannot list " + dir.string() + ": " + ec.message());
  // Deltas apply in ProcessingId order; the name breaks ties deterministically.
  std::sort(set.files.begin(), set.files.end(), [](const SourceFile& a, const SourceFile& b) {
    return std::tie(a.order, a.path) < std::tie(b.order, b.path);
  });
  std::sort(set.unknown.begin(), set.unknown.end());
  return set;
}

const std::vector<TableStep>& EmisMapper::plan() const {
  static const std::vector<TableStep> p = {
      {"Coding_ClinicalCode", Pass::lookup, true},
      {"Coding_DrugCode", Pass::lookup, true},
      {kPatientTable, Pass::main, true},
      {"Prescribing_IssueRecord", Pass::parts, true},
      {kObservation, Pass::parts, false},
      {kObservation, Pass::main, true},
      {kDrugRecord, Pass::main, true},
      {"CareRecord_Alert", Pass::main, true},
      {"CareRecord_CarePlan", Pass::main, true},
  };
  return p;
}

const TableSchema* EmisMapper::schema(std::string_view table) const {
  for (const auto& s : schemas()) {
    if (s.table == table) return &s;
  }
  return nullptr;
}

std::optional<std::string> EmisMapper::organisation(const RowView& row) {
  if (auto guid = row.get("OrganisationGuid")) {
    auto code = config_.organisation_code(*guid);
    organisations_seen_.insert(code);
    return code;
  }
  // Rows without an organisation (deletes, child tables): the set's only one.
  if (organisations_seen_.size() == 1) return *organisations_seen_.begin();
  if (auto sole = config_.sole_organisation(); !sole.empty()) return sole;
  return std::nullopt;
}

std::vector<Coding> EmisMapper::clinical_codings(const ClinicalCode& c, const std::string& org) const {
  std::vector<Coding> out;
  if (!c.snomed.empty()) out.push_back({systems::kSnomed, c.snomed, c.term});
  if (c.read.rfind("EMIS", 0) == 0) {
    out.push_back({local_code_system(kFormat, org), c.read, c.term});
  } else if (!c.read.empty()) {
    // ReadTermId is the 5-character Read code plus a 2-digit term id.
    out.push_back({systems::kReadV2, c.read.substr(0, std::min<size_t>(5, c.read.size())), c.term});
  }
  add_mapped_codings(config_, out);
  return out;
}

std::string EmisMapper::column_for(std::string_view table, std::string_view path) const {
  static const std::vector<ColumnRule> kRules = {
      {kPatientTable, "Patient.identifier", "NhsNumber"},
      {kPatientTable, "Patient.name", "Surname"},
      {kPatientTable, "Patient.gender", "Sex"},
      {kPatientTable, "Patient.birthDate", "DateOfBirth"},
      {kPatientTable, "Patient.deceased", "DateOfDeath"},
      {kPatientTable, "Patient.telecom", "EmailAddress"},
      {kObservation, "Consent.dateTime", "EffectiveDate"},
      {kObservation, "Consent.category", "CodeId"},
      {kObservation, "QuestionnaireResponse.authored", "EffectiveDate"},
      {kObservation, "QuestionnaireResponse.questionnaire", "CodeId"},
      {kObservation, "QuestionnaireResponse.item", "Value"},
      {kObservation, "QuestionnaireResponse.item.linkId", "CodeId"},
      {kObservation, "QuestionnaireResponse.item.answer.valueString", "AssociatedText"},
      {kDrugRecord, "MedicationStatement.medication", "CodeId"},
      {kDrugRecord, "MedicationStatement.effective", "EffectiveDate"},
      {kDrugRecord, "MedicationStatement.dosage", "Dosage"},
      {kDrugRecord, "MedicationStatement.category", "PrescriptionType"},
      {"Prescribing_IssueRecord", "MedicationStatement.extension", "EffectiveDate"},
      {"CareRecord_Alert", "Flag.category", "AlertCategory"},
      {"CareRecord_Alert", "Flag.code", "CodeId"},
      {"CareRecord_Alert", "Flag.period", "StartDate"},
      {"CareRecord_CarePlan", "CarePlan.category", "CodeId"},
      {"CareRecord_CarePlan", "CarePlan.title", "Title"},
      {"CareRecord_CarePlan", "CarePlan.period", "StartDate"},
      {"CareRecord_CarePlan", "CarePlan.status", "Status"},
      {"CareRecord_CarePlan", "CarePlan.description", "Goal"},
  };
  // Answer items: "QuestionnaireResponse.item[3].linkId" names the code.
  std::string normalised(path);
  for (size_t open = normalised.find('['); open != std::string::npos; open = normalised.find('[')) {
    normalised.erase(open, normalised.find(']', open) - open + 1);
  }
  return column_by_rules(kRules, table, normalised);
}

const EmisMapper::ClinicalCode* EmisMapper::clinical(const RowView& row) const {
  auto id = row.get("CodeId");
  if (!id) return nullptr;
  auto it = clinical_.find(std::string(*id));
  return it == clinical_.end() ? nullptr : &it->second;
}

std::optional<std::pair<const QuestionnaireMap*, std::string>> EmisMapper::question_link(
    const ClinicalCode& c, const std::string& org) const {
  for (const auto& coding : clinical_codings(c, org)) {
    for (const auto& q : config_.questionnaires) {
      if (auto link = link_id_for_code(q, coding.system, coding.code)) return std::make_pair(&q, *link);
    }
  }
  return std::nullopt;
}

RowAction EmisMapper::map_row(const TableStep& step, const RowView& row) {
  const auto& t = step.table;
  if (t == "Coding_ClinicalCode") {
    auto id = row.get("CodeId");
    if (!id) return RowAction::quarantined("CodeId", "missing CodeId");
    clinical_[std::string(*id)] = {row.str("Term"), row.str("ReadTermId"), row.str("SnomedCTConceptId")};
    return RowAction::accounted_unchanged("coding lookup");
  }
  if (t == "Coding_DrugCode") {
    auto id = row.get("CodeId");
    if (!id) return RowAction::quarantined("CodeId", "missing CodeId");
    drugs_[std::string(*id)] = {row.str("Term"), row.str("DmdProductCodeId")};
    return RowAction::accounted_unchanged("coding lookup");
  }
  if (t == kPatientTable) return patient(row);
  if (t == kObservation) return observation(step, row);
  if (t == kDrugRecord) return drug_record(row);
  if (t == "Prescribing_IssueRecord") return issue_record(row);
  if (t == "CareRecord_Alert") return alert(row);
  if (t == "CareRecord_CarePlan") return care_plan(row);
  return RowAction::quarantined("", "table " + t + " is not mapped");
}

namespace {

// Key, organisation, Deleted, IsConfidential and the patient reference.
std::optional<RowAction> common(const RowView& row, std::string_view table, std::string_view key_column,
                                const std::optional<std::string>& org, bool needs_patient, Common& c) {
  auto key = row.get(key_column);
  if (!key) return RowAction::quarantined(std::string(key_column), "missing key " + std::string(key_column));
  if (!org) return RowAction::quarantined("OrganisationGuid", "cannot tell which organisation the row belongs to");
  c.source = SourceKey{kFormat, *org, std::string(table), std::string(*key)};
  if (auto q = read_flag(row, "Deleted", c.deleted)) return q;
  if (c.deleted) return std::nullopt;  // a delete needs only its key
  if (auto q = read_flag(row, "IsConfidential", c.confidential)) return q;
  if (needs_patient) {
    auto p = row.get("PatientGuid");
    if (!p) return RowAction::quarantined("PatientGuid", "missing PatientGuid");
    c.patient = patient_id(*org, *p);
  }
  return std::nullopt;
}


}  // namespace

RowAction EmisMapper::patient(const RowView& row) {
  Common c;
  if (auto q = common(row, kPatientTable, "PatientGuid", organisation(row), false, c)) return std::move(*q);
  if (c.deleted) return patient_removal(c);
  auto sex = row.str("Sex");
  auto gender_code = administrative_gender(sex);
  if (!gender_code) return RowAction::quarantined("Sex", "unknown Sex '" + sex + "', expected M, F, I or U");
  const std::string& gender = *gender_code;
  std::string birth, death;
  if (auto d = row.get("DateOfBirth")) {
    if (auto q = date_or_quarantine(emis_date(*d), "DateOfBirth", birth)) return std::move(*q);
  }
  if (auto d = row.get("DateOfDeath")) {
    if (auto q = date_or_quarantine(emis_datetime(*d, "", ""), "DateOfDeath", death)) return std::move(*q);
  }
  std::string deactivated;
  if (auto d = row.get("DateOfDeactivation")) {
    if (auto q = date_or_quarantine(emis_date(*d), "DateOfDeactivation", deactivated)) return std::move(*q);
  }

  ResourceDoc r("Patient", c.source, c.confidential);
  auto& a = r.alloc();
  if (auto nhs = row.get("NhsNumber")) {
    r.add_identifier(nhs_number_identifier(*nhs, row.str("NHSNumberStatus") == "01", a));
  }
  r.root().AddMember("active", deactivated.empty(), a);
  r.add("name", official_names(row.get("Surname"), row.get("GivenName"), row.get("MiddleNames"), row.get("Title"), a));
  json::Value telecom(rapidjson::kArrayType);
  auto add_telecom = [&](std::string_view column, const char* system, const char* use) {
    if (auto v = row.get(column)) {
      json::Value t(rapidjson::kObjectType);
      t.AddMember("system", rapidjson::StringRef(system), a);
      t.AddMember("value", str(*v, a), a);
      if (use) t.AddMember("use", rapidjson::StringRef(use), a);
      telecom.PushBack(t, a);
    }
  };
  add_telecom("HomePhone", "phone", "home");
  add_telecom("MobilePhone", "phone", "mobile");
  add_telecom("EmailAddress", "email", nullptr);
  if (!telecom.Empty()) r.add("telecom", std::move(telecom));
  if (!gender.empty()) r.add_string("gender", gender);
  if (!birth.empty()) r.add_string("birthDate", birth);
  if (!death.empty()) r.add_string("deceasedDateTime", death);
  if (auto pc = row.get("Postcode")) {
    json::Value addr(rapidjson::kObjectType);
    addr.AddMember("postalCode", str(*pc, a), a);
    json::Value addrs(rapidjson::kArrayType);
    addrs.PushBack(addr, a);
    r.add("address", std::move(addrs));
  }
  json::Value gps(rapidjson::kArrayType);
  gps.PushBack(organisation_reference(c.source.organisation, a), a);
  r.add("generalPractitioner", std::move(gps));

  auto action = start_action(c, RowAction::Kind::upsert, "Patient");
  action.is_patient = true;
  action.patient_id.clear();
  action.resource = r.take();
  return action;
}

RowAction EmisMapper::observation(const TableStep& step, const RowView& row) {
  Common c;
  auto org = organisation(row);
  if (auto q = common(row, kObservation, "ObservationGuid", org, true, c)) {
    // Row faults are accounted once, in the final step.
    return step.final_step ? std::move(*q) : RowAction{};
  }
  auto parent = row.get("ParentObservationGuid");
  const ClinicalCode* code = c.deleted ? nullptr : clinical(row);
  std::optional<std::pair<const QuestionnaireMap*, std::string>> link;
  if (code) link = question_link(*code, *org);
  // Child rows of questionnaire groups (and deletes that name a parent) are
  // parts of the parent's QuestionnaireResponse, claimed by the parts step.
  bool is_part = parent && (c.deleted || link.has_value());
  if (step.pass == Pass::parts) {
    if (!is_part) return {};
    auto a = start_action(c, RowAction::Kind::part, "QuestionnaireResponse",
                   derived_id(kFormat, *org, kObservation, *parent));
    a.part.kind = Part::Kind::item;
    a.part.parent_column = "ParentObservationGuid";
    a.part.element_id = c.source.key;
    a.part.remove = c.deleted;
    if (!c.deleted) {
      AnswerInput in;
      in.element_id = c.source.key;
      in.link_id = link->second;
      in.question_text = code->term;
      if (auto v = row.get("Value")) {
        in.numeric = parse_decimal(*v);
        if (!in.numeric) return RowAction::quarantined("Value", "Value '" + std::string(*v) + "' is not a number");
        in.unit = row.str("NumericUnit");
      }
      in.text = row.str("AssociatedText");
      auto codings = clinical_codings(*code, *org);
      if (!codings.empty()) in.code = codings.front();
      a.part.sort_key = in.link_id;
      a.part.json = build_answer_item(in);
    }
    return a;
  }
  if (is_part) return {};
  if (c.deleted) return removal_action(c, {"Consent", "QuestionnaireResponse"});
  if (!code) {
    return RowAction::quarantined("CodeId", row.get("CodeId") ? "unknown CodeId " + row.str("CodeId") +
                                                                    ": not in Coding_ClinicalCode"
                                                              : "missing CodeId");
  }
  std::string effective;
  if (auto q = date_or_quarantine(
          emis_datetime(row.str("EffectiveDate"), row.str("EffectiveTime"), row.str("EffectiveDatePrecision")),
          "EffectiveDate", effective)) {
    return std::move(*q);
  }
  auto codings = clinical_codings(*code, *org);
  std::optional<ConsentKind> consent;
  const QuestionnaireMap* questionnaire = nullptr;
  for (const auto& cd : codings) {
    if (auto k = config_.consent_kind(cd.system, cd.code); k && (!consent || *k == ConsentKind::deny)) consent = k;
    if (!questionnaire) questionnaire = config_.questionnaire_by_header(cd.system, cd.code);
  }
  if (consent) {
    ConsentInput in{*consent, c.patient, effective, codings, code->term};
    auto a = start_action(c, RowAction::Kind::upsert, "Consent");
    a.resource = build_consent(c.source, c.confidential, in);
    return a;
  }
  if (questionnaire) {
    auto a = start_action(c, RowAction::Kind::upsert, "QuestionnaireResponse");
    a.resource = build_questionnaire_response(c.source, c.confidential,
                                          {questionnaire->canonical, c.patient, effective});
    return a;
  }
  return RowAction::accounted_unchanged("observation code is neither consent nor questionnaire: not imported");
}

RowAction EmisMapper::drug_record(const RowView& row) {
  Common c;
  auto org = organisation(row);
  if (auto q = common(row, kDrugRecord, "DrugRecordGuid", org, true, c)) return std::move(*q);
  if (c.deleted) return removal_action(c, {"MedicationStatement"});
  auto code_id = row.str("CodeId");
  auto drug = drugs_.find(code_id);
  if (drug == drugs_.end()) {
    return RowAction::quarantined("CodeId", code_id.empty() ? "missing CodeId"
                                                            : "unknown CodeId " + code_id + ": not in Coding_DrugCode");
  }
  bool active = false;
  if (!row.get("IsActive")) return RowAction::quarantined("IsActive", "missing IsActive");
  if (auto q = read_flag(row, "IsActive", active)) return std::move(*q);
  auto type = row.str("PrescriptionType");
  std::string course;
  if (type == "Acute") course = "acute";
  else if (type == "Repeat" || type == "Repeat Dispensing" || type == "Automatic") course = "continuous";
  else return RowAction::quarantined("PrescriptionType", "unknown PrescriptionType '" + type + "'");
  std::string start_date, end_date;
  if (auto q = date_or_quarantine(emis_datetime(row.str("EffectiveDate"), "", row.str("EffectiveDatePrecision")),
                                  "EffectiveDate", start_date)) {
    return std::move(*q);
  }
  if (auto d = row.get("CancellationDate")) {
    if (auto q = date_or_quarantine(emis_datetime(*d, "", ""), "CancellationDate", end_date)) return std::move(*q);
  }

  ResourceDoc r("MedicationStatement", c.source, c.confidential);
  auto& a = r.alloc();
  r.add_string("status", active ? "active" : "completed");
  json::Value category(rapidjson::kObjectType);
  category = codeable_concept(
      {{"http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy", course, ""}}, type, a);
  r.add("category", std::move(category));
  std::vector<Coding> med;
  if (!drug->second.dmd.empty()) med.push_back({systems::kDmd, drug->second.dmd, drug->second.term});
  else med.push_back({local_code_system(kFormat, *org), code_id, drug->second.term});
  add_mapped_codings(config_, med);
  r.add("medicationCodeableConcept", codeable_concept(med, drug->second.term, a));
  r.add("subject", reference("Patient", c.patient, a));
  if (!start_date.empty() || !end_date.empty()) r.add("effectivePeriod", period(start_date, end_date, a));
  json::Value notes(rapidjson::kArrayType);
  if (auto qty = row.get("Quantity")) {
    std::string text = "Quantity: " + std::string(*qty);
    if (auto u = row.get("QuantityUnit")) text += " " + std::string(*u);
    notes.PushBack(annotation(text, a), a);
  }
  if (auto n = row.get("NumberOfIssuesAuthorised")) {
    notes.PushBack(annotation("Issues authorised: " + std::string(*n), a), a);
  }
  if (!notes.Empty()) r.add("note", std::move(notes));
  if (auto d = row.get("Dosage")) {
    json::Value dose(rapidjson::kObjectType);
    dose.AddMember("text", str(*d, a), a);
    json::Value doses(rapidjson::kArrayType);
    doses.PushBack(dose, a);
    r.add("dosage", std::move(doses));
  }
  auto action = start_action(c, RowAction::Kind::upsert, "MedicationStatement");
  action.resource = r.take();
  return action;
}

RowAction EmisMapper::issue_record(const RowView& row) {
  Common c;
  auto org = organisation(row);
  if (auto q = common(row, "Prescribing_IssueRecord", "IssueRecordGuid", org, true, c)) return std::move(*q);
  if (c.deleted) {
    // The last-issue date is a maximum over issues the store does not keep, so
    // it cannot be recomputed without the deleted issue: left as it is.
    return RowAction::accounted_unchanged("issue delete: last issue date not recomputed");
  }
  auto drug = row.get("DrugRecordGuid");
  if (!drug) return RowAction::quarantined("DrugRecordGuid", "missing DrugRecordGuid");
  std::string date;
  if (auto q = date_or_quarantine(emis_datetime(row.str("EffectiveDate"), "", ""), "EffectiveDate", date)) {
    return std::move(*q);
  }
  if (date.empty()) return RowAction::quarantined("EffectiveDate", "missing EffectiveDate");
  auto a = start_action(c, RowAction::Kind::part, "MedicationStatement", derived_id(kFormat, *org, kDrugRecord, *drug));
  a.part.kind = Part::Kind::last_issue;
  a.part.parent_column = "DrugRecordGuid";
  a.part.element_id = c.source.key;
  a.part.json = date;
  return a;
}

RowAction EmisMapper::alert(const RowView& row) {
  Common c;
  auto org = organisation(row);
  if (auto q = common(row, "CareRecord_Alert", "AlertGuid", org, true, c)) return std::move(*q);
  if (c.deleted) return removal_action(c, {"Flag"});
  std::vector<Coding> codings;
  std::string term;
  if (auto id = row.get("CodeId")) {
    const ClinicalCode* code = clinical(row);
    if (!code) return RowAction::quarantined("CodeId", "unknown CodeId " + std::string(*id) + ": not in Coding_ClinicalCode");
    codings = clinical_codings(*code, *org);
    term = code->term;
  }
  auto text = row.str("AlertText");
  if (text.empty()) text = term;
  if (codings.empty() && text.empty()) return RowAction::quarantined("AlertText", "an alert needs AlertText or CodeId");
  bool active = false;
  if (auto q = read_flag(row, "IsActive", active)) return std::move(*q);
  std::string start_date, end_date;
  if (auto q = date_or_quarantine(emis_datetime(row.str("StartDate"), "", ""), "StartDate", start_date)) {
    return std::move(*q);
  }
  if (auto d = row.get("EndDate")) {
    if (auto q = date_or_quarantine(emis_datetime(*d, "", ""), "EndDate", end_date)) return std::move(*q);
  }
  ResourceDoc r("Flag", c.source, c.confidential);
  auto& a = r.alloc();
  r.add_string("status", active ? "active" : "inactive");
  {
    // Always one coded category; EMIS's own category text stays as its text.
    auto source_category = row.str("AlertCategory");
    json::Value cats(rapidjson::kArrayType);
    cats.PushBack(codeable_concept({flag_category(source_category)}, source_category, a), a);
    r.add("category", std::move(cats));
  }
  r.add("code", codeable_concept(codings, text, a));
  r.add("subject", reference("Patient", c.patient, a));
  if (!start_date.empty() || !end_date.empty()) r.add("period", period(start_date, end_date, a));
  r.add("author", organisation_reference(c.source.organisation, a));
  auto action = start_action(c, RowAction::Kind::upsert, "Flag");
  action.resource = r.take();
  return action;
}

RowAction EmisMapper::care_plan(const RowView& row) {
  Common c;
  auto org = organisation(row);
  if (auto q = common(row, "CareRecord_CarePlan", "CarePlanGuid", org, true, c)) return std::move(*q);
  if (c.deleted) return removal_action(c, {"CarePlan"});
  auto status = row.str("Status");
  if (status != "draft" && status != "active" && status != "completed" && status != "revoked") {
    return RowAction::quarantined("Status", "unknown Status '" + status + "', expected draft, active, completed or revoked");
  }
  std::vector<Coding> codings;
  std::string term;
  if (auto id = row.get("CodeId")) {
    const ClinicalCode* code = clinical(row);
    if (!code) return RowAction::quarantined("CodeId", "unknown CodeId " + std::string(*id) + ": not in Coding_ClinicalCode");
    codings = clinical_codings(*code, *org);
    term = code->term;
  }
  std::string start_date, end_date, review;
  if (auto q = date_or_quarantine(emis_datetime(row.str("StartDate"), "", ""), "StartDate", start_date)) {
    return std::move(*q);
  }
  if (auto d = row.get("EndDate")) {
    if (auto q = date_or_quarantine(emis_datetime(*d, "", ""), "EndDate", end_date)) return std::move(*q);
  }
  if (auto d = row.get("ReviewDate")) {
    if (auto q = date_or_quarantine(emis_date(*d), "ReviewDate", review)) return std::move(*q);
  }
  std::string title = row.str("Title");
  if (title.empty()) title = term.empty() ? "Care plan" : term;
  ResourceDoc r("CarePlan", c.source, c.confidential);
  auto& a = r.alloc();
  r.add_string("status", status);
  r.add_string("intent", "plan");
  {
    // The gateway's kind of plan first, then the practice's own code.
    std::vector<Coding> kind = {care_plan_category(title + " " + term)};
    kind.insert(kind.end(), codings.begin(), codings.end());
    json::Value cats(rapidjson::kArrayType);
    cats.PushBack(codeable_concept(kind, term, a), a);
    r.add("category", std::move(cats));
  }
  r.add_string("title", title);
  if (auto g = row.get("Goal")) r.add_string("description", *g);
  r.add("subject", reference("Patient", c.patient, a));
  if (!start_date.empty() || !end_date.empty()) r.add("period", period(start_date, end_date, a));
  r.add("author", organisation_reference(c.source.organisation, a));
  json::Value notes(rapidjson::kArrayType);
  if (auto n = row.get("Notes")) notes.PushBack(annotation(*n, a), a);
  if (!review.empty()) notes.PushBack(annotation("Review due " + review, a), a);
  if (!notes.Empty()) r.add("note", std::move(notes));
  auto action = start_action(c, RowAction::Kind::upsert, "CarePlan");
  action.resource = r.take();
  return action;
}

}  // namespace fhirgw::adapters::emis
