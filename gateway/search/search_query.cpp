#include "search/search_query.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace fhirgw::search {

namespace {
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;
void write_item(JsonWriter& w, const std::string& s) { w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size())); }
void write_item(JsonWriter& w, const std::pair<std::string, std::string>& p) {
  w.StartArray();
  write_item(w, p.first);
  write_item(w, p.second);
  w.EndArray();
}
}  // namespace

template <class T>
const std::string& SharedList<T>::json() const {
  static const std::string empty_array = "[]";
  if (!data_) return empty_array;
  std::call_once(data_->json_once, [d = data_.get()] {
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartArray();
    for (const auto& item : d->items) write_item(w, item);
    w.EndArray();
    d->json.assign(sb.GetString(), sb.GetSize());
  });
  return data_->json;
}

template class SharedList<std::string>;
template class SharedList<std::pair<std::string, std::string>>;

}  // namespace fhirgw::search
