// Handler of GET /api/v1/keys: the public keys that sign manifests and baselines.
#include <boost/json.hpp>

#include "server/http/handlers/handlers.hpp"
#include "server/http/render.hpp"

namespace tollgate::server::handlers {

namespace json = boost::json;

// Open (no token): public keys are public. A client needs them before it can trust anything
// the server says, and an auditor verifying an archived manifest may hold no token at all.
Response list_keys(Context& ctx) {
  json::array keys;
  for (const PublicKeyInfo& key : ctx.app.signer.keys()) {
    json::object entry{{"key_id", key.key_id},
                       {"algorithm", kSignatureAlgorithm},
                       {"public_key", key.public_key},
                       {"active", key.active},
                       {"created_at", format_rfc3339(key.created_at)}};
    if (key.retired_at) entry["retired_at"] = format_rfc3339(*key.retired_at);
    keys.push_back(std::move(entry));
  }
  return json_response(200, json::object{{"keys", std::move(keys)}});
}

}  // namespace tollgate::server::handlers
