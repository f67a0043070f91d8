#include "cli/commands.hpp"

namespace tollgate::cli {

int exit_code(const Status& status) {
  if (status.ok()) return kExitOk;
  if (status.reason() == "gates-unmet" || status.reason() == "skipped-environment")
    return kExitGatesUnmet;
  if (status.reason() == "drift") return kExitDrift;
  return status.code() == Code::corrupt ? kExitVerification : kExitFailure;
}

}  // namespace tollgate::cli
