#pragma once
// Opaque, signed paging cursors. A `next` link carries the original query and
// the keyset position of the last row, HMAC-signed together with the caller's
// client id: another caller cannot reuse it, nobody can forge one, and any
// replica sharing the key can continue the paging.
#include <optional>
#include <string>

#include "search/search_query.hpp"

namespace fhirgw::rest {

struct CursorState {
  std::string query;  // the original query string, without _cursor
  search::Cursor position;
};

std::string encode_cursor(const std::string& key, const std::string& client_id, const CursorState& s);
std::optional<CursorState> decode_cursor(const std::string& key, const std::string& client_id,
                                         const std::string& token);

}  // namespace fhirgw::rest
