#include "cli/commands.hpp"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

namespace tollgate::cli {

int exit_code(const Status& status) {
  if (status.ok()) return kExitOk;
  if (status.reason() == "gates-unmet" || status.reason() == "skipped-environment")
    return kExitGatesUnmet;
  if (status.reason() == "drift") return kExitDrift;
  return status.code() == Code::corrupt ? kExitVerification : kExitFailure;
}

void print_result(const CommandContext& context, const boost::json::object& result,
                  std::string_view view) {
  if (context.json)
    fmt::print(context.out, "{}\n", boost::json::serialize(result));
  else
    fmt::print(context.out, "{}", view);
}

}  // namespace tollgate::cli
