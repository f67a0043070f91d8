// Private to server/domain/identity/auth.cpp, token_mint.cpp and token_migration.cpp: the shape
// of a token (auth.hpp) and the helpers the three share.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/time.hpp"

namespace tollgate::server::auth_detail {

inline constexpr std::string_view kTokenPrefix = "tg_";
inline constexpr std::size_t kTokenHexLength = 64;
inline constexpr std::size_t kTokenIdLength = 16;
inline constexpr Micros kMicrosPerDay = 86'400'000'000;

template <typename T>
bool contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The environments a token limited to `token` acts in when its user is limited to `user`
// (empty = every environment); nullopt when the two share none.
std::optional<std::vector<std::string>> intersect_environments(
    const std::vector<std::string>& token, const std::vector<std::string>& user);

}  // namespace tollgate::server::auth_detail
