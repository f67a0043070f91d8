// A PCA's inventory as it streams in (pca.hpp describes both forms and their refusals): what a
// request names, the limits, and the NDJSON form, one line at a time. The JSON form is
// pca_json_inventory.hpp. Each entry goes to a PcaComparison as soon as it is read; the
// inventory is never held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "server/domain/audit/pca_compare.hpp"
#include "server/domain/body_reader.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

inline constexpr const char* kInvalidInventoryReason = "invalid-inventory";

inline constexpr std::size_t kMaxInventoryLine = 16 * 1024;
// The JSON form's limits: containers open at once (the body, files, an entry: 3 are needed) and
// bytes of any string or member name.
inline constexpr std::size_t kMaxInventoryDepth = 4;
inline constexpr std::size_t kMaxInventoryString = 4096;

struct PcaRequest {
  std::string environment;
  std::string host;
  bool list_ok = false;
  PcaLimits limits;
};

// Reads and drops the rest of `body` (up to 16 MiB) after a refusal, so that a client still
// sending gets the answer instead of a reset connection.
void drain_inventory(BodyReader& body);

// Feeds each NDJSON line of `body` to `comparison`, never holding more than one line and one
// chunk. Errors: invalid, naming the line: "invalid-inventory" and those of PcaComparison::add
// (then the rest of the body is drained); whatever reading the body answered.
Status read_ndjson_inventory(BodyReader& body, PcaComparison& comparison);

}  // namespace tollgate::server
