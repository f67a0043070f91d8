// Each route's JSON body (server/http/commands/): the body read strictly (json_body.hpp), then
// the route's parser. The first byte picks the parser, the rest is the body.
// Checks: a refusal is invalid with a message (a 400, never a 500); what a parser accepts keeps
// the promises its command type makes (install paths relative and distinct, names valid, lists
// sorted without duplicates).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "server/domain/audit/baselines.hpp"
#include "server/domain/cmdb/documents.hpp"
#include "server/domain/config.hpp"
#include "server/domain/json_body.hpp"
#include "server/http/commands/audit.hpp"
#include "server/http/commands/change.hpp"
#include "server/http/commands/cmdb.hpp"
#include "server/http/commands/identity.hpp"
#include "server/http/commands/release.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tollgate/paths.hpp"

namespace {

namespace json = boost::json;
namespace commands = tollgate::server::commands;
using tollgate::Status;

const tollgate::server::Config& config() {
  static const tollgate::server::Config kConfig;
  return kConfig;
}

bool sorted_unique(const std::vector<std::string>& v) {
  return std::adjacent_find(v.begin(), v.end(), std::greater_equal<>()) == v.end();
}

// A parser's outcome: its Status, and whether what it accepted keeps the command's promises.
template <class T>
Status checked(const tollgate::Result<T>& result, const std::function<bool(const T&)>& keeps) {
  if (result.ok()) FUZZ_CHECK(keeps(*result), "an accepted command breaks its promises");
  return result.ok() ? Status() : result.status();
}
template <class T>
Status checked(const tollgate::Result<T>& result) {
  return result.ok() ? Status() : result.status();
}

bool install_paths_valid(const tollgate::server::AddReleaseItem& item) {
  std::set<std::string> seen;
  for (const auto& [file, path] : item.install_paths)
    if (tollgate::relative_path_problem(path, 1024, tollgate::ControlCharacters::refused) ||
        !seen.insert(path).second)
      return false;
  return true;
}

using Parser = std::function<Status(const json::object&)>;

const std::vector<Parser>& parsers() {
  using namespace tollgate::server;  // NOLINT(google-build-using-namespace): the command types
  static const std::vector<Parser> kParsers = {
      [](const json::object& b) {
        return checked<CreateBaseline>(commands::parse_create_baseline(b), [](const auto& c) {
          return validate_baseline_name(c.name).ok();
        });
      },
      [](const json::object& b) { return checked(commands::parse_fca_request(b)); },
      [](const json::object& b) {
        return checked<CreateRfc>(commands::parse_create_rfc(b),
                                  [](const auto& c) { return !c.title.empty(); });
      },
      [](const json::object& b) { return checked(commands::parse_rfc_patch(b)); },
      [](const json::object& b) { return checked(commands::parse_rfc_step(b)); },
      [](const json::object& b) { return checked(commands::parse_ci_type(b)); },
      [](const json::object& b) { return checked(commands::parse_create_ci(b)); },
      [](const json::object& b) { return checked(commands::parse_ci_patch(b)); },
      [](const json::object& b) { return checked(commands::parse_relationship_change(b)); },
      [](const json::object& b) { return checked(commands::parse_document_write(b)); },
      [](const json::object& b) { return checked(commands::parse_create_user(b)); },
      [](const json::object& b) { return checked(commands::parse_user_patch(b)); },
      [](const json::object& b) { return checked(commands::parse_token_request(b)); },
      [](const json::object& b) { return checked(commands::parse_login(b)); },
      [](const json::object& b) {
        return checked<CreateRelease>(
            commands::parse_create_release(b, config()),
            [](const auto& c) { return sorted_unique(c.rfcs) && sorted_unique(c.packages); });
      },
      [](const json::object& b) {
        return checked<AddReleaseItem>(commands::parse_release_item(b), install_paths_valid);
      },
      [](const json::object& b) {
        return checked<AddReleaseDocument>(commands::parse_release_document(b), [](const auto& c) {
          return check_document_name(c.name).ok() && !c.content.empty() && !c.media_type.empty();
        });
      },
      [](const json::object& b) { return checked(commands::parse_known_error(b)); },
      [](const json::object& b) {
        return checked<ReleasePatch>(commands::parse_release_patch(b, config()), [](const auto& c) {
          return !c.rfcs || sorted_unique(*c.rfcs);
        });
      },
      [](const json::object& b) { return checked(commands::parse_release_note(b, false)); },
      [](const json::object& b) { return checked(commands::parse_release_note(b, true)); },
      [](const json::object& b) { return checked(commands::parse_known_error_resolution(b)); },
      [](const json::object& b) { return checked(commands::parse_gate_record(b)); },
      [](const json::object& b) { return checked(commands::parse_environment_target(b)); },
  };
  return kParsers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tollgate::fuzz::Input input(data, size);
  const Parser& parse = parsers()[input.byte() % parsers().size()];
  auto body = tollgate::server::parse_object(input.rest());
  if (!body) {
    FUZZ_CHECK(body.status().code() == tollgate::Code::invalid, "a body refused as %s",
               tollgate::code_name(body.status().code()));
    return 0;
  }
  const Status status = parse(*body);
  if (!status.ok()) {
    FUZZ_CHECK(status.code() == tollgate::Code::invalid, "a command refused as %s: %s",
               tollgate::code_name(status.code()), status.message().c_str());
    FUZZ_CHECK(!status.message().empty(), "a refusal without a message");
  }
  return 0;
}
