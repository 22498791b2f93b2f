#pragma once
// A thread-safe pool of libpq connections to one database: a caller borrows
// one for the length of a read or a transaction and gives it back; broken
// connections (or ones left inside a transaction) are closed, not reused.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/postgres/pg.hpp"

namespace fhirgw::store::postgres {

class Pool;

// A borrowed connection, returned to its pool on destruction.
class Lease {
 public:
  Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
  Lease(Lease&&) noexcept = default;
  Lease& operator=(Lease&&) = delete;
  ~Lease();
  Connection& operator*() { return *conn_; }
  Connection* operator->() { return conn_.get(); }

 private:
  Pool* pool_;
  std::unique_ptr<Connection> conn_;
};

class Pool {
 public:
  Pool(std::string conninfo, size_t max_idle) : conninfo_(std::move(conninfo)), max_idle_(max_idle) {}
  // An idle connection, or a new one.
  Result<Lease> acquire();
  void give_back(std::unique_ptr<Connection> conn);
  // Closes every idle connection: after one is found dead (server restart,
  // failover) the others almost certainly are too.
  void discard_idle();
  const std::string& conninfo() const { return conninfo_; }

 private:
  std::string conninfo_;
  size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace fhirgw::store::postgres
