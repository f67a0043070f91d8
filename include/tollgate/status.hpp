// Status and Result<T>: the one error convention of Tollgate.
//
// Every fallible storage or domain call returns a Status or a Result<T>. A Status is either ok
// (cheap: no allocation) or carries a Code, a human-readable message, an optional stable reason
// slug that refines the code (for example "gates-unmet"), an optional list of items (the
// individual validation messages) and optional members: the structured facts behind the error
// as named JSON values (the unmet gates, both digests of a mismatch, ...), so that whoever
// renders a refusal never parses a message or an item back. The HTTP layer maps codes to
// problem+json in exactly one place (server/http/problem.cpp); nothing else decides HTTP
// statuses.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

namespace tollgate {

enum class Code {
  ok,
  invalid,                // malformed or unacceptable input (400)
  unauthorized,           // no or unknown credentials (401)
  forbidden,              // authenticated, but not allowed (403)
  not_found,              // the named thing does not exist (404)
  method_not_allowed,     // the route exists, the method does not (405)
  not_acceptable,         // no representation matches Accept (406)
  conflict,               // the request contradicts the current state (409)
  precondition_failed,    // If-Match and friends did not hold (412)
  too_large,              // body or field over its limit (413)
  unsupported_media,      // wrong Content-Type (415)
  precondition_required,  // a required precondition header is missing (428)
  request_timeout,        // the request did not arrive in time: a body too slow (408)
  too_many_requests,      // a cap on what one may hold open at once is reached (429)
  storage_full,           // the store cannot grow (507)
  corrupt,                // stored data failed verification (500)
  io,                     // the operating system refused (500)
  unavailable,            // shutting down or overloaded (503)
  internal,               // a bug (500)
};

// Stable lower-case name of a code, e.g. "not_found".
constexpr const char* code_name(Code code) {
  switch (code) {
    case Code::ok:
      return "ok";
    case Code::invalid:
      return "invalid";
    case Code::unauthorized:
      return "unauthorized";
    case Code::forbidden:
      return "forbidden";
    case Code::not_found:
      return "not_found";
    case Code::method_not_allowed:
      return "method_not_allowed";
    case Code::not_acceptable:
      return "not_acceptable";
    case Code::conflict:
      return "conflict";
    case Code::precondition_failed:
      return "precondition_failed";
    case Code::too_large:
      return "too_large";
    case Code::unsupported_media:
      return "unsupported_media";
    case Code::precondition_required:
      return "precondition_required";
    case Code::request_timeout:
      return "request_timeout";
    case Code::too_many_requests:
      return "too_many_requests";
    case Code::storage_full:
      return "storage_full";
    case Code::corrupt:
      return "corrupt";
    case Code::io:
      return "io";
    case Code::unavailable:
      return "unavailable";
    case Code::internal:
      return "internal";
  }
  return "internal";
}

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) {
    if (code != Code::ok)
      state_ = std::make_unique<State>(State{code, std::move(message), {}, {}, {}});
  }
  Status(const Status& other)
      : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status ok_status() { return {}; }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::ok; }
  const std::string& message() const { return state_ ? state_->message : empty(); }
  // A stable slug refining the code ("gates-unmet", "stale-revision"); empty when none.
  const std::string& reason() const { return state_ ? state_->reason : empty(); }
  // Individual messages behind the error (one per validation error); may be empty.
  const std::vector<std::string>& items() const {
    static const std::vector<std::string> kNone;
    return state_ ? state_->items : kNone;
  }
  // Structured facts behind the error, by name: {"unmet": [{"gate", "reason", "detail"}...]},
  // {"declared": "sha256:...", "actual": "sha256:..."}. Each becomes a member of the problem
  // the HTTP layer renders, in this order; may be empty.
  const boost::json::object& members() const {
    static const boost::json::object kNone;
    return state_ ? state_->members : kNone;
  }

  Status&& with_reason(std::string reason) && {
    if (state_) state_->reason = std::move(reason);
    return std::move(*this);
  }
  Status&& with_items(std::vector<std::string> items) && {
    if (state_) state_->items = std::move(items);
    return std::move(*this);
  }
  Status&& with_members(boost::json::object members) && {
    if (state_) state_->members = std::move(members);
    return std::move(*this);
  }

  std::string to_string() const {
    return ok() ? std::string("ok") : std::string(code_name(code())) + ": " + message();
  }

 private:
  struct State {
    Code code;
    std::string message;
    std::string reason;
    std::vector<std::string> items;
    boost::json::object members;
  };
  static const std::string& empty() {
    static const std::string kEmpty;
    return kEmpty;
  }
  std::unique_ptr<State> state_;
};

inline Status invalid(std::string m) { return {Code::invalid, std::move(m)}; }
inline Status not_found(std::string m) { return {Code::not_found, std::move(m)}; }
inline Status conflict(std::string m) { return {Code::conflict, std::move(m)}; }
inline Status forbidden(std::string m) { return {Code::forbidden, std::move(m)}; }
inline Status internal_error(std::string m) { return {Code::internal, std::move(m)}; }
inline Status io_error(std::string m) { return {Code::io, std::move(m)}; }

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) v_ = Status(Code::internal, "ok status used as an error");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The error; an ok Status when the result holds a value. Returns a copy: do not keep a
  // reference into it (`const auto& m = r.status().message();` dangles).
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }
  Status&& take_status() && { return std::get<Status>(std::move(v_)); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace tollgate

// Propagate a non-ok Status from an expression returning Status.
// NOLINTBEGIN(bugprone-macro-parentheses): `tmp` names the variable a macro declares and `lhs`
// is a declaration (`auto x`); neither can be parenthesized.
#define TG_CONCAT_INNER(a, b) a##b
#define TG_CONCAT(a, b) TG_CONCAT_INNER(a, b)
#define TG_RETURN_IF_ERROR(expr) TG_RETURN_IF_ERROR_IMPL(TG_CONCAT(tg_status_, __COUNTER__), expr)
#define TG_RETURN_IF_ERROR_IMPL(tmp, expr) \
  do {                                     \
    ::tollgate::Status tmp = (expr);       \
    if (!tmp.ok()) return tmp;             \
  } while (false)

// `TG_ASSIGN_OR_RETURN(auto x, expr)` unwraps a Result<T> or returns its Status.
#define TG_ASSIGN_OR_RETURN(lhs, expr) \
  TG_ASSIGN_OR_RETURN_IMPL(TG_CONCAT(tg_result_, __COUNTER__), lhs, expr)
#define TG_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)      \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).take_status(); \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
