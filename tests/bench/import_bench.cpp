// Import throughput and memory: generated SystmOne-style and EMIS-style
// bulks (100,000 patients ≈ 1.5 million rows by default) imported into a
// fresh SQLite store, against SQLite's own bulk-insert rate on the same rows
// as the ceiling (each CSV record read and inserted as raw text into a plain
// table, one transaction, one prepared statement). Each run is a child
// process, so its peak resident memory (getrusage ru_maxrss) is its own:
// the same figure at 10k and 100k patients shows memory stays flat.
//
//   import_bench [--patients N[,N...]] [--format emis|systmone|both]
//                [--no-validation] [--work DIR] [--keep-db]
//
// --keep-db leaves each run's store as WORK/import-<format>-<patients>.db
// (for inspecting what an import wrote).
//
// rows/s is wall time (what an operator waits); rows/cpu-s is the import's
// own CPU time, steadier when other work shares the core. close s is closing
// the store afterwards: the checkpoint copying the import's write-ahead log
// into the database, which a running gateway does on its checkpoint thread;
// close cpu is the CPU time of it (the rest is waiting for the disk).
//
// Prints figures only; asserts nothing (not a ctest).
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "csv/reader.hpp"
#include "generator/generator.hpp"
#include "import/importer.hpp"
#include "store/store.hpp"
#include "validation/validator.hpp"

using namespace fhirgw;
using namespace fhirgw::adapters;
namespace fs = std::filesystem;

