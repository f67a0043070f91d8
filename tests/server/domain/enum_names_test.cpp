// Every domain enum's names, as they travel in JSON, configuration and keys: each value has a
// distinct name, each name parses back to its value, and the spellings stay what they were.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "server/domain/change/rfcs.hpp"
#include "server/domain/cmdb/cmdb_model.hpp"
#include "server/domain/cmdb/relationships.hpp"
#include "server/domain/config.hpp"
#include "server/domain/identity/roles.hpp"
#include "server/domain/release/releases.hpp"
#include "storage/kv_store.hpp"

using namespace tollgate;
using namespace tollgate::server;

namespace {
template <class E>
void round_trips(std::size_t expected_count) {
  std::set<std::string> names;
  for (const EnumName<E>& entry : enum_names(E{})) {
    CAPTURE(entry.name);
    CHECK(names.insert(entry.name).second);
    CHECK(parse_name<E>(entry.name) == entry.value);
    CHECK(std::string_view(name_of(entry.value)) == entry.name);
  }
  CHECK(names.size() == expected_count);
}
}  // namespace

TEST_CASE("every table of names is complete and round-trips") {
  round_trips<Role>(kAllRoles.size());
  round_trips<RelType>(6);
  round_trips<AttrKind>(5);
  round_trips<CiStatus>(7);
  round_trips<RfcState>(7);
  round_trips<RfcAction>(6);
  round_trips<ReleaseType>(3);
  round_trips<ReleaseCategory>(3);
  round_trips<ClientIdentity>(4);
  round_trips<storage::Table>(static_cast<std::size_t>(storage::Table::count_));
}

TEST_CASE("the spellings that are stored and sent are unchanged") {
  CHECK(std::string(role_name(Role::release_manager)) == "release_manager");
  CHECK(parse_role("build_agent") == Role::build_agent);
  CHECK(std::string(rel_type_name(RelType::documented_by)) == "documented_by");
  CHECK(std::string(attr_kind_name(AttrKind::integer)) == "int");
  CHECK(parse_attr_kind("enum") == AttrKind::enumeration);
  CHECK(std::string(status_name(CiStatus::under_repair)) == "under_repair");
  CHECK(std::string(rfc_state_name(RfcState::implemented)) == "implemented");
  CHECK(parse_rfc_action("close") == RfcAction::close);
  CHECK(std::string(release_category_name(ReleaseCategory::emergency)) == "emergency");
  CHECK(parse_release_type("package") == ReleaseType::package);
  CHECK(client_identity_name(ClientIdentity::san_email) == "san-email");
  CHECK(parse_client_identity("san-uri") == ClientIdentity::san_uri);
  CHECK_FALSE(parse_client_identity("san_uri"));
  CHECK(std::string(storage::table_name(storage::Table::artifact_blobs)) == "artifact_blobs");
  CHECK(std::string(storage::table_name(storage::Table::count_)) == "?");
}
