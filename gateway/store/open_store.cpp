#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace fhirgw::store {

Result<std::unique_ptr<Store>> open_store(const std::string& url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.rfind(kSqlite, 0) == 0) return sqlite::open_sqlite_store(url.substr(kSqlite.size()));
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0)
    return Error::internal("The PostgreSQL store backend is not available in this build");
  return Error::internal("Unknown store URL '" + url + "': expected sqlite:PATH");
}

}  // namespace fhirgw::store
