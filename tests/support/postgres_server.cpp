#include "postgres_server.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>

namespace fhirgw::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSuperuser = "fhirgw";

bool is_executable(const fs::path& p) { return ::access(p.c_str(), X_OK) == 0; }

// The newest installed server's bin directory: $FHIRGW_PG_BINDIR, Debian's
// /usr/lib/postgresql/<major>/bin, or initdb on the PATH.
std::string find_bin_dir() {
  if (const char* env = std::getenv("FHIRGW_PG_BINDIR"); env && is_executable(fs::path(env) / "initdb")) return env;
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    fs::path bin = entry.path() / "bin";
    if (is_executable(bin / "initdb") && is_executable(bin / "pg_ctl")) {
      int major = std::atoi(entry.path().filename().c_str());
      found.emplace_back(major, bin.string());
    }
  }
  if (!found.empty()) return std::max_element(found.begin(), found.end())->second;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    std::string dir;
    while (std::getline(ss, dir, ':'))
      if (!dir.empty() && is_executable(fs::path(dir) / "initdb") && is_executable(fs::path(dir) / "pg_ctl"))
        return dir;
  }
  return {};
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() < 60 &&
         std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

}  // namespace

PostgresServer& PostgresServer::shared() {
  // Destroyed at exit, which stops the server when this process started it.
  static std::unique_ptr<PostgresServer> server = [] {
    std::unique_ptr<PostgresServer> s(new PostgresServer());
    const char* state = std::getenv("FHIRGW_TEST_POSTGRES");
    if (state && *state && s->attach(state)) return s;
    s->start();
    return s;
  }();
  return *server;
}

int PostgresServer::start_detached(const std::string& state_file) {
  std::error_code ec;
  fs::remove(state_file, ec);
  PostgresServer s;
  s.start();
  if (!s.binaries_found()) {
    std::printf("PostgreSQL tests will be skipped: %s\n", s.problem().c_str());
    return 0;
  }
  if (!s.running()) {
    std::fprintf(stderr, "cannot start the PostgreSQL test server: %s\n", s.problem().c_str());
    return 1;
  }
  if (!s.save(state_file)) {
    std::fprintf(stderr, "cannot write %s\n", state_file.c_str());
    return 1;
  }
  s.owned_ = false;  // outlives this process; stop_detached ends it
  std::printf("PostgreSQL test server running in %s\n", s.dir_.c_str());
  return 0;
}

int PostgresServer::stop_detached(const std::string& state_file) {
  PostgresServer s;
  if (!s.attach(state_file)) return 0;  // nothing running
  s.stop();
  std::error_code ec;
  fs::remove(state_file, ec);
  return 0;
}

bool PostgresServer::save(const std::string& state_file) const {
  std::ofstream out(state_file, std::ios::trunc);
  out << dir_ << "\n" << port_ << "\n" << run_as_ << "\n" << bin_dir_ << "\n";
  return static_cast<bool>(out);
}

bool PostgresServer::attach(const std::string& state_file) {
  std::ifstream in(state_file);
  std::string port;
  if (!in || !std::getline(in, dir_) || !std::getline(in, port) || !std::getline(in, run_as_) ||
      !std::getline(in, bin_dir_) || dir_.empty()) {
    dir_.clear();
    run_as_.clear();
    bin_dir_.clear();
    return false;
  }
  port_ = std::atoi(port.c_str());
  owned_ = false;
  running_ = true;
  std::string error;
  if (!execute("postgres", "SELECT 1", nullptr, &error)) {  // stale state file: not ours to use
    running_ = false;
    dir_.clear();
    run_as_.clear();
    bin_dir_.clear();
    return false;
  }
  return true;
}

