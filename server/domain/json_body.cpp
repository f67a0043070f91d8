#include "server/domain/json_body.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace tollgate::server {

namespace json = boost::json;

Result<json::object> parse_object(std::string_view body) {
  if (body.empty()) return invalid("the request body is empty; a JSON object is expected");
  json::parse_options options;
  options.max_depth = 32;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, {}, options);
  if (ec)
    return Status(Code::invalid, fmt::format("malformed JSON: {}", ec.message()))
        .with_reason("malformed-json");
  if (!v.is_object()) return invalid("the request body must be a JSON object");
  return std::move(v.as_object());
}

Fields::Fields(const json::object& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {}

std::string Fields::path(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : fmt::format("{}.{}", prefix_, key);
}

const json::value* Fields::find(std::string_view key, bool required) {
  known_.emplace(key);
  const json::value* v = object_.if_contains(key);
  if (!v && required) errors_.push_back(fmt::format("{}: required", path(key)));
  return v;
}

std::optional<std::string> Fields::string(std::string_view key, bool required) {
  const json::value* v = find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    errors_.push_back(fmt::format("{}: must be a string", path(key)));
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<bool> Fields::boolean(std::string_view key, bool required) {
  const json::value* v = find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    errors_.push_back(fmt::format("{}: must be true or false", path(key)));
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::int64_t> Fields::integer(std::string_view key, bool required) {
  const json::value* v = find(key, required);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  errors_.push_back(fmt::format("{}: must be an integer", path(key)));
  return std::nullopt;
}

const json::object* Fields::object(std::string_view key, bool required) {
  const json::value* v = find(key, required);
  if (!v) return nullptr;
  if (!v->is_object()) {
    errors_.push_back(fmt::format("{}: must be an object", path(key)));
    return nullptr;
  }
  return &v->get_object();
}

const json::array* Fields::array(std::string_view key, bool required) {
  const json::value* v = find(key, required);
  if (!v) return nullptr;
  if (!v->is_array()) {
    errors_.push_back(fmt::format("{}: must be an array", path(key)));
    return nullptr;
  }
  return &v->get_array();
}

std::optional<std::vector<std::string>> Fields::strings(std::string_view key, bool required) {
  const json::array* a = array(key, required);
  if (!a) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(a->size());
  for (std::size_t i = 0; i < a->size(); ++i) {
    if (!(*a)[i].is_string()) {
      errors_.push_back(fmt::format("{}[{}]: must be a string", path(key), i));
      return std::nullopt;
    }
    out.emplace_back((*a)[i].get_string());
  }
  return out;
}

const json::value* Fields::value(std::string_view key, bool required) {
  return find(key, required);
}

void Fields::error(std::string message) { errors_.push_back(std::move(message)); }

void Fields::merge(const Status& nested) {
  if (nested.ok()) return;
  if (nested.items().empty()) errors_.push_back(nested.message());
  for (const auto& item : nested.items()) errors_.push_back(item);
}

Status Fields::finish() {
  for (const auto& kv : object_) {
    if (!known_.contains(std::string_view(kv.key())))
      errors_.push_back(fmt::format("{}: unknown field", path(kv.key())));
  }
  if (errors_.empty()) return {};
  std::string detail = errors_.size() == 1
                           ? errors_.front()
                           : fmt::format("{} (and {} more)", errors_.front(), errors_.size() - 1);
  return Status(Code::invalid, std::move(detail)).with_reason("validation").with_items(errors_);
}

}  // namespace tollgate::server
