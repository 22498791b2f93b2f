#pragma once
// One format's write-back file set: the exporter hands it each partner
// resource in turn; it stages that resource's rows (all or none) and writes
// the files at the end.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "mapping/import_config.hpp"

namespace fhirgw::adapters::writeback {

struct ExportItem {
  std::string type, id;
  int64_t version = 0, last_updated_ms = 0;
  // The current version is a tombstone: the practice removes its copy.
  // resource is then the last live version (for its keys).
  bool deleted = false;
  const json::Value* resource = nullptr;
  std::string patient_key;  // the subject's key in this practice's extract
  // The resource's own key when it came from this practice's extract (a
  // partner's update to a practice record is written back in place);
  // "" for a partner's own record, which gets its write-back key.
  std::string own_key;
};

struct WrittenFile {
  std::string name, table;
  int64_t rows = 0;
};

class FormatWriter {
 public:
  virtual ~FormatWriter() = default;
  // The table whose key the subject's Patient carries as an identifier.
  virtual const char* patient_table() const = 0;
  // Stages the rows of one resource and returns its row key; an error says
  // why it cannot be written back, and then nothing of it is written.
  virtual Result<std::string> add(const ExportItem& item) = 0;
  // Every file of the set, empty ones included. from/to: the outbox window.
  virtual Result<std::vector<WrittenFile>> write(const std::filesystem::path& dir, int64_t from_ms,
                                                 int64_t to_ms) = 0;
};

std::unique_ptr<FormatWriter> make_emis_writer(const std::string& organisation, const ImportConfig& config);
std::unique_ptr<FormatWriter> make_systmone_writer(const std::string& organisation, const ImportConfig& config);

// The practice's own id for an ODS code: the org_codes entry mapping to it
// that looks like the format's ids (EMIS GUID, SystmOne number), else the
// ODS code itself (the importer reads an unmapped id as the code).
std::string source_organisation_id(const ImportConfig& config, bool emis, const std::string& organisation);

}  // namespace fhirgw::adapters::writeback
