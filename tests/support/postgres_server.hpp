#pragma once
// A real, throw-away PostgreSQL server for tests: initdb into a temporary
// directory, pg_ctl start listening only on a Unix socket in that directory,
// stopped and removed when the test binary exits. One server per test binary
// (shared()); tests create a fresh database each.
//
// Under ctest every test case is its own process, so ctest starts one server
// for the whole run instead (the fhirgw_test_postgres program, a ctest
// fixture) and names its state file in $FHIRGW_TEST_POSTGRES: shared() then
// attaches to that server rather than starting one per process.
//
// PostgreSQL refuses to run as root, and tests run as root in CI: the server
// then runs as the "postgres" system user (created by the postgresql package;
// an unprivileged "fhirgw-pg" user is created if it is missing).
//
// The only reason a test may skip is that the server binaries are missing
// (scripts/setup.sh installs the postgresql package); any other failure to
// start is a test failure, with the server's log in the message.
#include <functional>
#include <string>

namespace fhirgw::testing {

class PostgresServer {
 public:
  // The binary's shared server, started on first use (or the ctest run's,
  // when $FHIRGW_TEST_POSTGRES names a live one).
  static PostgresServer& shared();

  // For the ctest fixture: start a server that outlives this process and
  // record where it is in state_file; stop it and remove everything. A start
  // without server binaries succeeds with a message (tests then skip).
  static int start_detached(const std::string& state_file);
  static int stop_detached(const std::string& state_file);

  bool binaries_found() const { return !bin_dir_.empty(); }
  bool running() const { return running_; }
  // Why the server is not running ("" when it is).
  const std::string& problem() const { return problem_; }

  // A libpq URL for a database on this server.
  std::string url(const std::string& database) const;

  // CREATE DATABASE (optionally a copy of template_db); names are [a-z0-9_].
  bool create_database(const std::string& name, const std::string& template_db = {}, std::string* error = nullptr);
  bool drop_database(const std::string& name, std::string* error = nullptr);
  // A template database shared by every process on this server: the first
  // caller creates it and runs init(url) on it (under a server-wide lock, so
  // concurrent test processes neither race nor see it half made).
  bool ensure_template(const std::string& name, const std::function<bool(const std::string& url)>& init,
                       std::string* error = nullptr);
  // Runs SQL in a database; on success, the first column of the first row
  // (if any) goes to *value.
  bool execute(const std::string& database, const std::string& sql, std::string* value = nullptr,
               std::string* error = nullptr);

  // A database name unique within this process: prefix + counter.
  std::string unique_name(const std::string& prefix);
  // This test process's database of a kind (`prefix`): a copy of the template
  // prefix_template, which the first process on the server makes with init
  // (cheaper than migrating a database in every process). Made on the first
  // call, dropped when the process exits; "" when it cannot be made.
  const std::string& process_database(const std::string& prefix,
                                      const std::function<bool(const std::string& url)>& init);

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

 private:
  PostgresServer() = default;
  void start();
  void stop();
  bool attach(const std::string& state_file);
  bool save(const std::string& state_file) const;
  // Runs a server binary (as the server's user when we are root); output to log.
  int run_as_server_user(const std::string& command) const;

  std::string bin_dir_, dir_, run_as_;
  int port_ = 5432;
  bool running_ = false;
  bool owned_ = true;  // stopped by this process at exit
  std::string problem_;
  int counter_ = 0;
};

}  // namespace fhirgw::testing
