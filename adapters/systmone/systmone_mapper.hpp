#pragma once
// SystmOne-style (SRE) extract set → FHIR (UK Core shaped). See
// /work/shared/spec/extract-formats.md, "SystmOne-style extract set".
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mapping/fhir_builder.hpp"
#include "mapping/source_mapper.hpp"

namespace fhirgw::adapters::systmone {

class SystmOneMapper : public SourceMapper {
 public:
  explicit SystmOneMapper(const ImportConfig& config);

  Format format() const override { return Format::systmone; }
  csv::Encoding encoding() const override { return csv::Encoding::cp1252; }
  // Reads SRManifest.csv (FileName, IsDelta Y/N); a file the manifest does not
  // list is taken as a delta. The set is bulk when SRPatient is not a delta.
  Result<FileSet> discover(const std::filesystem::path& dir) const override;
  const std::vector<TableStep>& plan() const override;
  const TableSchema* schema(std::string_view table) const override;
  RowAction map_row(const TableStep& step, const RowView& row) override;
  std::string column_for(std::string_view table, std::string_view element_path) const override;

 private:
  struct QuestionnaireInfo {
    std::string name, version;
  };
  std::optional<std::string> organisation(const RowView& row);
  std::vector<Coding> codings(const RowView& row, const std::string& org) const;

  RowAction patient(const RowView& row);
  RowAction code(const TableStep& step, const RowView& row);
  RowAction special_note(const RowView& row);
  RowAction care_plan(const RowView& row);
  RowAction care_plan_item(const RowView& row);
  RowAction answered_questionnaire(const RowView& row);
  RowAction free_text(const RowView& row);
  RowAction repeat_template(const RowView& row);
  RowAction medication(const TableStep& step, const RowView& row);

  const ImportConfig& config_;
  std::unordered_map<std::string, std::string> mappings_;  // SRMapping RowIdentifier → text
  std::unordered_map<std::string, QuestionnaireInfo> questionnaires_;
  std::set<std::string> organisations_seen_;
};

}  // namespace fhirgw::adapters::systmone
