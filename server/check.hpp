// Offline integrity check of a data directory (`tollgated check`).
#pragma once

#include <ostream>

#include "storage/kv_store.hpp"

namespace tollgate::server {

// Walks the store: every record readable, every CI's history complete (revisions 1..N, the
// newest snapshot equal to the CI), every relationship indexed in both directions and between
// existing CIs, every token record readable. Prints one line per fault and a summary to `out`.
// Returns the number of faults found.
std::size_t check_store(storage::KvStore& store, std::ostream& out);

}  // namespace tollgate::server
