// Private to server/http/route_table*.cpp: who may call what, and the groups of routes each
// file declares; routes() (route_table.cpp) joins them in match order.
#pragma once

#include <vector>

#include "server/http/route.hpp"

namespace tollgate::server::route_table_detail {

// Who may call what. Admin administers users, tokens and keys and approves nothing; the
// approvals themselves (gates, RFC votes) are in [gates] and the ECCB's rule.
inline constexpr Allow kAdmin{Role::admin};
inline constexpr Allow kAudit{Role::admin, Role::auditor};
inline constexpr Allow kCiTypeWrite{Role::cm_manager, Role::admin};
inline constexpr Allow kCmdbWrite{Role::cm_manager, Role::change_manager, Role::release_manager,
                                  Role::admin};
inline constexpr Allow kArtifactWrite{Role::build_agent, Role::release_manager, Role::admin};
inline constexpr Allow kRfcRaise{Role::requester, Role::change_manager, Role::release_manager,
                                 Role::cm_manager, Role::admin};
inline constexpr Allow kRfcImplement{Role::change_manager, Role::release_manager};
inline constexpr Allow kEccb{Role::change_manager};
inline constexpr Allow kReleaseWrite{Role::release_manager, Role::admin};
inline constexpr Allow kReleaseDocuments{Role::release_manager, Role::change_manager,
                                         Role::requester, Role::admin};
inline constexpr Allow kKnownErrors{Role::release_manager, Role::change_manager, Role::tester,
                                    Role::admin};
inline constexpr Allow kBaselineWrite{Role::cm_manager, Role::change_manager, Role::release_manager,
                                      Role::auditor, Role::admin};
inline constexpr Allow kFca{Role::auditor, Role::change_manager, Role::admin};
inline constexpr Allow kPca{Role::auditor, Role::change_manager, Role::release_manager,
                            Role::build_agent, Role::admin};

// The answers of a route that serves a blob's bytes: whole, a range, or not modified
// (route_table_vault.cpp).
RouteDoc bytes(const char* what, std::vector<const char*> headers);

// The groups, in match order after the system and identity routes (route_table.cpp).
std::vector<Route> cmdb_routes();     // route_table_cmdb.cpp
std::vector<Route> vault_routes();    // route_table_vault.cpp
std::vector<Route> rfc_routes();      // route_table_release.cpp
std::vector<Route> release_routes();  // route_table_release.cpp
std::vector<Route> audit_routes();    // route_table_audit.cpp

}  // namespace tollgate::server::route_table_detail
