#pragma once
// The SQLite backend: one database file in WAL mode, one writer connection
// (held by a Transaction from BEGIN IMMEDIATE to commit or rollback) and a
// pool of read connections, so reads never wait for the writer.
#include <memory>
#include <string>

#include "store/store.hpp"

namespace fhirgw::store::sqlite {

// Opens (creating and migrating if needed) the database file at path.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path);

}  // namespace fhirgw::store::sqlite
