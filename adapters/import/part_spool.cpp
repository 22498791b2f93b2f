#include "import/part_spool.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/file_io.hpp"

namespace fhirgw::adapters {

namespace {

constexpr size_t kFlushAt = 1 << 16;

uint64_t parent_hash(std::string_view type, std::string_view id) {
  uint64_t h = std::hash<std::string_view>{}(type);
  return h ^ (std::hash<std::string_view>{}(id) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

template <typename T>
void put_pod(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_str(std::string& out, std::string_view s) {
  put_pod<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

struct Cursor {
  const std::string& in;
  size_t at = 0;
  bool ok = true;
  template <typename T>
  T pod() {
    T v{};
    if (at + sizeof v > in.size()) {
      ok = false;
      return v;
    }
    std::memcpy(&v, in.data() + at, sizeof v);
    at += sizeof v;
    return v;
  }
  std::string str() {
    auto n = pod<uint32_t>();
    if (!ok || at + n > in.size()) {
      ok = false;
      return {};
    }
    std::string s(in.data() + at, n);
    at += n;
    return s;
  }
};

}  // namespace

PartSpool::~PartSpool() {
  if (file_) std::fclose(file_);
}

Status PartSpool::open() {
  if (file_) return {};
  file_ = std::tmpfile();
  if (!file_) return Error::internal(std::string("cannot create the parts spool file: ") + std::strerror(errno));
  return {};
}

Status PartSpool::write(const std::string& bytes) {
  if (!file_io::write_all_at(fileno(file_), bytes, flushed_))
    return Error::internal(std::string("cannot write the parts spool file: ") + std::strerror(errno));
  flushed_ += static_cast<int64_t>(bytes.size());
  return {};
}

Status PartSpool::read_at(int64_t offset, size_t size, std::string& out) {
  out.resize(size);
  if (offset + static_cast<int64_t>(size) > flushed_ + static_cast<int64_t>(buffer_.size()))
    return Error::internal("parts spool: record beyond its end");
  // The part already in the file, then the part still in the write buffer.
  size_t from_file =
      offset >= flushed_ ? 0 : static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(size), flushed_ - offset));
  if (!file_io::read_exact_at(fileno(file_), out.data(), from_file, offset))
    return Error::internal(std::string("cannot read the parts spool file: ") + std::strerror(errno));
  if (from_file < size) {
    size_t at = static_cast<size_t>(offset + static_cast<int64_t>(from_file) - flushed_);
    std::memcpy(out.data() + from_file, buffer_.data() + at, size - from_file);
  }
  return {};
}

Status PartSpool::append(uint64_t hash, const std::string& type, const std::string& id, const PendingPart& p) {
  if (auto st = open(); !st) return st;
  std::string rec;
  rec.reserve(64 + type.size() + id.size() + p.part.element_id.size() + p.part.sort_key.size() + p.part.json.size() +
              p.part.parent_column.size() + p.raw.size());
  auto it = heads_.find(hash);
  put_pod<int64_t>(rec, it == heads_.end() ? -1 : it->second);
  put_str(rec, type);
  put_str(rec, id);
  put_pod<uint8_t>(rec, static_cast<uint8_t>(p.part.kind));
  put_pod<uint8_t>(rec, p.part.remove ? 1 : 0);
  put_pod<uint64_t>(rec, p.file_index);
  put_pod<int64_t>(rec, p.line);
  put_str(rec, p.part.element_id);
  put_str(rec, p.part.sort_key);
  put_str(rec, p.part.json);
  put_str(rec, p.part.parent_column);
  put_str(rec, p.raw);
  int64_t offset = flushed_ + static_cast<int64_t>(buffer_.size());
  std::string framed;
  framed.reserve(rec.size() + 4);
  put_pod<uint32_t>(framed, static_cast<uint32_t>(rec.size()));
  framed += rec;
  buffer_ += framed;
  if (buffer_.size() >= kFlushAt) {
    if (auto st = write(buffer_); !st) return st;
    buffer_.clear();
  }
  heads_[hash] = offset;
  return {};
}

Result<PartSpool::Record> PartSpool::load(int64_t offset) {
  // One read fetches the size and (usually) the whole record with it.
  constexpr size_t kFirstRead = 1024;
  int64_t end = flushed_ + static_cast<int64_t>(buffer_.size());
  if (offset + static_cast<int64_t>(sizeof(uint32_t)) > end)
    return Error::internal("parts spool: record beyond its end");
  std::string bytes;
  size_t first = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(kFirstRead), end - offset));
  if (auto st = read_at(offset, first, bytes); !st) return st.error();
  uint32_t size = 0;
  std::memcpy(&size, bytes.data(), sizeof size);
  if (sizeof size + size > bytes.size()) {
    if (auto st = read_at(offset, sizeof size + size, bytes); !st) return st.error();
  }
  bytes.erase(0, sizeof size);
  bytes.resize(size);
  Cursor c{bytes};
  Record r;
  r.prev = c.pod<int64_t>();
  r.type = c.str();
  r.id = c.str();
  r.part.part.kind = static_cast<Part::Kind>(c.pod<uint8_t>());
  r.part.part.remove = c.pod<uint8_t>() != 0;
  r.part.file_index = static_cast<size_t>(c.pod<uint64_t>());
  r.part.line = c.pod<int64_t>();
  r.part.part.element_id = c.str();
  r.part.part.sort_key = c.str();
  r.part.part.json = c.str();
  r.part.part.parent_column = c.str();
  r.part.raw = c.str();
  if (!c.ok) return Error::internal("parts spool: corrupt record");
  return r;
}

Status PartSpool::add(const std::string& type, const std::string& id, const PendingPart& part) {
  return append(parent_hash(type, id), type, id, part);
}

Result<std::vector<PendingPart>> PartSpool::take(const std::string& type, const std::string& id) {
  std::vector<PendingPart> parts;
  uint64_t hash = parent_hash(type, id);
  auto it = heads_.find(hash);
  if (it == heads_.end()) return parts;
  int64_t offset = it->second;
  heads_.erase(it);
  // Parents sharing the hash (vanishingly rare) share the chain: keep theirs.
  std::vector<Record> others;
  while (offset >= 0) {
    auto rec = load(offset);
    if (!rec) return rec.error();
    offset = rec->prev;
    if (rec->type == type && rec->id == id) {
      parts.push_back(std::move(rec->part));
    } else {
      others.push_back(std::move(*rec));
    }
  }
  std::reverse(parts.begin(), parts.end());
  for (auto o = others.rbegin(); o != others.rend(); ++o) {
    if (auto st = append(hash, o->type, o->id, o->part); !st) return st.error();
  }
  return parts;
}

Result<std::vector<ParentKey>> PartSpool::remaining() {
  std::vector<std::pair<std::string, ParentKey>> keyed;
  for (const auto& [hash, head] : heads_) {
    int64_t offset = head;
    while (offset >= 0) {
      auto rec = load(offset);
      if (!rec) return rec.error();
      offset = rec->prev;
      std::string key = rec->type + "/" + rec->id;
      keyed.emplace_back(std::move(key), ParentKey{std::move(rec->type), std::move(rec->id)});
    }
  }
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  keyed.erase(std::unique(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
              keyed.end());
  std::vector<ParentKey> out;
  out.reserve(keyed.size());
  for (auto& [k, p] : keyed) out.push_back(std::move(p));
  return out;
}

}  // namespace fhirgw::adapters
