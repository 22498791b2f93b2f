#pragma once
// What an import did: per file and in total, how many rows ended in each
// outcome, the quarantined rows, and what was removed by cascade or bulk.
#include <cstdint>
#include <string>
#include <vector>

#include "mapping/format.hpp"
#include "store/store.hpp"

namespace fhirgw::adapters {

enum class Outcome { created, updated, unchanged, deleted, quarantined };
std::string_view to_string(Outcome o);

struct OutcomeCounts {
  int64_t created = 0, updated = 0, unchanged = 0, deleted = 0, quarantined = 0;
  void add(Outcome o, int64_t n = 1);
  int64_t total() const { return created + updated + unchanged + deleted + quarantined; }
};

struct FileReport {
  std::string file, table;
  bool delta = true;
  std::string rejected;    // whole-file rejection ("" = accepted)
  int64_t superseded = 0;  // rows replaced by a later row with the same key (counted unchanged)
  OutcomeCounts counts;    // one outcome per data row
};

struct ImportReport {
  static constexpr size_t kQuarantineCap = 1000;  // entries kept in the report; all go to the store

  std::string import_id;
  Format format = Format::emis;
  std::string directory;
  bool bulk = false;
  std::vector<std::string> organisations;  // controllers seen
  std::vector<FileReport> files;
  std::vector<std::string> unknown_files;  // present but not part of the format
  OutcomeCounts totals;
  int64_t cascade_deleted = 0;  // resources removed because their patient was deleted
  int64_t bulk_deleted = 0;     // resources a bulk no longer contains
  // Rows carrying this gateway's own write-back keys for partner resources it
  // still holds (the practice echoing them back): accounted unchanged.
  int64_t writeback_echoed = 0;
  bool validated = false;          // resources were checked against the gateway profiles
  int64_t invalid_resources = 0;   // resources not written: they failed validation (rows quarantined)
  int64_t quarantine_total = 0;
  std::vector<store::QuarantineEntry> quarantine;
  int64_t duration_ms = 0;
};

// Fixed-width table: one line per file, then totals.
std::string render_text(const ImportReport& report);
std::string render_json(const ImportReport& report);

}  // namespace fhirgw::adapters
