#include "search/reference.hpp"

#include "core/ids.hpp"

namespace fhirgw::search {

bool looks_like_type(std::string_view name) {
  if (name.empty() || name[0] < 'A' || name[0] > 'Z') return false;
  for (char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  return true;
}

namespace {

// Splits "…/Type/id" or "…/Type/id/_history/n" into type and id.
void split_tail(std::string_view path, ReferenceParts& out) {
  auto hist = path.find("/_history/");
  if (hist != std::string_view::npos) path = path.substr(0, hist);
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return;
  std::string_view id = path.substr(slash + 1);
  std::string_view head = path.substr(0, slash);
  auto slash2 = head.rfind('/');
  std::string_view type = slash2 == std::string_view::npos ? head : head.substr(slash2 + 1);
  if (looks_like_type(type) && ids::is_valid_id(id)) {
    out.type = std::string(type);
    out.id = std::string(id);
  }
}

}  // namespace

std::optional<ReferenceParts> parse_reference(std::string_view text) {
  if (text.empty() || text[0] == '#') return std::nullopt;
  ReferenceParts out;
  bool absolute = text.find("://") != std::string_view::npos || text.substr(0, 4) == "urn:";
  if (absolute) {
    out.url = std::string(text);
    if (text.substr(0, 4) != "urn:") {
      std::string_view path = text.substr(0, text.find('|'));  // canonical version suffix
      split_tail(path, out);
    }
    return out;
  }
  if (text.find('/') == std::string_view::npos) {
    out.id = std::string(text);
    return out;
  }
  split_tail(text, out);
  if (out.id.empty()) return std::nullopt;  // "Foo/bar/baz" that is not Type/id
  return out;
}

}  // namespace fhirgw::search
