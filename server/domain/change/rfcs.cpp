#include "server/domain/change/rfcs.hpp"

#include "server/domain/audit/audit_log.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/record_fields.hpp"
#include "server/domain/tables/meta_table.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server {

namespace json = boost::json;
using storage::Table;

namespace {

using namespace record_fields;

constexpr RfcAction kActions[] = {RfcAction::submit,    RfcAction::approve, RfcAction::reject,
                                  RfcAction::implement, RfcAction::review,  RfcAction::close};
// The state a step leads to, when it may be taken from `from`.
std::optional<RfcState> next_state(RfcState from, RfcAction action) {
  switch (action) {
    case RfcAction::submit:
      if (from == RfcState::draft) return RfcState::submitted;
      break;
    case RfcAction::approve:
      if (from == RfcState::submitted) return RfcState::approved;
      break;
    case RfcAction::reject:
      if (from == RfcState::submitted) return RfcState::rejected;
      break;
    case RfcAction::implement:
      if (from == RfcState::approved) return RfcState::implemented;
      break;
    case RfcAction::review:
      if (from == RfcState::implemented) return RfcState::reviewed;
      break;
    case RfcAction::close:
      if (from == RfcState::reviewed || from == RfcState::rejected) return RfcState::closed;
      break;
  }
  return std::nullopt;
}

// The steps an RFC in `state` can take, for the detail of an illegal-transition problem.
std::string steps_from(RfcState state) {
  std::vector<std::string> steps;
  for (RfcAction a : kActions)
    if (next_state(state, a)) steps.emplace_back(rfc_action_name(a));
  return steps.empty() ? std::string("none") : fmt::format("{}", fmt::join(steps, ", "));
}

// Allocates the next rfc-N inside the caller's write transaction.
std::string allocate_id(storage::WriteTxn& txn) {
  std::uint64_t next = tables::get_decimal_counter(txn, tables::kMetaNextRfc).value_or(1);
  // Never reuse an id, even if the counter was lost.
  while (txn.get(Table::rfcs, fmt::format("rfc-{}", next))) ++next;
  tables::put_decimal_counter(txn, tables::kMetaNextRfc, next + 1);
  return fmt::format("rfc-{}", next);
}

bool matches(const Rfc& rfc, const RfcFilter& filter) {
  if (filter.state && rfc.state != *filter.state) return false;
  return !filter.ci || rfc.names_ci(*filter.ci);
}
}  // namespace

bool Rfc::approved_or_later() const {
  switch (state) {
    case RfcState::approved:
    case RfcState::implemented:
    case RfcState::reviewed:
      return true;
    case RfcState::closed:
      // A rejected RFC may be closed too; only one that was approved counts.
      return std::any_of(events.begin(), events.end(),
                         [](const RfcEvent& e) { return e.action == "approve"; });
    default:
      return false;
  }
}

bool Rfc::names_ci(std::string_view ci) const {
  return std::find(cis.begin(), cis.end(), ci) != cis.end();
}

json::object Rfc::to_record() const {
  json::object o;
  o["id"] = id;
  o["title"] = title;
  o["description"] = description;
  o["category"] = category;
  json::array ci_ids;
  for (const auto& ci : cis) ci_ids.emplace_back(ci);
  o["cis"] = std::move(ci_ids);
  o["impact"] = impact;
  o["state"] = rfc_state_name(state);
  o["created_by"] = created_by;
  o["created_at"] = format_rfc3339(created_at);
  o["submitted_by"] = opt_json(submitted_by);
  o["decided_by"] = opt_json(decided_by);
  o["updated_at"] = format_rfc3339(updated_at);
  json::array evs;
  for (const auto& e : events) {
    json::object ev;
    ev["action"] = e.action;
    ev["actor"] = e.actor;
    ev["time"] = format_rfc3339(e.time);
    ev["note"] = e.note;
    evs.emplace_back(std::move(ev));
  }
  o["events"] = std::move(evs);
  return o;
}

Result<Rfc> Rfc::from_record(std::string_view stored) {
  boost::system::error_code ec;
  json::value v = json::parse(stored, ec);
  if (ec || !v.is_object()) return Status(Code::corrupt, "a stored RFC is not a JSON object");
  const auto& o = v.get_object();
  Rfc rfc;
  rfc.id = str(o, "id");
  auto state = parse_rfc_state(str(o, "state"));
  const json::value* cis = o.if_contains("cis");
  const json::value* events = o.if_contains("events");
  if (rfc.id.empty() || !state || !cis || !cis->is_array() || !events || !events->is_array())
    return Status(Code::corrupt, fmt::format("the stored RFC '{}' is malformed", rfc.id));
  rfc.state = *state;
  rfc.title = str(o, "title");
  rfc.description = str(o, "description");
  rfc.category = str(o, "category");
  for (const auto& ci : cis->get_array())
    if (ci.is_string()) rfc.cis.emplace_back(ci.get_string());
  if (const json::value* impact = o.if_contains("impact"); impact && impact->is_object())
    rfc.impact = impact->get_object();
  rfc.created_by = str(o, "created_by");
  rfc.created_at = time_field(o, "created_at");
  rfc.submitted_by = opt_str(o, "submitted_by");
  rfc.decided_by = opt_str(o, "decided_by");
  rfc.updated_at = time_field(o, "updated_at");
  for (const auto& e : events->get_array()) {
    if (!e.is_object()) return Status(Code::corrupt, "a stored RFC event is malformed");
    const auto& eo = e.get_object();
    rfc.events.push_back(
        {str(eo, "action"), str(eo, "actor"), time_field(eo, "time"), str(eo, "note")});
  }
  return rfc;
}

