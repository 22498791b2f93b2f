#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store_fixture.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;

// Readers run searches and reads on the pool while one writer commits; every
// call succeeds, and each reader sees a consistent, growing snapshot.
TEST_P(StoreTest, ConcurrentReadersWithOneWriter) {
  constexpr int kWrites = 60, kReaders = 4;
  std::atomic<bool> writer_done{false};
  std::atomic<int> errors{0};
  std::atomic<int> reads{0};

  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      std::string id = "c" + std::to_string(i);
      auto tx = store_->begin();
      if (!tx) { ++errors; continue; }
      auto p = (*tx)->put({store::WriteKind::create, "Patient", id,
                           patient(id, "A81001", "Conc", "R", "1970", "male", std::to_string(i)), {}});
      auto m = (*tx)->put({store::WriteKind::create, "MedicationStatement", "m" + id,
                           medication("m" + id, "A81001", id, "111", R"("effectiveDateTime": "2024")"), {}});
      if (!p || !m || !(*tx)->commit()) ++errors;
    }
    writer_done = true;
  });

  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      int64_t last_total = 0;
      // At least a few rounds even if the writer finishes first.
      for (int round = 0; !writer_done || round < 5; ++round) {
        auto q = query("MedicationStatement", {{"patient.family", "conc"}, {"_count", "5"},
                                               {"_include", "MedicationStatement:patient"}});
        auto page = store_->search(q);
        if (!page) { ++errors; continue; }
        // The snapshot is consistent: every included patient belongs to a match.
        if (page->included.size() != page->matches.size()) ++errors;
        if (*page->total < last_total) ++errors;  // never goes backwards
        last_total = *page->total;
        auto read = store_->read("Patient", "c0");
        if (!read) ++errors;
        ++reads;
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GE(reads.load(), kReaders * 5);
  auto q = query("MedicationStatement", {{"_summary", "count"}});
  EXPECT_EQ(run(q).total, kWrites);
}
