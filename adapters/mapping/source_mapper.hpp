#pragma once
// The contract between a format reader (EMIS-style, SystmOne-style) and the
// import engine. A reader knows its files, tables and columns and turns one
// CSV row into one RowAction; the engine owns the store, ordering,
// duplicates, orphans, parts, bulk replacement and accounting.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "csv/reader.hpp"
#include "mapping/format.hpp"
#include "mapping/import_config.hpp"
#include "mapping/source_key.hpp"

namespace fhirgw::adapters {

// One row seen through its reader's header.
class RowView {
 public:
  RowView(const csv::Reader& reader, const csv::Row& row) : reader_(reader), row_(row) {}
  // nullopt when the column is absent or empty (empty = absent).
  std::optional<std::string_view> get(std::string_view column) const { return reader_.get(row_, column); }
  std::string str(std::string_view column) const {
    auto v = get(column);
    return v ? std::string(*v) : std::string();
  }
  int64_t line() const { return row_.line; }
  const std::string& raw() const { return row_.raw; }

 private:
  const csv::Reader& reader_;
  const csv::Row& row_;
};

// A piece of another resource carried by a child row.
struct Part {
  enum class Kind {
    activity,    // CarePlan.activity[id = element_id]
    item,        // QuestionnaireResponse.item[id = element_id]
    last_issue,  // MedicationStatement last-issue-date extension (json = dateTime)
  };
  Kind kind = Kind::activity;
  std::string element_id;
  std::string sort_key;  // items are ordered by (sort_key, element_id)
  std::string json;      // the element, or the dateTime for last_issue
  bool remove = false;   // child row deleted: drop the element
  std::string parent_column;  // the column naming the parent (for orphan messages)
};

struct RowAction {
  enum class Kind {
    pass_over,   // not this pass's business: the row is accounted in another pass
    unchanged,   // accounted, nothing to write (lookup rows, entries not mapped)
    upsert,      // full resource in json
    remove,      // delete id under any of remove_types that exists
    part,        // contribute `part` to resource (type, id)
    quarantine,  // column + message
  };
  Kind kind = Kind::pass_over;
  std::string key;           // the row's source key (duplicate detection)
  std::string organisation;  // controller ODS code
  std::string type, id;
  std::vector<std::string> remove_types;
  bool is_patient = false;
  std::string patient_id;  // compartment patient: must be live (else orphan)
  // upsert: the full resource, built as a document and handed on as one
  // (validated, indexed and stored without being printed and parsed again).
  json::Document resource;
  Part part;
  std::string column, message;
  std::string note;  // why unchanged

  static RowAction quarantined(std::string column, std::string message) {
    RowAction a;
    a.kind = Kind::quarantine;
    a.column = std::move(column);
    a.message = std::move(message);
    return a;
  }
  static RowAction accounted_unchanged(std::string note) {
    RowAction a;
    a.kind = Kind::unchanged;
    a.note = std::move(note);
    return a;
  }
};

// What a mapper has read of any row before its table's own columns: the
// source key, whether the row deletes, its confidentiality, and its patient.
struct RowCommon {
  SourceKey source;
  bool deleted = false;
  bool confidential = false;
  std::string patient;  // derived Patient id ("" when the row has none)
};

// An action of `kind` on a resource of `type`: `id` when the row contributes
// to another resource (a part of its parent), else the id derived from the
// row's key.
RowAction start_action(const RowCommon& c, RowAction::Kind kind, std::string type, std::string id = {});
// The row's resource is deleted, under whichever of `types` it exists as.
RowAction removal_action(const RowCommon& c, std::vector<std::string> types);
// A deleted patient row: the Patient goes, and with it the patient's resources.
RowAction patient_removal(const RowCommon& c);

// A parsed source date: into `out`, or the quarantine of `column` saying why not.
std::optional<RowAction> date_or_quarantine(const Result<std::string>& parsed, std::string_view column,
                                            std::string& out);
// The FHIR administrative gender of the practice systems' sex codes (M, F, I,
// U); "" for an empty code; nullopt for any other.
std::optional<std::string> administrative_gender(std::string_view code);

enum class Pass {
  lookup,  // coding / mapping tables: fill the reader's lookups
  parts,   // child rows, collected before their parents are written
  main,    // everything else
};

struct TableStep {
  std::string table;
  Pass pass = Pass::main;
  // The table's last step: rows no earlier step claimed (and CSV-level row
  // errors) are accounted here.
  bool final_step = true;
};

struct TableSchema {
  std::string table;
  std::string key_column;
  std::vector<std::string> required;
  // Each group needs at least one of its columns ("AlertText or CodeId").
  std::vector<std::vector<std::string>> required_any;
  std::vector<std::string> produces;  // resource types (bulk replacement scope)
};

struct SourceFile {
  std::filesystem::path path;
  std::string table;
  int64_t order = 0;  // EMIS ProcIdStart; 0 for SystmOne
  bool delta = true;
};

struct FileSet {
  bool bulk = false;
  std::vector<SourceFile> files;        // data files, in processing order per table
  std::vector<std::string> unknown;     // files not recognised (reported, not read)
};

class SourceMapper {
 public:
  virtual ~SourceMapper() = default;
  virtual Format format() const = 0;
  virtual csv::Encoding encoding() const = 0;
  virtual Result<FileSet> discover(const std::filesystem::path& dir) const = 0;
  // Steps in dependency order.
  virtual const std::vector<TableStep>& plan() const = 0;
  virtual const TableSchema* schema(std::string_view table) const = 0;
  virtual RowAction map_row(const TableStep& step, const RowView& row) = 0;
  // The source column an element (a FHIRPath such as "Flag.period.start") of
  // a resource built from a row of `table` comes from; "" when no single
  // column does. Pins validation errors to a column in the quarantine.
  virtual std::string column_for(std::string_view table, std::string_view element_path) const;
};

// One (table, element path prefix) → column rule for column_for.
struct ColumnRule {
  std::string_view table, path_prefix, column;
};
// The column of the longest rule whose table matches and whose prefix starts
// the path at an element boundary; "" if none.
std::string column_by_rules(const std::vector<ColumnRule>& rules, std::string_view table,
                            std::string_view element_path);

// Checks the schema's required columns against a reader's header: an error
// naming the file and the first missing column.
Status check_columns(const csv::Reader& reader, const TableSchema& schema);

}  // namespace fhirgw::adapters
