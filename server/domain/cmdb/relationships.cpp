#include "server/domain/cmdb/relationships.hpp"

#include <deque>
#include <unordered_set>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/audit_log.hpp"
#include "server/domain/cmdb/cis.hpp"
#include "server/domain/cmdb/cmdb_model.hpp"
#include "server/domain/tables/cmdb_tables.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server {

namespace json = boost::json;
using storage::Table;

namespace {
using Triple = RelationshipChange;

// A controlled end changes only under an approved RFC naming it, and keeps the change in its
// history; the audit entry names the relationship.
Status control_ends(storage::WriteTxn& txn, const Triple& t, bool added, const Principal& actor,
                    Micros now) {
  const std::string type = rel_type_name(t.type);
  TG_RETURN_IF_ERROR(record_relationship_change(txn, t.from, fmt::format("{} {}", type, t.to),
                                                added, t.rfc, actor, now));
  TG_RETURN_IF_ERROR(record_relationship_change(txn, t.to, fmt::format("{} {}", t.from, type),
                                                added, t.rfc, actor, now));
  audit_note(fmt::format("/api/v1/relationships/{}/{}/{}", t.from, type, t.to),
             fmt::format("{} {} {} {}{}", added ? "related" : "unrelated", t.from, type, t.to,
                         t.rfc ? " under " + *t.rfc : std::string()));
  return Status();
}

Result<Relationship> parse_stored(std::string_view value) {
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  if (ec || !v.is_object()) return Status(Code::corrupt, "a stored relationship is malformed");
  const auto& o = v.get_object();
  Relationship r;
  auto type = parse_rel_type(o.at("type").as_string());
  if (!type) return Status(Code::corrupt, "a stored relationship has an unknown type");
  r.type = *type;
  r.from = o.at("from").as_string();
  r.to = o.at("to").as_string();
  r.created_at = parse_rfc3339(o.at("created_at").as_string()).value_or(0);
  r.created_by = o.at("created_by").as_string();
  return r;
}
}  // namespace

json::object Relationship::to_json() const {
  json::object o;
  o["from"] = from;
  o["type"] = rel_type_name(type);
  o["to"] = to;
  o["created_at"] = format_rfc3339(created_at);
  o["created_by"] = created_by;
  return o;
}

Result<std::pair<Relationship, bool>> RelationshipService::add(const RelationshipChange& change,
                                                               const Principal& actor) {
  const Triple& t = change;
  Relationship rel;
  bool created = false;
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) {
    created = false;
    for (const std::string* id : {&t.from, &t.to}) {
      auto stored = txn.get(Table::cis, *id);
      if (!stored) return not_found(fmt::format("no CI '{}'", *id));
      TG_ASSIGN_OR_RETURN(Ci ci, Ci::from_json(*stored));
      if (ci.status == CiStatus::disposed)
        return conflict(fmt::format("CI '{}' is disposed and takes no new relationships", *id));
    }
    const tables::RelationshipKey key{t.from, t.type, t.to};
    const std::string out_key = key.encode(tables::RelIndex::out);
    if (auto existing = txn.get(Table::rel_out, out_key)) {
      TG_ASSIGN_OR_RETURN(rel, parse_stored(*existing));
      return Status();
    }
    rel = Relationship{t.from, t.type, t.to, clock_.now(), actor.name};
    TG_RETURN_IF_ERROR(control_ends(txn, t, true, actor, rel.created_at));
    const std::string value = json::serialize(rel.to_json());
    txn.put(Table::rel_out, out_key, value);
    txn.put(Table::rel_in, key.encode(tables::RelIndex::in), value);
    created = true;
    return Status();
  }));
  return std::make_pair(std::move(rel), created);
}

Status RelationshipService::remove(const RelationshipChange& change, const Principal& actor) {
  const Triple& t = change;
  const tables::RelationshipKey key{t.from, t.type, t.to};
  return store_.write([&](storage::WriteTxn& txn) {
    if (!txn.get(Table::rel_out, key.encode(tables::RelIndex::out)))
      return not_found(
          fmt::format("no relationship {} {} {}", t.from, rel_type_name(t.type), t.to));
    TG_RETURN_IF_ERROR(control_ends(txn, t, false, actor, clock_.now()));
    txn.erase(Table::rel_out, key.encode(tables::RelIndex::out));
    txn.erase(Table::rel_in, key.encode(tables::RelIndex::in));
    return Status();
  });
}

Result<std::vector<Relationship>> RelationshipService::of(const std::string& id) {
  std::vector<Relationship> out;
  Status failure;
  bool exists = false;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    exists = txn.get(Table::cis, id).has_value();
    const std::string prefix = tables::RelationshipKey::prefix(id);
    for (auto index : {tables::RelIndex::out, tables::RelIndex::in}) {
      txn.scan(tables::RelationshipKey::table(index), prefix,
               [&](std::string_view key, std::string_view value) {
                 if (!key.starts_with(prefix)) return false;
                 auto rel = parse_stored(value);
                 if (!rel) {
                   failure = rel.status();
                   return false;
                 }
                 out.push_back(std::move(rel).value());
                 return true;
               });
    }
    return failure;
  }));
  if (!exists) return not_found(fmt::format("no CI '{}'", id));
  return out;
}

json::object ImpactEntry::to_json() const {
  return json::object{{"id", id},
                      {"distance", distance},
                      {"path", json::value_from(path)},
                      {"via", rel_type_name(via)}};
}

Result<std::vector<ImpactEntry>> RelationshipService::impact(const std::string& id,
                                                             Direction direction, unsigned depth) {
  if (depth < 1 || depth > kMaxImpactDepth)
    return invalid(fmt::format("depth must be from 1 to {}", kMaxImpactDepth));
  std::vector<ImpactEntry> out;
  bool exists = false;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    exists = txn.get(Table::cis, id).has_value();
    if (!exists) return Status();
    const auto index = direction == Direction::down ? tables::RelIndex::out : tables::RelIndex::in;
    std::unordered_set<std::string> seen{id};
    std::deque<ImpactEntry> frontier{ImpactEntry{id, 0, {id}, RelType::depends_on}};
    while (!frontier.empty()) {
      ImpactEntry current = std::move(frontier.front());
      frontier.pop_front();
      if (current.distance == depth) continue;
      const std::string prefix = tables::RelationshipKey::prefix(current.id);
      txn.scan(tables::RelationshipKey::table(index), prefix,
               [&](std::string_view raw, std::string_view) {
                 if (!raw.starts_with(prefix)) return false;
                 const auto key = tables::RelationshipKey::decode(index, raw);
                 if (!key) return true;
                 const std::string& next = index == tables::RelIndex::out ? key->to : key->from;
                 if (!seen.insert(next).second) return true;
                 ImpactEntry entry{next, current.distance + 1, current.path, key->type};
                 entry.path.push_back(next);
                 out.push_back(entry);
                 frontier.push_back(std::move(entry));
                 return true;
               });
    }
    return Status();
  }));
  if (!exists) return not_found(fmt::format("no CI '{}'", id));
  return out;
}

}  // namespace tollgate::server
