// Relationships between CIs and impact analysis over them.
//
// A relationship (from, type, to) is stored twice, under from and under to, in one
// transaction, so that both directions are one range scan. Impact analysis walks
// "down" along from -> to (what a CI relies on) or "up" along to -> from (what relies on it).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "server/domain/identity/auth.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/enum_names.hpp"

namespace tollgate::server {

enum class RelType { depends_on, runs_on, part_of, contains, documented_by, installed_in };

inline constexpr EnumName<RelType> kRelTypeNames[] = {
    {RelType::depends_on, "depends_on"},
    {RelType::runs_on, "runs_on"},
    {RelType::part_of, "part_of"},
    {RelType::contains, "contains"},
    {RelType::documented_by, "documented_by"},
    {RelType::installed_in, "installed_in"},
};
constexpr std::span<const EnumName<RelType>> enum_names(RelType) { return kRelTypeNames; }
inline const char* rel_type_name(RelType type) { return name_of(type); }
inline std::optional<RelType> parse_rel_type(std::string_view name) {
  return parse_name<RelType>(name);
}

struct Relationship {
  std::string from;
  RelType type = RelType::depends_on;
  std::string to;
  Micros created_at = 0;
  std::string created_by;

  boost::json::object to_json() const;
};

// POST or DELETE /api/v1/relationships {from, type, to, rfc?}, parsed.
struct RelationshipChange {
  std::string from;
  RelType type = RelType::depends_on;
  std::string to;
  std::optional<std::string> rfc;  // authorises the change of a controlled end
};

enum class Direction { up, down };

struct ImpactEntry {
  std::string id;
  unsigned distance = 0;
  std::vector<std::string> path;      // from the starting CI to this one, both included
  RelType via = RelType::depends_on;  // the last relationship on the path

  // {"id", "distance", "path": [ids], "via"}
  boost::json::object to_json() const;
};

constexpr unsigned kMaxImpactDepth = 32;

class RelationshipService {
 public:
  RelationshipService(storage::KvStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  // POST /api/v1/relationships. Returns the relationship and whether it is new (an existing one
  // is returned as it is). A controlled end needs `rfc` (approved or implemented, naming it) and
  // records the change in its history. Errors: not_found (unknown CI), conflict (a disposed CI,
  // configuration control).
  Result<std::pair<Relationship, bool>> add(const RelationshipChange& change,
                                            const Principal& actor);

  // DELETE /api/v1/relationships: configuration control as for add. Errors: not_found,
  // conflict (configuration control).
  Status remove(const RelationshipChange& change, const Principal& actor);

  // Every relationship in which the CI takes part. Errors: not_found.
  Result<std::vector<Relationship>> of(const std::string& id);

  // Breadth-first walk to `depth`; each reached CI once, at its shortest distance. Terminates on
  // cycles. Errors: not_found, invalid (depth out of 1..32).
  Result<std::vector<ImpactEntry>> impact(const std::string& id, Direction direction,
                                          unsigned depth);

 private:
  storage::KvStore& store_;
  const Clock& clock_;
};

}  // namespace tollgate::server
