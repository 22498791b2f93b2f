// The import's write path (Transaction::put_document: a parsed resource, no
// savepoint, statements held for the transaction) must store exactly what
// put() of the same resource's text stores: the same versions, governance
// columns and search index rows, so an imported resource is found by every
// search parameter as if it had been POSTed.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/resource_model.hpp"
#include "search/parse.hpp"
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

// Many resources with random ids, patients and GUID identifiers: put_document
// inserts their index rows in sorted batches, put() row by row. The rows are
// the same, a search inside the transaction already sees them, and a
// resource rewritten while its rows wait keeps only its new ones.
TEST_F(PutDocument, BatchedIndexRowsAreTheRowsPutWrites) {
  auto guid = [](int i, int salt) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012x", (i * 2654435761u) ^ salt, i & 0xffff, salt & 0xfff,
                  (i * 7) & 0xfff, i * 40503);
    return std::string(buf);
  };
  std::vector<std::pair<std::string, std::string>> resources;
  for (int p = 0; p < 40; ++p) {
    resources.emplace_back("Patient", R"({"resourceType":"Patient","id":")" + guid(p, 1) +
                                          R"(","meta":{"tag":[{"system":"https://fhir-gateway.org.uk/CodeSystem/controller","code":"A81001"}]},)"
                                          R"("identifier":[{"system":"https://example.org/guid","value":")" +
                                          guid(p, 2) + R"("}],"name":[{"family":"F)" + std::to_string(p % 7) +
                                          R"("}],"gender":"female"})");
  }
  for (int m = 0; m < 300; ++m) {
    resources.emplace_back("MedicationStatement",
                           R"({"resourceType":"MedicationStatement","id":")" + guid(m, 3) +
                               R"(","meta":{"tag":[{"system":"https://fhir-gateway.org.uk/CodeSystem/controller","code":"A81001"}]},)"
                               R"("identifier":[{"system":"https://example.org/guid","value":")" + guid(m, 4) +
                               R"("}],"status":"active","medicationCodeableConcept":{"coding":[{"system":"https://dmd.nhs.uk","code":")" +
                               std::to_string(100 + m % 13) + R"("}]},"subject":{"reference":"Patient/)" + guid(m % 40, 1) +
                               R"("},"effectiveDateTime":"2024-0)" + std::to_string(1 + m % 9) + R"(-01"})");
  }
  // The first patient is rewritten at the end, in both stores.
  std::string renamed = resources[0].second;
  renamed.replace(renamed.find(R"("family":"F0")"), 13, R"("family":"Renamed")");
  resources.emplace_back("Patient", renamed);

  auto by_text = open("text.db");
  {
    auto tx = by_text->begin();
    ASSERT_TRUE(tx.ok());
    for (const auto& [type, text] : resources) {
      store::Write w{store::WriteKind::update, type, std::string(json::get_string(parsed(text), "id").value()), text,
                     std::nullopt};
      ASSERT_TRUE((*tx)->put(w).ok());
    }
    ASSERT_TRUE((*tx)->commit().ok());
  }
  auto by_document = open("document.db");
  {
    auto tx = by_document->begin();
    ASSERT_TRUE(tx.ok());
    for (const auto& [type, text] : resources) {
      auto doc = parsed(text);
      std::string id(json::get_string(doc, "id").value());
      ASSERT_TRUE((*tx)->put_document(type, id, doc).ok());
    }
    auto found = search::parse_search(*model::find_type("MedicationStatement"),
                                      {{"identifier", "https://example.org/guid|" + guid(299, 4)}}, true);
    ASSERT_TRUE(found.ok());
    found->visibility = search::Visibility::everything();
    auto page = (*tx)->search(*found);
    ASSERT_TRUE(page.ok()) << page.error().message();
    ASSERT_EQ(page->matches.size(), 1u);  // not yet committed, already searchable
    EXPECT_EQ(page->matches[0].id, guid(299, 3));
    ASSERT_TRUE((*tx)->commit().ok());
  }
  by_text.reset();
  by_document.reset();
  auto expected = written_state(path("text.db"));
  EXPECT_EQ(written_state(path("document.db")), expected);
  EXPECT_EQ(rows(path("document.db"), "SELECT COUNT(*) FROM idx_string WHERE param = 'family' AND norm = 'f0'"),
            std::vector<std::string>{"5|"});  // patients 7, 14, ...: the renamed one's old row is gone
}

}  // namespace
