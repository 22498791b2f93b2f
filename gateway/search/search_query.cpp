#include "search/search_query.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace fhirgw::search {

IdList::IdList(std::vector<std::string> ids) {
  if (ids.empty()) return;
  auto d = std::make_shared<Data>();
  d->ids = std::move(ids);
  data_ = std::move(d);
}

void IdList::push_back(std::string id) {
  auto d = std::make_shared<Data>();
  if (data_) d->ids = data_->ids;
  d->ids.push_back(std::move(id));
  data_ = std::move(d);
}

const std::vector<std::string>& IdList::ids() const {
  static const std::vector<std::string> none;
  return data_ ? data_->ids : none;
}

const std::string& IdList::json() const {
  static const std::string empty_array = "[]";
  if (!data_) return empty_array;
  std::call_once(data_->json_once, [d = data_.get()] {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartArray();
    for (const auto& id : d->ids) w.String(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
    w.EndArray();
    d->json.assign(sb.GetString(), sb.GetSize());
  });
  return data_->json;
}

}  // namespace fhirgw::search
