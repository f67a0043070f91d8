#include "server/domain/identity/certificate_auth.hpp"

#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "server/domain/identity/users.hpp"

namespace tollgate::server {
namespace {

constexpr std::size_t kTokenIdFingerprint = 16;

Status unauthorized(std::string message, std::string reason) {
  return Status(Code::unauthorized, std::move(message)).with_reason(std::move(reason));
}

Status refusal(const ClientCertificate& cert) {
  using Verdict = ClientCertificate::Verdict;
  const std::string who = cert.subject.empty()
                              ? std::string("the client certificate")
                              : fmt::format("client certificate '{}'", cert.subject);
  switch (cert.verdict) {
    case Verdict::trusted:
      break;
    case Verdict::expired:
      return unauthorized(fmt::format("{} has expired", who), "certificate-expired");
    case Verdict::not_yet_valid:
      return unauthorized(fmt::format("{} is not valid yet", who), "certificate-not-yet-valid");
    case Verdict::wrong_purpose:
      return unauthorized(fmt::format("{} is not for client authentication", who),
                          "certificate-purpose");
    case Verdict::untrusted:
      return unauthorized(
          fmt::format("{} is not issued by a trusted client CA: {}", who, cert.verify_error),
          "certificate-untrusted");
  }
  return {};
}

bool same_address(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

Result<Principal> authenticate_certificate(const ClientCertificate& cert, storage::KvStore& store) {
  TG_RETURN_IF_ERROR(refusal(cert));
  if (cert.user.empty())
    return unauthorized(
        fmt::format("client certificate '{}' names no user id in its configured field",
                    cert.subject),
        "certificate-no-user");
  std::optional<User> user;
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) {
    user = load_user(txn, cert.user);
    return Status();
  }));
  if (!user || is_reserved_user_id(cert.user) ||
      (!cert.email.empty() && !same_address(user->email, cert.email)))
    return unauthorized(fmt::format("client certificate '{}' names no known user", cert.subject),
                        "certificate-unknown-user");
  if (user->disabled)
    return unauthorized(fmt::format("user '{}' is disabled", user->id), "user-disabled");
  Principal p;
  p.name = user->id;
  p.display_name = user->name;
  p.roles = user->roles;
  p.environments = user->environments;
  p.token_id = "cert:" + cert.fingerprint.substr(0, kTokenIdFingerprint);
  p.authenticated_by = "certificate";
  return p;
}

}  // namespace tollgate::server
