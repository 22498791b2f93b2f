// SystmOne-style write-back: QuestionnaireResponse → SRAnsweredQuestionnaire
// with its answers as SRCode rows (numeric answers and "yes" findings the
// configuration gives a code) or SRFreeText rows (everything else); Flag →
// SRSpecialNotes; CarePlan → SRCarePlan + one SRCarePlanItem per activity;
// the SRQuestionnaire and SRMapping rows those refer to; and SRManifest.csv
// (every file a delta). Windows-1252, dates dd MMM yyyy HH:mm:ss. Row ids
// come from the reserved range (writeback_keys.hpp).
#include <map>

#include "core/systems.hpp"
#include "mapping/source_key.hpp"
#include "mapping/writeback_keys.hpp"
#include "writeback/format_writer.hpp"
#include "writeback/partner_content.hpp"
#include "writeback/source_time.hpp"
#include "writeback/table_buffer.hpp"

namespace fhirgw::adapters::writeback {
namespace {

const QuestionnaireMap* questionnaire_for(const ImportConfig& config, const std::string& canonical) {
  for (const auto& q : config.questionnaires) {
    if (q.canonical == canonical) return &q;
  }
  return nullptr;
}

struct Ctv3OrSnomed {
  std::string ctv3, snomed, text;
};

class SystmOneWriter final : public FormatWriter {
 public:
  SystmOneWriter(const std::string& organisation, const ImportConfig& config)
      : org_(organisation), config_(config), org_id_(source_organisation_id(config, false, organisation)) {}

  const char* patient_table() const override { return "SRPatient"; }

  Result<std::string> add(const ExportItem& item) override {
    std::string key = item.own_key.empty() ? std::to_string(writeback_row_id(org_, item.type, item.id)) : item.own_key;
    Staging s;
    Status st;
    if (item.type == "QuestionnaireResponse") st = questionnaire(item, key, s);
    else if (item.type == "Flag") st = special_note(item, key, s);
    else if (item.type == "CarePlan") st = care_plan(item, key, s);
    else return Error::invalid(item.type + " is not written back");
    if (!st) {
      pending_lookups_.clear();
      return st.error();
    }
    if (auto enc = s.check(csv::Encoding::cp1252); !enc) {
      pending_lookups_.clear();
      return enc.error();
    }
    for (const auto& [id, row] : pending_lookups_) {
      for (const auto& field : row.second) {
        if (!csv::utf8_to_cp1252(field)) {
          pending_lookups_.clear();
          return Error::invalid(row.first->table() + " '" + field + "' has a character Windows-1252 cannot represent");
        }
      }
    }
    s.commit();
    for (auto& [id, row] : pending_lookups_) lookups_.emplace(id, std::move(row));
    pending_lookups_.clear();
    return key;
  }

  Result<std::vector<WrittenFile>> write(const std::filesystem::path& dir, int64_t from_ms, int64_t to_ms) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error::internal("cannot create " + dir.string() + ": " + ec.message());
    for (auto& [id, row] : lookups_) row.first->add(std::move(row.second));
    lookups_.clear();
    std::vector<WrittenFile> out;
    std::string from = systmone_datetime(london_from_epoch_ms(from_ms));
    std::string to = systmone_datetime(london_from_epoch_ms(to_ms));
    TableBuffer manifest("SRManifest", {"FileName", "IsDelta", "IsReference", "DateExtractFrom", "DateExtractTo"});
    for (const TableBuffer* t : {&mapping_, &questionnaires_, &answered_, &codes_, &free_text_, &notes_, &plans_,
                                 &items_}) {
      std::string name = t->table() + ".csv";
      if (auto st = t->write(dir / name, csv::Encoding::cp1252); !st) return st.error();
      out.push_back({name, t->table(), static_cast<int64_t>(t->size())});
      bool reference = t == &mapping_ || t == &questionnaires_;
      manifest.add(manifest.make({{"FileName", t->table()}, {"IsDelta", "Y"}, {"IsReference", reference ? "Y" : "N"},
                                  {"DateExtractFrom", from}, {"DateExtractTo", to}}));
    }
    if (auto st = manifest.write(dir / "SRManifest.csv", csv::Encoding::cp1252); !st) return st.error();
    out.push_back({"SRManifest.csv", "SRManifest", static_cast<int64_t>(manifest.size())});
    return out;
  }

