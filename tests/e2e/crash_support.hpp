// Small helpers of the crash test's workers: asking without giving up the thread, and judging
// answers into the shared Failures.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "client/http_client.hpp"
#include "tests/e2e/crash_workload.hpp"
#include "tests/e2e/e2e_support.hpp"

namespace tollgate::e2e::crash {

// The answer to one request, or nullopt when none came whole: the server was killed meanwhile.
inline std::optional<client::HttpResponse> ask(client::HttpClient& c, std::string_view method,
                                               std::string_view target, std::string_view body = {},
                                               const client::Headers& headers = {}) {
  auto answer = c.request(method, target, body, headers);
  if (!answer.ok()) return std::nullopt;
  return std::move(answer).value();
}

// Whether `answer` came with `status`. Another status is a failure (the workload is made so
// that nothing is ever refused); no answer is none.
inline bool accepted(Failures& failures, int round,
                     const std::optional<client::HttpResponse>& answer, unsigned status,
                     const std::string& what) {
  if (!answer) return false;
  if (answer->status == status) return true;
  failures.add(fmt::format("round {}: {} answered {} (expected {}): {}", round, what,
                           answer->status, status, answer->body.substr(0, 400)));
  return false;
}

inline bool accepted(const RoundContext& ctx, const std::optional<client::HttpResponse>& answer,
                     unsigned status, const std::string& what) {
  return accepted(ctx.failures, ctx.round, answer, status, what);
}

// The body as a JSON object; empty when it is not one.
inline boost::json::object parse_object(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

inline client::Headers upload_headers(const std::string& sha256) {
  return {{"X-Checksum-Sha256", sha256}, {"Content-Type", "application/octet-stream"}};
}

// A JSON string's text; empty for anything else.
inline std::string text_of(const boost::json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : std::string();
}

// Calls `each` with every item of a paginated listing. False, with a failure, when a page is not
// answered 200; a 404 of the first page is an empty listing when `missing_is_empty`.
bool for_each_listed(const VerifyContext& ctx, client::HttpClient& reader,
                     const std::string& target,
                     const std::function<void(const boost::json::object&)>& each,
                     bool missing_is_empty = false);

// GET target: the answer when it is 200, else nullopt and a failure (none for a 404 when
// `missing_ok`: that answer is returned).
std::optional<client::HttpResponse> read_back(const VerifyContext& ctx, client::HttpClient& reader,
                                              const std::string& target, bool missing_ok = false);

}  // namespace tollgate::e2e::crash
