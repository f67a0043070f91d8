#include "cli/api.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "tollgate/problem.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

constexpr std::size_t kBodyExcerpt = 200;

bool is_problem(const client::HttpResponse& response) {
  return response.header("content-type").starts_with("application/problem+json");
}

std::string string_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

}  // namespace

std::string percent_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                            (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' ||
                            byte == '_' || byte == '~';
    if (unreserved) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", byte);
    }
  }
  return out;
}

std::string query_string(
    std::initializer_list<std::pair<std::string_view, std::string_view>> parameters) {
  std::string query;
  for (const auto& [name, value] : parameters) {
    if (value.empty()) continue;
    if (!query.empty()) query += '&';
    query += fmt::format("{}={}", name, percent_encode(value));
  }
  return query;
}

std::string artifact_path(const Coordinate& coordinate) {
  return fmt::format("/api/v1/artifacts/{}/{}/{}", percent_encode(coordinate.ci),
                     percent_encode(coordinate.version), percent_encode(coordinate.file));
}

std::string problem_slug(const client::HttpResponse& response) {
  if (!is_problem(response)) return {};
  auto body = json_object(response);
  if (!body.ok()) return {};
  const std::string type = string_field(*body, "type");
  return slug_of_problem_type(type);
}

Status problem_status(const client::HttpResponse& response) {
  Code code = code_for_http_status(response.status);
  if (is_problem(response)) {
    if (auto body = json_object(response); body.ok()) {
      const std::string slug = problem_slug(response);
      if (slug == "corrupt-blob") code = Code::corrupt;
      std::string title = string_field(*body, "title");
      const std::string detail = string_field(*body, "detail");
      if (title.empty()) title = fmt::format("HTTP {}", response.status);
      return Status(code, detail.empty() ? title : title + ": " + detail).with_reason(slug);
    }
  }
  std::string excerpt = response.body.substr(0, kBodyExcerpt);
  while (!excerpt.empty() && (excerpt.back() == '\n' || excerpt.back() == '\r')) {
    excerpt.pop_back();
  }
  return {code, excerpt.empty() ? fmt::format("HTTP {}", response.status)
                                : fmt::format("HTTP {}: {}", response.status, excerpt)};
}

Result<json::object> json_object(const client::HttpResponse& response) {
  boost::system::error_code ec;
  json::value value = json::parse(response.body, ec);
  if (ec || !value.is_object()) {
    return invalid(
        fmt::format("the server's answer (HTTP {}) is not a JSON object", response.status));
  }
  return std::move(value.as_object());
}

std::string field_text(const boost::json::value& item, std::string_view key) {
  const boost::json::value* value = item.is_object() ? item.get_object().if_contains(key) : nullptr;
  if (value == nullptr || value->is_null()) return "-";
  if (value->is_string()) return std::string(value->get_string());
  return boost::json::serialize(*value);
}

std::string list_text(const boost::json::value& item, std::string_view key,
                      std::string_view empty) {
  std::string out;
  for (const auto& value : array_field(item, key)) {
    if (!out.empty()) out += ",";
    out += value.is_string() ? std::string(value.get_string()) : boost::json::serialize(value);
  }
  return out.empty() ? std::string(empty) : out;
}

Result<json::object> request_object(client::HttpClient& http, std::string_view method,
                                    const std::string& target, std::string_view body,
                                    unsigned expected, std::FILE* problem_out,
                                    const client::Headers& headers) {
  TG_ASSIGN_OR_RETURN(const client::HttpResponse answer,
                      http.request(method, target, body, headers));
  if (answer.status == expected) return json_object(answer);
  if (problem_out != nullptr && is_problem(answer)) fmt::print(problem_out, "{}\n", answer.body);
  return problem_status(answer);
}

Result<json::object> fetch_all_pages(client::HttpClient& http, std::string_view path,
                                     std::string_view query, std::FILE* problem_out) {
  json::object merged;
  json::array items;
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    std::string target = fmt::format("{}?limit=1000", path);
    if (!query.empty()) target += fmt::format("&{}", query);
    if (!cursor.empty()) target += "&cursor=" + percent_encode(cursor);
    TG_ASSIGN_OR_RETURN(json::object body,
                        request_object(http, "GET", target, {}, 200, problem_out));
    const json::value* page_items = body.if_contains("items");
    if (page_items == nullptr || !page_items->is_array())
      return invalid(fmt::format("the server's list at {} has no items", path));
    for (const auto& item : page_items->get_array()) items.push_back(item);
    const json::value* next = body.if_contains("next_cursor");
    const bool more = next != nullptr && next->is_string() && !next->get_string().empty();
    if (more) cursor = std::string(next->get_string());
    if (page == 0) merged = std::move(body);
    if (!more) {
      merged["items"] = std::move(items);
      merged["next_cursor"] = nullptr;
      return merged;
    }
  }
  return internal_error(fmt::format("the server's list at {} does not end", path));
}

const boost::json::array& array_field(const boost::json::object& item, std::string_view key) {
  static const boost::json::array kEmpty;
  const boost::json::value* value = item.if_contains(key);
  return value != nullptr && value->is_array() ? value->get_array() : kEmpty;
}

const boost::json::array& array_field(const boost::json::value& item, std::string_view key) {
  static const boost::json::array kEmpty;
  return item.is_object() ? array_field(item.get_object(), key) : kEmpty;
}

}  // namespace tollgate::cli
