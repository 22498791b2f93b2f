#pragma once
// The import engine: reads one extract file set and applies it to the store
// in ONE transaction. Every row ends as created / updated / unchanged /
// deleted / quarantined; a bad row never stops the good ones; a failure or a
// cancel leaves the store as it was; re-running the same set writes nothing.
//
// Rules (see extract-formats.md; the choices that are ours are marked *):
//  - Tables are read in dependency order: lookups, patients, child rows
//    ("parts": questionnaire answers, care plan items, issues), then the rest.
//    Parts wait for their parent in a temporary file (part_spool.hpp), and
//    the bulk replacement pages through the store: memory does not grow with
//    the size of the extract.
//    EMIS delta files of one table are applied in ProcessingId order.
//  - Duplicate keys in a set: the last row wins; earlier rows are accounted
//    `unchanged` and counted as `superseded` (*), so a re-run writes nothing.
//  - A row whose patient is not live (not in this set, not in the store) is
//    quarantined as an orphan; so is a child row whose parent does not exist.
//  - A delete for a record never seen is accounted `unchanged` (*): nothing
//    in the store changed.
//  - Deleting a patient deletes every live resource of that patient from
//    that controller (counted in cascade_deleted; the row itself `deleted`).
//  - Bulk: afterwards, live resources of each controller seen, of the types
//    the bulk covers, that the bulk did not write are deleted (bulk_deleted).
//  - Lookup rows and source rows that do not become a resource (an
//    observation that is neither consent nor questionnaire) are `unchanged` (*).
//  - Child rows are accounted with the outcome of their parent's write (*).
//  - Write-back keys (*): a row whose key is one this gateway minted for a
//    partner's write (writeback_keys.hpp; the outbox of the row's
//    organisation lists those writes) names that partner resource, not a new
//    one: the practice echoing back what it was sent. If the resource is in
//    the store (live or deleted) the row, and its child rows, are accounted
//    unchanged (counted in writeback_echoed): the partner's version stands.
//    If the store has never had it (restored from an older backup), it is
//    created under the partner's id with its author-organisation tag. A
//    delete row for such a key removes it (the practice deleted the record).
//  - Bulk replacement never removes a partner's write (author-organisation
//    tag): the practice's extract was not its source (*).
//  - Every resource is validated against its type's gateway profile just
//    before it is written. One with errors is not written: its row and every
//    child row that contributed to it are quarantined with the element path
//    and message of each error (*). A previously stored version stays (a bulk
//    does not delete it) until a valid image arrives (*).
#include <filesystem>
#include <functional>
#include <memory>

#include "core/result.hpp"
#include "import/import_report.hpp"
#include "mapping/import_config.hpp"
#include "mapping/source_mapper.hpp"
#include "store/store.hpp"
#include "validation/validator.hpp"

namespace fhirgw::adapters {

struct ImportProgress {
  std::string file;
  int64_t rows_done = 0;  // rows accounted so far, whole import
  size_t step = 0, steps = 0;
};
// Called at each file and every 1000 rows; return false to cancel (the
// transaction is rolled back and the import returns an error).
using ProgressCallback = std::function<bool(const ImportProgress&)>;

std::unique_ptr<SourceMapper> make_mapper(Format format, const ImportConfig& config);

struct ImportOptions {
  // Checks every resource before it is written (load it once per process
  // and share it: Validator::validate is thread-safe). Required unless
  // skip_validation says otherwise.
  const validation::Validator* validator = nullptr;
  // Where QuestionnaireResponses find their Questionnaire (e.g. the store);
  // nullptr = the ones shipped in fhir-profiles/questionnaires.
  const validation::QuestionnaireLookup* questionnaires = nullptr;
  // Explicit opt-out, for callers that test the engine alone. An import
  // without a validator and without this flag is refused.
  bool skip_validation = false;
  ProgressCallback progress;
};

Result<ImportReport> import_file_set(store::Store& store, Format format, const std::filesystem::path& dir,
                                     const ImportConfig& config, const ImportOptions& options);

}  // namespace fhirgw::adapters
