// Contention on the git vault, as the domain answers it.
#pragma once

#include <string>
#include <utility>

#include "storage/git_vault.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

// Status reason of a vault write refused because the vault is busy (unavailable, 503).
inline constexpr const char* kVaultBusyReason = "vault-busy";

// A vault commit refused because a writer outside Tollgate kept moving or locking the branch
// (storage's kVaultHeadMovedReason, kVaultBranchLockedReason) says nothing about the state the
// request named: the client is asked to retry (unavailable, reason vault-busy) instead of being
// told of a conflict. Any other Status is returned as it is.
inline Status vault_busy(Status status) {
  if (status.reason() != storage::kVaultHeadMovedReason &&
      status.reason() != storage::kVaultBranchLockedReason)
    return status;
  return Status(Code::unavailable,
                "the vault is busy, retry the request (" + status.message() + ")")
      .with_reason(kVaultBusyReason);
}

}  // namespace tollgate::server
