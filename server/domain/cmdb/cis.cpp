#include "server/domain/cmdb/cis.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/audit_log.hpp"
#include "server/domain/change/rfcs.hpp"
#include "server/domain/tables/cmdb_tables.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server {

namespace json = boost::json;
using storage::Table;

namespace {
bool icontains(std::string_view hay, std::string_view needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         }) != hay.end();
}

bool matches(const Ci& ci, const CiFilter& filter) {
  if (filter.type && ci.type != *filter.type) return false;
  if (filter.status && ci.status != *filter.status) return false;
  return filter.q.empty() || icontains(ci.id, filter.q) || icontains(ci.name, filter.q);
}

// Validates the CI's attributes against its type as `txn` sees it. `type_record` receives the
// stored type (so a later transaction can tell whether it changed) and `refs` the CI ids the
// attributes refer to (so a later transaction can check they still exist).
Status validate(storage::ReadTxn& txn, const Ci& ci, std::string* type_record = nullptr,
                std::vector<std::string>* refs = nullptr) {
  auto stored = txn.get(Table::ci_types, ci.type);
  if (!stored)
    return Status(Code::invalid, fmt::format("type: no CI type '{}'", ci.type))
        .with_reason("validation")
        .with_items({fmt::format("type: no CI type '{}'", ci.type)});
  if (type_record) *type_record = *stored;
  TG_ASSIGN_OR_RETURN(CiType type, CiType::from_json(*stored));
  std::vector<std::string> errors;
  validate_attributes(
      type, ci.attributes,
      [&](std::string_view ref) {
        if (refs && ref != ci.id) refs->emplace_back(ref);
        return ref == ci.id || txn.get(Table::cis, ref).has_value();
      },
      errors);
  if (errors.empty()) return {};
  std::string detail = errors.front();
  return Status(Code::invalid, std::move(detail))
      .with_reason("validation")
      .with_items(std::move(errors));
}

void record_change(json::object& changes, std::string_view field, const json::value& old_value,
                   const json::value& new_value) {
  if (old_value == new_value) return;
  json::object change;
  change["old"] = old_value;
  change["new"] = new_value;
  changes[field] = std::move(change);
}

// A creation records every field, old values null.
json::object creation(const Ci& ci, const json::object& ci_json) {
  json::object changes;
  for (const auto& kv : ci_json) {
    if (kv.key() == "revision" || kv.key() == "created_at" || kv.key() == "updated_at" ||
        kv.key() == "attributes")
      continue;
    record_change(changes, kv.key(), nullptr, kv.value());
  }
  for (const auto& kv : ci.attributes)
    record_change(changes, fmt::format("attributes.{}", std::string_view(kv.key())), nullptr,
                  kv.value());
  return changes;
}

json::object diff(const Ci& before, const Ci& after) {
  json::object changes;
  record_change(changes, "name", json::value(before.name), json::value(after.name));
  record_change(changes, "owner", json::value(before.owner), json::value(after.owner));
  record_change(changes, "status", json::value(status_name(before.status)),
                json::value(status_name(after.status)));
  record_change(changes, "controlled", json::value(before.controlled),
                json::value(after.controlled));
  for (const auto& kv : before.attributes) {
    const json::value* now = after.attributes.if_contains(kv.key());
    record_change(changes, fmt::format("attributes.{}", std::string_view(kv.key())), kv.value(),
                  now ? *now : json::value(nullptr));
  }
  for (const auto& kv : after.attributes)
    if (!before.attributes.contains(kv.key()))
      record_change(changes, fmt::format("attributes.{}", std::string_view(kv.key())), nullptr,
                    kv.value());
  return changes;
}

}  // namespace

Status check_change_control(storage::ReadTxn& txn, const std::string& ci,
                            const std::optional<std::string>& rfc_id) {
  if (!rfc_id)
    return Status(Code::conflict,
                  fmt::format("CI '{}' is controlled: a change needs \"rfc\" naming an approved "
                              "RFC that lists it, and none was given",
                              ci))
        .with_reason("rfc-required");
  auto rfc = load_rfc(txn, *rfc_id);
  if (!rfc)
    return Status(Code::conflict,
                  fmt::format("RFC '{}' does not exist: CI '{}' is controlled and changes only "
                              "with an approved RFC that lists it",
                              *rfc_id, ci))
        .with_reason("rfc-unknown");
  if (!rfc->authorises_change())
    return Status(Code::conflict,
                  fmt::format("RFC '{}' is {}, not approved or implemented: CI '{}' is controlled "
                              "and changes only with an approved RFC that lists it",
                              *rfc_id, rfc_state_name(rfc->state), ci))
        .with_reason("rfc-not-approved");
  if (!rfc->names_ci(ci))
    return Status(Code::conflict,
                  fmt::format("RFC '{}' does not name CI '{}': CI '{}' is controlled and changes "
                              "only with an approved RFC that lists it",
                              *rfc_id, ci, ci))
        .with_reason("rfc-does-not-name-ci");
  return Status();
}

