// Offline integrity check of a data directory (`tollgated check`).
#pragma once

#include <ostream>
#include <vector>

#include "server/domain/vault/signing.hpp"
#include "storage/blob_store.hpp"
#include "storage/git_vault.hpp"
#include "storage/kv_store.hpp"

namespace tollgate::server {

// Walks the store: every record readable, every CI's history complete (revisions 1..N, the
// newest snapshot equal to the CI), every relationship indexed in both directions and between
// existing CIs, every token record readable. Prints one line per fault and a summary to `out`.
// Returns the number of faults found.
std::size_t check_store(storage::KvStore& store, std::ostream& out);

// Cross-checks the records of the vault against what they point at: every artifact record's
// blob is stored (not quarantined) with the recorded size, and indexed by digest; every
// digest index entry has its artifact; upload session records are readable; every document
// record names a document the git vault holds at its head, with the recorded blob. Blobs that
// no record uses are listed (an upload cut off between its blob and its record leaves one; it
// is harmless and not a fault). Returns the number of faults.
std::size_t check_vault(storage::KvStore& store, storage::BlobStore& blobs,
                        const storage::GitVault& vault, std::ostream& out);

// Checks the signed documents: every stored environment manifest and baseline verifies with the
// key it names (one of `keys`, retired ones included: they still prove who signed), names the
// environment and version it is stored under, and is what the vault holds (a manifest's newest
// version at environments/<env>/manifest.json; a baseline at baselines/<name>.json in its commit,
// with its annotated tag on that commit). Returns the number of faults.
std::size_t check_signed_documents(storage::KvStore& store, const storage::GitVault& vault,
                                   const std::vector<PublicKeyInfo>& keys, std::ostream& out);

}  // namespace tollgate::server