 private:
  static LocalTime when(const std::string& fhir, int64_t fallback_ms) {
    if (auto t = to_london(fhir)) return *t;
    return london_from_epoch_ms(fallback_ms);
  }
  std::string row_id(const ExportItem& item, const std::string& part) const {
    return std::to_string(writeback_row_id(org_, item.type, item.id, part));
  }
  // Lookup rows (SRMapping, SRQuestionnaire) are staged with the resource
  // that needs them and kept once.
  void lookup(TableBuffer& table, const std::string& id, std::vector<std::string> row) {
    if (!lookups_.count(id)) pending_lookups_.emplace(id, std::make_pair(&table, std::move(row)));
  }
  // A code SRCode can carry and the importer reads back the same way.
  std::optional<Ctv3OrSnomed> systmone_code(const QuestionLink& link) const {
    if (link.code.empty()) return std::nullopt;
    if (link.system == systems::kSnomed) return Ctv3OrSnomed{"", link.code, ""};
    if (link.system == systems::kCtv3 && link.code.front() != 'Y') return Ctv3OrSnomed{link.code, "", ""};
    if (link.system == local_code_system("systmone", org_) && link.code.front() == 'Y') {
      return Ctv3OrSnomed{link.code, "", ""};
    }
    return std::nullopt;
  }

  Status questionnaire(const ExportItem& item, const std::string& key, Staging& s) {
    if (item.deleted) {
      s.add(answered_, {{"RowIdentifier", key}, {"IDOrganisationVisibleTo", org_id_}, {"IDPatient", item.patient_key},
                        {"RemovedData", "1"}});
      return {};
    }
    auto c = questionnaire_content(*item.resource);
    const QuestionnaireMap* map = questionnaire_for(config_, c.canonical);
    std::string name = map && !map->systmone_name.empty() ? map->systmone_name : c.canonical;
    std::string qid = std::to_string(writeback_row_id(org_, "Questionnaire", c.canonical, c.version));
    lookup(questionnaires_, "Q" + qid,
           questionnaires_.make({{"RowIdentifier", qid}, {"QuestionnaireName", name},
                                 {"QuestionnaireVersion", c.version}, {"RemovedData", "0"}}));
    LocalTime event = when(c.authored, item.last_updated_ms);
    std::string recorded = systmone_datetime(london_from_epoch_ms(item.last_updated_ms));
    s.add(answered_, {{"RowIdentifier", key}, {"IDOrganisationVisibleTo", org_id_}, {"IDPatient", item.patient_key},
                      {"IDQuestionnaire", qid}, {"DateEvent", systmone_datetime(event)},
                      {"DateEventRecorded", recorded}, {"RemovedData", "0"}});
    for (const auto& a : c.answers) {
      std::optional<Ctv3OrSnomed> code;
      std::string question;
      if (map) {
        for (const auto& link : map->questions) {
          if (link.link_id != a.link_id) continue;
          if (!code) code = systmone_code(link);
          if (question.empty()) question = link.question;
        }
      }
      std::string part = "item/" + a.link_id + "/" + std::to_string(a.occurrence);
      bool coded_number = a.kind == Answer::Kind::number && code;
      bool coded_finding = a.kind == Answer::Kind::boolean && a.boolean && code;
      if (coded_number || coded_finding) {
        std::string text = a.question.empty() ? a.link_id : a.question;
        s.add(codes_, {{"RowIdentifier", row_id(item, part)}, {"IDOrganisationVisibleTo", org_id_},
                       {"DateEventRecorded", recorded}, {"DateEvent", systmone_datetime(event)},
                       {"IDPatient", item.patient_key}, {"CTV3Code", code->ctv3},
                       {"CTV3Text", code->ctv3.empty() ? "" : text}, {"SNOMEDCode", code->snomed},
                       {"SNOMEDText", code->snomed.empty() ? "" : text},
                       {"IsNumeric", coded_number ? "TRUE" : "FALSE"},
                       {"NumericValue", coded_number ? format_number(a.number) : ""},
                       {"NumericUnit", coded_number ? a.unit : ""}, {"IDQuestionnaire", key}, {"RemovedData", "0"}});
        continue;
      }
      // The importer reads the question text back to the linkId: the
      // configured text when there is one, else the linkId itself.
      std::string answer = a.kind == Answer::Kind::number
                               ? format_number(a.number) + (a.unit.empty() ? "" : " " + a.unit)
                               : a.text;
      s.add(free_text_, {{"RowIdentifier", row_id(item, part)}, {"IDOrganisationVisibleTo", org_id_},
                         {"IDPatient", item.patient_key}, {"IDAnsweredQuestionnaire", key},
                         {"QuestionnaireName", name}, {"Question", question.empty() ? a.link_id : question},
                         {"FreeText", answer}, {"RemovedData", "0"}});
    }
    return {};
  }

