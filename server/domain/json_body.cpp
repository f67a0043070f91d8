#include "server/domain/json_body.hpp"

#include <limits>

#include <fmt/format.h>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

namespace tollgate::server {

namespace json = boost::json;

namespace {

using boost::system::error_code;

// Finds the first key that an object of a document repeats. Boost.JSON keeps the last of equal
// keys silently, so {"name":"a","name":"b"} would pass as {"name":"b"} here while another reader
// of the same bytes (a proxy, an audit tool) sees "a".
class DuplicateKeyFinder {
 public:
  static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

  std::optional<std::string> duplicate;  // the path of the first repeated key

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) { return open(true); }
  bool on_array_end(std::size_t, error_code&) { return close(); }
  bool on_object_begin(error_code&) { return open(false); }
  bool on_object_end(std::size_t, error_code&) { return close(); }
  bool on_string_part(json::string_view, std::size_t, error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, error_code&) { return true; }
  bool on_key_part(json::string_view s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    Scope& scope = scopes_.back();
    if (!scope.keys.insert(key_).second && !duplicate) {
      std::string path;
      for (std::size_t i = 0; i + 1 < scopes_.size(); ++i)
        if (!scopes_[i].array) path += scopes_[i].key + ".";
      duplicate = path + key_;
    }
    scope.key = std::move(key_);
    key_.clear();
    return true;
  }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, error_code&) { return true; }
  bool on_double(double, json::string_view, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }

 private:
  struct Scope {
    bool array = false;
    std::set<std::string, std::less<>> keys;
    std::string key;  // the key being read (objects)
  };
  bool open(bool array) {
    scopes_.push_back({array, {}, {}});
    return true;
  }
  bool close() {
    scopes_.pop_back();
    return true;
  }

  std::vector<Scope> scopes_;
  std::string key_;
};

// The path of the first key repeated in `body` (JSON that parsed with `options`), if any.
std::optional<std::string> duplicate_key(std::string_view body,
                                         const json::parse_options& options) {
  json::basic_parser<DuplicateKeyFinder> parser(options);
  error_code ec;
  parser.write_some(false, body.data(), body.size(), ec);
  return parser.handler().duplicate;
}

}  // namespace

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
  if (auto repeated = duplicate_key(body, options)) {
    std::string message = fmt::format("{}: duplicate field", *repeated);
    return Status(Code::invalid, message).with_reason("validation").with_items({message});
  }
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
