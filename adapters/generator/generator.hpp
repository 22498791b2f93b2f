#pragma once
// Writes realistic synthetic extract sets (EMIS-style or SystmOne-style) for
// tests, demos and load runs. Deterministic for a seed; streams row by row so
// 100,000 patients need no more memory than 100.
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/result.hpp"
#include "mapping/format.hpp"
#include "mapping/import_config.hpp"

namespace fhirgw::adapters {

struct GeneratorOptions {
  int64_t patients = 100;
  uint64_t seed = 1;
  std::string organisation = "Y99999";   // ODS code of the practice
  std::string systmone_org_id = "81001";  // IDOrganisationVisibleTo
  // A delta holds changes to every tenth patient (a medicine stopped, a new
  // alert) and deletes of every fiftieth, relative to the bulk of the same seed.
  bool bulk = true;
  int64_t delta_processing_id = 1001;          // EMIS: first ProcessingId of a delta
  std::string timestamp = "20250115120000";    // file names / extract date
};

struct GeneratorSummary {
  int64_t patients = 0, rows = 0, files = 0;
  std::string emis_organisation_guid;  // the OrganisationGuid written (EMIS)
};

// Writes into dir (created if needed). EMIS: one file per table named
// {start}-{end}_{Schema}_{Table}_{timestamp}_{guid}.csv; SystmOne: SR*.csv in
// Windows-1252 plus SRManifest.csv.
Result<GeneratorSummary> generate_extract(Format format, const std::filesystem::path& dir,
                                          const GeneratorOptions& options);

// The import configuration matching what the generator writes: organisation
// ids → ODS code, its consent codes and its questionnaire.
ImportConfig generator_import_config(const GeneratorOptions& options);

// The EMIS OrganisationGuid the generator uses for an ODS code.
std::string generator_emis_org_guid(const std::string& organisation);

}  // namespace fhirgw::adapters
