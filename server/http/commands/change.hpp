// Parsers of the change-control request bodies into the commands RfcService takes. Strict as
// json_body.hpp reads: one invalid Status lists every problem. Whether the CIs named exist, and
// whether a step may be taken, is the service's to decide.
#pragma once

#include <boost/json/object.hpp>

#include "server/domain/change/rfcs.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server::commands {

// POST /api/v1/rfcs {title, description?, cis: [ids], category?, impact: {risk, resources?,
// cycle_time?}}.
Result<CreateRfc> parse_create_rfc(const boost::json::object& body);

// PATCH /api/v1/rfcs/{id} {title?, description?, category?, cis?, impact?, note?}.
Result<RfcPatch> parse_rfc_patch(const boost::json::object& body);

// POST /api/v1/rfcs/{id}/{action} with {note?}; an empty object when the request had no body.
Result<RfcStep> parse_rfc_step(const boost::json::object& body);

}  // namespace tollgate::server::commands
