// Routing (server/http/router.hpp): a method and a request target against the route table. The
// first byte picks the method, the rest is the target.
// Checks: a route found has the method asked for (HEAD where GET is) and a pattern whose literal
// segments are the target's, with one non-empty value per placeholder; the target rebuilt from
// the pattern and those values finds the same route and values; body_kind, which the server asks
// before it reads a body, agrees with the route the request then goes to.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/request_target.hpp"
#include "server/http/router.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using tollgate::server::BodyKind;
using tollgate::server::Route;
using tollgate::server::RouteMatch;

constexpr std::string_view kMethods[] = {"GET",    "HEAD",    "POST",  "PUT", "PATCH",
                                         "DELETE", "OPTIONS", "TRACE", "get", ""};

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[u >> 4];
    out += kHex[u & 15];
  }
  return out;
}

// The pattern's segments with each {placeholder} replaced by the next of `params`, encoded.
std::string rebuild(std::string_view pattern, const std::vector<std::string>& params) {
  std::string out;
  std::size_t next = 0;
  while (!pattern.empty()) {
    pattern.remove_prefix(1);  // '/'
    const std::size_t slash = pattern.find('/');
    const std::string_view part = pattern.substr(0, slash);
    out += '/';
    out += part.starts_with('{') ? percent_encode(params.at(next++)) : std::string(part);
    pattern = slash == std::string_view::npos ? std::string_view() : pattern.substr(slash);
  }
  return out;
}

void check_match(std::string_view method, const std::vector<std::string>& segments,
                 const RouteMatch& match) {
  const Route& route = *match.route;
  FUZZ_CHECK(
      method == route.method || (method == "HEAD" && std::string_view(route.method) == "GET"),
      "%s went to %s %s", std::string(method).c_str(), route.method, route.pattern);
  FUZZ_CHECK(match.allowed.empty(), "allowed methods beside a route");
  for (const std::string& param : match.params) FUZZ_CHECK(!param.empty(), "an empty placeholder");
  const std::string target = rebuild(route.pattern, match.params);
  auto reread = tollgate::server::parse_request_target(target);
  FUZZ_CHECK(reread.ok(), "the rebuilt target %s does not parse", target.c_str());
  FUZZ_CHECK(reread->segments == segments, "the rebuilt target %s reads differently",
             target.c_str());
  const RouteMatch again = tollgate::server::find_route(method, reread->segments);
  FUZZ_CHECK(again.route == match.route && again.params == match.params,
             "the rebuilt target %s goes elsewhere", target.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tollgate::fuzz::Input input(data, size);
  const std::string_view method = kMethods[input.byte() % std::size(kMethods)];
  const std::string_view target = input.rest();
  const BodyKind kind = tollgate::server::body_kind(method, target);
  auto parsed = tollgate::server::parse_request_target(target);
  if (!parsed) {
    FUZZ_CHECK(kind == BodyKind::json, "a body to read for a target the router refuses");
    return 0;
  }
  const RouteMatch match = tollgate::server::find_route(method, parsed->segments);
  if (match.route == nullptr) {
    FUZZ_CHECK(match.params.empty(), "placeholder values without a route");
    FUZZ_CHECK(kind == BodyKind::json, "a body to read for a request without a route");
    return 0;
  }
  check_match(method, parsed->segments, match);
  FUZZ_CHECK(kind == match.route->body, "body_kind disagrees with the route %s %s",
             match.route->method, match.route->pattern);
  return 0;
}
