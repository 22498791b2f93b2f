#include <gtest/gtest.h>
#include <unistd.h>

#include "core/json.hpp"
#include "store/postgres/schema.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/schema.hpp"
#include "store_fixture.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;
using store::WriteKind;

namespace {

std::string meta_field(const std::string& json, const char* path) {
  auto d = json::parse(json);
  EXPECT_TRUE(d.ok());
  const json::Value* v = json::get_path(*d, path);
  return v && v->IsString() ? v->GetString() : "";
}

const std::string kP1 = patient("p1", "A81001", "Brontë", "Zoë", "1980-05-02", "female", "9000000009");

}  // namespace

TEST_P(StoreTest, CreateStampsMetaAndReadReturnsIt) {
  auto w = write(WriteKind::create, "Patient", "p1", kP1);
  EXPECT_TRUE(w.created);
  EXPECT_FALSE(w.unchanged);
  EXPECT_EQ(w.record.version, 1);
  EXPECT_GT(w.record.row, 0);
  EXPECT_EQ(meta_field(w.record.json, "meta.versionId"), "1");
  EXPECT_EQ(meta_field(w.record.json, "meta.lastUpdated"), fhir_time::format_instant(w.record.last_updated_ms));
  EXPECT_EQ(w.record.controller, "A81001");
  EXPECT_EQ(w.record.patient_id, "p1");  // a Patient is its own compartment

  auto r = store_->read("Patient", "p1");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->json, w.record.json);
  EXPECT_EQ((*r)->version, 1);
  EXPECT_FALSE((*r)->deleted);
  auto none = store_->read("Patient", "nope");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(StoreTest, UpdatesKeepEveryVersionAndDetectUnchangedContent) {
  write(WriteKind::create, "Patient", "p1", kP1);
  auto v2 = update("Patient", "p1", patient("p1", "A81001", "Brontë", "Zoë", "1980-05-02", "female", "9000000017"));
  EXPECT_FALSE(v2.created);
  EXPECT_EQ(v2.record.version, 2);
  EXPECT_GT(v2.record.last_updated_ms, 0);

  // Same content with a client-supplied stale meta: no new version.
  auto d = json::parse(v2.record.json);
  ASSERT_TRUE(d.ok());
  json::set_string((*d)["meta"], "versionId", "1", d->GetAllocator());
  json::set_string((*d)["meta"], "lastUpdated", "2001-01-01T00:00:00.000Z", d->GetAllocator());
  auto same = update("Patient", "p1", json::to_string(*d));
  EXPECT_TRUE(same.unchanged);
  EXPECT_EQ(same.record.version, 2);
  EXPECT_EQ(same.record.json, v2.record.json);

  auto v1 = store_->vread("Patient", "p1", 1);
  ASSERT_TRUE(v1.ok() && v1->has_value());
  EXPECT_NE((*v1)->json.find("9000000009"), std::string::npos);
  EXPECT_EQ(meta_field((*v1)->json, "meta.versionId"), "1");
  auto missing = store_->vread("Patient", "p1", 7);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreTest, CreateOfLiveIdIs409AndIfMatchMismatchIs412) {
  write(WriteKind::create, "Patient", "p1", kP1);
  auto dup = try_write(WriteKind::create, "Patient", "p1", kP1);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().status, 409);

  auto stale = try_write(WriteKind::update, "Patient", "p1", kP1, 3);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().status, 412);
  EXPECT_EQ(stale.error().issues.at(0).code, "conflict");
  auto never = try_write(WriteKind::update, "Patient", "p9", kP1, 1);
  ASSERT_FALSE(never.ok());
  EXPECT_EQ(never.error().status, 412);

  auto good = try_write(WriteKind::update, "Patient", "p1",
                        patient("p1", "A81001", "Brontë", "Zoë", "1980-05-02", "female", "9000000025"), 1);
  ASSERT_TRUE(good.ok()) << good.error().message();
  EXPECT_EQ(good->record.version, 2);
}

