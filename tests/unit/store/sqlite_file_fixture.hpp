#pragma once
// A fresh SQLite file in its own temporary folder, with a writer connection
// and one table t (x TEXT): for tests of the SQLite layer's own machinery.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/sqlite/db.hpp"

namespace fhirgw::testing {

class SqliteFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fhirgw-sqlite-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "store.db").string();
    auto w = store::sqlite::Connection::open(path_, false);
    ASSERT_TRUE(w.ok()) << w.error().message();
    writer_ = std::move(*w);
    ASSERT_TRUE(writer_->exec("CREATE TABLE t (x TEXT NOT NULL)").ok());
  }
  void TearDown() override {
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<store::sqlite::Connection> writer_;
};

}  // namespace fhirgw::testing
