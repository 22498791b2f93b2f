#include "store/postgres/pool.hpp"

namespace fhirgw::store::postgres {

Lease::~Lease() {
  if (conn_ && pool_) pool_->give_back(std::move(conn_));
}

Result<Lease> Pool::acquire() {
  {
    std::lock_guard lock(mu_);
    while (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->healthy()) return Lease(this, std::move(conn));
    }
  }
  auto opened = Connection::open(conninfo_);
  if (!opened) return std::move(opened).error();
  return Lease(this, std::move(*opened));
}

void Pool::give_back(std::unique_ptr<Connection> conn) {
  conn->rollback_if_open();
  if (!conn->healthy()) return;  // closed here: the next caller opens a fresh one
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(conn));
}

void Pool::discard_idle() {
  std::vector<std::unique_ptr<Connection>> dropped;
  {
    std::lock_guard lock(mu_);
    dropped.swap(idle_);
  }  // closed outside the lock
}

}  // namespace fhirgw::store::postgres