std::optional<Rfc> load_rfc(storage::ReadTxn& txn, std::string_view id) {
  auto stored = txn.get(Table::rfcs, id);
  if (!stored) return std::nullopt;
  auto rfc = Rfc::from_record(*stored);
  if (!rfc) return std::nullopt;
  return std::move(rfc).value();
}

Result<Rfc> RfcService::create(CreateRfc command, const Principal& actor) {
  Rfc rfc;
  rfc.title = std::move(command.title);
  rfc.description = std::move(command.description);
  rfc.category = std::move(command.category);
  rfc.cis = std::move(command.cis);
  rfc.impact = std::move(command.impact);
  rfc.created_by = actor.name;
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) {
    std::vector<std::string> missing;
    for (const auto& ci : rfc.cis)
      if (!txn.get(Table::cis, ci)) missing.push_back(ci);
    if (!missing.empty())
      return Status(Code::invalid, fmt::format("cis: no CI '{}'", fmt::join(missing, "', '")))
          .with_reason("unknown-ci")
          .with_items(missing);
    rfc.id = allocate_id(txn);
    rfc.created_at = rfc.updated_at = clock_.now();
    rfc.events = {RfcEvent{"create", actor.name, rfc.created_at, ""}};
    audit_note("/api/v1/rfcs/" + rfc.id, fmt::format("raised {} RFC {} for {}: {}", rfc.category,
                                                     rfc.id, fmt::join(rfc.cis, ","), rfc.title));
    txn.put(Table::rfcs, rfc.id, json::serialize(rfc.to_record()));
    return Status();
  }));
  return rfc;
}

Result<Rfc> RfcService::get(const std::string& id) {
  Result<Rfc> out = not_found(fmt::format("no RFC '{}'", id));
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    if (auto stored = txn.get(Table::rfcs, id)) out = Rfc::from_record(*stored);
    return Status();
  }));
  return out;
}

Result<Page<Rfc>> RfcService::list(const RfcFilter& filter, const PageRequest& page) {
  Page<Rfc> out;
  Status failure;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    txn.scan(Table::rfcs, page.after, [&](std::string_view key, std::string_view value) {
      if (key == page.after) return true;
      auto rfc = Rfc::from_record(value);
      if (!rfc) {
        failure = rfc.status();
        return false;
      }
      if (!matches(*rfc, filter)) return true;
      if (out.items.size() == page.limit) {
        out.next_after = out.items.back().id;
        return false;
      }
      out.items.push_back(std::move(rfc).value());
      return true;
    });
    return failure;
  }));
  return out;
}

Result<Rfc> RfcService::update(const std::string& id, const RfcPatch& patch,
                               const Principal& actor) {
  const auto& title = patch.title;
  const auto& description = patch.description;
  const auto& category = patch.category;
  const auto& cis = patch.cis;
  const auto& impact = patch.impact;
  const auto& note = patch.note;
  Rfc rfc;
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) {
    auto stored = txn.get(Table::rfcs, id);
    if (!stored) return not_found(fmt::format("no RFC '{}'", id));
    TG_ASSIGN_OR_RETURN(rfc, Rfc::from_record(*stored));
    if (rfc.state != RfcState::draft)
      return Status(Code::conflict,
                    fmt::format("RFC '{}' is {}: only a draft can be edited; the ECCB decides "
                                "on what was submitted",
                                id, rfc_state_name(rfc.state)))
          .with_reason("rfc-not-draft");
    if (rfc.created_by != actor.name)
      return Status(Code::forbidden,
                    fmt::format("RFC '{}' was raised by '{}': only its author edits the draft", id,
                                rfc.created_by))
          .with_reason("not-rfc-author");
    std::vector<std::string> changed;
    if (title && *title != rfc.title) rfc.title = *title, changed.emplace_back("title");
    if (description && *description != rfc.description)
      rfc.description = *description, changed.emplace_back("description");
    if (category && *category != rfc.category)
      rfc.category = *category, changed.emplace_back("category");
    if (cis && *cis != rfc.cis) {
      std::vector<std::string> missing;
      for (const auto& ci : *cis)
        if (!txn.get(Table::cis, ci)) missing.push_back(ci);
      if (!missing.empty())
        return Status(Code::invalid, fmt::format("cis: no CI '{}'", fmt::join(missing, "', '")))
            .with_reason("unknown-ci")
            .with_items(missing);
      rfc.cis = *cis;
      changed.emplace_back("cis");
    }
    if (impact && *impact != rfc.impact) rfc.impact = *impact, changed.emplace_back("impact");
    if (changed.empty()) return Status();
    const Micros now = std::max(clock_.now(), rfc.updated_at);
    rfc.updated_at = now;
    const std::string what = fmt::format("{}", fmt::join(changed, ", "));
    rfc.events.push_back(
        RfcEvent{"update", actor.name, now, note ? fmt::format("{} ({})", *note, what) : what});
    audit_note("/api/v1/rfcs/" + id, fmt::format("edited draft RFC {}: {}", id, what));
    txn.put(Table::rfcs, id, json::serialize(rfc.to_record()));
    return Status();
  }));
  return rfc;
}