TEST_P(StoreTest, RejectsMalformedWrites) {
  auto wrong_type = try_write(WriteKind::create, "Patient", "p1", R"({"resourceType": "Flag", "id": "p1"})");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.error().status, 400);
  auto wrong_id = try_write(WriteKind::update, "Patient", "p1", R"({"resourceType": "Patient", "id": "p2"})");
  ASSERT_FALSE(wrong_id.ok());
  EXPECT_EQ(wrong_id.error().status, 400);
  auto not_json = try_write(WriteKind::update, "Patient", "p1", "{oops");
  EXPECT_FALSE(not_json.ok());
  auto bad_id = try_write(WriteKind::update, "Patient", "no spaces", R"({"resourceType": "Patient"})");
  EXPECT_FALSE(bad_id.ok());
  auto unknown = try_write(WriteKind::update, "Observation", "o1", R"({"resourceType": "Observation"})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().status, 400);
  // An id is filled in when the body has none.
  auto filled = try_write(WriteKind::update, "Patient", "p3", R"({"resourceType": "Patient"})");
  ASSERT_TRUE(filled.ok());
  EXPECT_EQ(meta_field(filled->record.json, "id"), "p3");
  EXPECT_TRUE(filled->created);
}

TEST_P(StoreTest, DeleteWritesTombstonesAndRecreateStartsNewLife) {
  write(WriteKind::create, "Patient", "p1", kP1);
  auto del = remove("Patient", "p1");
  EXPECT_TRUE(del.record.deleted);
  EXPECT_EQ(del.record.version, 2);
  EXPECT_TRUE(del.record.json.empty());

  auto r = store_->read("Patient", "p1");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_TRUE((*r)->deleted);
  EXPECT_EQ((*r)->version, 2);
  auto v1 = store_->vread("Patient", "p1", 1);
  ASSERT_TRUE(v1.ok() && v1->has_value());
  EXPECT_FALSE((*v1)->deleted);

  EXPECT_EQ(ids("Patient", {{"family", "bronte"}}), Ids{});
  EXPECT_EQ(ids("Patient", {{"_id", "p1"}}), Ids{});

  auto again = remove("Patient", "p1");  // already deleted: no-op
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.record.deleted);
  EXPECT_EQ(again.record.version, 2);
  auto never = remove("Patient", "ghost");
  EXPECT_FALSE(never.created);
  EXPECT_TRUE(never.record.deleted);
  EXPECT_EQ(never.record.version, 0);
  auto ghost = store_->read("Patient", "ghost");
  ASSERT_TRUE(ghost.ok());
  EXPECT_FALSE(ghost->has_value());

  auto back = update("Patient", "p1", kP1);
  EXPECT_TRUE(back.created);
  EXPECT_EQ(back.record.version, 3);
  EXPECT_EQ(ids("Patient", {{"family", "bronte"}}), Ids{"p1"});
  // Create over a tombstone is allowed too.
  remove("Patient", "p1");
  auto recreated = try_write(WriteKind::create, "Patient", "p1", kP1);
  ASSERT_TRUE(recreated.ok());
  EXPECT_EQ(recreated->record.version, 5);
}

TEST_P(StoreTest, TransactionRollsBackOnDestructionAndIsolatesReaders) {
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->put({WriteKind::create, "Patient", "p1", kP1, {}}).ok());
    ASSERT_TRUE((*tx)->add_outbox({"A81001", "Patient", "p1", 1, "RX1", 0}).ok());
    auto own = (*tx)->read("Patient", "p1");  // the transaction sees its own write
    ASSERT_TRUE(own.ok() && own->has_value());
    auto own_search = (*tx)->search(query("Patient", {{"family", "bront"}}));
    ASSERT_TRUE(own_search.ok());
    EXPECT_EQ(own_search->matches.size(), 1u);
    auto other = store_->read("Patient", "p1");  // a reader does not, and is not blocked
    ASSERT_TRUE(other.ok());
    EXPECT_FALSE(other->has_value());
  }
  auto after = store_->read("Patient", "p1");
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
  auto outbox = store_->list_outbox("A81001", 0);
  ASSERT_TRUE(outbox.ok());
  EXPECT_TRUE(outbox->empty());
  // The writer is free again.
  write(WriteKind::create, "Patient", "p1", kP1);
}

TEST_P(StoreTest, FailedWriteInsideTransactionLeavesEarlierWritesIntact) {
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->put({WriteKind::create, "Patient", "p1", kP1, {}}).ok());
  EXPECT_FALSE((*tx)->put({WriteKind::create, "Patient", "p1", kP1, {}}).ok());  // 409
  ASSERT_TRUE((*tx)->commit().ok());
  EXPECT_FALSE((*tx)->commit().ok());  // once only
  auto r = store_->read("Patient", "p1");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->version, 1);
}

