#include "server/domain/identity/ldap_directory.hpp"

#include <ldap.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <string>

#include <fmt/format.h>

namespace tollgate::server {
namespace {

struct LdapUnbind {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
struct MessageFree {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
struct ValuesFree {
  void operator()(berval** v) const { ldap_value_free_len(v); }
};
using LdapHandle = std::unique_ptr<LDAP, LdapUnbind>;
using MessageHandle = std::unique_ptr<LDAPMessage, MessageFree>;
using ValuesHandle = std::unique_ptr<berval*, ValuesFree>;

Status login_failed() {
  return Status(Code::unauthorized, "the username or password is wrong")
      .with_reason("login-failed");
}

Status directory_unavailable(std::string_view what, int rc) {
  return Status(Code::unavailable,
                fmt::format("the directory is unavailable: {}: {}", what, ldap_err2string(rc)))
      .with_reason("directory-unavailable");
}

std::string replace_all(std::string text, std::string_view key, std::string_view value) {
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
    text.replace(at, key.size(), value);
  return text;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The value of a DN's first RDN when it is cn=...: "cn=ops,ou=groups,..." -> "ops".
std::string cn_of(std::string_view dn) {
  if (dn.size() < 3 || !iequal(dn.substr(0, 3), "cn=")) return {};
  std::string out;
  for (std::size_t i = 3; i < dn.size(); ++i) {
    if (dn[i] == '\\' && i + 1 < dn.size()) {
      out += dn[++i];
      continue;
    }
    if (dn[i] == ',' || dn[i] == '+') break;
    out += dn[i];
  }
  return out;
}

class LdapDirectory final : public Directory {
 public:
  explicit LdapDirectory(const LdapConfig& config) : config_(config) {}

  Result<DirectoryUser> authenticate(std::string_view username,
                                     std::string_view password) const override {
    // An empty password would be an unauthenticated bind, which succeeds: never send one.
    if (username.empty() || password.empty()) return login_failed();
    TG_ASSIGN_OR_RETURN(LdapHandle ld, connect());
    std::string dn;
    if (!config_.bind_dn_template.empty()) {
      dn = replace_all(config_.bind_dn_template, "{username}", escape_dn_value(username));
    } else {
      if (!config_.bind_dn.empty())
        TG_RETURN_IF_ERROR(bind(ld.get(), config_.bind_dn, config_.bind_password, true));
      TG_ASSIGN_OR_RETURN(dn, find_user_dn(ld.get(), username));
    }
    TG_RETURN_IF_ERROR(bind(ld.get(), dn, password, false));
    DirectoryUser user;
    user.dn = dn;
    TG_RETURN_IF_ERROR(read_entry(ld.get(), user));
    if (!config_.group_base.empty()) TG_RETURN_IF_ERROR(read_groups(ld.get(), username, user));
    return user;
  }

 private:
  timeval timeout() const {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(config_.timeout_seconds);
    return tv;
  }

  Result<LdapHandle> connect() const {
    LDAP* raw = nullptr;
    int rc = ldap_initialize(&raw, config_.url.c_str());
    LdapHandle ld(raw);
    if (rc != LDAP_SUCCESS) return directory_unavailable("initialize", rc);
    const int version = LDAP_VERSION3;
    const timeval tv = timeout();
    ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    ldap_set_option(ld.get(), LDAP_OPT_NETWORK_TIMEOUT, &tv);
    ldap_set_option(ld.get(), LDAP_OPT_TIMEOUT, &tv);
    const int demand = LDAP_OPT_X_TLS_DEMAND;
    ldap_set_option(ld.get(), LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    if (!config_.ca_file.empty())
      ldap_set_option(ld.get(), LDAP_OPT_X_TLS_CACERTFILE, config_.ca_file.c_str());
    const int min_tls = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
    ldap_set_option(ld.get(), LDAP_OPT_X_TLS_PROTOCOL_MIN, &min_tls);
    const int is_server = 0;  // a fresh TLS context with this handle's settings
    rc = ldap_set_option(ld.get(), LDAP_OPT_X_TLS_NEWCTX, &is_server);
    if (rc != LDAP_SUCCESS) return directory_unavailable("TLS settings", rc);
    if (config_.starttls) {
      rc = ldap_start_tls_s(ld.get(), nullptr, nullptr);
      if (rc != LDAP_SUCCESS) return directory_unavailable("StartTLS", rc);
    }
    return ld;
  }

  // A simple bind. A service account's refusal is a directory fault, a person's a failed login.
  Status bind(LDAP* ld, const std::string& dn, std::string_view password, bool service) const {
    if (password.empty()) return login_failed();
    std::string secret(password);
    berval cred{static_cast<ber_len_t>(secret.size()), secret.data()};
    const int rc =
        ldap_sasl_bind_s(ld, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
    std::fill(secret.begin(), secret.end(), '\0');
    if (rc == LDAP_SUCCESS) return {};
    if (!service && (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INVALID_DN_SYNTAX ||
                     rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_UNWILLING_TO_PERFORM))
      return login_failed();
    return directory_unavailable(service ? "service bind" : "bind", rc);
  }

  Result<MessageHandle> search(LDAP* ld, const std::string& base, int scope,
                               const std::string& filter, const char** attrs) const {
    LDAPMessage* raw = nullptr;
    timeval tv = timeout();
    const int rc = ldap_search_ext_s(ld, base.c_str(), scope, filter.c_str(),
                                     const_cast<char**>(attrs),  // NOLINT: libldap's C signature
                                     0, nullptr, nullptr, &tv, 0, &raw);
    MessageHandle result(raw);
    if (rc == LDAP_NO_SUCH_OBJECT) return MessageHandle();
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED)
      return directory_unavailable("search", rc);
    return result;
  }

  Result<std::string> find_user_dn(LDAP* ld, std::string_view username) const {
    const std::string filter =
        replace_all(config_.search_filter, "{username}", escape_filter_value(username));
    const char* attrs[] = {LDAP_NO_ATTRS, nullptr};
    TG_ASSIGN_OR_RETURN(MessageHandle result,
                        search(ld, config_.search_base, LDAP_SCOPE_SUBTREE, filter, attrs));
    if (!result || ldap_count_entries(ld, result.get()) != 1) return login_failed();
    char* dn = ldap_get_dn(ld, ldap_first_entry(ld, result.get()));
    if (dn == nullptr) return login_failed();
    std::string out(dn);
    ldap_memfree(dn);
    return out;
  }

  static std::vector<std::string> values(LDAP* ld, LDAPMessage* entry, const std::string& attr) {
    std::vector<std::string> out;
    ValuesHandle vals(ldap_get_values_len(ld, entry, attr.c_str()));
    if (!vals) return out;
    for (berval** v = vals.get(); *v != nullptr; ++v) out.emplace_back((*v)->bv_val, (*v)->bv_len);
    return out;
  }

  static void add_group(DirectoryUser& user, const std::string& dn, std::string cn) {
    user.groups.push_back(dn);
    if (cn.empty()) cn = cn_of(dn);
    if (!cn.empty()) user.groups.push_back(std::move(cn));
  }

  Status read_entry(LDAP* ld, DirectoryUser& user) const {
    const char* attrs[] = {config_.name_attribute.c_str(), "cn", config_.mail_attribute.c_str(),
                           "memberOf", nullptr};
    TG_ASSIGN_OR_RETURN(MessageHandle result,
                        search(ld, user.dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs));
    LDAPMessage* entry = result ? ldap_first_entry(ld, result.get()) : nullptr;
    if (entry == nullptr) return login_failed();
    auto names = values(ld, entry, config_.name_attribute);
    if (names.empty()) names = values(ld, entry, "cn");
    if (!names.empty()) user.name = names.front();
    if (auto mails = values(ld, entry, config_.mail_attribute); !mails.empty())
      user.email = mails.front();
    if (config_.group_base.empty())
      for (const auto& group : values(ld, entry, "memberOf")) add_group(user, group, "");
    return {};
  }

  Status read_groups(LDAP* ld, std::string_view username, DirectoryUser& user) const {
    std::string filter =
        replace_all(config_.group_filter, "{username}", escape_filter_value(username));
    filter = replace_all(std::move(filter), "{dn}", escape_filter_value(user.dn));
    const char* attrs[] = {"cn", nullptr};
    TG_ASSIGN_OR_RETURN(MessageHandle result,
                        search(ld, config_.group_base, LDAP_SCOPE_SUBTREE, filter, attrs));
    if (!result) return {};
    for (LDAPMessage* e = ldap_first_entry(ld, result.get()); e != nullptr;
         e = ldap_next_entry(ld, e)) {
      char* dn = ldap_get_dn(ld, e);
      if (dn == nullptr) continue;
      const std::string group(dn);
      ldap_memfree(dn);
      auto cns = values(ld, e, "cn");
      add_group(user, group, cns.empty() ? std::string() : cns.front());
    }
    return {};
  }

  const LdapConfig& config_;
};

}  // namespace

std::unique_ptr<Directory> make_ldap_directory(const LdapConfig& config) {
  return std::make_unique<LdapDirectory>(config);
}

std::string escape_filter_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0')
      out += fmt::format("\\{:02x}", static_cast<unsigned char>(c));
    else
      out += c;
  }
  return out;
}

std::string escape_dn_value(std::string_view value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool special = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
                         c == ';' || c == '=' || (c == '#' && i == 0) ||
                         (c == ' ' && (i == 0 || i + 1 == value.size()));
    if (c == '\0')
      out += "\\00";
    else if (special)
      (out += '\\') += c;
    else
      out += c;
  }
  return out;
}

}  // namespace tollgate::server
