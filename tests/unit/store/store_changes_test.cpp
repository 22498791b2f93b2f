// Change tracking: what the gateway's in-memory governance state (patients,
// consents, flags) is refreshed from, whichever process wrote the change.
#include "store_fixture.hpp"

namespace fhirgw::testing {
namespace {

TEST_P(StoreTest, ChangedSinceReturnsEachChangedResourceOnceWithItsCurrentVersion) {
  auto start = store_->change_seq();
  ASSERT_TRUE(start.ok());
  EXPECT_EQ(*start, 0);
  write(store::WriteKind::create, "Patient", "p1", patient("p1", "Y1", "Hartley", "Amelia", "1957-03-14", "female", "9992345675"));
  write(store::WriteKind::create, "CarePlan", "c1", careplan("c1", "Y1", "p1", "active", R"({"start": "2025-01-01"})"));
  write(store::WriteKind::update, "Patient", "p1", patient("p1", "Y1", "Hartley", "Amy", "1957-03-14", "female", "9992345675"));
  auto mid = store_->change_seq();
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(*mid, 3);

  auto changed = store_->changed_since(0, {"Patient", "Consent"}, 100);
  ASSERT_TRUE(changed.ok());
  ASSERT_EQ(changed->size(), 1u);  // the CarePlan is not asked for; p1 once
  EXPECT_EQ(changed->front().id, "p1");
  EXPECT_EQ(changed->front().version, 2);
  EXPECT_EQ(changed->front().row, 3);  // its latest seq: the caller's next position

  write(store::WriteKind::remove, "Patient", "p1", "");
  auto after = store_->changed_since(*mid, {"Patient"}, 100);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_TRUE(after->front().deleted);
  EXPECT_EQ(*store_->change_seq(), 4);
  EXPECT_TRUE(store_->changed_since(4, {"Patient"}, 100)->empty());
}

TEST_P(StoreTest, ReadAndVreadBringTheChangeSeqOfTheirSnapshot) {
  store_->set_reads_bring_change_seq(true);
  write(store::WriteKind::create, "Patient", "p1", patient("p1", "Y1", "Hartley", "Amelia", "1957-03-14", "female", "9992345675"));
  write(store::WriteKind::create, "CarePlan", "c1", careplan("c1", "Y1", "p1", "active", R"({"start": "2025-01-01"})"));
  auto read = store_->read("Patient", "p1");
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->change_seq, 2);  // the CarePlan's change, after the Patient's version
  // A later change to anything moves it, for the current and an old version alike.
  write(store::WriteKind::update, "Patient", "p1", patient("p1", "Y1", "Hartley", "Amy", "1957-03-14", "female", "9992345675"));
  write(store::WriteKind::remove, "CarePlan", "c1", "");
  EXPECT_EQ((*store_->read("Patient", "p1"))->change_seq, *store_->change_seq());
  auto old = store_->vread("Patient", "p1", 1);
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->change_seq, 4);
}

TEST_P(StoreTest, ChangedSinceHonoursTheLimitInSequenceOrder) {
  for (int i = 0; i < 5; ++i) {
    std::string id = "p" + std::to_string(i);
    write(store::WriteKind::create, "Patient", id, patient(id, "Y1", "F" + id, "G", "1950-01-01", "male", "9992345675"));
  }
  auto first = store_->changed_since(0, {"Patient"}, 2);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ(first->at(0).id, "p0");
  auto rest = store_->changed_since(first->back().row, {"Patient"}, 10);
  ASSERT_EQ(rest->size(), 3u);
  EXPECT_EQ(rest->at(0).id, "p2");
}

}  // namespace
}  // namespace fhirgw::testing