int PostgresServer::run_as_server_user(const std::string& command) const {
  std::string full = run_as_.empty() ? command : "runuser -u " + run_as_ + " -- " + command;
  int rc = std::system(full.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

void PostgresServer::start() {
  bin_dir_ = find_bin_dir();
  if (bin_dir_.empty()) {
    problem_ =
        "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin or on the PATH: "
        "install the 'postgresql' package (scripts/setup.sh does)";
    return;
  }
  // Short path: the socket path (dir + "/.s.PGSQL.5432") must stay under 107 bytes.
  std::string tmpl = "/tmp/fhirgw-pg-XXXXXX";
  if (!mkdtemp(tmpl.data())) {
    problem_ = "cannot create a temporary directory for the PostgreSQL test server";
    return;
  }
  dir_ = tmpl;
  if (geteuid() == 0) {
    // PostgreSQL will not run as root: use the postgres system user.
    const char* user = "postgres";
    if (!getpwnam(user)) {
      user = "fhirgw-pg";
      if (!getpwnam(user))
        (void)std::system("useradd --system --no-create-home --shell /usr/sbin/nologin fhirgw-pg >/dev/null 2>&1");
    }
    struct passwd* pw = getpwnam(user);
    if (!pw) {
      problem_ = "running as root, and no unprivileged user to run PostgreSQL as (postgres or fhirgw-pg)";
      return;
    }
    run_as_ = user;
    if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      problem_ = "cannot hand " + dir_ + " to the " + run_as_ + " user";
      return;
    }
  }
  chmod(dir_.c_str(), 0700);
  std::string data = dir_ + "/data", log = dir_ + "/server.log";
  // Trust authentication over a socket only the test user can reach; --no-sync
  // and fsync=off because a test cluster is thrown away (durability settings
  // the store relies on, synchronous_commit, stay at their defaults).
  std::string initdb = bin_dir_ + "/initdb -D " + data + " -U " + kSuperuser +
                       " -A trust -E UTF8 --locale=C --no-sync --no-instructions >" + dir_ + "/initdb.log 2>&1";
  if (run_as_server_user(initdb) != 0) {
    problem_ = "initdb failed:\n" + read_file(dir_ + "/initdb.log");
    return;
  }
  std::string options = "-k " + dir_ + " -p " + std::to_string(port_) +
                        " -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=200"
                        " -c shared_buffers=32MB";
  std::string start = bin_dir_ + "/pg_ctl -D " + data + " -l " + log + " -w -t 60 -o \"" + options +
                      "\" start >" + dir_ + "/pg_ctl.log 2>&1";
  if (run_as_server_user(start) != 0) {
    problem_ = "pg_ctl start failed:\n" + read_file(dir_ + "/pg_ctl.log") + read_file(log);
    return;
  }
  running_ = true;
}

void PostgresServer::stop() {
  if (running_)
    (void)run_as_server_user(bin_dir_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop >/dev/null 2>&1");
  running_ = false;
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  dir_.clear();
}

PostgresServer::~PostgresServer() {
  if (owned_) stop();
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://" + std::string(kSuperuser) + "@/" + database + "?host=" + dir_ +
         "&port=" + std::to_string(port_);
}

bool PostgresServer::execute(const std::string& database, const std::string& sql, std::string* value,
                             std::string* error) {
  if (!running_) {
    if (error) *error = problem_;
    return false;
  }
  PGconn* c = PQconnectdb(url(database).c_str());
  bool ok = PQstatus(c) == CONNECTION_OK;
  if (ok) {
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(c, sql.c_str());
    ExecStatusType st = PQresultStatus(r);
    ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (ok && value && PQntuples(r) > 0 && PQnfields(r) > 0) *value = PQgetvalue(r, 0, 0);
    if (!ok && error) *error = PQresultErrorMessage(r);
    PQclear(r);
  } else if (error) {
    *error = PQerrorMessage(c);
  }
  PQfinish(c);
  return ok;
}

bool PostgresServer::create_database(const std::string& name, const std::string& template_db, std::string* error) {
  if (!valid_name(name) || (!template_db.empty() && !valid_name(template_db))) {
    if (error) *error = "invalid database name";
    return false;
  }
  std::string sql = "CREATE DATABASE " + name;
  // FILE_COPY: a plain directory copy, much faster than WAL-logging the copy.
  if (!template_db.empty()) sql += " TEMPLATE " + template_db + " STRATEGY FILE_COPY";
  return execute("postgres", sql, nullptr, error);
}

bool PostgresServer::drop_database(const std::string& name, std::string* error) {
  if (!valid_name(name)) {
    if (error) *error = "invalid database name";
    return false;
  }
  return execute("postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)", nullptr, error);
}

bool PostgresServer::ensure_template(const std::string& name,
                                     const std::function<bool(const std::string& url)>& init, std::string* error) {
  if (!running_ || !valid_name(name)) {
    if (error) *error = running_ ? "invalid database name" : problem_;
    return false;
  }
  PGconn* c = PQconnectdb(url("postgres").c_str());
  auto run = [&](const std::string& sql, std::string* value = nullptr) {
    PGresult* r = PQexec(c, sql.c_str());
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (ok && value) *value = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    if (!ok && error) *error = PQresultErrorMessage(r);
    PQclear(r);
    return ok;
  };
  bool ok = PQstatus(c) == CONNECTION_OK;
  if (!ok && error) *error = PQerrorMessage(c);
  std::string lock = "hashtext('fhirgw-template-" + name + "')", exists;
  if (ok) ok = run("SELECT pg_advisory_lock(" + lock + ")");
  if (ok) ok = run("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'", &exists);
  if (ok && exists == "0") {
    ok = run("CREATE DATABASE " + name);
    if (ok && !init(url(name))) {
      if (error) *error = "initialising the template database " + name + " failed";
      (void)run("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      ok = false;
    }
  }
  if (PQstatus(c) == CONNECTION_OK) (void)run("SELECT pg_advisory_unlock(" + lock + ")");
  PQfinish(c);
  return ok;
}

std::string PostgresServer::unique_name(const std::string& prefix) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  // The pid keeps names apart when many test processes share one server.
  return prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(++counter_);
}

const std::string& PostgresServer::process_database(const std::string& prefix,
                                                    const std::function<bool(const std::string& url)>& init) {
  struct Databases {
    std::map<std::string, std::string> by_prefix;
    ~Databases() {
      for (const auto& [prefix, name] : by_prefix)
        if (!name.empty()) PostgresServer::shared().drop_database(name);
    }
  };
  static std::mutex mu;
  static Databases made;
  std::lock_guard lock(mu);
  auto it = made.by_prefix.find(prefix);
  if (it != made.by_prefix.end()) return it->second;
  const std::string tmpl = prefix + "_template";
  std::string name = unique_name(prefix);
  if (!ensure_template(tmpl, init) || !create_database(name, tmpl)) name.clear();
  return made.by_prefix.emplace(prefix, name).first->second;
}

}  // namespace fhirgw::testing
