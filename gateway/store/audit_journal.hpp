#pragma once
// The audit trail's durable record on a single machine: an append-only file,
// one entry per line (a JSON object holding the whole AuditRow; never a zero
// byte), synced with one fdatasync per group commit.
//
// Why a file and not a table: appending a line costs a write and a share of
// one sync, where an indexed SQLite row cost the response path some 15 µs of
// B-tree work per request. The searchable index is derived from this file
// later, off the response path (sqlite/audit_log_sqlite.cpp), and can always
// be rebuilt from it; `audit verify` reads this file, not the index.
//
// Several gateway processes may share one store: appends take an exclusive
// flock on the file, and a batch whose process did not write the file's last
// entry is re-chained onto the real end first. A torn last line (a process
// or machine that died mid-write, before the sync that would have
// acknowledged it) is cleared by the next appender.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "store/audit_log.hpp"

namespace fhirgw::store {

// One entry's line, without the trailing newline, and back.
std::string encode_journal_line(const AuditRow& row);
Result<AuditRow> decode_journal_line(std::string_view line);

class AuditJournal {
 public:
  static Result<std::unique_ptr<AuditJournal>> open(const std::string& path);
  ~AuditJournal();
  AuditJournal(const AuditJournal&) = delete;
  AuditJournal& operator=(const AuditJournal&) = delete;

  // Appends rows after the journal's real last entry, and returns once they
  // are on disk. `attach` renumbers and re-hashes rows that do not follow
  // that entry; `verbatim` (moving an older trail in) keeps them as they are.
  // `placed`, when given, receives each row's line as (offset, length).
  enum class Chain { attach, verbatim };
  struct Span {
    int64_t offset = 0;
    int64_t length = 0;  // newline included
  };
  Status append(std::vector<AuditRow>& rows, Chain chain = Chain::attach, std::vector<Span>* placed = nullptr);

  // An entry with where its line lies in the file.
  struct Located {
    AuditRow row;
    int64_t offset = 0;
    int64_t length = 0;  // the line's bytes, newline included
  };
  // Up to `max` whole entries from byte `offset` (which must begin a line).
  // A last line still being written is left out.
  Result<std::vector<Located>> read(int64_t offset, size_t max) const;
  Result<AuditRow> read_at(int64_t offset, int64_t length) const;
  Result<std::optional<Located>> last() const;
  Result<int64_t> end() const;   // just past the last whole entry
  Result<int64_t> size() const;  // of the file, zeroed room included
  const std::string& path() const { return path_; }

 private:
  // The file grows by this much at a time, zero-filled: entries are written
  // into room already allocated, and the logical end is the first zero byte.
  static constexpr int64_t kRoomBytes = 1 << 20;
  AuditJournal(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  struct End {
    int64_t whole = 0;    // just past the last newline
    int64_t written = 0;  // just past the last byte that is not room (a torn line ends here)
  };
  // Scans forward from `from` (a line start this process knows), or backward from the file's end if from < 0.
  Result<End> find_end(int64_t from) const;
  Result<std::optional<Located>> find_last(int64_t end) const;  // end: just after a newline
  bool zero(int64_t from, int64_t to) const;

  std::string path_;
  int fd_;
  std::mutex mu_;  // one appender at a time within this process
  // Where this process's last append ended the journal, and its last entry:
  // still the end if the byte there is room (no other process appended).
  struct Last {
    int64_t seq;
    std::string hash;
  };
  int64_t end_ = -1;
  std::optional<Last> last_;
};

}  // namespace fhirgw::store