TEST_P(StoreTest, CommittedWritesSurviveReopen) {
  auto w = write(WriteKind::create, "Patient", "p1", kP1);
  update("Patient", "p1", patient("p1", "A81001", "Brontë", "Zoë", "1980-05-02", "female", "9000000017"));
  reopen();
  auto r = store_->read("Patient", "p1");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->version, 2);
  EXPECT_EQ((*r)->row, w.record.row);  // the row key is stable
  EXPECT_EQ(ids("Patient", {{"identifier", "9000000017"}}), Ids{"p1"});

  if (backend() == "postgres") {
    // Durable commits (the server default the store relies on) and the schema recorded.
    auto& pg = PostgresServer::shared();
    std::string value, error;
    ASSERT_TRUE(pg.execute(database_, "SHOW synchronous_commit", &value, &error)) << error;
    EXPECT_EQ(value, "on");
    ASSERT_TRUE(pg.execute(database_, "SELECT MAX(version) FROM schema_version", &value, &error)) << error;
    EXPECT_EQ(value, std::to_string(store::postgres::latest_schema_version()));
    return;
  }
  // The database is in WAL mode with the schema recorded.
  auto db = store::sqlite::Connection::open(db_path(), true);
  ASSERT_TRUE(db.ok());
  auto mode = (*db)->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->step());
  EXPECT_EQ(mode->text_at(0), "wal");
  auto sync = (*db)->prepare("PRAGMA synchronous");
  ASSERT_TRUE(sync.ok());
  ASSERT_TRUE(*sync->step());
  EXPECT_EQ(sync->int_at(0), 2);  // FULL
  auto version = (*db)->prepare("SELECT MAX(version) FROM schema_version");
  ASSERT_TRUE(version.ok());
  ASSERT_TRUE(*version->step());
  EXPECT_EQ(version->int_at(0), store::sqlite::latest_schema_version());
}

TEST_P(StoreTest, GovernanceColumnsAreDerivedFromTheResource) {
  auto w = update("MedicationStatement", "m1",
                  R"({"resourceType": "MedicationStatement", "id": "m1", "status": "active",)" +
                      meta("A81001", true, "RX1") +
                      R"(, "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2024-01-01"})");
  EXPECT_EQ(w.record.controller, "A81001");
  EXPECT_EQ(w.record.author_org, "RX1");
  EXPECT_TRUE(w.record.confidential);
  EXPECT_EQ(w.record.patient_id, "p1");

  auto consent = update("Consent", "k1",
                        R"({"resourceType": "Consent", "id": "k1", "status": "active", )" + meta("A81002") +
                            R"(, "patient": {"reference": "https://gw.example/fhir/Patient/p7"}})");
  EXPECT_EQ(consent.record.patient_id, "p7");
  EXPECT_FALSE(consent.record.confidential);
  auto q = update("Questionnaire", "q1", R"({"resourceType": "Questionnaire", "id": "q1", "status": "active"})");
  EXPECT_EQ(q.record.patient_id, "");
  EXPECT_EQ(q.record.controller, "");
}

TEST_P(StoreTest, LiveKeysOutboxAndQuarantine) {
  update("Patient", "p1", kP1);
  update("Patient", "p2", patient("p2", "A81001", "Smith", "John", "1975", "male", "9000000017"));
  update("Patient", "p3", patient("p3", "B82002", "Jones", "Ann", "1990", "female", "9000000025"));
  update("MedicationStatement", "m1", medication("m1", "A81001", "p1", "111", R"("effectiveDateTime": "2024")"));
  update("MedicationStatement", "m2", medication("m2", "A81001", "p2", "111", R"("effectiveDateTime": "2024")"));
  remove("Patient", "p2");

  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto all = (*tx)->live_keys("A81001");
  ASSERT_TRUE(all.ok());
  std::vector<std::string> keys;
  for (const auto& k : *all) keys.push_back(k.type + "/" + k.id);
  EXPECT_EQ(keys, (Ids{"Patient/p1", "MedicationStatement/m1", "MedicationStatement/m2"}));
  auto of_p1 = (*tx)->live_keys("A81001", "p1");
  ASSERT_TRUE(of_p1.ok());
  EXPECT_EQ(of_p1->size(), 2u);

  ASSERT_TRUE((*tx)->add_outbox({"A81001", "MedicationStatement", "m1", 1, "RX1", 0}).ok());
  store::QuarantineEntry qe;
  qe.import_id = "imp-1";
  qe.format = "emis";
  qe.organisation = "A81001";
  qe.file = "Patient.csv";
  qe.line = 7;
  qe.column = "DateOfBirth";
  qe.message = "not a date";
  qe.raw = "x,y,z";
  ASSERT_TRUE((*tx)->add_quarantine(qe).ok());
  qe.line = 9;
  ASSERT_TRUE((*tx)->add_quarantine(qe).ok());
  ASSERT_TRUE((*tx)->commit().ok());

  auto outbox = store_->list_outbox("A81001", 0);
  ASSERT_TRUE(outbox.ok());
  ASSERT_EQ(outbox->size(), 1u);
  EXPECT_EQ((*outbox)[0].author_org, "RX1");
  EXPECT_GT((*outbox)[0].created_ms, 0);
  auto later = store_->list_outbox("A81001", (*outbox)[0].created_ms + 1);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->empty());

  auto page1 = store_->list_quarantine("imp-1", 1, 0);
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->size(), 1u);
  EXPECT_EQ((*page1)[0].line, 7);
  EXPECT_EQ((*page1)[0].column, "DateOfBirth");
  auto page2 = store_->list_quarantine("imp-1", 10, (*page1)[0].id);
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->size(), 1u);
  EXPECT_EQ((*page2)[0].line, 9);
  EXPECT_TRUE(store_->list_quarantine("imp-2", 10, 0)->empty());
}