namespace {

struct Figures {
  double seconds = 0;
  double cpu_seconds = 0;  // user + system time of the run: steadier than wall time on a shared machine
  double close_seconds = 0;  // closing the store after the import: the log copied into the database
  double close_cpu_seconds = 0;  // of which CPU (the rest is waiting for the disk)
  long long rows = 0;
  long peak_kb = 0;
  bool ok = false;
};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long peak_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Runs fn in a child process; fn fills the figures, sent back over a pipe.
template <typename Fn>
Figures in_child(Fn fn) {
  int p[2];
  if (pipe(p) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    Figures f = fn();
    f.peak_kb = peak_kb();
    if (write(p[1], &f, sizeof f) != static_cast<ssize_t>(sizeof f)) _exit(1);
    _exit(0);
  }
  close(p[1]);
  Figures f;
  if (read(p[0], &f, sizeof f) != static_cast<ssize_t>(sizeof f)) f.ok = false;
  close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return f;
}

Figures import_run(Format format, const fs::path& set, const fs::path& db, bool validate) {
  fs::remove(db);
  auto store = store::open_store("sqlite:" + db.string());
  if (!store) {
    std::fprintf(stderr, "store: %s\n", store.error().message().c_str());
    return {};
  }
  std::unique_ptr<validation::Validator> validator;
  ImportOptions options;
  if (validate) {
    auto v = validation::Validator::load(fs::path(FHIRGW_SOURCE_DIR) / "fhir-profiles");
    if (!v) {
      std::fprintf(stderr, "validator: %s\n", v.error().message().c_str());
      return {};
    }
    validator = std::move(*v);
    options.validator = validator.get();
  } else {
    options.skip_validation = true;
  }
  GeneratorOptions g;
  auto config = generator_import_config(g);
  double t0 = now_s(), c0 = cpu_s();
  auto report = import_file_set(**store, format, set, config, options);
  Figures f;
  f.seconds = now_s() - t0;
  f.cpu_seconds = cpu_s() - c0;
  if (!report) {
    std::fprintf(stderr, "import: %s\n", report.error().message().c_str());
    return f;
  }
  f.rows = report->totals.total();
  f.ok = true;
  // The import is durable and visible once it returns. Copying its log into
  // the database happens after (on a checkpoint thread, then at close); its
  // time is shown beside the import's, not hidden.
  double c1 = now_s(), k1 = cpu_s();
  store->reset();
  f.close_seconds = now_s() - c1;
  f.close_cpu_seconds = cpu_s() - k1;
  return f;
}

// SQLite's own rate on the same rows: read each record, insert its raw text.
Figures ceiling_run(Format format, const fs::path& set, const fs::path& db) {
  fs::remove(db);
  sqlite3* h = nullptr;
  if (sqlite3_open(db.string().c_str(), &h) != SQLITE_OK) return {};
  sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                  "CREATE TABLE rows (file TEXT NOT NULL, line INTEGER NOT NULL, data TEXT NOT NULL)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "INSERT INTO rows (file, line, data) VALUES (?,?,?)", -1, &st, nullptr);
  auto enc = format == Format::emis ? csv::Encoding::utf8 : csv::Encoding::cp1252;
  double t0 = now_s();
  sqlite3_exec(h, "BEGIN", nullptr, nullptr, nullptr);
  Figures f;
  for (const auto& e : fs::directory_iterator(set)) {
    if (e.path().filename() == "SRManifest.csv") continue;
    auto reader = csv::Reader::open(e.path(), enc);
    if (!reader || !(*reader)->read_header()) continue;
    std::string name = e.path().filename().string();
    csv::Row row;
    while ((*reader)->next(row)) {
      sqlite3_bind_text(st, 1, name.c_str(), static_cast<int>(name.size()), SQLITE_STATIC);
      sqlite3_bind_int64(st, 2, row.line);
      sqlite3_bind_text(st, 3, row.raw.c_str(), static_cast<int>(row.raw.size()), SQLITE_STATIC);
      sqlite3_step(st);
      sqlite3_reset(st);
      ++f.rows;
    }
  }
  sqlite3_exec(h, "COMMIT", nullptr, nullptr, nullptr);
  f.seconds = now_s() - t0;
  sqlite3_finalize(st);
  sqlite3_close(h);
  f.ok = true;
  return f;
}

std::vector<long long> parse_list(const std::string& s) {
  std::vector<long long> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoll(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<long long> sizes = {10000, 100000};
  std::vector<Format> formats = {Format::systmone, Format::emis};
  bool validate = true;
  bool keep_db = false;
  fs::path work = fs::temp_directory_path() / "fhirgw-import-bench";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--patients" && i + 1 < argc) sizes = parse_list(argv[++i]);
    else if (a == "--format" && i + 1 < argc) {
      std::string f = argv[++i];
      if (f == "emis") formats = {Format::emis};
      else if (f == "systmone") formats = {Format::systmone};
    } else if (a == "--no-validation") validate = false;
    else if (a == "--work" && i + 1 < argc) work = argv[++i];
    else if (a == "--keep-db") keep_db = true;
    else {
      std::fprintf(stderr, "usage: %s [--patients N[,N...]] [--format emis|systmone|both] [--no-validation] [--work DIR] [--keep-db]\n", argv[0]);
      return 2;
    }
  }
  fs::create_directories(work);
  std::printf("import benchmark: profile validation %s, one core, SQLite store in %s\n\n", validate ? "on" : "off",
              work.c_str());
  std::printf("%-9s %9s %10s %9s %11s %7s %11s %8s %10s %9s %13s %9s %8s\n", "format", "patients", "rows",
              "import s", "rows/s", "cpu s", "rows/cpu-s", "close s", "close cpu", "peak MB", "ceiling rows/s",
              "ceil MB", "ratio");
  for (Format format : formats) {
    for (long long n : sizes) {
      fs::path set = work / (std::string(to_string(format)) + "-" + std::to_string(n));
      fs::remove_all(set);
      GeneratorOptions g;
      g.patients = n;
      auto summary = generate_extract(format, set, g);
      if (!summary) {
        std::fprintf(stderr, "generate: %s\n", summary.error().message().c_str());
        return 1;
      }
      // Each run starts with the page cache's dirty backlog written out: a
      // previous run's gigabytes still draining to disk throttle the next
      // run's writes (by 15% in a 100,000-patient run that followed another).
      ::sync();
      Figures imp = in_child([&] { return import_run(format, set, work / "import.db", validate); });
      ::sync();
      Figures ceil = in_child([&] { return ceiling_run(format, set, work / "ceiling.db"); });
      double rate = imp.seconds > 0 ? imp.rows / imp.seconds : 0;
      double ceil_rate = ceil.seconds > 0 ? ceil.rows / ceil.seconds : 0;
      double cpu_rate = imp.cpu_seconds > 0 ? imp.rows / imp.cpu_seconds : 0;
      std::printf("%-9s %9lld %10lld %9.1f %11.0f %7.1f %11.0f %8.1f %10.1f %9.1f %13.0f %9.1f %7.1f%%\n",
                  std::string(to_string(format)).c_str(), n, imp.rows, imp.seconds, rate, imp.cpu_seconds, cpu_rate,
                  imp.close_seconds, imp.close_cpu_seconds, imp.peak_kb / 1024.0, ceil_rate, ceil.peak_kb / 1024.0, ceil_rate > 0 ? 100.0 * rate / ceil_rate : 0.0);
      std::fflush(stdout);
      if (!imp.ok) std::printf("  (import failed: see stderr)\n");
      fs::remove_all(set);
      if (keep_db) {
        fs::path kept = work / ("import-" + std::string(to_string(format)) + "-" + std::to_string(n) + ".db");
        fs::rename(work / "import.db", kept);
        fs::remove(work / "import.db-wal");
        fs::remove(work / "import.db-shm");
      } else {
        fs::remove(work / "import.db");
      }
      fs::remove(work / "ceiling.db");
    }
  }
  return 0;
}
