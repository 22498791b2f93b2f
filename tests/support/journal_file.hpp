#pragma once
// Edits an audit journal file the way someone with file access would: its
// lines are what comes before the zeroed room at its end.
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fhirgw::testing {

inline std::string journal_text(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.substr(0, all.find('\0'));
}

inline std::vector<std::string> journal_lines(const std::string& file) {
  std::vector<std::string> lines;
  std::string text = journal_text(file);
  for (size_t start = 0, nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(text.substr(start, nl - start));
  return lines;
}

// Rewrites the file as exactly these lines (no room: the next append makes it).
inline void write_journal_lines(const std::string& file, const std::vector<std::string>& lines) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  for (const auto& l : lines) out << l << '\n';
}

// Writes bytes just after the last entry, as a process dying mid-write would.
inline void append_to_journal(const std::string& file, const std::string& bytes) {
  const std::string text = journal_text(file);
  std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
  io.seekp(static_cast<std::streamoff>(text.size()));
  io << bytes;
}

}  // namespace fhirgw::testing
