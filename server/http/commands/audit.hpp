// Parsers of the audit request bodies into the commands the audit services take. Strict as
// json_body.hpp reads. Whether a name is reserved by the configuration, is taken, or names CIs
// and environments that exist is the service's to decide.
#pragma once

#include <boost/json/object.hpp>

#include "server/domain/audit/baselines.hpp"
#include "server/domain/audit/fca.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server::commands {

// POST /api/v1/baselines {name, scope, description?}. Errors: invalid (the fields; the name,
// reason "invalid-baseline-name"; the scope, as BaselineScope::parse).
Result<CreateBaseline> parse_create_baseline(const boost::json::object& body);

// POST /api/v1/audits/fca {release}: the release to audit; whether it exists is the audit's to
// decide.
Result<FcaRequest> parse_fca_request(const boost::json::object& body);

}  // namespace tollgate::server::commands
