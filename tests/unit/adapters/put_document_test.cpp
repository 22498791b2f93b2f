// The import's write path (Transaction::put_document: a parsed resource, no
// savepoint, statements held for the transaction) must store exactly what
// put() of the same resource's text stores: the same versions, governance
// columns and search index rows, so an imported resource is found by every
// search parameter as if it had been POSTed.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "core/json.hpp"
#include "store/store.hpp"
#include "test_support.hpp"

using namespace fhirgw;

namespace {

// Resources touching every kind of index row (token, string, date, reference,
// codes_ever) and the governance columns (controller tag, R label, patient).
const std::vector<std::pair<std::string, std::string>> kResources = {
    {"Patient", R"({"resourceType":"Patient","id":"p1",
       "meta":{"tag":[{"system":"https://fhir-gateway.org.uk/CodeSystem/controller","code":"A81001"}]},
       "identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}],
       "name":[{"family":"Smith","given":["Ann","Marie"]}],"gender":"female","birthDate":"1970-02-03"})"},
    {"Flag", R"({"resourceType":"Flag","id":"f1",
       "meta":{"tag":[{"system":"https://fhir-gateway.org.uk/CodeSystem/controller","code":"A81001"}],
               "security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]},
       "status":"active","code":{"coding":[{"system":"http://snomed.info/sct","code":"1234"}],"text":"alert"},
       "subject":{"reference":"Patient/p1"},"period":{"start":"2024-05-01"}})"},
    {"MedicationStatement", R"({"resourceType":"MedicationStatement","id":"m1",
       "meta":{"tag":[{"system":"https://fhir-gateway.org.uk/CodeSystem/controller","code":"A81001"}]},
       "status":"active","medicationCodeableConcept":{"coding":[{"system":"https://dmd.nhs.uk","code":"321"}]},
       "subject":{"reference":"Patient/p1"},"effectivePeriod":{"start":"2023-01-01","end":"2023-06-30"}})"},
};

json::Document parsed(const std::string& text) {
  auto d = json::parse(text);
  EXPECT_TRUE(d.ok());
  return std::move(*d);
}

// Every row of the query, columns joined: a whole table as comparable text.
std::vector<std::string> rows(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  std::vector<std::string> out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const unsigned char* t = sqlite3_column_text(st, c);
      row += (t ? reinterpret_cast<const char*>(t) : "NULL") + std::string("|");
    }
    out.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

// What a write leaves behind, without the clock (last_updated, meta.lastUpdated).
std::vector<std::string> written_state(const std::filesystem::path& db) {
  std::vector<std::string> all;
  for (const char* sql :
       {"SELECT rid, type, id, version, deleted, controller, patient_id, author_org, confidential FROM resources "
        "ORDER BY rid",
        "SELECT res, type, id, version, deleted, json_remove(json, '$.meta.lastUpdated') FROM versions ORDER BY seq",
        "SELECT res, type, param, system, code FROM idx_token ORDER BY 1, 2, 3, 4, 5",
        "SELECT res, type, param, norm, exact FROM idx_string ORDER BY 1, 2, 3, 4, 5",
        "SELECT res, type, param, lo, hi FROM idx_date ORDER BY 1, 2, 3, 4, 5",
        "SELECT res, type, param, ref_type, ref_id, url FROM idx_ref ORDER BY 1, 2, 3, 4, 5, 6",
        "SELECT res, type, param, uri FROM idx_uri ORDER BY 1, 2, 3, 4",
        "SELECT res, system, code FROM codes_ever ORDER BY 1, 2, 3"}) {
    all.push_back(std::string("-- ") + sql);
    auto r = rows(db, sql);
    all.insert(all.end(), r.begin(), r.end());
  }
  return all;
}

class PutDocument : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> open(const std::string& name) {
    auto s = store::open_store("sqlite:" + (dir_.path() / name).string());
    EXPECT_TRUE(s.ok()) << s.error().message();
    return std::move(*s);
  }
  std::filesystem::path path(const std::string& name) { return dir_.path() / name; }
  adapters::test::TempDir dir_;
};

TEST_F(PutDocument, StoresExactlyWhatPutOfTheTextStores) {
  auto by_text = open("text.db");
  auto by_document = open("document.db");
  {
    auto tx = by_text->begin();
    ASSERT_TRUE(tx.ok());
    for (const auto& [type, text] : kResources) {
      store::Write w;
      w.kind = store::WriteKind::update;
      w.type = type;
      w.id = std::string(json::get_string(parsed(text), "id").value());
      w.json = text;
      auto r = (*tx)->put(w);
      ASSERT_TRUE(r.ok()) << r.error().message();
      EXPECT_TRUE(r->created);
    }
    ASSERT_TRUE((*tx)->commit().ok());
  }
  {
    auto tx = by_document->begin();
    ASSERT_TRUE(tx.ok());
    for (const auto& [type, text] : kResources) {
      auto doc = parsed(text);
      std::string id(json::get_string(doc, "id").value());
      auto r = (*tx)->put_document(type, id, doc);
      ASSERT_TRUE(r.ok()) << r.error().message();
      EXPECT_TRUE(r->created);
      EXPECT_EQ(r->record.version, 1);
      EXPECT_EQ(r->record.controller, "A81001");
    }
    ASSERT_TRUE((*tx)->commit().ok());
  }
  by_text.reset();
  by_document.reset();
  auto expected = written_state(path("text.db"));
  ASSERT_GT(expected.size(), 20u);  // the resources produced rows of every kind
  EXPECT_EQ(written_state(path("document.db")), expected);
}

TEST_F(PutDocument, SameContentIsUnchangedAndAChangeReplacesTheIndexRows) {
  auto store = open("store.db");
  auto tx = store->begin();
  ASSERT_TRUE(tx.ok());
  auto first = parsed(kResources[0].second);
  ASSERT_TRUE((*tx)->put_document("Patient", "p1", first).ok());
  auto again = parsed(kResources[0].second);
  auto same = (*tx)->put_document("Patient", "p1", again);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->unchanged);
  EXPECT_EQ(same->record.version, 1);

  auto renamed = parsed(kResources[0].second);
  renamed["name"][0]["family"].SetString("Jones");
  auto changed = (*tx)->put_document("Patient", "p1", renamed);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(changed->created);
  EXPECT_FALSE(changed->unchanged);
  EXPECT_EQ(changed->record.version, 2);
  ASSERT_TRUE((*tx)->commit().ok());
  store.reset();

  auto families = rows(path("store.db"), "SELECT norm FROM idx_string WHERE param = 'family'");
  EXPECT_EQ(families, std::vector<std::string>{"jones|"});
}

TEST_F(PutDocument, AFailedWriteAbandonsTheWholeTransaction) {
  auto store = open("store.db");
  {
    auto tx = store->begin();
    ASSERT_TRUE(tx.ok());
    auto patient = parsed(kResources[0].second);
    ASSERT_TRUE((*tx)->put_document("Patient", "p1", patient).ok());
    auto wrong = parsed(kResources[1].second);  // a Flag offered as a Patient
    auto r = (*tx)->put_document("Patient", "f1", wrong);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("resourceType"), std::string::npos);
    // No savepoint held the failed write apart: nothing more may happen.
    EXPECT_FALSE((*tx)->read("Patient", "p1").ok());
    EXPECT_FALSE((*tx)->commit().ok());
  }
  auto p1 = store->read("Patient", "p1");
  ASSERT_TRUE(p1.ok());
  EXPECT_FALSE(p1->has_value());  // rolled back with the rest
}

}  // namespace
