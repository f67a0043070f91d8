// The JSON form of a PCA's inventory (pca.hpp describes it and its refusals):
//   {"environment": "SIT", "host": "web-1", "files": [{"path", "sha256", "size"}, ...]}
// read with a SAX parser as it streams in; each entry of files is compared when its object
// closes, so the body is never held.
#pragma once

#include <functional>

#include "server/domain/audit/pca_compare.hpp"
#include "server/domain/audit/pca_inventory.hpp"
#include "server/domain/body_reader.hpp"
#include "server/domain/release/environments.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

// Answers the manifest to compare with, for the request as the body completed it.
using ManifestLookup = std::function<Result<Manifest>(const PcaRequest&)>;

// What reading the JSON form leaves: the request as the body completed it, and the comparison
// of every entry (not yet finished).
struct ComparedInventory {
  PcaRequest request;
  PcaComparison comparison;
};

// Reads the JSON form from `body`. `query` holds what the query named (an empty environment or
// host: not named); the body's environment and host complete it (naming different ones in both
// is refused). When files begins, `lookup` answers the manifest; each entry is compared with it
// as it closes. Errors: those of `lookup`; invalid: no environment or host before files, query
// and body disagree, "invalid-inventory" (not JSON, structure, limits, data after the document),
// and those of PcaComparison::add naming the entry; whatever reading the body answered. After
// any refusal but a failed read, the rest of the body is drained.
Result<ComparedInventory> read_json_inventory(BodyReader& body, const PcaRequest& query,
                                              const ManifestLookup& lookup);

}  // namespace tollgate::server
