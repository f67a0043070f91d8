// Private to server/domain/audit/audit_log.cpp and audit_log_verify.cpp: the links of the
// chain, which the one writes and the other checks.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include <boost/json/object.hpp>

#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server::audit_log_detail {

// The "prev" of the first entry.
inline const std::string kGenesis(64, '0');

// The SHA-256 of canonical_json of `entry` without its "hash".
std::string entry_hash(boost::json::object entry);

// The sequence and hash of the newest entry; {0, genesis} for an empty log.
Result<std::pair<std::uint64_t, std::string>> chain_head(storage::ReadTxn& txn);

}  // namespace tollgate::server::audit_log_detail