namespace {

std::string history_entry(const Ci& ci, json::object snapshot, const Principal& actor,
                          const std::optional<std::string>& rfc, std::string_view action,
                          json::object changes) {
  json::object entry;
  entry["revision"] = ci.revision;
  entry["action"] = action;
  entry["actor"] = actor.name;
  entry["time"] = format_rfc3339(ci.updated_at);
  entry["rfc"] = rfc ? json::value(*rfc) : json::value(nullptr);
  entry["changes"] = std::move(changes);
  entry["snapshot"] = std::move(snapshot);
  return json::serialize(entry);
}
}  // namespace

Status record_relationship_change(storage::WriteTxn& txn, const std::string& id,
                                  const std::string& relationship, bool added,
                                  const std::optional<std::string>& rfc, const Principal& actor,
                                  Micros now) {
  auto stored = txn.get(Table::cis, id);
  if (!stored) return not_found(fmt::format("no CI '{}'", id));
  TG_ASSIGN_OR_RETURN(Ci ci, Ci::from_json(*stored));
  if (!ci.controlled) return Status();
  TG_RETURN_IF_ERROR(check_change_control(txn, id, rfc));
  ci.revision += 1;
  ci.updated_at = std::max(now, ci.updated_at);
  json::object changes;
  record_change(changes, "relationships", added ? json::value(nullptr) : json::value(relationship),
                added ? json::value(relationship) : json::value(nullptr));
  txn.put(Table::cis, id, json::serialize(ci.to_json()));
  tables::kCiHistory.put(txn, {id, ci.revision},
                         history_entry(ci, ci.to_json(), actor, rfc, added ? "relate" : "unrelate",
                                       std::move(changes)));
  return Status();
}

Result<Ci> CiService::create(CreateCi command, const Principal& actor) {
  Ci ci;
  ci.id = std::move(command.id);
  ci.type = std::move(command.type);
  ci.name = std::move(command.name);
  ci.owner = std::move(command.owner);
  ci.status = command.status;
  ci.controlled = command.controlled;
  ci.attributes = std::move(command.attributes);
  ci.revision = 1;

  audit_note("/api/v1/cis/" + ci.id,
             fmt::format("created CI {} of type {}, status {}{}", ci.id, ci.type,
                         status_name(ci.status), ci.controlled ? ", controlled" : ""));

  // Validate and render outside the store's single writer, which then only re-checks what
  // may have changed meanwhile: the id, the type's schema, the referenced CIs.
  std::string type_record;
  std::vector<std::string> refs;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    if (txn.get(Table::cis, ci.id)) return conflict(fmt::format("CI '{}' already exists", ci.id));
    return validate(txn, ci, &type_record, &refs);
  }));
  ci.created_at = ci.updated_at = clock_.now();
  json::object ci_json = ci.to_json();
  const std::string record = json::serialize(ci_json);
  json::object changes = creation(ci, ci_json);
  const std::string history =
      history_entry(ci, std::move(ci_json), actor, std::nullopt, "create", std::move(changes));
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) {
    if (txn.get(Table::cis, ci.id)) return conflict(fmt::format("CI '{}' already exists", ci.id));
    if (txn.get(Table::ci_types, ci.type) != std::optional<std::string_view>(type_record)) {
      TG_RETURN_IF_ERROR(validate(txn, ci));  // the schema changed meanwhile: check it all again
    } else {
      for (const auto& ref : refs)
        if (!txn.get(Table::cis, ref)) TG_RETURN_IF_ERROR(validate(txn, ci));
    }
    txn.put(Table::cis, ci.id, record);
    tables::kCiHistory.put(txn, {ci.id, ci.revision}, history);
    return Status();
  }));
  return ci;
}

Result<Ci> CiService::get(const std::string& id, std::optional<Micros> as_of) {
  Result<Ci> out = not_found(fmt::format("no CI '{}'", id));
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    if (!as_of) {
      if (auto stored = txn.get(Table::cis, id)) out = Ci::from_json(*stored);
      return Status();
    }
    // The newest history entry at or before as_of holds the CI as it was then.
    const std::string prefix = tables::CiHistoryKey::prefix(id);
    txn.scan_back(Table::ci_history, tables::CiHistoryKey{id, UINT64_MAX}.encode(),
                  [&](std::string_view key, std::string_view value) {
                    if (!key.starts_with(prefix)) return false;
                    if (!tables::CiHistoryKey::decode(key)) return true;
                    json::value entry = json::parse(value);
                    const auto time = parse_rfc3339(entry.at("time").as_string());
                    if (!time || *time > *as_of) return true;
                    out = Ci::from_json(entry.at("snapshot"));
                    return false;
                  });
    if (!out.ok() && out.status().code() == Code::not_found && txn.get(Table::cis, id))
      out = not_found(fmt::format("CI '{}' did not exist at {}", id, format_rfc3339(*as_of)));
    return Status();
  }));
  return out;
}

