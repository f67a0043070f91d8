// Schema 1 -> 2: every token record gets a user (migrate_tokens_to_users, auth.hpp).
#include <algorithm>
#include <map>
#include <set>

#include <boost/json.hpp>

#include "server/domain/identity/auth.hpp"
#include "server/domain/identity/auth_detail.hpp"
#include "server/domain/record_fields.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server {

namespace json = boost::json;
using namespace auth_detail;    // NOLINT(google-build-using-namespace)
using namespace record_fields;  // NOLINT(google-build-using-namespace)
using storage::Table;

Status migrate_tokens_to_users(storage::WriteTxn& txn, const Config& config, Micros now) {
  struct Holder {
    std::set<Role> roles;
    bool every_environment = false;
    std::set<std::string> environments;
    Micros since = 0;
  };
  std::map<std::string, Holder> holders;
  std::vector<std::pair<std::string, json::object>> tokens;
  txn.scan(Table::tokens, "", [&](std::string_view key, std::string_view value) {
    boost::system::error_code ec;
    json::value v = json::parse(value, ec);
    if (ec || !v.is_object()) return true;  // `check` reports unreadable records
    tokens.emplace_back(std::string(key), v.get_object());
    return true;
  });
  for (auto& [hash, o] : tokens) {
    if (o.contains("user")) continue;
    std::string user = str(o, "name");
    if (is_reserved_user_id(user) || !is_slug(user)) user = user.substr(0, 100) + "-user";
    Holder& h = holders[user];
    for (const auto& r : strings(o, "roles"))
      if (auto role = parse_role(r)) h.roles.insert(*role);
    const auto envs = strings(o, "environments");
    if (envs.empty()) h.every_environment = true;
    h.environments.insert(envs.begin(), envs.end());
    h.since =
        h.since == 0 ? time_field(o, "created_at") : std::min(h.since, time_field(o, "created_at"));
    o["user"] = user;
    o["id"] = hash.substr(0, kTokenIdLength);
    o["expires_at"] =
        format_rfc3339(now + static_cast<Micros>(config.token_max_expiry_days) * kMicrosPerDay);
    txn.put(Table::tokens, hash, json::serialize(o));
  }
  for (const auto& [id, h] : holders) {
    if (txn.get(Table::users, id)) continue;
    User user;
    user.id = id;
    user.name = id;
    user.roles.assign(h.roles.begin(), h.roles.end());
    if (!h.every_environment)
      user.environments.assign(h.environments.begin(), h.environments.end());
    user.created_at = h.since;
    user.created_by = "tollgated";
    user.updated_at = now;
    user.updated_by = "tollgated";
    user.source = "local";
    store_user(txn, user);
  }
  return {};
}

}  // namespace tollgate::server
