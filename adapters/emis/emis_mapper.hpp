#pragma once
// EMIS-style extract set → FHIR (UK Core shaped). See
// /work/shared/spec/extract-formats.md, "EMIS-style extract set".
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mapping/fhir_builder.hpp"
#include "mapping/source_mapper.hpp"

namespace fhirgw::adapters::emis {

// {ProcIdStart}-{ProcIdEnd}_{Schema}_{Table}_{yyyyMMddHHmmss}_{SharingAgreementGuid}.csv
struct EmisFileName {
  int64_t proc_start = 0, proc_end = 0;
  std::string table;  // Schema_Table, e.g. Admin_Patient
  std::string timestamp, agreement;
};
std::optional<EmisFileName> parse_file_name(std::string_view file_name);

class EmisMapper : public SourceMapper {
 public:
  explicit EmisMapper(const ImportConfig& config);

  Format format() const override { return Format::emis; }
  csv::Encoding encoding() const override { return csv::Encoding::utf8; }
  // Bulk when any file's processing id range starts at 1.
  Result<FileSet> discover(const std::filesystem::path& dir) const override;
  const std::vector<TableStep>& plan() const override;
  const TableSchema* schema(std::string_view table) const override;
  RowAction map_row(const TableStep& step, const RowView& row) override;
  std::string column_for(std::string_view table, std::string_view element_path) const override;

 private:
  struct ClinicalCode {
    std::string term, read, snomed;
  };
  struct DrugCode {
    std::string term, dmd;
  };

  std::optional<std::string> organisation(const RowView& row);
  std::vector<Coding> clinical_codings(const ClinicalCode& c, const std::string& org) const;
  const ClinicalCode* clinical(const RowView& row) const;
  std::optional<std::pair<const QuestionnaireMap*, std::string>> question_link(const ClinicalCode& c,
                                                                               const std::string& org) const;

  RowAction patient(const RowView& row);
  RowAction observation(const TableStep& step, const RowView& row);
  RowAction drug_record(const RowView& row);
  RowAction issue_record(const RowView& row);
  RowAction alert(const RowView& row);
  RowAction care_plan(const RowView& row);

  const ImportConfig& config_;
  std::unordered_map<std::string, ClinicalCode> clinical_;
  std::unordered_map<std::string, DrugCode> drugs_;
  std::set<std::string> organisations_seen_;
};

}  // namespace fhirgw::adapters::emis
