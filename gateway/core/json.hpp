#pragma once
// Thin helpers over RapidJSON: parse with a located error, serialise, and
// read fields without repeating the same null/type checks everywhere.
#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fhirgw::json {

using Document = rapidjson::Document;
using Value = rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

// Parses text as one JSON value; errors name the line and column.
Result<Document> parse(std::string_view text);
std::string to_string(const Value& v);
std::string to_pretty_string(const Value& v);
// Appends s as a JSON string literal (quotes included), escaped as RapidJSON's
// writer does: for building JSON text around already-serialised resources.
void append_quoted(std::string& out, std::string_view s);
// The same, as a new string: for values put into JSON log lines.
std::string quoted(std::string_view s);

// Field access; nullptr / nullopt when absent or of another type.
const Value* get(const Value& obj, std::string_view key);
std::optional<std::string_view> get_string(const Value& obj, std::string_view key);
// Walks a dotted path of object keys ("meta.versionId").
const Value* get_path(const Value& obj, std::string_view dotted);

Value make_string(std::string_view s, Allocator& a);
// Sets (replacing) obj[key] = value.
void set(Value& obj, std::string_view key, Value value, Allocator& a);
void set_string(Value& obj, std::string_view key, std::string_view s, Allocator& a);
void remove(Value& obj, std::string_view key);

}  // namespace fhirgw::json
