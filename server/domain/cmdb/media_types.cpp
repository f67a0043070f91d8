#include "server/domain/cmdb/media_types.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

#include "server/domain/cmdb/document_text.hpp"

namespace tollgate::server {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool is_http_token(std::string_view s) {
  constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return is_ascii_alnum(c) || kSpecials.find(c) != std::string_view::npos;
  });
}

Result<std::string> normalise_media_type(std::string_view media_type) {
  const auto bad = [&] {
    return invalid(
        fmt::format("media type '{}': expected type/subtype[; name=value]", printable(media_type)));
  };
  if (media_type.size() > kMaxMediaType)
    return invalid(fmt::format("media type: at most {} characters", kMaxMediaType));
  if (std::any_of(media_type.begin(), media_type.end(),
                  [](char c) { return c < 0x20 || c > 0x7e; }))
    return bad();
  std::string_view rest = media_type;
  const auto semi = std::min(rest.find(';'), rest.size());
  const std::string_view essence = trim(rest.substr(0, semi));
  const auto slash = essence.find('/');
  if (slash == std::string_view::npos || !is_http_token(essence.substr(0, slash)) ||
      !is_http_token(essence.substr(slash + 1)))
    return bad();
  std::string out = ascii_lower(essence);
  rest.remove_prefix(semi);
  while (!rest.empty()) {
    rest.remove_prefix(1);  // ';'
    const auto end = std::min(rest.find(';'), rest.size());
    const std::string_view param = trim(rest.substr(0, end));
    const auto eq = param.find('=');
    if (eq == std::string_view::npos || !is_http_token(param.substr(0, eq)) ||
        eq + 1 == param.size())
      return bad();
    out += fmt::format("; {}={}", ascii_lower(param.substr(0, eq)), param.substr(eq + 1));
    rest.remove_prefix(end);
  }
  return out;
}

std::string guess_media_type(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kTypes{{
      {"md", "text/markdown; charset=utf-8"},
      {"markdown", "text/markdown; charset=utf-8"},
      {"txt", "text/plain; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"adoc", "text/asciidoc; charset=utf-8"},
      {"json", "application/json"},
      {"yaml", "application/yaml"},
      {"yml", "application/yaml"},
      {"xml", "application/xml"},
      {"pdf", "application/pdf"},
      {"zip", "application/zip"},
      {"png", "image/png"},
      {"svg", "image/svg+xml"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
  }};
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return kDefaultMediaType;
  const std::string extension = ascii_lower(name.substr(dot + 1));
  for (const auto& [ext, type] : kTypes)
    if (ext == extension) return std::string(type);
  return kDefaultMediaType;
}

}  // namespace tollgate::server
