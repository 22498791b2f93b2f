#pragma once
// A scratch SQLite store and a store wrapper that fails on demand (to prove
// an import is all-or-nothing).
#include <gtest/gtest.h>

#include <memory>

#include "core/json.hpp"
#include "import/importer.hpp"
#include "store/store.hpp"
#include "test_support.hpp"
#include "validation/validator.hpp"

namespace fhirgw::adapters::test {

// The gateway's profiles from the source tree, loaded once per process.
inline const validation::Validator& profile_validator() {
  static const std::unique_ptr<validation::Validator> v = [] {
    auto r = validation::Validator::load(std::filesystem::path(FHIRGW_SOURCE_DIR) / "fhir-profiles");
    if (!r) {
      ADD_FAILURE() << "Validator::load: " << r.error().message();
      std::abort();
    }
    return std::move(r).value();
  }();
  return *v;
}

// What every caller passes: validation on.
inline ImportOptions validating(ProgressCallback progress = {}) {
  ImportOptions o;
  o.validator = &profile_validator();
  o.progress = std::move(progress);
  return o;
}

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_store("sqlite:" + (dir_.path() / "store.db").string());
    ASSERT_TRUE(s.ok()) << s.error().message();
    store_ = std::move(*s);
  }
  // Current version of a resource (nullopt if never stored).
  std::optional<store::Record> record(const std::string& type, const std::string& id) {
    auto r = store_->read(type, id);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::nullopt;
  }
  json::Document resource(const std::string& type, const std::string& id) {
    auto r = record(type, id);
    EXPECT_TRUE(r && !r->deleted) << type << "/" << id;
    if (!r || r->deleted) return json::Document();
    auto d = json::parse(r->json);
    return std::move(*d);
  }
  TempDir dir_;
  TempDir work_;
  std::unique_ptr<store::Store> store_;
};

// Forwards to a real store; the transaction's put fails from the Nth call on.
class FailingStore : public store::Store {
 public:
  FailingStore(store::Store& inner, int fail_at) : inner_(inner), fail_at_(fail_at) {}
  Result<std::optional<store::Record>> read(const std::string& t, const std::string& id) override { return inner_.read(t, id); }
  Result<std::optional<store::Record>> vread(const std::string& t, const std::string& id, int64_t v) override {
    return inner_.vread(t, id, v);
  }
  Result<store::HistoryPage> history(const store::HistoryQuery& q) override { return inner_.history(q); }
  Result<store::SearchPage> search(const search::Query& q) override { return inner_.search(q); }
  Result<std::vector<store::QuarantineEntry>> list_quarantine(const std::string& id, int limit, int64_t after) override {
    return inner_.list_quarantine(id, limit, after);
  }
  Result<std::vector<store::OutboxEntry>> list_outbox(const std::string& c, int64_t since) override {
    return inner_.list_outbox(c, since);
  }
  Result<int64_t> change_seq() override { return inner_.change_seq(); }
  Result<std::vector<store::Record>> changed_since(int64_t after, const std::vector<std::string>& types,
                                                   int limit) override {
    return inner_.changed_since(after, types, limit);
  }
  std::string backend_name() const override { return "failing"; }
  Result<std::unique_ptr<store::Transaction>> begin() override {
    auto tx = inner_.begin();
    if (!tx) return tx.error();
    return std::unique_ptr<store::Transaction>(new Tx(std::move(*tx), fail_at_));
  }

 private:
  class Tx : public store::Transaction {
   public:
    Tx(std::unique_ptr<store::Transaction> inner, int fail_at) : inner_(std::move(inner)), fail_at_(fail_at) {}
    Result<std::optional<store::Record>> read(const std::string& t, const std::string& id) override {
      return inner_->read(t, id);
    }
    Result<store::WriteResult> put(const store::Write& w) override {
      if (++puts_ >= fail_at_) return Error::internal("injected failure");
      return inner_->put(w);
    }
    Result<store::SearchPage> search(const search::Query& q) override { return inner_->search(q); }
    Status add_outbox(const store::OutboxEntry& e) override { return inner_->add_outbox(e); }
    Status add_quarantine(const store::QuarantineEntry& e) override { return inner_->add_quarantine(e); }
    Result<std::vector<store::ResourceKey>> live_keys(const std::string& c, const std::string& p) override {
      return inner_->live_keys(c, p);
    }
    Status commit() override { return inner_->commit(); }

   private:
    std::unique_ptr<store::Transaction> inner_;
    int fail_at_;
    int puts_ = 0;
  };
  store::Store& inner_;
  int fail_at_;
};

}  // namespace fhirgw::adapters::test
