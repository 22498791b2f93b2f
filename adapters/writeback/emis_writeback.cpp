// EMIS-style write-back: QuestionnaireResponse → a CareRecord_Observation
// group (header + one child per answer, ParentObservationGuid = header),
// Flag → CareRecord_Alert, CarePlan → CareRecord_CarePlan, plus the
// Coding_ClinicalCode rows their CodeIds resolve to. The set is a delta: its
// processing ids never start at 1 (that would make it a bulk).
#include <algorithm>
#include <cctype>
#include <set>

#include "core/ids.hpp"
#include "core/systems.hpp"
#include "mapping/source_key.hpp"
#include "mapping/writeback_keys.hpp"
#include "writeback/format_writer.hpp"
#include "writeback/partner_content.hpp"
#include "writeback/source_time.hpp"
#include "writeback/table_buffer.hpp"

namespace fhirgw::adapters::writeback {

std::string source_organisation_id(const ImportConfig& config, bool emis, const std::string& organisation) {
  for (const auto& [source, code] : config.org_codes) {
    if (code != organisation) continue;
    bool numeric = !source.empty() && std::all_of(source.begin(), source.end(),
                                                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    bool guid = source.size() == 36 && source[8] == '-';
    if (emis ? guid : numeric) return source;
  }
  return organisation;
}

namespace {

constexpr const char* kFalse = "false";
constexpr const char* kTrue = "true";

const QuestionnaireMap* questionnaire_for(const ImportConfig& config, const std::string& canonical) {
  for (const auto& q : config.questionnaires) {
    if (q.canonical == canonical) return &q;
  }
  return nullptr;
}

class EmisWriter final : public FormatWriter {
 public:
  EmisWriter(const std::string& organisation, const ImportConfig& config)
      : org_(organisation), config_(config), org_guid_(source_organisation_id(config, true, organisation)) {}

  const char* patient_table() const override { return "Admin_Patient"; }

  Result<std::string> add(const ExportItem& item) override {
    std::string key = item.own_key.empty() ? writeback_guid(org_, item.type, item.id) : item.own_key;
    Staging s;
    Status st;
    if (item.type == "QuestionnaireResponse") st = questionnaire(item, key, s);
    else if (item.type == "Flag") st = alert(item, key, s);
    else if (item.type == "CarePlan") st = care_plan(item, key, s);
    else return Error::invalid(item.type + " is not written back");
    if (!st) return st.error();
    s.commit();
    return key;
  }

  Result<std::vector<WrittenFile>> write(const std::filesystem::path& dir, int64_t from_ms, int64_t to_ms) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error::internal("cannot create " + dir.string() + ": " + ec.message());
    // Processing ids: seconds since the epoch of the newest partner write,
    // so later exports sort after earlier ones and one export is stable.
    int64_t start = std::max<int64_t>(2, to_ms / 1000);
    int64_t next = start;
    for (TableBuffer* t : {&codes_, &observations_, &alerts_, &plans_}) {
      if (t == &codes_) continue;
      std::vector<std::string> ids;
      for (size_t i = 0; i < t->size(); ++i) ids.push_back(std::to_string(next++));
      t->fill("ProcessingId", ids);
    }
    int64_t end = std::max(start, next - 1);
    std::string agreement = ids::derived_uuid("fhir-gateway/writeback/agreement", org_);
    for (auto& c : agreement) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string stamp = compact_timestamp(london_from_epoch_ms(to_ms));
    std::vector<WrittenFile> out;
    for (const TableBuffer* t : {&codes_, &observations_, &alerts_, &plans_}) {
      std::string name = std::to_string(start) + "-" + std::to_string(end) + "_" + t->table() + "_" + stamp + "_" +
                         agreement + ".csv";
      if (auto st = t->write(dir / name, csv::Encoding::utf8); !st) return st.error();
      out.push_back({name, t->table(), static_cast<int64_t>(t->size())});
    }
    return out;
  }

 private:
  // CodeId for a coding the importer can read back: SNOMED CT, Read v2, or
  // this practice's EMIS local codes. nullopt for anything else.
  std::optional<std::string> code_id(const Coding& c) {
    std::string read, snomed;
    if (c.system == systems::kSnomed) snomed = c.code;
    else if (c.system == systems::kReadV2) read = c.code.size() == 5 ? c.code + "00" : c.code;
    else if (c.system == local_code_system("emis", org_) && c.code.rfind("EMIS", 0) == 0) read = c.code;
    else return std::nullopt;
    std::string id = std::to_string(writeback_row_id(org_, "Coding", "", c.system + "|" + c.code));
    // A lookup row: harmless even when the resource that needed it is refused.
    if (code_ids_.insert(id).second) {
      codes_.add(codes_.make({{"CodeId", id}, {"Term", c.display.empty() ? c.code : c.display},
                              {"ReadTermId", read}, {"SnomedCTConceptId", snomed},
                              {"EmisCodeCategoryDescription", "Partner write-back"}}));
    }
    return id;
  }

  std::optional<std::string> first_code_id(const std::vector<Coding>& codes) {
    for (const auto& c : codes) {
      if (auto id = code_id(c)) return id;
    }
    return std::nullopt;
  }

  static LocalTime when(const std::string& fhir, int64_t fallback_ms) {
    if (auto t = to_london(fhir)) return *t;
    return london_from_epoch_ms(fallback_ms);
  }

  Status questionnaire(const ExportItem& item, const std::string& key, Staging& s) {
    if (item.deleted) {
      s.add(observations_, {{"ObservationGuid", key}, {"PatientGuid", item.patient_key},
                            {"OrganisationGuid", org_guid_}, {"Deleted", kTrue}});
      return {};
    }
    auto content = questionnaire_content(*item.resource);
    const QuestionnaireMap* map = questionnaire_for(config_, content.canonical);
    if (!map || map->header.code.empty()) {
      return Error::invalid("questionnaire " + content.canonical +
                            " has no EMIS header code in the import configuration");
    }
    auto header = code_id({map->header.system, map->header.code, map->canonical});
    if (!header) return Error::invalid("the header code of " + content.canonical + " cannot be written as an EMIS code");
    LocalTime effective = when(content.authored, item.last_updated_ms);
    LocalTime entered = london_from_epoch_ms(item.last_updated_ms);
    std::string conf = is_confidential(*item.resource) ? kTrue : kFalse;
    auto observation = [&](const std::string& guid, const std::string& parent, const std::string& code,
                           const std::string& text, const std::string& value, const std::string& unit) {
      s.add(observations_, {{"ObservationGuid", guid}, {"PatientGuid", item.patient_key},
                            {"OrganisationGuid", org_guid_}, {"EffectiveDate", emis_date(effective)},
                            {"EffectiveTime", emis_time(effective)},
                            {"EffectiveDatePrecision", effective.has_time ? "YMDT" : "YMD"},
                            {"EnteredDate", emis_date(entered)}, {"EnteredTime", emis_time(entered)},
                            {"CodeId", code}, {"ParentObservationGuid", parent}, {"AssociatedText", text},
                            {"Value", value}, {"NumericUnit", unit}, {"IsConfidential", conf},
                            {"Deleted", kFalse}});
    };
    observation(key, "", *header, "", "", "");
    for (const auto& a : content.answers) {
      std::optional<std::string> question;
      for (const auto& link : map->questions) {
        if (link.link_id != a.link_id || link.code.empty()) continue;
        if ((question = code_id({link.system, link.code, a.question.empty() ? link.link_id : a.question}))) break;
      }
      if (!question) return Error::invalid("linkId " + a.link_id + " has no EMIS code in the import configuration");
      std::string guid = writeback_guid(org_, item.type, item.id, "item/" + a.link_id + "/" + std::to_string(a.occurrence));
      if (a.kind == Answer::Kind::number) observation(guid, key, *question, "", format_number(a.number), a.unit);
      else observation(guid, key, *question, a.text, "", "");
    }
    return {};
  }

  Status alert(const ExportItem& item, const std::string& key, Staging& s) {
    auto content = item.deleted ? FlagContent{} : flag_content(*item.resource);
    if (item.deleted || content.status == "entered-in-error") {
      s.add(alerts_, {{"AlertGuid", key}, {"PatientGuid", item.patient_key}, {"OrganisationGuid", org_guid_},
                      {"Deleted", kTrue}});
      return {};
    }
    auto code = first_code_id(content.codes);
    if (!code && content.text.empty()) return Error::invalid("the flag has neither a code EMIS can carry nor text");
    std::string end = content.end.empty() ? "" : emis_date(when(content.end, item.last_updated_ms));
    s.add(alerts_, {{"AlertGuid", key}, {"PatientGuid", item.patient_key}, {"OrganisationGuid", org_guid_},
                    {"CodeId", code.value_or("")}, {"AlertText", content.text}, {"AlertCategory", content.category},
                    {"StartDate", emis_date(when(content.start, item.last_updated_ms))}, {"EndDate", end},
                    {"IsActive", content.status == "active" ? kTrue : kFalse}, {"WarnOnBooking", kFalse},
                    {"IsConfidential", is_confidential(*item.resource) ? kTrue : kFalse}, {"Deleted", kFalse}});
    return {};
  }

  Status care_plan(const ExportItem& item, const std::string& key, Staging& s) {
    auto c = item.deleted ? CarePlanContent{} : care_plan_content(*item.resource);
    if (item.deleted || c.status == "entered-in-error") {
      s.add(plans_, {{"CarePlanGuid", key}, {"PatientGuid", item.patient_key}, {"OrganisationGuid", org_guid_},
                     {"Deleted", kTrue}});
      return {};
    }
    // EMIS-style care plans have four states; the others read as the nearest.
    std::string status = c.status;
    if (status != "draft" && status != "active" && status != "completed" && status != "revoked") status = "active";
    std::string title = !c.title.empty() ? c.title : !c.category_text.empty() ? c.category_text : "Care plan";
    // The EMIS Open shaped table has no activity rows: activities travel as
    // lines of the notes, after the plan's own notes.
    std::string notes;
    for (const auto& n : c.notes) notes += (notes.empty() ? "" : "\n") + n;
    for (const auto& a : c.activities) {
      notes += (notes.empty() ? "" : "\n") + std::string("Activity: ") + a.description;
      if (!a.status.empty()) notes += " [" + a.status + "]";
    }
    std::string start = !c.start.empty() ? c.start : c.created;
    s.add(plans_, {{"CarePlanGuid", key}, {"PatientGuid", item.patient_key}, {"OrganisationGuid", org_guid_},
                   {"Title", title}, {"StartDate", emis_date(when(start, item.last_updated_ms))}, {"Status", status},
                   {"CodeId", first_code_id(c.category_codes).value_or("")}, {"Notes", notes},
                   {"Goal", c.description},
                   {"EndDate", c.end.empty() ? "" : emis_date(when(c.end, item.last_updated_ms))},
                   {"IsConfidential", is_confidential(*item.resource) ? kTrue : kFalse}, {"Deleted", kFalse}});
    return {};
  }

  std::string org_;
  const ImportConfig& config_;
  std::string org_guid_;
  std::set<std::string> code_ids_;
  TableBuffer codes_{"Coding_ClinicalCode",
                     {"CodeId", "Term", "ReadTermId", "SnomedCTConceptId", "EmisCodeCategoryDescription"}};
  TableBuffer observations_{"CareRecord_Observation",
                            {"ObservationGuid", "PatientGuid", "OrganisationGuid", "EffectiveDate", "EffectiveTime",
                             "EffectiveDatePrecision", "EnteredDate", "EnteredTime", "CodeId", "ParentObservationGuid",
                             "AssociatedText", "Value", "NumericUnit", "IsConfidential", "Deleted", "ProcessingId"}};
  TableBuffer alerts_{"CareRecord_Alert",
                      {"AlertGuid", "PatientGuid", "OrganisationGuid", "CodeId", "AlertText", "AlertCategory",
                       "StartDate", "EndDate", "IsActive", "WarnOnBooking", "IsConfidential", "Deleted",
                       "ProcessingId"}};
  TableBuffer plans_{"CareRecord_CarePlan",
                     {"CarePlanGuid", "PatientGuid", "OrganisationGuid", "Title", "StartDate", "Status", "CodeId",
                      "Notes", "Goal", "ReviewDate", "EndDate", "IsConfidential", "Deleted", "ProcessingId"}};
};

}  // namespace

std::unique_ptr<FormatWriter> make_emis_writer(const std::string& organisation, const ImportConfig& config) {
  return std::make_unique<EmisWriter>(organisation, config);
}

}  // namespace fhirgw::adapters::writeback