  Status special_note(const ExportItem& item, const std::string& key, Staging& s) {
    auto f = item.deleted ? FlagContent{} : flag_content(*item.resource);
    if (item.deleted || f.status == "entered-in-error") {
      s.add(notes_, {{"RowIdentifier", key}, {"IDOrganisationVisibleTo", org_id_}, {"IDPatient", item.patient_key},
                     {"RemovedData", "1"}});
      return {};
    }
    std::string text = f.text;
    if (text.empty() && !f.codes.empty()) text = f.codes.front().code;
    if (text.empty()) return Error::invalid("the flag has no text for SRSpecialNotes.Note");
    std::string type;
    if (!f.category.empty()) {
      type = std::to_string(writeback_row_id(org_, "SRMapping", "SpecialNoteType", f.category));
      lookup(mapping_, "M" + type,
             mapping_.make({{"RowIdentifier", type}, {"IdMappingGroup", "SpecialNoteType"}, {"Mapping", f.category}}));
    }
    std::string recorded = systmone_datetime(london_from_epoch_ms(item.last_updated_ms));
    // SystmOne has no inactive state without a date: an ended flag expires
    // at its period end, else when it was last changed.
    std::string expired;
    if (!f.end.empty()) expired = systmone_datetime(when(f.end, item.last_updated_ms));
    else if (f.status != "active") expired = recorded;
    s.add(notes_, {{"RowIdentifier", key}, {"IDOrganisationVisibleTo", org_id_}, {"DateEventRecorded", recorded},
                   {"DateStart", systmone_datetime(when(f.start, item.last_updated_ms))}, {"Type", type},
                   {"Note", text}, {"DateExpired", expired}, {"IDPatient", item.patient_key}, {"RemovedData", "0"}});
    return {};
  }

