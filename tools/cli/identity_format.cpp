// The readable views of `tollgate user`, `tollgate token` and `tollgate whoami`.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/identity.hpp"
#include "cli/table.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

// A user's environments: empty means every one.
std::string environments_text(const json::value& item) {
  return list_text(item, "environments", "all");
}

std::string user_state(const json::value& user) {
  const json::value* disabled =
      user.is_object() ? user.get_object().if_contains("disabled") : nullptr;
  return disabled != nullptr && disabled->is_bool() && disabled->get_bool() ? "disabled" : "active";
}

std::string expiry_text(const json::value& item) {
  const std::string expires = field_text(item, "expires_at");
  return expires == "-" ? "never" : expires;
}

}  // namespace

std::string format_user(const json::object& user) {
  std::string out = fmt::format("{}  {}  [{}]\n", field_text(user, "id"), field_text(user, "name"),
                                user_state(user));
  out +=
      fmt::format("email: {}  source: {}\n", field_text(user, "email"), field_text(user, "source"));
  out += fmt::format("roles: {}\n", list_text(user, "roles"));
  out += fmt::format("environments: {}\n", environments_text(user));
  out += fmt::format("created: {} by {}  updated: {} by {}\n", field_text(user, "created_at"),
                     field_text(user, "created_by"), field_text(user, "updated_at"),
                     field_text(user, "updated_by"));
  return out;
}

std::string format_user_list(const json::array& users) {
  std::vector<TableRow> rows;
  for (const auto& user : users)
    rows.push_back({field_text(user, "id"), user_state(user), field_text(user, "source"),
                    list_text(user, "roles"), environments_text(user), field_text(user, "email"),
                    field_text(user, "name")});
  return render_table({"ID", "STATE", "SOURCE", "ROLES", "ENVIRONMENTS", "EMAIL", "NAME"}, rows);
}

std::string format_minted_token(const json::object& minted) {
  std::string out = fmt::format("token {} for {} (name: {})\n", field_text(minted, "id"),
                                field_text(minted, "user"), field_text(minted, "name"));
  out += fmt::format("roles: {}  environments: {}  expires: {}\n",
                     list_text(minted, "roles", "the user's"),
                     list_text(minted, "environments", "the user's"), expiry_text(minted));
  out += fmt::format("\n    {}\n\n", field_text(minted, "token"));
  out += "This secret is shown once: store it now, it cannot be shown again.\n";
  return out;
}

std::string format_token_list(const json::array& tokens) {
  std::vector<TableRow> rows;
  for (const auto& token : tokens)
    rows.push_back({field_text(token, "id"), field_text(token, "user"), field_text(token, "name"),
                    list_text(token, "roles", "the user's"),
                    list_text(token, "environments", "the user's"), expiry_text(token),
                    field_text(token, "last_used_at"), field_text(token, "revoked_at")});
  return render_table(
      {"ID", "USER", "NAME", "ROLES", "ENVIRONMENTS", "EXPIRES", "LAST USED", "REVOKED"}, rows);
}

std::string format_revoked_token(const json::object& token) {
  return fmt::format("revoked token {} of {} (name: {}) at {} by {}\n", field_text(token, "id"),
                     field_text(token, "user"), field_text(token, "name"),
                     field_text(token, "revoked_at"), field_text(token, "revoked_by"));
}

std::string format_whoami(const json::object& whoami) {
  std::string out =
      fmt::format("{} ({})\n", field_text(whoami, "user"), field_text(whoami, "name"));
  out += fmt::format("roles: {}\n", list_text(whoami, "roles"));
  out += fmt::format("environments: {}\n", environments_text(whoami));
  if (const json::value* token = whoami.if_contains("token");
      token != nullptr && token->is_object())
    out += fmt::format("token: {}, expires {}\n", field_text(*token, "id"), expiry_text(*token));
  if (const json::value* cert = whoami.if_contains("certificate");
      cert != nullptr && cert->is_object())
    out += fmt::format("certificate: {}, expires {}\n", field_text(*cert, "subject"),
                       field_text(*cert, "not_after"));
  return out;
}

}  // namespace tollgate::cli
