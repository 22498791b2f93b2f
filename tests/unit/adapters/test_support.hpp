#pragma once
// Helpers shared by the adapter tests: scratch directories, files, configs.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/systems.hpp"
#include "mapping/import_config.hpp"
#include "mapping/source_key.hpp"

namespace fhirgw::adapters::test {

class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("gw-adapters-" + ids::random_uuid())) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline std::filesystem::path data_dir(const std::string& name) {
  return std::filesystem::path(FHIRGW_SOURCE_DIR) / "tests" / "data" / "extracts" / name;
}

inline void copy_dir(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive |
                                      std::filesystem::copy_options::overwrite_existing);
}

inline constexpr const char* kEmisOrgGuid = "0E600000-0000-4000-8000-000000099999";

// Matches the sample sets under tests/data/extracts.
inline ImportConfig sample_config() {
  ImportConfig c;
  c.org_codes[kEmisOrgGuid] = "Y99999";
  c.org_codes["81001"] = "Y99999";
  c.consent_permit_codes = {{systems::kReadV2, "9Nd7."}, {systems::kCtv3, "XaNwR"}};
  c.consent_deny_codes = {{systems::kReadV2, "9Nd1."}, {systems::kCtv3, "XaNwT"}};
  QuestionnaireMap q;
  q.canonical = "https://fhir-gateway.org.uk/Questionnaire/frailty-check";
  q.header = {local_code_system("emis", "Y99999"), "EMISQFR00"};
  q.systmone_name = "Frailty check";
  q.questions = {{local_code_system("emis", "Y99999"), "EMISQFR01", "", "q1"},
                 {local_code_system("emis", "Y99999"), "EMISQFR02", "", "q2"},
                 {local_code_system("systmone", "Y99999"), "Y1F02", "", "q2"},
                 {"", "", "What matters most to you", "q5"}};
  c.questionnaires.push_back(q);
  return c;
}

// "a","b" CRLF
inline std::string csv_line(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ",";
    out += "\"";
    for (char c : fields[i]) {
      if (c == '"') out += '"';
      out += c;
    }
    out += "\"";
  }
  return out + "\r\n";
}

}  // namespace fhirgw::adapters::test