Result<Rfc> RfcService::transition(const std::string& id, RfcAction action, const RfcStep& command,
                                   const Principal& actor) {
  const std::optional<std::string>& note = command.note;
  const char* step = rfc_action_name(action);

  Rfc rfc;
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) {
    auto stored = txn.get(Table::rfcs, id);
    if (!stored) return not_found(fmt::format("no RFC '{}'", id));
    TG_ASSIGN_OR_RETURN(rfc, Rfc::from_record(*stored));
    auto next = next_state(rfc.state, action);
    if (!next)
      return Status(Code::conflict, fmt::format("RFC '{}' is {}: it cannot {}; from {} it can: {}",
                                                id, rfc_state_name(rfc.state), step,
                                                rfc_state_name(rfc.state), steps_from(rfc.state)))
          .with_reason("illegal-transition");
    const bool decision = action == RfcAction::approve || action == RfcAction::reject;
    if (decision && (rfc.submitted_by == actor.name || rfc.created_by == actor.name))
      return Status(Code::forbidden,
                    fmt::format("'{}' {} RFC '{}' and cannot {} it: the change managers of the "
                                "ECCB who did not raise it decide",
                                actor.name, rfc.created_by == actor.name ? "raised" : "submitted",
                                id, step))
          .with_reason("self-approval");
    if (action == RfcAction::approve) {
      // Each approval is a vote; the RFC is approved once [eccb] quorum distinct people voted
      // for it since it was last submitted (a rejection decides at once).
      std::set<std::string> voters;
      for (auto e = rfc.events.rbegin(); e != rfc.events.rend() && e->action != "submit"; ++e)
        if (e->action == "approve") voters.insert(e->actor);
      if (voters.contains(actor.name))
        return Status(Code::conflict,
                      fmt::format("'{}' already voted to approve RFC '{}'", actor.name, id))
            .with_reason("duplicate-vote");
      if (voters.size() + 1 < quorum_) next = rfc.state;
    }
    const Micros now = std::max(clock_.now(), rfc.updated_at);
    rfc.state = *next;
    if (action == RfcAction::submit) rfc.submitted_by = actor.name;
    if (decision && rfc.state != RfcState::submitted) rfc.decided_by = actor.name;
    rfc.updated_at = now;
    rfc.events.push_back(RfcEvent{step, actor.name, now, note.value_or("")});
    audit_note("/api/v1/rfcs/" + id,
               rfc.state == *next && action == RfcAction::approve && quorum_ > 1
                   ? fmt::format("voted to approve RFC {}: it is {}", id, rfc_state_name(rfc.state))
                   : fmt::format("{} RFC {}: it is {}", step, id, rfc_state_name(rfc.state)));
    txn.put(Table::rfcs, id, json::serialize(rfc.to_record()));
    return Status();
  }));
  return rfc;
}

json::object RfcView::to_json() const {
  json::object out = rfc.to_record();
  json::object analysis;
  for (const auto& [ci, reached] : impact_analysis) {
    json::array dependents;
    for (const ImpactEntry& e : reached) dependents.emplace_back(e.to_json());
    analysis[ci] = std::move(dependents);
  }
  out["impact_analysis"] = std::move(analysis);
  return out;
}

Result<RfcView> RfcService::view(const Rfc& rfc) {
  RfcView out{rfc, {}};
  for (const auto& ci : rfc.cis) {
    auto reached = relationships_.impact(ci, Direction::up, kRfcImpactDepth);
    if (!reached && reached.status().code() != Code::not_found) return reached.status();
    out.impact_analysis[ci] = reached ? std::move(reached).value() : std::vector<ImpactEntry>{};
  }
  return out;
}

}  // namespace tollgate::server