  Status care_plan(const ExportItem& item, const std::string& key, Staging& s) {
    auto c = item.deleted ? CarePlanContent{} : care_plan_content(*item.resource);
    if (item.deleted || c.status == "entered-in-error") {
      s.add(plans_, {{"RowIdentifier", key}, {"IDOrganisationVisibleTo", org_id_}, {"IDPatient", item.patient_key},
                     {"RemovedData", "1"}});
      return {};
    }
    std::string recorded = systmone_datetime(london_from_epoch_ms(item.last_updated_ms));
    std::string start = !c.start.empty() ? c.start : c.created;
    std::string end;
    if (!c.end.empty()) end = systmone_datetime(when(c.end, item.last_updated_ms));
    else if (c.status == "completed" || c.status == "revoked") end = recorded;
    std::string outcome;
    for (const auto& n : c.notes) {
      if (n.rfind("Outcome: ", 0) == 0) outcome = n.substr(9);
    }
    s.add(plans_, {{"RowIdentifier", key}, {"IDOrganisationVisibleTo", org_id_}, {"IDPatient", item.patient_key},
                   {"DateStart", systmone_datetime(when(start, item.last_updated_ms))}, {"DateEnd", end},
                   {"NameOfCarePlanUsed", c.title.empty() ? "Care plan" : c.title},
                   {"CarePlanCategory", c.category_text}, {"Aim", c.description}, {"Outcome", outcome},
                   {"RemovedData", "0"}});
    for (size_t i = 0; i < c.activities.size(); ++i) {
      const auto& a = c.activities[i];
      // A practice item keeps its own row id (the importer names activities
      // SRCarePlanItem-<id>); a partner's gets a reserved one.
      std::string id;
      if (!item.own_key.empty() && a.id.rfind("SRCarePlanItem-", 0) == 0) id = a.id.substr(15);
      else id = row_id(item, "activity/" + (a.id.empty() ? std::to_string(i) : a.id));
      std::string removed;
      if (!a.end.empty()) removed = systmone_datetime(when(a.end, item.last_updated_ms));
      else if (a.status == "completed" || a.status == "cancelled" || a.status == "stopped") removed = recorded;
      s.add(items_, {{"RowIdentifier", id}, {"IDOrganisationVisibleTo", org_id_}, {"IDCarePlan", key},
                     {"IDPatient", item.patient_key}, {"Instruction", a.description},
                     {"DateAdded", a.start.empty() ? "" : systmone_datetime(when(a.start, item.last_updated_ms))},
                     {"DateRemoved", removed}, {"RemovedData", "0"}});
    }
    return {};
  }

  std::string org_;
  const ImportConfig& config_;
  std::string org_id_;
  std::map<std::string, std::pair<TableBuffer*, std::vector<std::string>>> lookups_, pending_lookups_;
  TableBuffer mapping_{"SRMapping", {"RowIdentifier", "IdMappingGroup", "Mapping"}};
  TableBuffer questionnaires_{"SRQuestionnaire",
                              {"RowIdentifier", "QuestionnaireName", "QuestionnaireVersion", "DtPublished",
                               "RemovedData"}};
  TableBuffer answered_{"SRAnsweredQuestionnaire",
                        {"RowIdentifier", "IDOrganisationVisibleTo", "IDPatient", "IDQuestionnaire", "DateEvent",
                         "DateEventRecorded", "RemovedData"}};
  TableBuffer codes_{"SRCode",
                     {"RowIdentifier", "IDOrganisationVisibleTo", "DateEventRecorded", "DateEvent", "IDPatient",
                      "CTV3Code", "CTV3Text", "SNOMEDCode", "SNOMEDText", "IsNumeric", "NumericValue", "NumericUnit",
                      "IDQuestionnaire", "RemovedData"}};
  TableBuffer free_text_{"SRFreeText",
                         {"RowIdentifier", "IDOrganisationVisibleTo", "IDPatient", "IDAnsweredQuestionnaire",
                          "QuestionnaireName", "Question", "FreeText", "RemovedData"}};
  TableBuffer notes_{"SRSpecialNotes",
                     {"RowIdentifier", "IDOrganisationVisibleTo", "DateEventRecorded", "IDProfileEnteredBy",
                      "DateStart", "Type", "Note", "DateExpired", "DateDeleted", "IDPatient", "RemovedData"}};
  TableBuffer plans_{"SRCarePlan",
                     {"RowIdentifier", "IDOrganisationVisibleTo", "IDPatient", "DateStart", "DateEnd",
                      "NameOfCarePlanUsed", "CarePlanCategory", "Aim", "Outcome", "RemovedData"}};
  TableBuffer items_{"SRCarePlanItem",
                     {"RowIdentifier", "IDOrganisationVisibleTo", "IDCarePlan", "IDPatient", "Instruction",
                      "DateAdded", "DateRemoved", "RemovedData"}};
};

}  // namespace

std::unique_ptr<FormatWriter> make_systmone_writer(const std::string& organisation, const ImportConfig& config) {
  return std::make_unique<SystmOneWriter>(organisation, config);
}

}  // namespace fhirgw::adapters::writeback
