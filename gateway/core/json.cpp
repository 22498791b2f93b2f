#include "core/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace fhirgw::json {

Result<Document> parse(std::string_view text) {
  Document d;
  // Not kParseFullPrecisionFlag: RapidJSON 1.1 crashes on some long decimals with it (found by fuzzing).
  d.Parse(text.data(), text.size());
  if (d.HasParseError()) {
    size_t off = d.GetErrorOffset();
    size_t line = 1, col = 1;
    for (size_t i = 0; i < off && i < text.size(); ++i) {
      if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
    }
    return Error::invalid("JSON is not well-formed at line " + std::to_string(line) + ", column " +
                          std::to_string(col) + ": " +
                          rapidjson::GetParseError_En(d.GetParseError()));
  }
  return d;
}

std::string to_string(const Value& v) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  v.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

std::string to_pretty_string(const Value& v) {
  rapidjson::StringBuffer sb;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
  w.SetIndent(' ', 2);
  v.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

void append_quoted(std::string& out, std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  out += '"';
  size_t run = 0;  // start of the stretch that needs no escaping
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

std::string quoted(std::string_view s) {
  std::string out;
  append_quoted(out, s);
  return out;
}

const Value* get(const Value& obj, std::string_view key) {
  if (!obj.IsObject()) return nullptr;
  // A Value key: the const Ch* overload would strlen() past the view's end.
  const Value k(rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size())));
  auto it = obj.FindMember(k);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string_view> get_string(const Value& obj, std::string_view key) {
  const Value* v = get(obj, key);
  if (!v || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

const Value* get_path(const Value& obj, std::string_view dotted) {
  const Value* cur = &obj;
  while (cur && !dotted.empty()) {
    auto dot = dotted.find('.');
    cur = get(*cur, dotted.substr(0, dot));
    dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
  }
  return cur;
}

Value make_string(std::string_view s, Allocator& a) {
  return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

void set(Value& obj, std::string_view key, Value value, Allocator& a) {
  const Value k(rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size())));
  auto it = obj.FindMember(k);
  if (it != obj.MemberEnd()) {
    it->value = std::move(value);
  } else {
    obj.AddMember(make_string(key, a), std::move(value), a);
  }
}

void set_string(Value& obj, std::string_view key, std::string_view s, Allocator& a) {
  set(obj, key, make_string(s, a), a);
}

void remove(Value& obj, std::string_view key) {
  if (!obj.IsObject()) return;
  const Value k(rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size())));
  obj.RemoveMember(k);
}

}  // namespace fhirgw::json
