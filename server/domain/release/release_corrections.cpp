// Corrections of a release's record: reschedule, relink RFCs, remove an item, cancel, resolve a
// known error. Each is a correction entry of the release (nothing is erased) and an audit entry.
#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/audit_log.hpp"
#include "server/domain/change/rfcs.hpp"
#include "server/domain/record_fields.hpp"
#include "server/domain/release/releases.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;

void record_change(json::object& changes, std::string_view field, json::value old_value,
                   json::value new_value) {
  if (old_value == new_value) return;
  changes[field] = json::object{{"old", std::move(old_value)}, {"new", std::move(new_value)}};
}

json::value date_or_null(const std::map<std::string, std::string>& planned,
                         const std::string& env) {
  const auto at = planned.find(env);
  return at == planned.end() ? json::value(nullptr) : json::value(at->second);
}

}  // namespace

Result<Release> ReleaseService::correct(const std::string& id, const ReleasePatch& patch,
                                        const Principal& actor) {
  const std::string note = patch.note.value_or("");
  return update(id, [&](storage::WriteTxn& txn, Release& r) -> Status {
    TG_RETURN_IF_ERROR(check_contents_open(r));
    const Micros now = clock_.now();
    std::vector<std::string> what;
    if (patch.planned) {
      ReleaseCorrection c{"reschedule", actor.name, now, note, {}};
      for (const auto& [env, date] : *patch.planned) {
        json::value before = date_or_null(r.planned, env);
        if (date)
          r.planned[env] = *date;
        else
          r.planned.erase(env);
        record_change(c.changes, "planned." + env, std::move(before), date_or_null(r.planned, env));
      }
      if (!c.changes.empty()) {
        what.push_back("rescheduled " + audit_field_list(c.changes));
        r.corrections.push_back(std::move(c));
      }
    }
    if (patch.rfcs && *patch.rfcs != r.rfcs) {
      const std::vector<std::string>& links = *patch.rfcs;
      std::vector<std::string> missing;
      for (const auto& rfc : links)
        if (!load_rfc(txn, rfc)) missing.push_back(rfc);
      if (!missing.empty())
        return invalid(fmt::format("rfcs: no RFC '{}'", fmt::join(missing, "', '")))
            .with_reason("unknown-rfc")
            .with_items(std::move(missing));
      ReleaseCorrection c{"link-rfcs", actor.name, now, note, {}};
      record_change(c.changes, "rfcs", json::value(record_fields::string_array(r.rfcs)),
                    json::value(record_fields::string_array(links)));
      what.push_back(fmt::format(
          "linked RFCs {}", links.empty() ? "none" : fmt::format("{}", fmt::join(links, ","))));
      r.rfcs = links;
      r.corrections.push_back(std::move(c));
    }
    audit_note("/api/v1/releases/" + id,
               what.empty() ? fmt::format("corrected release {}: nothing changed", id)
                            : fmt::format("release {}: {}", id, fmt::join(what, "; ")));
    return Status();
  });
}

Result<Release> ReleaseService::remove_item(const std::string& id, const std::string& ci,
                                            const ReleaseNote& command, const Principal& actor) {
  return update(id, [&](storage::WriteTxn&, Release& r) -> Status {
    TG_RETURN_IF_ERROR(check_contents_open(r));
    const auto at = std::find_if(r.items.begin(), r.items.end(),
                                 [&](const ReleaseItem& item) { return item.ci == ci; });
    if (at == r.items.end())
      return not_found(
                 fmt::format("release '{}' carries no item of CI '{}'", id, ci.substr(0, 128)))
          .with_reason("unknown-item");
    ReleaseCorrection c{"remove-item", actor.name, clock_.now(), command.note.value_or(""), {}};
    record_change(c.changes, "items." + ci, json::value(at->version), json::value(nullptr));
    audit_note(fmt::format("/api/v1/releases/{}/items/{}", id, ci),
               fmt::format("removed {} {} from release {}", ci, at->version, id));
    r.items.erase(at);
    r.corrections.push_back(std::move(c));
    return Status();
  });
}

Result<Release> ReleaseService::cancel(const std::string& id, const ReleaseNote& command,
                                       const Principal& actor) {
  if (!command.note || command.note->empty()) return invalid("note: a cancellation says why");
  const std::string& note = *command.note;
  return update(id, [&](storage::WriteTxn&, Release& r) -> Status {
    TG_RETURN_IF_ERROR(check_contents_open(r));
    if (const auto at = r.current_environment())
      return conflict(
                 fmt::format("release '{}' is in {}: back it out before cancelling it", id, *at))
          .with_reason("release-in-environment");
    ReleaseCorrection c{"cancel", actor.name, clock_.now(), note, {}};
    record_change(c.changes, "state", json::value(r.state(config_.environments)),
                  json::value("cancelled"));
    audit_note("/api/v1/releases/" + id, fmt::format("cancelled release {}: {}", id, note));
    r.corrections.push_back(std::move(c));
    return Status();
  });
}

Result<Release> ReleaseService::resolve_known_error(const std::string& id,
                                                    const std::string& known_error,
                                                    const ResolveKnownError& command,
                                                    const Principal& actor) {
  const std::string& resolution = command.resolution;
  return update(id, [&](storage::WriteTxn&, Release& r) -> Status {
    const auto at = std::find_if(r.known_errors.begin(), r.known_errors.end(),
                                 [&](const KnownError& e) { return e.id == known_error; });
    if (at == r.known_errors.end())
      return not_found(
                 fmt::format("release '{}' has no known error '{}'", id, known_error.substr(0, 64)))
          .with_reason("unknown-known-error");
    if (at->resolved_at)
      return conflict(fmt::format("known error {} of release '{}' was resolved already by {}",
                                  known_error, id, at->resolved_by))
          .with_reason("known-error-resolved");
    const Micros now = clock_.now();
    at->resolution = resolution;
    at->resolved_by = actor.name;
    at->resolved_at = now;
    ReleaseCorrection c{"resolve-known-error", actor.name, now, resolution, {}};
    record_change(c.changes, "known_errors." + known_error + ".resolved", json::value(false),
                  json::value(true));
    audit_note(fmt::format("/api/v1/releases/{}/known-errors/{}", id, known_error),
               fmt::format("resolved known error {} of release {}", known_error, id));
    r.corrections.push_back(std::move(c));
    return Status();
  });
}

}  // namespace tollgate::server
