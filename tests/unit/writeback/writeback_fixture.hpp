#pragma once
// A store holding a generated practice extract plus partner writes made the
// way the REST layer makes them (controller + author-organisation tags and an
// outbox entry in the same transaction).
#include <gtest/gtest.h>

#include <map>

#include "core/systems.hpp"
#include "csv/reader.hpp"
#include "generator/generator.hpp"
#include "import/importer.hpp"
#include "store_support.hpp"
#include "writeback/export.hpp"
#include "writeback/partner_content.hpp"

namespace fhirgw::adapters::test {

inline constexpr const char* kPartner = "AGEUK1";
inline constexpr const char* kPractice = "Y99999";
inline constexpr const char* kFrailty = "https://fhir-gateway.org.uk/Questionnaire/frailty-check";

// The engine alone: profile validation is the importer's own tests' subject.
inline ImportOptions engine_only() {
  ImportOptions o;
  o.skip_validation = true;
  return o;
}

// Stores one partner write (create or update) with its outbox entry.
inline store::Record write_partner(store::Store& store, const std::string& json_text) {
  auto doc = json::parse(json_text);
  EXPECT_TRUE(doc.ok());
  auto& a = doc->GetAllocator();
  json::Value tags(rapidjson::kArrayType);
  for (auto [system, code] : {std::pair{systems::kController, kPractice}, std::pair{systems::kAuthorOrg, kPartner}}) {
    json::Value t(rapidjson::kObjectType);
    t.AddMember("system", json::make_string(system, a), a);
    t.AddMember("code", json::make_string(code, a), a);
    tags.PushBack(t, a);
  }
  json::Value meta(rapidjson::kObjectType);
  meta.AddMember("tag", tags, a);
  json::set(*doc, "meta", std::move(meta), a);
  auto tx = store.begin();
  EXPECT_TRUE(tx.ok());
  store::Write w;
  w.kind = store::WriteKind::update;
  w.type = std::string(*json::get_string(*doc, "resourceType"));
  w.id = std::string(*json::get_string(*doc, "id"));
  w.json = json::to_string(*doc);
  auto put = (*tx)->put(w);
  EXPECT_TRUE(put.ok()) << (put.ok() ? "" : put.error().message());
  EXPECT_TRUE((*tx)->add_outbox({kPractice, w.type, w.id, put->record.version, kPartner, 0}).ok());
  EXPECT_TRUE((*tx)->commit().ok());
  return put->record;
}

inline std::string questionnaire_json(const std::string& id, const std::string& patient) {
  return R"({"resourceType":"QuestionnaireResponse","id":")" + id + R"(","questionnaire":")" + kFrailty +
         R"(","status":"completed","subject":{"reference":"Patient/)" + patient +
         R"("},"authored":"2025-07-01T09:30:00+00:00","item":[
           {"linkId":"q1","text":"Falls in the last 12 months","answer":[{"valueString":"Yes, once"}]},
           {"linkId":"q2","text":"Timed up and go test in seconds","answer":[{"valueQuantity":{"value":14.5,"unit":"s"}}]},
           {"linkId":"daily","item":[
             {"linkId":"q3","text":"Lives alone","answer":[{"valueBoolean":true}]},
             {"linkId":"q4","answer":[{"valueString":"Needs help with washing"}]}]},
           {"linkId":"q5","answer":[{"valueString":"My garden — and my neighbour's \"cat\""}]}]})";
}

inline std::string flag_json(const std::string& id, const std::string& patient, const std::string& text) {
  return R"({"resourceType":"Flag","id":")" + id + R"(","status":"active","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/flag-category","code":"safety"}]}],"code":{"coding":[{"system":"http://snomed.info/sct","code":"129839007","display":"At risk for falls"}],"text":")" +
         text + R"("},"subject":{"reference":"Patient/)" + patient + R"("},"period":{"start":"2025-06-30"}})";
}

inline std::string care_plan_json(const std::string& id, const std::string& patient) {
  return R"({"resourceType":"CarePlan","id":")" + id + R"(","status":"active","intent":"plan","title":"Age UK support plan","description":"Stay independent at home","subject":{"reference":"Patient/)" +
         patient + R"("},"period":{"start":"2025-02-01"},"activity":[
           {"detail":{"status":"in-progress","description":"Weekly welfare call","scheduledPeriod":{"start":"2025-02-03"}}},
           {"detail":{"status":"completed","description":"Benefits check","scheduledPeriod":{"start":"2025-02-03","end":"2025-03-01"}}}]})";
}

class WritebackFixture : public StoreFixture {
 protected:
  // Imports a generated bulk of `format` and returns its first patients' ids.
  std::vector<std::string> seed(Format format, int64_t patients = 20) {
    options_.patients = patients;
    config_ = generator_import_config(options_);
    auto dir = work_.path() / ("bulk-" + std::string(to_string(format)));
    auto g = generate_extract(format, dir, options_);
    EXPECT_TRUE(g.ok());
    auto r = import_file_set(*store_, format, dir, config_, engine_only());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    bulk_dir_ = dir;
    auto tx = store_->begin();
    auto keys = (*tx)->live_keys(kPractice);
    std::vector<std::string> ids;
    for (const auto& k : *keys) {
      if (k.type == "Patient") ids.push_back(k.id);
    }
    return ids;
  }

  ExportReport export_set(Format format, const std::filesystem::path& dir, int64_t since = 0) {
    auto r = export_writeback(*store_, format, kPractice, since, dir, config_);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : ExportReport{};
  }

  // The rows of a written file as column → value maps.
  static std::vector<std::map<std::string, std::string>> rows(const std::filesystem::path& file,
                                                              csv::Encoding enc) {
    std::vector<std::map<std::string, std::string>> out;
    auto reader = csv::Reader::open(file, enc);
    EXPECT_TRUE(reader.ok()) << file;
    if (!reader.ok()) return out;
    EXPECT_TRUE((*reader)->read_header().ok());
    csv::Row row;
    while ((*reader)->next(row)) {
      EXPECT_FALSE(row.error) << file << ":" << row.line;
      std::map<std::string, std::string> m;
      for (size_t i = 0; i < (*reader)->columns().size(); ++i) m[(*reader)->columns()[i]] = row.fields[i];
      out.push_back(std::move(m));
    }
    return out;
  }

  static std::filesystem::path file_of(const std::filesystem::path& dir, const std::string& table) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      auto name = e.path().filename().string();
      if (name == table + ".csv" || name.find("_" + table + "_") != std::string::npos) return e.path();
    }
    ADD_FAILURE() << "no " << table << " file in " << dir;
    return {};
  }

  GeneratorOptions options_;
  ImportConfig config_;
  std::filesystem::path bulk_dir_;
};

// What survives a trip through practice files, for comparing resources:
// answers by linkId (a coded finding reads as "Yes"), a flag's status, text,
// category and start date, a care plan's title, status, aim, start date and
// activities.
inline std::multimap<std::string, std::string> answers_of(const json::Value& qr) {
  std::multimap<std::string, std::string> out;
  for (const auto& a : writeback::questionnaire_content(qr).answers) {
    std::string v;
    switch (a.kind) {
      case writeback::Answer::Kind::number: v = writeback::format_number(a.number) + " " + a.unit; break;
      case writeback::Answer::Kind::coding: v = "Yes"; break;
      default: v = a.text;
    }
    out.emplace(a.link_id, v);
  }
  return out;
}

}  // namespace fhirgw::adapters::test
