#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "core/json.hpp"

#include "store_fixture.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;

namespace {

std::string pid(int i) { return "pt" + std::to_string(100 + i); }

class PagingTest : public StoreTest {
 protected:
  // 23 patients; families repeat (ties in the sort key), birth dates spread.
  void SetUp() override {
    StoreTest::SetUp();
    if (not_set_up()) return;
    const char* families[] = {"Adams", "Baker", "Clark", "Davies", "Evans"};
    for (int i = 0; i < 23; ++i) add(i, families[i % 5]);
  }
  void add(int i, const std::string& family) {
    std::string birth = std::to_string(1940 + (i * 7) % 60) + "-0" + std::to_string(1 + i % 9) + "-1" +
                        std::to_string(i % 10);
    update("Patient", pid(i), patient(pid(i), "A81001", family, "G" + std::to_string(i), birth,
                                      i % 2 ? "male" : "female", std::to_string(9000000000LL + i)));
  }
  // Walks every page of a search, returning the ids in page order.
  std::vector<std::string> walk(search::Query q, int* pages = nullptr) {
    std::vector<std::string> out;
    int n = 0;
    while (true) {
      auto page = run(q);
      ++n;
      EXPECT_LE(page.matches.size(), static_cast<size_t>(q.count));
      for (const auto& r : page.matches) out.push_back(r.id);
      if (!page.next) break;
      EXPECT_EQ(page.matches.size(), static_cast<size_t>(q.count));  // pages are full
      q.after = page.next;
      if (n > 100) break;
    }
    if (pages) *pages = n;
    return out;
  }
  // The sort order computed independently from the stored resources.
  std::vector<std::string> expected_order(const std::function<bool(const store::Record&, const store::Record&)>& less) {
    auto q = query("Patient", {{"_count", "1000"}});
    auto all = run(q).matches;
    std::stable_sort(all.begin(), all.end(), less);
    std::vector<std::string> out;
    for (const auto& r : all) out.push_back(r.id);
    return out;
  }
  // The first value at a dotted path, taking the first element of arrays.
  static std::string field(const store::Record& r, std::string_view path) {
    auto d = json::parse(r.json);
    const json::Value* v = &*d;
    while (v && !path.empty()) {
      if (v->IsArray()) v = v->Empty() ? nullptr : &(*v)[0];
      if (!v) break;
      auto dot = path.find('.');
      v = json::get(*v, path.substr(0, dot));
      path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    }
    if (v && v->IsArray() && !v->Empty()) v = &(*v)[0];
    return v && v->IsString() ? v->GetString() : "";
  }
};

}  // namespace

TEST_P(PagingTest, DefaultOrderPagesCoverEverythingOnce) {
  int pages = 0;
  auto all = walk(query("Patient", {{"_count", "5"}}), &pages);
  EXPECT_EQ(pages, 5);
  ASSERT_EQ(all.size(), 23u);
  for (int i = 0; i < 23; ++i) EXPECT_EQ(all[static_cast<size_t>(i)], pid(i));  // insertion (row) order
}

TEST_P(PagingTest, SortByStringWithTiesThenByRow) {
  auto got = walk(query("Patient", {{"_sort", "family"}, {"_count", "4"}}));
  auto want = expected_order([](const store::Record& a, const store::Record& b) {
    auto fa = field(a, "name.family"), fb = field(b, "name.family");
    return fa != fb ? fa < fb : a.row < b.row;
  });
  EXPECT_EQ(got, want);
  EXPECT_EQ(got.front(), pid(0));
}

TEST_P(PagingTest, SortDescendingByDateAndMultipleKeys) {
  auto got = walk(query("Patient", {{"_sort", "-birthdate"}, {"_count", "6"}}));
  auto want = expected_order([](const store::Record& a, const store::Record& b) {
    auto da = field(a, "birthDate"), db = field(b, "birthDate");
    return da != db ? da > db : a.row < b.row;
  });
  EXPECT_EQ(got, want);

  got = walk(query("Patient", {{"_sort", "gender,-family,_id"}, {"_count", "3"}}));
  want = expected_order([](const store::Record& a, const store::Record& b) {
    auto ga = field(a, "gender"), gb = field(b, "gender");
    if (ga != gb) return ga < gb;
    auto fa = field(a, "name.family"), fb = field(b, "name.family");
    if (fa != fb) return fa > fb;
    return a.id < b.id;
  });
  EXPECT_EQ(got, want);

  got = walk(query("Patient", {{"_sort", "-_lastUpdated"}, {"_count", "10"}}));
  EXPECT_EQ(got.size(), 23u);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 23u);
}

TEST_P(PagingTest, PagesNeitherSkipNorRepeatWhileDataChanges) {
  for (const char* sort : {"", "family", "-birthdate"}) {
    SCOPED_TRACE(sort);
    std::vector<std::pair<std::string, std::string>> params = {{"_count", "5"}};
    if (*sort) params.push_back({"_sort", sort});
    auto q = query("Patient", params);
    auto first = run(q);
    ASSERT_TRUE(first.next);
    std::vector<std::string> seen;
    for (const auto& r : first.matches) seen.push_back(r.id);
    auto before = walk(q);  // the full order before any change

    // Between pages: delete one already seen and one not yet seen, add new ones.
    std::string seen_deleted = seen[1];
    std::string unseen_deleted = before[12];
    remove("Patient", seen_deleted);
    remove("Patient", unseen_deleted);
    static int extra = 100;
    add(extra++, "Aaron");
    add(extra++, "Zed");

    q.after = first.next;
    auto rest = walk(q);
    std::vector<std::string> all = seen;
    all.insert(all.end(), rest.begin(), rest.end());
    std::set<std::string> unique(all.begin(), all.end());
    EXPECT_EQ(unique.size(), all.size()) << "an entry was repeated";
    for (const auto& id : before) {
      if (id == unseen_deleted) {
        EXPECT_EQ(unique.count(id), 0u);
        continue;
      }
      EXPECT_EQ(unique.count(id), 1u) << id << " was skipped";
    }
  }
}

TEST_P(PagingTest, ForeignCursorIsRejected) {
  auto q = query("Patient", {{"_sort", "family"}, {"_count", "5"}});
  q.after = search::Cursor{"not json", 3};
  auto r = store_->search(q);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 400);
  q.after = search::Cursor{"[1,2]", 3};  // two values for one key
  EXPECT_FALSE(store_->search(q).ok());
}

FHIRGW_STORE_BACKENDS(PagingTest);