TEST(OpenStore, RejectsUnknownUrls) {
  auto bad = store::open_store("mysql://x");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("sqlite:"), std::string::npos);
  // A PostgreSQL URL with no server behind it: a retryable 503 that names the
  // server (without its password), not a crash or a hang.
  auto down = store::open_store("postgres://gw:secret@127.0.0.1:1/db?connect_timeout=2");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().status, 503);
  EXPECT_NE(down.error().message().find("127.0.0.1"), std::string::npos) << down.error().message();
  EXPECT_EQ(down.error().message().find("secret"), std::string::npos) << down.error().message();
  EXPECT_FALSE(store::open_store("sqlite:").ok());
  EXPECT_FALSE(store::open_store("sqlite:/nonexistent-dir/x/y.db").ok());
}

// Databases as an older gateway left them, each alone in a fresh directory
// that goes with the test, opened as the gateway opens them.
class SqliteMigrations : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // A database at schema `version` holding `rows` (SQL statements), then
  // opened by open_store, which migrates it to the latest schema.
  Result<std::unique_ptr<store::Store>> migrated(const std::string& name, int version, const std::string& rows) {
    dir_ = std::filesystem::temp_directory_path() / ("fhirgw-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "old.db").string();
    {
      auto db = store::sqlite::Connection::open(path_, false);
      if (!db.ok()) return std::move(db).error();
      if (auto st = store::sqlite::migrate(**db, version); !st.ok()) return std::move(st).error();
      if (auto st = (*db)->exec(rows); !st.ok()) return std::move(st).error();
    }
    return store::open_store("sqlite:" + path_);
  }

  std::filesystem::path dir_;
  std::string path_;
};

// A database written before the search index tables were clustered by
// resource: its index rows, repeated ones included, carry over, and its
// resources are found by the same searches.
TEST_F(SqliteMigrations, IndexRowsCarryOverIntoTheClusteredTables) {
  const std::string json = R"({"resourceType":"CarePlan","id":"cp1","status":"active","intent":"plan",)"
                           R"("subject":{"reference":"Patient/p1"},"meta":{"versionId":"1"}})";
  auto opened = migrated("migrate", 1,
        "INSERT INTO resources (rid, type, id, version, last_updated, patient_id) VALUES (7, 'CarePlan', 'cp1', 1, 1, 'p1');"
        "INSERT INTO versions (res, type, id, version, last_updated, json) VALUES (7, 'CarePlan', 'cp1', 1, 1, '" + json + "');"
        "INSERT INTO idx_ref (res, type, param, ref_type, ref_id, url) VALUES (7, 'CarePlan', 'patient', 'Patient', 'p1', 'Patient/p1');"
        "INSERT INTO idx_ref (res, type, param, ref_type, ref_id, url) VALUES (7, 'CarePlan', 'patient', 'Patient', 'p1', 'Patient/p1');"
        "INSERT INTO idx_token (res, type, param, system, code) VALUES (7, 'CarePlan', 'status', 'http://hl7.org/fhir/request-status', 'active');");
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  auto& s = **opened;
  for (const auto& params : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"patient", "p1"}}, {{"status", "active"}}, {{"patient", "p1"}, {"status", "active"}}}) {
    auto q = search::parse_search(*model::find_type("CarePlan"), params, true);
    ASSERT_TRUE(q.ok());
    q->visibility = search::Visibility::everything();
    auto page = s.search(*q);
    ASSERT_TRUE(page.ok()) << page.error().message();
    ASSERT_EQ(page->matches.size(), 1u) << params.front().first;
    EXPECT_EQ(page->matches[0].id, "cp1");
    EXPECT_EQ(page->total, 1);
  }
  auto db = store::sqlite::Connection::open(path_, true);
  ASSERT_TRUE(db.ok());
  auto rows = (*db)->prepare("SELECT COUNT(*) FROM idx_ref WHERE res = 7");
  ASSERT_TRUE(rows.ok());
  ASSERT_TRUE(*rows->step());
  EXPECT_EQ(rows->int_at(0), 1);  // the repeated row is one row now
}

