#pragma once
// A store on a real SQLite file in a fresh temporary directory, plus small
// FHIR JSON builders for realistic test resources.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/fhir_time.hpp"
#include "core/systems.hpp"
#include "search/parse.hpp"
#include "store/store.hpp"

namespace fhirgw::testing {

inline std::string meta(const std::string& controller, bool confidential = false,
                        const std::string& author_org = {}) {
  std::string tags = R"([{"system": ")" + std::string(systems::kController) + R"(", "code": ")" + controller + "\"}";
  if (!author_org.empty())
    tags += R"(, {"system": ")" + std::string(systems::kAuthorOrg) + R"(", "code": ")" + author_org + "\"}";
  tags += "]";
  std::string out = R"("meta": {"tag": )" + tags;
  if (confidential)
    out += R"(, "security": [{"system": ")" + std::string(systems::kConfidentiality) + R"(", "code": "R"}])";
  return out + "}";
}

inline std::string patient(const std::string& id, const std::string& controller, const std::string& family,
                           const std::string& given, const std::string& birth, const std::string& gender,
                           const std::string& nhs, bool confidential = false) {
  return R"({"resourceType": "Patient", "id": ")" + id + "\", " + meta(controller, confidential) +
         R"(, "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": ")" + nhs +
         R"("}], "name": [{"family": ")" + family + R"(", "given": [")" + given + R"("]}], "gender": ")" + gender +
         R"(", "birthDate": ")" + birth + "\"}";
}

// effective: a JSON member, e.g. "effectiveDateTime": "2024-01-01".
inline std::string medication(const std::string& id, const std::string& controller, const std::string& patient_id,
                              const std::string& code, const std::string& effective,
                              const std::string& status = "active", bool confidential = false) {
  return R"({"resourceType": "MedicationStatement", "id": ")" + id + "\", " + meta(controller, confidential) +
         R"(, "status": ")" + status +
         R"(", "identifier": [{"system": "urn:test:ms", "value": ")" + id +
         R"("}], "category": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/medication-statement-category", "code": "community"}]},)"
         R"( "medicationCodeableConcept": {"coding": [{"system": "https://dmd.nhs.uk", "code": ")" + code +
         R"("}]}, "subject": {"reference": "Patient/)" + patient_id + "\"}, " + effective + "}";
}

inline std::string careplan(const std::string& id, const std::string& controller, const std::string& patient_id,
                            const std::string& status, const std::string& period) {
  return R"({"resourceType": "CarePlan", "id": ")" + id + "\", " + meta(controller) + R"(, "status": ")" +
         status +
         R"(", "intent": "plan", "identifier": [{"system": "urn:test:cp", "value": ")" + id +
         R"("}], "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "734163000"}]}],)"
         R"( "subject": {"reference": "Patient/)" + patient_id + "\"}, \"period\": " + period + "}";
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fhirgw-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void reopen() {
    store_.reset();
    auto s = store::open_store("sqlite:" + db_path());
    ASSERT_TRUE(s.ok()) << s.error().message();
    store_ = std::move(*s);
  }
  std::string db_path() const { return (dir_ / "gateway.db").string(); }

  Result<store::WriteResult> try_write(store::WriteKind kind, const std::string& type, const std::string& id,
                                       const std::string& json, std::optional<int64_t> if_match = {}) {
    auto tx = store_->begin();
    if (!tx) return std::move(tx).error();
    auto r = (*tx)->put({kind, type, id, json, if_match});
    if (!r) return r;
    if (auto st = (*tx)->commit(); !st) return std::move(st).error();
    return r;
  }
  store::WriteResult write(store::WriteKind kind, const std::string& type, const std::string& id,
                           const std::string& json = {}) {
    auto r = try_write(kind, type, id, json);
    EXPECT_TRUE(r.ok()) << type << "/" << id << ": " << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : store::WriteResult{};
  }
  store::WriteResult update(const std::string& type, const std::string& id, const std::string& json) {
    return write(store::WriteKind::update, type, id, json);
  }
  store::WriteResult remove(const std::string& type, const std::string& id) {
    return write(store::WriteKind::remove, type, id);
  }

  search::Query query(const std::string& type, const std::vector<std::pair<std::string, std::string>>& params,
                      search::Visibility vis = search::Visibility::everything()) {
    auto q = search::parse_search(*model::find_type(type), params, true);
    EXPECT_TRUE(q.ok()) << (q.ok() ? "" : q.error().message());
    if (!q.ok()) return {};
    q->visibility = std::move(vis);
    return *q;
  }
  store::SearchPage run(const search::Query& q) {
    auto page = store_->search(q);
    EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().message());
    return page.ok() ? *page : store::SearchPage{};
  }
  // Sorted ids of the matches of a search (all visible).
  std::vector<std::string> ids(const std::string& type,
                               const std::vector<std::pair<std::string, std::string>>& params,
                               search::Visibility vis = search::Visibility::everything()) {
    auto q = query(type, params, std::move(vis));
    q.count = 1000;
    auto page = run(q);
    std::vector<std::string> out;
    for (const auto& r : page.matches) out.push_back(r.id);
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::vector<std::string> ids_of(const std::vector<store::Record>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.type + "/" + r.id);
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

using Ids = std::vector<std::string>;

}  // namespace fhirgw::testing
