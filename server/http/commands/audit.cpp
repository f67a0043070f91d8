#include "server/http/commands/audit.hpp"

#include <boost/json.hpp>

#include "server/domain/json_body.hpp"

namespace tollgate::server::commands {

Result<CreateBaseline> parse_create_baseline(const boost::json::object& body) {
  Fields fields(body);
  auto name = fields.string("name", true);
  auto description = fields.string("description");
  const boost::json::value* scope = fields.value("scope", true);
  TG_RETURN_IF_ERROR(fields.finish());
  TG_RETURN_IF_ERROR(validate_baseline_name(*name));
  CreateBaseline command;
  TG_ASSIGN_OR_RETURN(command.scope, BaselineScope::parse(*scope));
  command.name = std::move(*name);
  command.description = description.value_or("");
  return command;
}

Result<FcaRequest> parse_fca_request(const boost::json::object& body) {
  Fields fields(body);
  auto release = fields.string("release", true);
  if (release && release->empty()) fields.error("release: must not be empty");
  TG_RETURN_IF_ERROR(fields.finish());
  return FcaRequest{std::move(*release)};
}

}  // namespace tollgate::server::commands
