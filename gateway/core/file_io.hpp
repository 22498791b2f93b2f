#pragma once
// Positioned whole reads and writes on a file descriptor: pread/pwrite
// repeated over short transfers and EINTR. false (errno set) on an error,
// and for a read, on reaching the end of the file first.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fhirgw::file_io {

bool write_all_at(int fd, std::string_view data, int64_t offset);
bool read_exact_at(int fd, char* out, size_t length, int64_t offset);

}  // namespace fhirgw::file_io
