// Owner-only permissions for what the server keeps on disk.
#pragma once

#include <cstddef>
#include <string>

#include "tollgate/status.hpp"

namespace tollgate::storage {

// Removes the group and other permission bits from `root` and from every directory and file
// under it, so that only the owning user can list, read or write them (0755 becomes 0700, 0644
// 0600, a 0444 blob 0400); the owner's own bits are left as they are. Symbolic links are neither
// followed nor changed. For data directories created before the server made everything owner-
// only; a tree that is already owner-only is only walked. Returns the number of entries whose
// mode changed (0 when `root` does not exist). Errors: io naming the path that could not be
// read or changed; entries changed before the error stay changed.
Result<std::size_t> restrict_to_owner(const std::string& root);

}  // namespace tollgate::storage
