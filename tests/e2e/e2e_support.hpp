// Helpers shared by the end-to-end tests: unwrapping client results, reading JSON and problem
// bodies, running the binaries as commands.
#pragma once

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "client/http_client.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::e2e {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Lower-case hex SHA-256 of bytes, with the shared model's hasher.
inline std::string sha256_of(std::string_view bytes) { return sha256_hex(bytes); }

inline client::HttpResponse must(Result<client::HttpResponse> r) {
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return std::move(r).value();
}

inline boost::json::object body_of(const client::HttpResponse& r) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  REQUIRE_MESSAGE(!ec, r.body);
  REQUIRE(v.is_object());
  return v.as_object();
}

// A problem+json answer with the expected status and type.
inline void check_problem(const client::HttpResponse& r, unsigned status, const std::string& slug) {
  CHECK_MESSAGE(r.status == status, r.body);
  CHECK(r.header("content-type") == "application/problem+json");
  auto body = body_of(r);
  CHECK(body.at("type").as_string() == "urn:tollgate:problem:" + slug);
  CHECK(body.at("status").as_int64() == status);
  CHECK_FALSE(body.at("title").as_string().empty());
  CHECK_FALSE(body.at("detail").as_string().empty());
}

// Makes sure user `name` exists and holds `role` (through `admin`), then mints a token of that
// user with exactly that role and returns its secret.
inline std::string mint_token(client::HttpClient& admin, const std::string& name,
                              const std::string& role) {
  auto existing = must(admin.request("GET", "/api/v1/users/" + name));
  if (existing.status == 404) {
    auto created = must(admin.request(
        "POST", "/api/v1/users",
        fmt::format(R"({{"id":"{}","name":"{}","roles":["{}"]}})", name, name, role)));
    REQUIRE_MESSAGE(created.status == 201, created.body);
  } else {
    REQUIRE(existing.status == 200);
    boost::json::array roles = body_of(existing).at("roles").as_array();
    if (std::find(roles.begin(), roles.end(), boost::json::value(role)) == roles.end()) {
      roles.emplace_back(role);
      auto patched =
          must(admin.request("PATCH", "/api/v1/users/" + name,
                             boost::json::serialize(boost::json::object{{"roles", roles}})));
      REQUIRE_MESSAGE(patched.status == 200, patched.body);
    }
  }
  auto r = must(admin.request("POST", "/api/v1/tokens",
                              fmt::format(R"({{"user":"{}","roles":["{}"]}})", name, role)));
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return std::string(body_of(r).at("token").as_string());
}

// The value of one sample of GET /metrics, named with its labels as Prometheus writes it
// (`tollgate_connections_refused_total{reason="per_address"}`); -1 when there is none.
inline double metric_value(client::HttpClient& client, const std::string& sample) {
  const auto r = must(client.request("GET", "/metrics"));
  REQUIRE(r.status == 200);
  const std::string line_start = sample + " ";
  for (std::size_t at = 0; at < r.body.size();) {
    const std::size_t end = std::min(r.body.find('\n', at), r.body.size());
    const std::string line = r.body.substr(at, end - at);
    if (line.starts_with(line_start)) return std::stod(line.substr(line_start.size()));
    at = end + 1;
  }
  return -1;
}

// Runs a shell command; returns its standard output followed by "\nexit=N".
inline std::string run_command(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe);
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int status = pclose(pipe);
  out += fmt::format("\nexit={}", WEXITSTATUS(status));
  return out;
}

}  // namespace tollgate::e2e
