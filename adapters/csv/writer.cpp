#include "csv/writer.hpp"

namespace fhirgw::adapters::csv {

std::string quote_field(std::string_view field) {
  std::string out;
  out.reserve(field.size() + 2);
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

Status Writer::write_row(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) line.push_back(',');
    if (enc_ == Encoding::cp1252) {
      auto converted = utf8_to_cp1252(fields[i]);
      if (!converted) {
        return Error::invalid("field " + std::to_string(i + 1) +
                              " cannot be written in Windows-1252");
      }
      line += quote_field(*converted);
    } else {
      line += quote_field(fields[i]);
    }
  }
  line += "\r\n";
  out_ << line;
  return {};
}

}  // namespace fhirgw::adapters::csv
