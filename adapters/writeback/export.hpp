#pragma once
// Write-back export: the partner writes queued in the store's outbox for one
// practice (controller) since a point in time — QuestionnaireResponses,
// Flags and CarePlans, the latest version of each — written as a practice
// extract file set the practice system can import, EMIS-style or
// SystmOne-style (extract-formats.md, "Write-back").
//
// Keys (writeback_keys.hpp): a partner's own resource gets a key derived
// from (practice, type, id): stable across versions and exports, so the
// practice upserts in place; a practice record a partner updated keeps the
// practice's own key. Importing the set again (the practice's extract
// echoing it back) maps those keys to the partner resources instead of
// creating copies (importer.hpp).
//
// A resource that cannot be written back (its patient did not come from this
// practice's extract of that format, a questionnaire without the codes the
// format needs, text Windows-1252 cannot carry) is listed in the report with
// the reason; nothing of it is written.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "mapping/format.hpp"
#include "mapping/import_config.hpp"
#include "store/store.hpp"

namespace fhirgw::adapters {

struct ExportedResource {
  std::string type, id;
  int64_t version = 0;
  std::string key;       // its row key in the files
  bool deleted = false;  // written as a delete row
};

struct SkippedResource {
  std::string type, id;
  int64_t version = 0;
  std::string reason;
};

struct ExportFile {
  std::string name, table;
  int64_t rows = 0;
};

struct ExportReport {
  Format format = Format::emis;
  std::string organisation;
  int64_t since_ms = 0;
  int64_t until_ms = 0;  // newest outbox entry exported (since_ms when none)
  std::string directory;
  std::vector<ExportFile> files;
  std::vector<ExportedResource> exported;
  std::vector<SkippedResource> skipped;
};

Result<ExportReport> export_writeback(store::Store& store, Format format, const std::string& organisation,
                                      int64_t since_ms, const std::filesystem::path& out_dir,
                                      const ImportConfig& config);

std::string render_text(const ExportReport& report);
std::string render_json(const ExportReport& report);

}  // namespace fhirgw::adapters
