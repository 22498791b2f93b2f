#pragma once
#include <optional>
#include <string_view>

namespace fhirgw::adapters {

enum class Format { emis, systmone };

constexpr std::string_view to_string(Format f) { return f == Format::emis ? "emis" : "systmone"; }
std::optional<Format> parse_format(std::string_view s);

}  // namespace fhirgw::adapters