// A version-2 database, whose codes_ever repeated every current token and
// whose subject had rows of its own: the repeats go, superseded versions'
// codes stay, history still hides a resource by an old code or a current
// one, and subject finds what patient finds.
TEST_F(SqliteMigrations, CodesEverKeepsOnlySupersededCodesAndSubjectSharesPatientRows) {
  const std::string json = R"({"resourceType":"MedicationStatement","id":"m1","status":"active",)"
                           R"("subject":{"reference":"Patient/p1"},"meta":{"versionId":"2"}})";
  auto opened = migrated("migrate3", 2,
        "INSERT INTO resources (rid, type, id, version, last_updated, controller, patient_id)"
        " VALUES (3, 'MedicationStatement', 'm1', 2, 2, 'A81001', 'p1');"
        "INSERT INTO versions (res, type, id, version, last_updated, json)"
        " VALUES (3, 'MedicationStatement', 'm1', 1, 1, '" + json + "');"
        "INSERT INTO versions (res, type, id, version, last_updated, json)"
        " VALUES (3, 'MedicationStatement', 'm1', 2, 2, '" + json + "');"
        "INSERT INTO idx_token (res, type, param, system, code) VALUES (3, 'MedicationStatement', 'code', 'https://dmd.nhs.uk', '222');"
        "INSERT INTO idx_ref (res, type, param, ref_type, ref_id, url)"
        " VALUES (3, 'MedicationStatement', 'patient', 'Patient', 'p1', '');"
        "INSERT INTO idx_ref (res, type, param, ref_type, ref_id, url)"
        " VALUES (3, 'MedicationStatement', 'subject', 'Patient', 'p1', '');"
        "INSERT INTO codes_ever (res, system, code) VALUES (3, 'https://dmd.nhs.uk', '111');"
        "INSERT INTO codes_ever (res, system, code) VALUES (3, 'https://dmd.nhs.uk', '222');");
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  {
    auto db = store::sqlite::Connection::open(path_, true);
    ASSERT_TRUE(db.ok());
    auto rows = (*db)->prepare("SELECT code FROM codes_ever WHERE res = 3");
    ASSERT_TRUE(rows.ok());
    ASSERT_TRUE(*rows->step());
    EXPECT_EQ(rows->text_at(0), "111");
    EXPECT_FALSE(*rows->step());
    auto refs = (*db)->prepare("SELECT param FROM idx_ref WHERE res = 3");  // subject searches patient's row
    ASSERT_TRUE(refs.ok());
    ASSERT_TRUE(*refs->step());
    EXPECT_EQ(refs->text_at(0), "patient");
    EXPECT_FALSE(*refs->step());
  }
  for (const char* param : {"patient", "subject"}) {
    auto q = search::parse_search(*model::find_type("MedicationStatement"), {{param, "p1"}}, true);
    ASSERT_TRUE(q.ok());
    q->visibility = search::Visibility::everything();
    auto page = (*opened)->search(*q);
    ASSERT_TRUE(page.ok()) << page.error().message();
    ASSERT_EQ(page->matches.size(), 1u) << param;
  }
  search::Grant g;
  g.controllers = {"A81001"};
  g.types = {"MedicationStatement"};
  for (const char* code : {"111", "222"}) {
    g.excluded_codes = {{"https://dmd.nhs.uk", code}};
    store::HistoryQuery q;
    q.type = "MedicationStatement";
    q.visibility = {false, {g}};
    auto h = (*opened)->history(q);
    ASSERT_TRUE(h.ok()) << h.error().message();
    EXPECT_EQ(h->total, 0) << code;
  }
  g.excluded_codes = {{"https://dmd.nhs.uk", "333"}};
  store::HistoryQuery q;
  q.type = "MedicationStatement";
  q.visibility = {false, {g}};
  EXPECT_EQ((*opened)->history(q)->total, 2);
}

FHIRGW_STORE_BACKENDS(StoreTest);
