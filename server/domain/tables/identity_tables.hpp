// The identity capability's tables. Records: TokenRecord JSON (identity/auth.hpp) and
// User::to_record (identity/users.hpp).
#pragma once

#include "server/domain/tables/key_codec.hpp"
#include "server/domain/tables/name_key.hpp"

namespace tollgate::server::tables {

// Table::tokens: sha256(token) hex -> token record.
inline constexpr KeyedTable<NameKey> kTokens{storage::Table::tokens};
// Table::users: user id -> user record.
inline constexpr KeyedTable<NameKey> kUsers{storage::Table::users};

}  // namespace tollgate::server::tables
