// Domain tests drive a service as its handler does: parse the request body into the service's
// command (server/http/commands/), refuse what the parser refuses, else call the service.
#pragma once

#include <utility>

#include <boost/json/object.hpp>

#include "tollgate/status.hpp"

namespace tollgate::testing {

// parse(body) -> Result<Command>; call(Command) -> Status or Result<T>. A refused body answers
// the parser's Status, as the handler would.
template <typename Parse, typename Call>
auto parse_then(Parse&& parse, const boost::json::object& body, Call&& call)
    -> decltype(call(std::move(parse(body)).value())) {
  auto command = parse(body);
  if (!command.ok()) return command.status();
  return call(std::move(command).value());
}

}  // namespace tollgate::testing
