#include "systmone/systmone_mapper.hpp"

#include <algorithm>

#include "core/systems.hpp"
#include "mapping/categories.hpp"
#include "mapping/common_resources.hpp"
#include "mapping/source_dates.hpp"

namespace fhirgw::adapters::systmone {
namespace {

constexpr const char* kFormat = "systmone";
constexpr const char* kOrgColumn = "IDOrganisationVisibleTo";

const std::vector<TableSchema>& schemas() {
  static const std::vector<TableSchema> s = {
      {"SRMapping", "RowIdentifier", {"RowIdentifier", "IdMappingGroup", "Mapping"}, {}, {}},
      {"SRQuestionnaire", "RowIdentifier", {"RowIdentifier", "QuestionnaireName", "QuestionnaireVersion", "RemovedData"}, {}, {}},
      {"SRPatient", "RowIdentifier",
       {"RowIdentifier", kOrgColumn, "Surname", "DateBirth", "Gender", "NHSNumber", "RemovedData"}, {}, {"Patient"}},
      {"SRCode", "RowIdentifier", {"RowIdentifier", kOrgColumn, "DateEvent", "IDPatient", "RemovedData"},
       {{"CTV3Code", "SNOMEDCode"}}, {"Consent"}},
      {"SRSpecialNotes", "RowIdentifier",
       {"RowIdentifier", kOrgColumn, "IDPatient", "DateStart", "Type", "Note", "RemovedData"}, {}, {"Flag"}},
      {"SRCarePlan", "RowIdentifier",
       {"RowIdentifier", kOrgColumn, "IDPatient", "DateStart", "NameOfCarePlanUsed", "RemovedData"}, {}, {"CarePlan"}},
      {"SRCarePlanItem", "RowIdentifier", {"RowIdentifier", "IDCarePlan", "IDPatient", "Instruction", "RemovedData"}, {}, {}},
      {"SRAnsweredQuestionnaire", "RowIdentifier",
       {"RowIdentifier", kOrgColumn, "IDPatient", "IDQuestionnaire", "DateEvent", "RemovedData"}, {},
       {"QuestionnaireResponse"}},
      {"SRFreeText", "RowIdentifier",
       {"RowIdentifier", "IDPatient", "IDAnsweredQuestionnaire", "Question", "FreeText", "RemovedData"}, {}, {}},
      {"SRRepeatTemplate", "RowIdentifier",
       {"RowIdentifier", kOrgColumn, "IDPatient", "NameOfMedication", "DateMedicationTemplateStart", "RemovedData"}, {},
       {"MedicationStatement"}},
      {"SRPrimaryCareMedication", "RowIdentifier",
       {"RowIdentifier", kOrgColumn, "IDPatient", "NameOfMedication", "DateMedicationStart", "RemovedData"}, {},
       {"MedicationStatement"}},
  };
  return s;
}

using Common = RowCommon;

std::optional<RowAction> common(const RowView& row, std::string_view table, const std::optional<std::string>& org,
                                bool needs_patient, Common& c) {
  auto key = row.get("RowIdentifier");
  if (!key) return RowAction::quarantined("RowIdentifier", "missing key RowIdentifier");
  if (!org) return RowAction::quarantined(kOrgColumn, "cannot tell which organisation the row belongs to");
  c.source = SourceKey{kFormat, *org, std::string(table), std::string(*key)};
  auto removed = row.str("RemovedData");
  if (removed == "1") c.deleted = true;
  else if (!removed.empty() && removed != "0") {
    return RowAction::quarantined("RemovedData", "expected 0 or 1, found '" + removed + "'");
  }
  if (c.deleted) return std::nullopt;
  if (needs_patient) {
    auto p = row.get("IDPatient");
    if (!p) return RowAction::quarantined("IDPatient", "missing IDPatient");
    c.patient = derived_id(kFormat, *org, "SRPatient", *p);
  }
  return std::nullopt;
}


std::optional<bool> systmone_bool(std::string_view v) { return parse_bool(v); }

}  // namespace

SystmOneMapper::SystmOneMapper(const ImportConfig& config) : config_(config) {}

Result<FileSet> SystmOneMapper::discover(const std::filesystem::path& dir) const {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return Error::invalid("not a directory: " + dir.string());
  auto manifest_path = dir / "SRManifest.csv";
  std::unordered_map<std::string, bool> delta_by_table;
  if (std::filesystem::exists(manifest_path)) {
    auto reader = csv::Reader::open(manifest_path, csv::Encoding::cp1252);
    if (!reader) return reader.error();
    auto& r = **reader;
    if (auto st = r.read_header(); !st) return st.error();
    if (auto st = r.require({"FileName", "IsDelta"}); !st) return st.error();
    csv::Row row;
    while (r.next(row)) {
      if (row.error) {
        return Error::invalid("SRManifest.csv line " + std::to_string(row.line) + ": " + row.error->message);
      }
      std::string name(r.get(row, "FileName").value_or(""));
      if (name.size() > 4 && name.substr(name.size() - 4) == ".csv") name.resize(name.size() - 4);
      auto d = std::string(r.get(row, "IsDelta").value_or(""));
      if (d != "Y" && d != "N" && !systmone_bool(d)) {
        return Error::invalid("SRManifest.csv line " + std::to_string(row.line) + ": IsDelta must be Y or N",
                              "IsDelta");
      }
      delta_by_table[name] = d == "Y" || systmone_bool(d).value_or(false);
    }
  } else {
    return Error::invalid(dir.string() + ": SRManifest.csv is missing");
  }
  FileSet set;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    auto name = entry.path().filename().string();
    if (name == "SRManifest.csv") continue;
    auto table = entry.path().stem().string();
    if (entry.path().extension() != ".csv" || !schema(table)) {
      set.unknown.push_back(name);
      continue;
    }
    auto it = delta_by_table.find(table);
    bool delta = it == delta_by_table.end() ? true : it->second;
    if (table == "SRPatient" && !delta) set.bulk = true;
    set.files.push_back({entry.path(), table, 0, delta});
  }
  if (ec) return Error::invalid("cannot list " + dir.string() + ": " + ec.message());
  std::sort(set.files.begin(), set.files.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
  std::sort(set.unknown.begin(), set.unknown.end());
  return set;
}

const std::vector<TableStep>& SystmOneMapper::plan() const {
  static const std::vector<TableStep> p = {
      {"SRMapping", Pass::lookup, true},
      {"SRQuestionnaire", Pass::lookup, true},
      {"SRPatient", Pass::main, true},
      {"SRCarePlanItem", Pass::parts, true},
      {"SRCode", Pass::parts, false},
      {"SRFreeText", Pass::parts, true},
      {"SRPrimaryCareMedication", Pass::parts, false},
      {"SRCode", Pass::main, true},
      {"SRSpecialNotes", Pass::main, true},
      {"SRCarePlan", Pass::main, true},
      {"SRAnsweredQuestionnaire", Pass::main, true},
      {"SRRepeatTemplate", Pass::main, true},
      {"SRPrimaryCareMedication", Pass::main, true},
  };
  return p;
}

const TableSchema* SystmOneMapper::schema(std::string_view table) const {
  for (const auto& s : schemas()) {
    if (s.table == table) return &s;
  }
  return nullptr;
}

std::optional<std::string> SystmOneMapper::organisation(const RowView& row) {
  if (auto id = row.get(kOrgColumn)) {
    auto code = config_.organisation_code(*id);
    organisations_seen_.insert(code);
    return code;
  }
  // Rows without an organisation (deletes, child tables): the set's only one.
  if (organisations_seen_.size() == 1) return *organisations_seen_.begin();
  if (auto sole = config_.sole_organisation(); !sole.empty()) return sole;
  return std::nullopt;
}

std::vector<Coding> SystmOneMapper::codings(const RowView& row, const std::string& org) const {
  std::vector<Coding> out;
  if (auto s = row.get("SNOMEDCode")) out.push_back({systems::kSnomed, std::string(*s), row.str("SNOMEDText")});
  if (auto c = row.get("CTV3Code")) {
    // CTV3 codes starting Y are TPP local codes, never national ones.
    bool local = c->front() == 'Y';
    out.push_back({local ? local_code_system(kFormat, org) : systems::kCtv3, std::string(*c), row.str("CTV3Text")});
  }
  add_mapped_codings(config_, out);
  return out;
}

std::string SystmOneMapper::column_for(std::string_view table, std::string_view path) const {
  static const std::vector<ColumnRule> kRules = {
      {"SRPatient", "Patient.identifier", "NHSNumber"},
      {"SRPatient", "Patient.name", "Surname"},
      {"SRPatient", "Patient.gender", "Gender"},
      {"SRPatient", "Patient.birthDate", "DateBirth"},
      {"SRPatient", "Patient.deceased", "DateDeath"},
      {"SRPatient", "Patient.telecom", "EmailAddress"},
      {"SRCode", "Consent.dateTime", "DateEvent"},
      {"SRCode", "Consent.category", "CTV3Code"},
      {"SRCode", "QuestionnaireResponse.item", "CTV3Code"},
      {"SRCode", "QuestionnaireResponse.item.answer.valueQuantity", "NumericValue"},
      {"SRSpecialNotes", "Flag.category", "Type"},
      {"SRSpecialNotes", "Flag.code", "Note"},
      {"SRSpecialNotes", "Flag.period", "DateStart"},
      {"SRCarePlan", "CarePlan.category", "CarePlanCategory"},
      {"SRCarePlan", "CarePlan.title", "NameOfCarePlanUsed"},
      {"SRCarePlan", "CarePlan.period", "DateStart"},
      {"SRCarePlan", "CarePlan.description", "Aim"},
      {"SRCarePlanItem", "CarePlan.activity", "Instruction"},
      {"SRCarePlanItem", "CarePlan.activity.detail.scheduledPeriod", "DateAdded"},
      {"SRAnsweredQuestionnaire", "QuestionnaireResponse.questionnaire", "IDQuestionnaire"},
      {"SRAnsweredQuestionnaire", "QuestionnaireResponse.authored", "DateEvent"},
      {"SRFreeText", "QuestionnaireResponse.item", "FreeText"},
      {"SRFreeText", "QuestionnaireResponse.item.linkId", "Question"},
      {"SRRepeatTemplate", "MedicationStatement.medication", "IDMultiLexDMD"},
      {"SRRepeatTemplate", "MedicationStatement.effective", "DateMedicationTemplateStart"},
      {"SRRepeatTemplate", "MedicationStatement.dosage", "MedicationDosage"},
      {"SRPrimaryCareMedication", "MedicationStatement.medication", "IDMultiLexDMD"},
      {"SRPrimaryCareMedication", "MedicationStatement.effective", "DateMedicationStart"},
      {"SRPrimaryCareMedication", "MedicationStatement.dosage", "MedicationDosage"},
      {"SRPrimaryCareMedication", "MedicationStatement.extension", "DateMedicationStart"},
  };
  std::string normalised(path);
  for (size_t open = normalised.find('['); open != std::string::npos; open = normalised.find('[')) {
    normalised.erase(open, normalised.find(']', open) - open + 1);
  }
  return column_by_rules(kRules, table, normalised);
}

RowAction SystmOneMapper::map_row(const TableStep& step, const RowView& row) {
  const auto& t = step.table;
  if (t == "SRMapping") {
    auto id = row.get("RowIdentifier");
    if (!id) return RowAction::quarantined("RowIdentifier", "missing key RowIdentifier");
    mappings_[std::string(*id)] = row.str("Mapping");
    return RowAction::accounted_unchanged("mapping lookup");
  }
  if (t == "SRQuestionnaire") {
    auto id = row.get("RowIdentifier");
    if (!id) return RowAction::quarantined("RowIdentifier", "missing key RowIdentifier");
    questionnaires_[std::string(*id)] = {row.str("QuestionnaireName"), row.str("QuestionnaireVersion")};
    return RowAction::accounted_unchanged("questionnaire lookup");
  }
  if (t == "SRPatient") return patient(row);
  if (t == "SRCode") return code(step, row);
  if (t == "SRSpecialNotes") return special_note(row);
  if (t == "SRCarePlan") return care_plan(row);
  if (t == "SRCarePlanItem") return care_plan_item(row);
  if (t == "SRAnsweredQuestionnaire") return answered_questionnaire(row);
  if (t == "SRFreeText") return free_text(row);
  if (t == "SRRepeatTemplate") return repeat_template(row);
  if (t == "SRPrimaryCareMedication") return medication(step, row);
  return RowAction::quarantined("", "table " + t + " is not mapped");
}

RowAction SystmOneMapper::patient(const RowView& row) {
  Common c;
  if (auto q = common(row, "SRPatient", organisation(row), false, c)) return std::move(*q);
  if (c.deleted) return patient_removal(c);
  auto sex = row.str("Gender");
  auto gender_code = administrative_gender(sex);
  if (!gender_code) return RowAction::quarantined("Gender", "unknown Gender '" + sex + "', expected M, F, I or U");
  const std::string& gender = *gender_code;
  std::string birth, death;
  if (auto d = row.get("DateBirth")) {
    if (auto q = date_or_quarantine(systmone_date(*d), "DateBirth", birth)) return std::move(*q);
  }
  if (auto d = row.get("DateDeath")) {
    if (auto q = date_or_quarantine(systmone_datetime(*d), "DateDeath", death)) return std::move(*q);
  }
  bool verified = false, test = false;
  if (auto v = row.get("SpineMatched")) {
    auto b = systmone_bool(*v);
    if (!b) return RowAction::quarantined("SpineMatched", "expected TRUE or FALSE, found '" + std::string(*v) + "'");
    verified = *b;
  }
  if (auto v = row.get("TestPatient")) {
    auto b = systmone_bool(*v);
    if (!b) return RowAction::quarantined("TestPatient", "expected TRUE or FALSE, found '" + std::string(*v) + "'");
    test = *b;
  }
  ResourceDoc r("Patient", c.source, false);
  auto& a = r.alloc();
  if (test) {
    // Test patients are real rows in live systems; tagged so policy can exclude them.
    json::Value tag(rapidjson::kObjectType);
    tag.AddMember("system", "https://fhir-gateway.org.uk/CodeSystem/record-flag", a);
    tag.AddMember("code", "test-patient", a);
    r.root()["meta"]["tag"].PushBack(tag, a);
  }
  if (auto nhs = row.get("NHSNumber")) r.add_identifier(nhs_number_identifier(*nhs, verified, a));
  r.add("name", official_names(row.get("Surname"), row.get("FirstName"), row.get("MiddleNames"), row.get("Title"), a));
  if (auto e = row.get("EmailAddress")) {
    json::Value t(rapidjson::kObjectType);
    t.AddMember("system", "email", a);
    t.AddMember("value", str(*e, a), a);
    json::Value telecom(rapidjson::kArrayType);
    telecom.PushBack(t, a);
    r.add("telecom", std::move(telecom));
  }
  if (!gender.empty()) r.add_string("gender", gender);
  if (!birth.empty()) r.add_string("birthDate", birth);
  if (!death.empty()) r.add_string("deceasedDateTime", death);
  json::Value gps(rapidjson::kArrayType);
  gps.PushBack(organisation_reference(c.source.organisation, a), a);
  r.add("generalPractitioner", std::move(gps));
  auto action = start_action(c, RowAction::Kind::upsert, "Patient");
  action.is_patient = true;
  action.resource = r.take();
  return action;
}

RowAction SystmOneMapper::code(const TableStep& step, const RowView& row) {
  Common c;
  auto org = organisation(row);
  if (auto q = common(row, "SRCode", org, true, c)) return step.final_step ? std::move(*q) : RowAction{};
  auto answered = row.get("IDQuestionnaire");
  if (step.pass == Pass::parts) {
    if (!answered) return {};
    auto a = start_action(c, RowAction::Kind::part, "QuestionnaireResponse",
                   derived_id(kFormat, *org, "SRAnsweredQuestionnaire", *answered));
    a.part.kind = Part::Kind::item;
    a.part.parent_column = "IDQuestionnaire";
    a.part.element_id = "SRCode-" + c.source.key;
    a.part.remove = c.deleted;
    if (c.deleted) return a;
    auto cds = codings(row, *org);
    if (cds.empty()) return RowAction::quarantined("CTV3Code", "a coded entry needs CTV3Code or SNOMEDCode");
    AnswerInput in;
    in.element_id = a.part.element_id;
    for (const auto& cd : cds) {
      for (const auto& q : config_.questionnaires) {
        if (in.link_id.empty()) in.link_id = link_id_for_code(q, cd.system, cd.code).value_or("");
      }
    }
    // A row that says it belongs to a questionnaire keeps its code as linkId
    // when the configuration does not name the question.
    if (in.link_id.empty()) in.link_id = cds.front().code;
    in.question_text = cds.front().display;
    auto is_numeric = systmone_bool(row.str("IsNumeric")).value_or(false);
    if (is_numeric) {
      if (auto v = row.get("NumericValue")) {
        in.numeric = parse_decimal(*v);
        if (!in.numeric) return RowAction::quarantined("NumericValue", "NumericValue '" + std::string(*v) + "' is not a number");
        in.unit = row.str("NumericUnit");
      }
    }
    in.code = cds.front();
    a.part.sort_key = in.link_id;
    a.part.json = build_answer_item(in);
    return a;
  }
  if (answered) return {};
  if (c.deleted) return removal_action(c, {"Consent"});
  auto cds = codings(row, *org);
  if (cds.empty()) return RowAction::quarantined("CTV3Code", "a coded entry needs CTV3Code or SNOMEDCode");
  std::optional<ConsentKind> consent;
  for (const auto& cd : cds) {
    if (auto k = config_.consent_kind(cd.system, cd.code); k && (!consent || *k == ConsentKind::deny)) consent = k;
  }
  if (!consent) return RowAction::accounted_unchanged("coded entry is not a consent code: not imported");
  std::string when;
  if (auto q = date_or_quarantine(systmone_datetime(row.str("DateEvent")), "DateEvent", when)) return std::move(*q);
  auto text = cds.back().display.empty() ? cds.front().display : cds.back().display;
  ConsentInput in{*consent, c.patient, when, cds, text};
  auto a = start_action(c, RowAction::Kind::upsert, "Consent");
  a.resource = build_consent(c.source, false, in);
  return a;
}

RowAction SystmOneMapper::special_note(const RowView& row) {
  Common c;
  auto org = organisation(row);
  if (auto q = common(row, "SRSpecialNotes", org, true, c)) return std::move(*q);
  if (c.deleted || row.get("DateDeleted")) {
    c.patient.clear();
    return removal_action(c, {"Flag"});
  }
  std::string start_date, expired;
  if (auto q = date_or_quarantine(systmone_datetime(row.str("DateStart")), "DateStart", start_date)) return std::move(*q);
  if (auto d = row.get("DateExpired")) {
    if (auto q = date_or_quarantine(systmone_datetime(*d), "DateExpired", expired)) return std::move(*q);
  }
  auto type = row.str("Type");
  auto mapped = mappings_.find(type);
  std::string type_text = mapped != mappings_.end() ? mapped->second : std::string();
  // The note type is both the flag's kind (category) and, by its SRMapping
  // text, a code that code_maps can give a shared meaning ("Complex case" →
  // care-flag complex-case).
  std::vector<Coding> code;
  if (!type_text.empty()) {
    code.push_back({kSpecialNoteTypeSystem, type_text, type_text});
    add_mapped_codings(config_, code);
  }
  std::string category_text = !type_text.empty() ? type_text : (type.empty() ? "" : "SRMapping " + type);
  ResourceDoc r("Flag", c.source, false);
  auto& a = r.alloc();
  r.add_string("status", expired.empty() ? "active" : "inactive");
  {
    json::Value cats(rapidjson::kArrayType);
    cats.PushBack(codeable_concept({flag_category(type_text)}, category_text, a), a);
    r.add("category", std::move(cats));
  }
  r.add("code", codeable_concept(code, row.str("Note"), a));
  r.add("subject", reference("Patient", c.patient, a));
  if (!start_date.empty() || !expired.empty()) r.add("period", period(start_date, expired, a));
  r.add("author", organisation_reference(c.source.organisation, a));
  auto action = start_action(c, RowAction::Kind::upsert, "Flag");
  action.resource = r.take();
  return action;
}

RowAction SystmOneMapper::care_plan(const RowView& row) {
  Common c;
  auto org = organisation(row);
  if (auto q = common(row, "SRCarePlan", org, true, c)) return std::move(*q);
  if (c.deleted) return removal_action(c, {"CarePlan"});
  std::string start_date, end_date;
  if (auto q = date_or_quarantine(systmone_datetime(row.str("DateStart")), "DateStart", start_date)) return std::move(*q);
  if (auto d = row.get("DateEnd")) {
    if (auto q = date_or_quarantine(systmone_datetime(*d), "DateEnd", end_date)) return std::move(*q);
  }
  ResourceDoc r("CarePlan", c.source, false);
  auto& a = r.alloc();
  r.add_string("status", end_date.empty() ? "active" : "completed");
  r.add_string("intent", "plan");
  auto source_category = row.str("CarePlanCategory");
  std::string title = row.str("NameOfCarePlanUsed");
  if (title.empty()) title = source_category.empty() ? "Care plan" : source_category + " care plan";
  {
    json::Value cats(rapidjson::kArrayType);
    cats.PushBack(codeable_concept({care_plan_category(title + " " + source_category)}, source_category, a), a);
    r.add("category", std::move(cats));
  }
  r.add_string("title", title);
  if (auto aim = row.get("Aim")) r.add_string("description", *aim);
  r.add("subject", reference("Patient", c.patient, a));
  if (!start_date.empty() || !end_date.empty()) r.add("period", period(start_date, end_date, a));
  r.add("author", organisation_reference(c.source.organisation, a));
  if (auto o = row.get("Outcome")) {
    json::Value notes(rapidjson::kArrayType);
    notes.PushBack(annotation("Outcome: " + std::string(*o), a), a);
    r.add("note", std::move(notes));
  }
  auto action = start_action(c, RowAction::Kind::upsert, "CarePlan");
  action.resource = r.take();
  return action;
}

RowAction SystmOneMapper::care_plan_item(const RowView& row) {
  Common c;
  auto org = organisation(row);
  if (auto q = common(row, "SRCarePlanItem", org, true, c)) return std::move(*q);
  auto plan = row.get("IDCarePlan");
  if (!plan) {
    return RowAction::quarantined("IDCarePlan", c.deleted ? "item delete without IDCarePlan: cannot find its care plan"
                                                          : "missing IDCarePlan");
  }
  auto a = start_action(c, RowAction::Kind::part, "CarePlan", derived_id(kFormat, *org, "SRCarePlan", *plan));
  a.part.kind = Part::Kind::activity;
  a.part.parent_column = "IDCarePlan";
  a.part.element_id = "SRCarePlanItem-" + c.source.key;
  a.part.sort_key = a.part.element_id;
  a.part.remove = c.deleted;
  if (c.deleted) return a;
  std::string added, removed;
  if (auto d = row.get("DateAdded")) {
    if (auto q = date_or_quarantine(systmone_datetime(*d), "DateAdded", added)) return std::move(*q);
  }
  if (auto d = row.get("DateRemoved")) {
    if (auto q = date_or_quarantine(systmone_datetime(*d), "DateRemoved", removed)) return std::move(*q);
  }
  json::Document d;
  d.SetObject();
  auto& al = d.GetAllocator();
  d.AddMember("id", str(a.part.element_id, al), al);
  json::Value detail(rapidjson::kObjectType);
  // An item taken off the plan is over; SystmOne does not say whether it was achieved.
  detail.AddMember("status", str(removed.empty() ? "in-progress" : "completed", al), al);
  if (!added.empty() || !removed.empty()) detail.AddMember("scheduledPeriod", period(added, removed, al), al);
  detail.AddMember("description", str(row.str("Instruction"), al), al);
  d.AddMember("detail", detail, al);
  a.part.json = json::to_string(d);
  return a;
}

RowAction SystmOneMapper::answered_questionnaire(const RowView& row) {
  Common c;
  auto org = organisation(row);
  if (auto q = common(row, "SRAnsweredQuestionnaire", org, true, c)) return std::move(*q);
  if (c.deleted) return removal_action(c, {"QuestionnaireResponse"});
  std::string when;
  if (auto q = date_or_quarantine(systmone_datetime(row.str("DateEvent")), "DateEvent", when)) return std::move(*q);
  auto qid = row.str("IDQuestionnaire");
  std::string canonical;
  auto info = questionnaires_.find(qid);
  if (info != questionnaires_.end()) {
    // The configured canonical is the gateway's Questionnaire, whatever the
    // practice's local version number of its template.
    if (const auto* m = config_.questionnaire_by_name(info->second.name)) canonical = m->canonical;
  }
  if (canonical.empty()) {
    // Unconfigured: a canonical naming the practice's questionnaire (and its
    // version), which the validator will not know, so the rows are quarantined.
    canonical = std::string(systems::kBase) + "/Questionnaire/systmone/" + *org + "/" + qid;
    if (info != questionnaires_.end() && !info->second.version.empty()) canonical += "|" + info->second.version;
  }
  auto a = start_action(c, RowAction::Kind::upsert, "QuestionnaireResponse");
  a.resource = build_questionnaire_response(c.source, false, {canonical, c.patient, when});
  return a;
}

RowAction SystmOneMapper::free_text(const RowView& row) {
  Common c;
  auto org = organisation(row);
  if (auto q = common(row, "SRFreeText", org, true, c)) return std::move(*q);
  auto answered = row.get("IDAnsweredQuestionnaire");
  if (!answered) {
    return RowAction::quarantined("IDAnsweredQuestionnaire", "missing IDAnsweredQuestionnaire");
  }
  auto a = start_action(c, RowAction::Kind::part, "QuestionnaireResponse",
                 derived_id(kFormat, *org, "SRAnsweredQuestionnaire", *answered));
  a.part.kind = Part::Kind::item;
  a.part.parent_column = "IDAnsweredQuestionnaire";
  a.part.element_id = "SRFreeText-" + c.source.key;
  a.part.remove = c.deleted;
  if (c.deleted) return a;
  auto question = row.str("Question");
  AnswerInput in;
  in.element_id = a.part.element_id;
  const QuestionnaireMap* named = config_.questionnaire_by_name(row.str("QuestionnaireName"));
  if (named) in.link_id = link_id_for_question(*named, question).value_or("");
  for (const auto& q : config_.questionnaires) {
    if (in.link_id.empty()) in.link_id = link_id_for_question(q, question).value_or("");
  }
  if (in.link_id.empty()) in.link_id = question;
  if (in.link_id.empty()) return RowAction::quarantined("Question", "missing Question");
  in.question_text = question;
  in.text = row.str("FreeText");
  a.part.sort_key = in.link_id;
  a.part.json = build_answer_item(in);
  return a;
}

namespace {

struct MedicationInput {
  std::string status, course, course_text, start, end, name, dmd, dosage, quantity, max_issues;
  bool other_organisation = false;
};

json::Document build_medication(const Common& c, const MedicationInput& m) {
  ResourceDoc r("MedicationStatement", c.source, false);
  auto& a = r.alloc();
  r.add_string("status", m.status);
  r.add("category", codeable_concept({{"http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy",
                                       m.course, ""}},
                                     m.course_text, a));
  std::vector<Coding> med;
  if (!m.dmd.empty()) med.push_back({systems::kDmd, m.dmd, m.name});
  r.add("medicationCodeableConcept", codeable_concept(med, m.name, a));
  r.add("subject", reference("Patient", c.patient, a));
  if (!m.start.empty() || !m.end.empty()) r.add("effectivePeriod", period(m.start, m.end, a));
  if (m.other_organisation) {
    json::Value src(rapidjson::kObjectType);
    src.AddMember("type", "Organization", a);
    src.AddMember("display", "Prescribed by another organisation", a);
    r.add("informationSource", std::move(src));
  }
  json::Value notes(rapidjson::kArrayType);
  if (!m.quantity.empty()) notes.PushBack(annotation("Quantity: " + m.quantity, a), a);
  if (!m.max_issues.empty()) notes.PushBack(annotation("Issues authorised: " + m.max_issues, a), a);
  if (!notes.Empty()) r.add("note", std::move(notes));
  if (!m.dosage.empty()) {
    json::Value dose(rapidjson::kObjectType);
    dose.AddMember("text", str(m.dosage, a), a);
    json::Value doses(rapidjson::kArrayType);
    doses.PushBack(dose, a);
    r.add("dosage", std::move(doses));
  }
  return r.take();
}

}  // namespace

RowAction SystmOneMapper::repeat_template(const RowView& row) {
  Common c;
  auto org = organisation(row);
  if (auto q = common(row, "SRRepeatTemplate", org, true, c)) return std::move(*q);
  if (c.deleted) return removal_action(c, {"MedicationStatement"});
  MedicationInput m;
  if (auto q = date_or_quarantine(systmone_datetime(row.str("DateMedicationTemplateStart")), "DateMedicationTemplateStart",
                               m.start)) {
    return std::move(*q);
  }
  if (auto d = row.get("DateMedicationTemplateEnd")) {
    if (auto q = date_or_quarantine(systmone_datetime(*d), "DateMedicationTemplateEnd", m.end)) return std::move(*q);
  }
  m.status = m.end.empty() ? "active" : "completed";
  m.course = "continuous";
  m.course_text = "Repeat";
  m.name = row.str("NameOfMedication");
  m.dmd = row.str("IDMultiLexDMD");
  m.dosage = row.str("MedicationDosage");
  m.quantity = row.str("MedicationQuantity");
  m.max_issues = row.str("MaxIssues");
  auto a = start_action(c, RowAction::Kind::upsert, "MedicationStatement");
  a.resource = build_medication(c, m);
  return a;
}

RowAction SystmOneMapper::medication(const TableStep& step, const RowView& row) {
  Common c;
  auto org = organisation(row);
  if (auto q = common(row, "SRPrimaryCareMedication", org, true, c)) {
    return step.final_step ? std::move(*q) : RowAction{};
  }
  auto tmpl = row.get("IDRepeatTemplate");
  bool is_issue = !c.deleted && tmpl.has_value();
  if (step.pass == Pass::parts) {
    if (!is_issue) return {};
    std::string date;
    if (auto q = date_or_quarantine(systmone_datetime(row.str("DateMedicationStart")), "DateMedicationStart", date)) {
      return std::move(*q);
    }
    auto a = start_action(c, RowAction::Kind::part, "MedicationStatement",
                   derived_id(kFormat, *org, "SRRepeatTemplate", *tmpl));
    a.part.kind = Part::Kind::last_issue;
    a.part.parent_column = "IDRepeatTemplate";
    a.part.element_id = c.source.key;
    a.part.json = date;
    return a;
  }
  if (is_issue) return {};
  // A delete carries only its key: it removes an acute statement if there is
  // one (an issue of a template never became a resource of its own).
  if (c.deleted) return removal_action(c, {"MedicationStatement"});
  MedicationInput m;
  if (auto q = date_or_quarantine(systmone_datetime(row.str("DateMedicationStart")), "DateMedicationStart", m.start)) {
    return std::move(*q);
  }
  if (auto d = row.get("DateMedicationEnd")) {
    if (auto q = date_or_quarantine(systmone_datetime(*d), "DateMedicationEnd", m.end)) return std::move(*q);
  }
  for (const char* col : {"IsRepeatMedication", "IsOtherMedication"}) {
    if (auto v = row.get(col); v && !systmone_bool(*v)) {
      return RowAction::quarantined(col, "expected TRUE or FALSE, found '" + std::string(*v) + "'");
    }
  }
  bool repeat = systmone_bool(row.str("IsRepeatMedication")).value_or(false);
  m.other_organisation = systmone_bool(row.str("IsOtherMedication")).value_or(false);
  m.status = m.end.empty() ? "active" : "completed";
  m.course = repeat ? "continuous" : "acute";
  m.course_text = repeat ? "Repeat" : "Acute";
  m.name = row.str("NameOfMedication");
  m.dmd = row.str("IDMultiLexDMD");
  m.dosage = row.str("MedicationDosage");
  m.quantity = row.str("MedicationQuantity");
  auto a = start_action(c, RowAction::Kind::upsert, "MedicationStatement");
  a.resource = build_medication(c, m);
  return a;
}

}  // namespace fhirgw::adapters::systmone
