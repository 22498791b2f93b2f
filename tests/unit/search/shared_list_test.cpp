// Narrowing lists are shared between the cached narrowing and every query
// that copies it: copies share one store of items, a change copies, and the
// JSON form a store binds is made once.
#include <gtest/gtest.h>

#include "search/search_query.hpp"

using namespace fhirgw::search;

TEST(SharedList, CopiesShareTheirItemsUntilOneChanges) {
  IdList a = std::vector<std::string>{"p1", "p2"};
  IdList b = a;
  EXPECT_EQ(&a.items(), &b.items());  // one store, not a copy
  b.push_back("p3");
  EXPECT_EQ(a.items(), (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(b.items(), (std::vector<std::string>{"p1", "p2", "p3"}));
  b.clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(a.size(), 2u);
}

TEST(SharedList, JsonFormsAreMadeOnceAndEscaped) {
  IdList ids = {"p1", "quote\"d"};
  const std::string& first = ids.json();
  EXPECT_EQ(first, R"(["p1","quote\"d"])");
  EXPECT_EQ(&ids.json(), &first);  // cached
  IdList copy = ids;
  EXPECT_EQ(&copy.json(), &first);  // and shared by copies
  CodeList codes = {{"http://snomed.info/sct", "1"}, {"https://dmd.nhs.uk", "2"}};
  EXPECT_EQ(codes.json(), R"([["http://snomed.info/sct","1"],["https://dmd.nhs.uk","2"]])");
  EXPECT_EQ(IdList().json(), "[]");
  EXPECT_EQ(CodeList().json(), "[]");
}
