// The spool that keeps child rows on disk until their parent is written.
#include "import/part_spool.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fhirgw::adapters {
namespace {

PendingPart part(std::string element_id, std::string json, int64_t line, bool remove = false) {
  PendingPart p;
  p.part.kind = Part::Kind::item;
  p.part.element_id = std::move(element_id);
  p.part.sort_key = "sort-" + p.part.element_id;
  p.part.json = std::move(json);
  p.part.remove = remove;
  p.part.parent_column = "IDAnsweredQuestionnaire";
  p.file_index = 3;
  p.line = line;
  p.raw = "raw line " + std::to_string(line);
  return p;
}

TEST(PartSpool, ReturnsEachParentsPartsInArrivalOrderWithEveryField) {
  PartSpool spool;
  ASSERT_TRUE(spool.add("QuestionnaireResponse", "q1", part("a", R"({"linkId":"1"})", 2)));
  ASSERT_TRUE(spool.add("CarePlan", "c1", part("x", R"({"id":"x"})", 5)));
  ASSERT_TRUE(spool.add("QuestionnaireResponse", "q1", part("b", "", 7, true)));

  auto q1 = spool.take("QuestionnaireResponse", "q1");
  ASSERT_TRUE(q1);
  ASSERT_EQ(q1->size(), 2u);
  EXPECT_EQ((*q1)[0].part.element_id, "a");
  EXPECT_EQ((*q1)[0].part.json, R"({"linkId":"1"})");
  EXPECT_EQ((*q1)[0].part.sort_key, "sort-a");
  EXPECT_EQ((*q1)[0].part.parent_column, "IDAnsweredQuestionnaire");
  EXPECT_EQ((*q1)[0].part.kind, Part::Kind::item);
  EXPECT_FALSE((*q1)[0].part.remove);
  EXPECT_EQ((*q1)[0].file_index, 3u);
  EXPECT_EQ((*q1)[0].line, 2);
  EXPECT_EQ((*q1)[0].raw, "raw line 2");
  EXPECT_EQ((*q1)[1].part.element_id, "b");
  EXPECT_TRUE((*q1)[1].part.remove);
  EXPECT_EQ((*q1)[1].line, 7);

  // Taken parts are gone; other parents keep theirs.
  auto again = spool.take("QuestionnaireResponse", "q1");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  EXPECT_FALSE(spool.empty());
  auto c1 = spool.take("CarePlan", "c1");
  ASSERT_TRUE(c1);
  ASSERT_EQ(c1->size(), 1u);
  EXPECT_EQ((*c1)[0].line, 5);
  EXPECT_TRUE(spool.empty());
}

TEST(PartSpool, SurvivesMoreDataThanItsWriteBuffer) {
  PartSpool spool;
  const std::string big(1000, 'j');
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(spool.add("CarePlan", "p" + std::to_string(i % 50), part(std::to_string(i), big, i)));
  }
  for (int p = 0; p < 50; ++p) {
    auto parts = spool.take("CarePlan", "p" + std::to_string(p));
    ASSERT_TRUE(parts);
    ASSERT_EQ(parts->size(), 10u);
    for (size_t k = 0; k < parts->size(); ++k) {
      EXPECT_EQ((*parts)[k].line, static_cast<int64_t>(p + 50 * k));
      EXPECT_EQ((*parts)[k].part.json, big);
    }
  }
  EXPECT_TRUE(spool.empty());
}

TEST(PartSpool, RemainingListsParentsOnceInKeyOrder) {
  PartSpool spool;
  ASSERT_TRUE(spool.add("QuestionnaireResponse", "z", part("1", "{}", 1)));
  ASSERT_TRUE(spool.add("CarePlan", "b", part("1", "{}", 2)));
  ASSERT_TRUE(spool.add("CarePlan", "a", part("1", "{}", 3)));
  ASSERT_TRUE(spool.add("CarePlan", "b", part("2", "{}", 4)));
  auto rest = spool.remaining();
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 3u);
  EXPECT_EQ((*rest)[0].type + "/" + (*rest)[0].id, "CarePlan/a");
  EXPECT_EQ((*rest)[1].type + "/" + (*rest)[1].id, "CarePlan/b");
  EXPECT_EQ((*rest)[2].type + "/" + (*rest)[2].id, "QuestionnaireResponse/z");
}

}  // namespace
}  // namespace fhirgw::adapters