Result<Page<Ci>> CiService::list(const CiFilter& filter, const PageRequest& page) {
  Page<Ci> out;
  Status failure;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    txn.scan(Table::cis, page.after, [&](std::string_view key, std::string_view value) {
      if (key == page.after) return true;
      auto ci = Ci::from_json(value);
      if (!ci) {
        failure = ci.status();
        return false;
      }
      if (!matches(*ci, filter)) return true;
      if (out.items.size() == page.limit) {
        out.next_after = out.items.back().id;
        return false;
      }
      out.items.push_back(std::move(ci).value());
      return true;
    });
    return failure;
  }));
  return out;
}

Result<Ci> CiService::patch(const std::string& id, const CiPatch& patch,
                            const ExpectedRevision& expected, const Principal& actor) {
  const std::optional<std::string>& rfc = patch.rfc;
  Ci after;
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) {
    auto stored = txn.get(Table::cis, id);
    if (!stored) return not_found(fmt::format("no CI '{}'", id));
    TG_ASSIGN_OR_RETURN(Ci before, Ci::from_json(*stored));
    if (expected.revision && *expected.revision != before.revision)
      return Status(Code::precondition_failed,
                    fmt::format("CI '{}' is at revision {}, not {}: read it again and retry", id,
                                before.revision, *expected.revision))
          .with_reason("stale-revision");
    if (before.status == CiStatus::disposed)
      return Status(Code::conflict, fmt::format("CI '{}' is disposed and can no longer change", id))
          .with_reason("illegal-transition");
    after = before;
    if (patch.name) after.name = *patch.name;
    if (patch.owner) after.owner = *patch.owner;
    if (patch.controlled) after.controlled = *patch.controlled;
    if (patch.status) {
      if (!transition_allowed(before.status, *patch.status))
        return Status(Code::conflict,
                      fmt::format("CI '{}' cannot go from {} to {}; from {} it can go to: {}", id,
                                  status_name(before.status), status_name(*patch.status),
                                  status_name(before.status), allowed_transitions(before.status)))
            .with_reason("illegal-transition");
      after.status = *patch.status;
    }
    if (patch.attributes) {
      for (const auto& kv : *patch.attributes) {
        if (kv.value().is_null())
          after.attributes.erase(kv.key());
        else
          after.attributes[kv.key()] = kv.value();
      }
    }
    TG_RETURN_IF_ERROR(validate(txn, after));
    json::object changes = diff(before, after);
    if (changes.empty()) return Status();
    if (before.controlled) TG_RETURN_IF_ERROR(check_change_control(txn, id, rfc));
    after.revision = before.revision + 1;
    audit_note("/api/v1/cis/" + id,
               fmt::format("changed CI {} to revision {}: {}{}", id, after.revision,
                           audit_field_list(changes), rfc ? " under " + *rfc : std::string()));
    after.updated_at = std::max(clock_.now(), before.updated_at);
    txn.put(Table::cis, id, json::serialize(after.to_json()));
    tables::kCiHistory.put(
        txn, {id, after.revision},
        history_entry(after, after.to_json(), actor, rfc, "update", std::move(changes)));
    return Status();
  }));
  return after;
}

Result<Page<json::object>> CiService::history(const std::string& id, const PageRequest& page) {
  Page<json::object> out;
  bool exists = false;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    exists = txn.get(Table::cis, id).has_value();
    // The cursor is the be64 of the last revision taken.
    const auto after = tables::decode_be64(page.after);
    const std::string from = after ? tables::CiHistoryKey{id, *after}.encode() : std::string();
    std::uint64_t last_revision = 0;
    tables::kCiHistory.scan(txn, tables::CiHistoryKey::prefix(id), from,
                            [&](const tables::CiHistoryKey& key, std::string_view value) {
                              if (after && key.revision == *after) return true;
                              if (out.items.size() == page.limit) {
                                out.next_after = tables::encode_be64(last_revision);
                                return false;
                              }
                              json::object entry = json::parse(value).as_object();
                              entry.erase("snapshot");
                              out.items.push_back(std::move(entry));
                              last_revision = key.revision;
                              return true;
                            });
    return Status();
  }));
  if (!exists) return not_found(fmt::format("no CI '{}'", id));
  return out;
}

}  // namespace tollgate::server
