#include <array>
#include <functional>
#include <string>

#include "core/ids.hpp"
#include "core/systems.hpp"
#include "mapping/format.hpp"
#include "mapping/source_key.hpp"

namespace fhirgw::adapters {

std::optional<Format> parse_format(std::string_view s) {
  if (s == "emis") return Format::emis;
  if (s == "systmone") return Format::systmone;
  return std::nullopt;
}

namespace {

// The last ids derived on this thread, by their full input. Rows name the
// same patient or parent again and again (and a row's own id is asked for
// more than once), so most ids are found here rather than hashed again.
// Bounded: a fixed number of slots, each overwritten by the next input that
// lands on it.
class RecentIds {
 public:
  static constexpr size_t kSlots = 256;

  const std::string* find(const std::string& input) const {
    const auto& slot = slots_[index(input)];
    return slot.input == input ? &slot.id : nullptr;
  }
  const std::string& remember(const std::string& input, std::string id) {
    auto& slot = slots_[index(input)];
    slot.input = input;
    slot.id = std::move(id);
    return slot.id;
  }

 private:
  struct Slot {
    std::string input, id;
  };
  static size_t index(const std::string& input) { return std::hash<std::string>{}(input) % kSlots; }
  std::array<Slot, kSlots> slots_;
};

}  // namespace

std::string derived_id(std::string_view format, std::string_view organisation,
                       std::string_view table, std::string_view key) {
  thread_local RecentIds recent;
  thread_local std::string input;
  // The namespace and the key exactly as derived_uuid hashes them (joined by
  // its separator), so equal inputs are equal ids.
  input.clear();
  input.append(format).append("/").append(organisation).append("/").append(table).append("\x1f").append(key);
  if (const std::string* id = recent.find(input)) return *id;
  size_t ns_size = format.size() + organisation.size() + table.size() + 2;
  std::string_view ns(input.data(), ns_size);
  return recent.remember(input, ids::derived_uuid(ns, key));
}

std::string SourceKey::id() const { return derived_id(format, organisation, table, key); }

std::string SourceKey::identifier_system() const {
  return std::string(systems::kBase) + "/Id/" + format + "/" + organisation + "/" + table;
}

std::string local_code_system(std::string_view format, std::string_view organisation) {
  std::string s(systems::kBase);
  s.append("/CodeSystem/").append(format).append("-local/").append(organisation);
  return s;
}

}  // namespace fhirgw::adapters
