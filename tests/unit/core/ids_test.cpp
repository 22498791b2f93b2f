#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace fhirgw::ids;

TEST(Ids, DerivedIdsAreStableAndDistinct) {
  auto a = derived_uuid("emis/Y99999/Admin_Patient", "A1B2");
  EXPECT_EQ(a, derived_uuid("emis/Y99999/Admin_Patient", "A1B2"));
  EXPECT_NE(a, derived_uuid("emis/Y99999/Admin_Patient", "A1B3"));
  EXPECT_NE(a, derived_uuid("emis/Y99998/Admin_Patient", "A1B2"));
  EXPECT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '5');
  EXPECT_TRUE(is_valid_id(a));
  // Imported resources keep their ids across releases: the text of a derived
  // id is fixed (SHA-1 name-based UUID, lower-case 8-4-4-4-12).
  EXPECT_EQ(a, "c77a9999-eae9-55bd-b8ab-0fc7c344c571");
}

TEST(Ids, RandomIdsAreV4) {
  auto a = random_uuid(), b = random_uuid();
  EXPECT_NE(a, b);
  EXPECT_EQ(a[14], '4');
}

TEST(Ids, RandomIdsStayDistinctAndWellFormedAcrossRandomBlocks) {
  // Ids are cut from blocks of CSPRNG output: draw across several blocks.
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = random_uuid();
    ASSERT_EQ(id.size(), 36u);
    for (size_t k : {8u, 13u, 18u, 23u}) ASSERT_EQ(id[k], '-') << id;
    ASSERT_EQ(id[14], '4') << id;
    ASSERT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // RFC 4122 variant
    ASSERT_TRUE(seen.insert(id).second) << "repeated " << id;
  }
}

TEST(Ids, FhirIdRule) {
  EXPECT_TRUE(is_valid_id("abc-123.X"));
  EXPECT_FALSE(is_valid_id(""));
  EXPECT_FALSE(is_valid_id("a/b"));
  EXPECT_FALSE(is_valid_id(std::string(65, 'a')));
}

TEST(Ids, Hashes) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hmac_sha256_hex("key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}
