#include "store/sqlite/commit_counter.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fhirgw::store::sqlite {

namespace {
constexpr size_t kMapped = sizeof(std::atomic<uint64_t>);
static_assert(std::atomic<uint64_t>::is_always_lock_free, "the count is shared between processes");
}  // namespace

Result<std::unique_ptr<CommitCounter>> CommitCounter::open(const std::string& db_path) {
  // Beside the file itself, as SQLite's -wal and -shm are: two names for one
  // database (a symbolic link, a relative path) must share one count.
  std::error_code ec;
  auto real = std::filesystem::canonical(db_path, ec);
  const std::string path = path_for(ec ? db_path : real.string());
  auto failed = [&](const char* what) {
    return Error::internal(std::string("Cannot ") + what + " the store's commit count " + path + ": " +
                           std::strerror(errno));
  };
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return failed("open");
  struct stat st {};
  // A new file is extended with zeros; growing never touches bytes already
  // there, so two processes creating it at once agree.
  if (::fstat(fd, &st) != 0 || (st.st_size < static_cast<off_t>(kMapped) && ::ftruncate(fd, kMapped) != 0)) {
    auto e = failed("size");
    ::close(fd);
    return e;
  }
  void* p = ::mmap(nullptr, kMapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);  // the mapping keeps the file
  if (p == MAP_FAILED) return failed("map");
  return std::unique_ptr<CommitCounter>(new CommitCounter(static_cast<std::atomic<uint64_t>*>(p)));
}

CommitCounter::~CommitCounter() { ::munmap(count_, kMapped); }

// The count only grows, so a stamp never matches a later state. From an odd
// count (a writer that died mid-commit) the next odd one.
void CommitCounter::before_commit() {
  const uint64_t v = count_->load(std::memory_order_seq_cst);
  count_->store(v + 1 + (v & 1), std::memory_order_seq_cst);
}

void CommitCounter::after_commit() {
  const uint64_t v = count_->load(std::memory_order_seq_cst);
  count_->store((v | 1) + 1, std::memory_order_seq_cst);
}

}  // namespace fhirgw::store::sqlite
