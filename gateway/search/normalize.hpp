#pragma once
// The one definition of how string search values and indexed strings are
// compared: lower-cased, with Latin-1 accents folded ("Zoë" → "zoe"). The
// indexer and the parser both call it, so they cannot disagree.
#include <string>
#include <string_view>

namespace fhirgw::search {

std::string normalize_string(std::string_view text);

}  // namespace fhirgw::search
