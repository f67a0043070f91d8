#include "server/http/security_headers.hpp"

#include <array>
#include <string_view>
#include <utility>

#include <boost/algorithm/string/predicate.hpp>

namespace tollgate::server {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kSecurityHeaders{{
    {"Strict-Transport-Security", "max-age=31536000"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cache-Control", "no-store"},
    {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
}};

bool has_header(const Response& r, std::string_view name) {
  for (const auto& [have, value] : r.headers)
    if (boost::algorithm::iequals(have, name)) return true;
  return false;
}

}  // namespace

void add_security_headers(Response& r) {
  for (const auto& [name, value] : kSecurityHeaders)
    if (!has_header(r, name)) r.header(std::string(name), std::string(value));
}

}  // namespace tollgate::server
