#include "server/domain/identity/login.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "server/domain/audit/audit_log.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server {
namespace {

constexpr std::size_t kMaxUsername = 64;
constexpr std::size_t kMaxPassword = 1024;
constexpr Micros kMicrosPerMinute = 60'000'000;
constexpr Micros kMicrosPerHour = 3'600'000'000;
constexpr Micros kMicrosPerDay = 24 * kMicrosPerHour;

Micros lockout_window(const Config& config) {
  return config.ldap ? static_cast<Micros>(config.ldap->lockout_minutes) * kMicrosPerMinute : 0;
}

// "192.0.2.1:5123" -> "192.0.2.1", "[::1]:5123" or "::1:5123" -> "::1"
std::string address_of(std::string_view remote) {
  const auto colon = remote.rfind(':');
  std::string_view host = colon == std::string_view::npos ? remote : remote.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return std::string(host);
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The values the map gives any of `groups` (keys compared without case), without repeats.
std::vector<std::string> mapped(const std::map<std::string, std::vector<std::string>>& map,
                                const std::vector<std::string>& groups) {
  std::vector<std::string> out;
  for (const auto& [group, values] : map) {
    const bool member =
        std::any_of(groups.begin(), groups.end(),
                    [&key = group](const std::string& g) { return iequal(g, key); });
    if (!member) continue;
    for (const auto& v : values)
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

}  // namespace

std::optional<Micros> LoginThrottle::locked_until(const std::string& key, Micros now) const {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.locked_until <= now) return std::nullopt;
  return it->second.locked_until;
}

void LoginThrottle::failed(const std::string& key, Micros now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    make_room(now);
    it = entries_.emplace(key, Entry{0, now, 0}).first;
  }
  Entry& e = it->second;
  if (now - e.first >= window_ && e.locked_until <= now) e = Entry{0, now, 0};
  if (++e.failures >= max_failures_) {
    e.locked_until = now + window_;
    e.failures = 0;
    e.first = e.locked_until;
  }
}

void LoginThrottle::clear(const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

void LoginThrottle::make_room(Micros now) {
  if (entries_.size() < capacity_) return;
  std::erase_if(entries_, [&](const auto& kv) {
    return kv.second.locked_until <= now && now - kv.second.first >= window_;
  });
  while (entries_.size() >= capacity_) {
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.first < b.second.first; });
    entries_.erase(oldest);
  }
}

LoginService::LoginService(storage::KvStore& store, TokenService& tokens, const Config& config,
                           const Clock& clock, std::unique_ptr<Directory> directory)
    : store_(store),
      tokens_(tokens),
      config_(config),
      clock_(clock),
      directory_(std::move(directory)),
      by_user_(config.ldap ? config.ldap->max_failures : 1, lockout_window(config)),
      by_address_(config.ldap ? config.ldap->max_address_failures : 1, lockout_window(config)) {
  if (!directory_ && config_.ldap) directory_ = make_ldap_directory(*config_.ldap);
}

Status LoginService::check_lockout(const std::string& username, const std::string& address,
                                   unsigned& retry_after_seconds) const {
  const Micros now = clock_.now();
  auto until = by_user_.locked_until(username, now);
  auto address_until = by_address_.locked_until(address, now);
  if (!until || (address_until && *address_until > *until)) until = address_until;
  if (!until) return {};
  retry_after_seconds = static_cast<unsigned>((*until - now + 999'999) / 1'000'000);
  return Status(Code::forbidden,
                fmt::format("too many failed logins: try again after {}", format_rfc3339(*until)))
      .with_reason("login-locked");
}

Result<LoginResult> LoginService::login(const LoginRequest& request,
                                        unsigned& retry_after_seconds) {
  if (!directory_)
    return Status(Code::not_found, "no directory is configured: log in with an API token")
        .with_reason("login-not-configured");
  if (request.username.size() > kMaxUsername || !is_slug(request.username))
    return invalid(
        fmt::format("username: 1..{} characters of a-z, 0-9, '.', '-', '_'", kMaxUsername));
  if (request.password.empty() || request.password.size() > kMaxPassword)
    return invalid(fmt::format("password: 1..{} bytes", kMaxPassword));
  const std::string address = address_of(request.remote);
  TG_RETURN_IF_ERROR(check_lockout(request.username, address, retry_after_seconds));

  // From here on the attempt is the person's: it enters the audit log under their name.
  if (AuditScope* audit = AuditScope::current()) audit->request().actor = request.username;
  auto entry = directory_->authenticate(request.username, request.password);
  if (!entry) {
    if (entry.status().code() == Code::unauthorized) {
      by_user_.failed(request.username, clock_.now());
      by_address_.failed(address, clock_.now());
      std::this_thread::sleep_for(std::chrono::milliseconds(config_.ldap->failed_login_delay_ms));
    }
    return entry.status();
  }
  by_user_.clear(request.username);
  TG_ASSIGN_OR_RETURN(User user, update_user(request.username, *entry));

  const Micros now = clock_.now();
  const Micros session = static_cast<Micros>(config_.ldap->session_hours) * kMicrosPerHour;
  const Micros longest = static_cast<Micros>(config_.token_max_expiry_days) * kMicrosPerDay;
  TokenRequest mint;
  mint.user = user.id;
  mint.name = "session";
  mint.expires_at = now + std::min(session, longest);
  const Principal self{user.id, user.roles, {}};
  TG_ASSIGN_OR_RETURN(MintedToken token, tokens_.mint(mint, self));
  return LoginResult{std::move(token), std::move(user)};
}

Result<User> LoginService::update_user(const std::string& username, const DirectoryUser& entry) {
  const LdapConfig& ldap = *config_.ldap;
  std::vector<Role> roles;
  for (const auto& name : mapped(ldap.groups_to_roles, entry.groups))
    if (auto role = parse_role(name)) roles.push_back(*role);  // checked at config load
  std::sort(roles.begin(), roles.end());
  std::vector<std::string> environments = mapped(ldap.groups_to_environments, entry.groups);
  order_environments(config_, environments);

  User out;
  Status refusal;
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) -> Status {
    std::optional<User> existing = load_user(txn, username);
    if (existing && existing->disabled)
      return Status(Code::forbidden, fmt::format("user '{}' is disabled in Tollgate", username))
          .with_reason("user-disabled");
    if (existing && existing->source != "ldap")
      return Status(Code::forbidden,
                    fmt::format("'{}' is a {} user of Tollgate, not one from the directory",
                                username, existing->source))
          .with_reason("user-not-from-directory");
    if (roles.empty()) {
      refusal = Status(Code::forbidden,
                       fmt::format("'{}' is in no directory group that [ldap] groups_to_roles maps "
                                   "to a role",
                                   username))
                    .with_reason("login-no-role");
      if (!existing) return refusal;
    }
    const Micros now = clock_.now();
    User user = existing.value_or(User{});
    if (!existing) {
      user.id = username;
      user.created_at = now;
      user.created_by = "tollgated";
    }
    user.source = "ldap";
    user.name = entry.name.empty() ? username : entry.name;
    user.email = entry.email;
    user.roles = roles;  // a left group's role goes now, and with it from every token
    user.environments = environments;
    user.updated_at = now;
    user.updated_by = "tollgated";
    store_user(txn, user);
    out = std::move(user);
    return Status();
  }));
  if (!refusal.ok()) return refusal;
  return out;
}

}  // namespace tollgate::server
