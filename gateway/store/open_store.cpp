#include "store/audit_log.hpp"
#include "store/postgres/audit_log_postgres.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace fhirgw::store {

// Defined with the SQLite audit log (sqlite/audit_log_sqlite.cpp).
Result<std::unique_ptr<AuditLog>> open_sqlite_audit_log(const std::string& store_url);

namespace {

constexpr std::string_view kSqlite = "sqlite:";

bool is_postgres_url(const std::string& url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

Error unknown_url(const std::string& url) {
  return Error::internal("Unknown store URL '" + url +
                         "': expected sqlite:PATH or postgres://[user@]host[:port]/database");
}

}  // namespace

Result<std::unique_ptr<Store>> open_store(const std::string& url) {
  if (url.rfind(kSqlite, 0) == 0) return sqlite::open_sqlite_store(url.substr(kSqlite.size()));
  if (is_postgres_url(url)) return postgres::open_postgres_store(url);
  return unknown_url(url);
}

// The audit trail lives beside the resources: a sibling SQLite file, or the
// same PostgreSQL database (its own tables).
Result<std::unique_ptr<AuditLog>> open_audit_log(const std::string& store_url) {
  if (store_url.rfind(kSqlite, 0) == 0) return open_sqlite_audit_log(store_url);
  if (is_postgres_url(store_url)) return postgres::open_postgres_audit_log(store_url);
  return unknown_url(store_url);
}

}  // namespace fhirgw::store
