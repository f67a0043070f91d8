// The version of the metadata store's schema this build reads and writes.
#pragma once

#include <cstdint>

namespace tollgate::server {

// 1: tokens with free-form names; 2: users, and tokens that belong to them.
inline constexpr std::uint32_t kSchemaVersion = 2;

}  // namespace tollgate::server
