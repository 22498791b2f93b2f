#pragma once
// A store on each backend — a real SQLite file in a fresh temporary
// directory, and a fresh database on a real PostgreSQL server (one server per
// test binary) — plus small FHIR JSON builders for realistic test resources.
// Every TEST_P on StoreTest (and the fixtures derived from it) runs once per
// backend.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/fhir_time.hpp"
#include "core/systems.hpp"
#include "postgres_server.hpp"
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

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fhirgw-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    if (backend() == "postgres") {
      auto& pg = PostgresServer::shared();
      if (!pg.binaries_found()) GTEST_SKIP() << pg.problem();
      ASSERT_TRUE(pg.running()) << pg.problem();
      database_ = postgres_database();
      ASSERT_FALSE(database_.empty()) << "cannot prepare the test database";
      // Empty every table (and restart the sequences) but the schema's own
      // record and the audit trail, which refuses truncation.
      std::string error;
      ASSERT_TRUE(pg.execute(database_,
                             "DO $$ DECLARE t text; BEGIN"
                             " SELECT string_agg(quote_ident(tablename), ', ') INTO t FROM pg_tables"
                             " WHERE schemaname = current_schema() AND tablename NOT IN ('schema_version', 'audit');"
                             " EXECUTE 'TRUNCATE ' || t || ' RESTART IDENTITY'; END $$",
                             nullptr, &error))
          << error;
      url_ = pg.url(database_);
    } else {
      url_ = "sqlite:" + db_path();
    }
    reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // One migrated database per test process, emptied before each test (much
  // faster than creating a database per test), dropped when the process exits.
  static const std::string& postgres_database() {
    return PostgresServer::shared().process_database(
        "store", [](const std::string& url) { return store::open_store(url).ok(); });
  }
  const std::string& backend() const { return GetParam(); }
  // True when SetUp skipped or failed: derived fixtures stop there.
  bool not_set_up() const { return IsSkipped() || HasFatalFailure(); }
  void reopen() {
    store_.reset();
    auto s = store::open_store(url_);
    ASSERT_TRUE(s.ok()) << s.error().message();
    store_ = std::move(*s);
    ASSERT_EQ(store_->backend_name(), backend());
  }
  // Another store on the same database: a second process or replica.
  std::unique_ptr<store::Store> open_another() {
    auto s = store::open_store(url_);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return s.ok() ? std::move(*s) : nullptr;
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
  std::string url_, database_;  // database_: the PostgreSQL database ("" for SQLite)
  std::unique_ptr<store::Store> store_;
};

// Test names end in the backend: Backends/StoreTest.Name/sqlite, .../postgres.
inline std::string backend_name_of(const ::testing::TestParamInfo<std::string>& info) { return info.param; }
#define FHIRGW_STORE_BACKENDS(Fixture) \
  INSTANTIATE_TEST_SUITE_P(Backends, Fixture, ::testing::Values("sqlite", "postgres"), \
                           ::fhirgw::testing::backend_name_of)

using Ids = std::vector<std::string>;

}  // namespace fhirgw::testing
