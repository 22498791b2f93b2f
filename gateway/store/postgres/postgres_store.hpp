#pragma once
// The PostgreSQL backend: the scaled-out deployment, several gateway replicas
// on one database.
//
// Connections: a pool of libpq connections, one per concurrent caller (opened
// on demand, kept idle for reuse). Reads run on their own connection in a
// REPEATABLE READ snapshot (a search's page, total and includes agree) and
// never wait for writers (MVCC).
//
// Writes: a Transaction holds one connection from BEGIN to COMMIT (rolled
// back when destroyed uncommitted) and, from its first statement, the
// transaction-level advisory lock kWriterLock, so writers — in this process
// and in every other replica — run one at a time, as with SQLite's single
// writer.
//
// Why serialise writers: versions.seq is the change-tracking position
// (change_seq / changed_since). A sequence alone hands out numbers in call
// order but transactions commit in any order, so a reader could see seq 8
// committed while seq 7 is still in flight, advance past 7 and miss it for
// good. With the lock held from before the first nextval until after commit
// (PostgreSQL makes a commit visible before it releases the transaction's
// locks), seq order is commit order: every snapshot sees a prefix of the
// committed seqs, so "after_seq" never skips a change. Numbers burned by a
// rolled-back transaction leave harmless gaps (nobody ever saw them).
#include <memory>
#include <string>

#include "store/store.hpp"

namespace fhirgw::store::postgres {

// url: a libpq connection URL ("postgres://user@host:port/db",
// "postgresql:///db?host=/run/postgresql"). Creates and migrates the schema
// if needed.
Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url);

}  // namespace fhirgw::store::postgres
