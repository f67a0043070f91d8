// The promotion policy: which requirements a release meets for an environment, and overdue PIRs.
#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/change/rfcs.hpp"
#include "server/domain/release/promotion.hpp"

namespace tollgate::server {

namespace json = boost::json;

namespace {

Micros day_of(Micros t) { return t - ((t % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay; }

// A release gate that must have passed for the current digest.
std::optional<UnmetGate> check_record(const Release& release, const std::string& gate,
                                      const std::string& digest) {
  const GateRecord* record = release.latest(gate);
  if (!record) return UnmetGate{gate, "missing", fmt::format("no {} was recorded", gate)};
  if (record->verdict != "pass")
    return UnmetGate{
        gate, "failed",
        fmt::format("the latest {} by {} is '{}'", gate, record->actor, record->verdict)};
  if (record->digest != digest)
    return UnmetGate{gate, "stale",
                     fmt::format("{} was given for digest {}, the release is now {}: record it "
                                 "again",
                                 gate, record->digest.substr(0, 12), digest.substr(0, 12))};
  return std::nullopt;
}

std::optional<UnmetGate> check_approvers(const Release& release, const std::string& gate,
                                         const std::string& digest, unsigned needed) {
  const auto actors = release.passing_actors(gate);
  if (actors.size() >= needed) return std::nullopt;
  if (!actors.empty())
    return UnmetGate{gate, "too-few-approvers",
                     fmt::format("{} needs {} distinct approvers; only {} approved", gate, needed,
                                 fmt::join(actors, ", "))};
  if (auto unmet = check_record(release, gate, digest)) return unmet;
  return UnmetGate{gate, "missing", fmt::format("no {} was recorded", gate)};
}

// The RRR's implementation date (or the day it was recorded) must be today or up to `window`
// days before.
std::optional<UnmetGate> check_rrr_window(const Release& release, unsigned window, Micros now) {
  const GateRecord* rrr = release.latest("rrr");
  const Micros date = rrr->date ? parse_date(*rrr->date).value_or(0) : day_of(rrr->time);
  const Micros today = day_of(now);
  if (today < date)
    return UnmetGate{"rrr", "before-implementation-date",
                     fmt::format("the RRR's implementation date is {}; today is {}",
                                 format_date(date), format_date(today))};
  if (today > date + static_cast<Micros>(window) * kMicrosPerDay)
    return UnmetGate{"rrr", "implementation-window-passed",
                     fmt::format("the RRR's implementation date {} is more than {} days ago: a "
                                 "new RRR is needed",
                                 format_date(date), window)};
  return std::nullopt;
}

void check_rfcs(storage::ReadTxn& txn, const Release& release, std::vector<UnmetGate>& out) {
  if (release.rfcs.empty()) {
    out.push_back({"rfc", "no-rfc", "the release links no RFC; production needs an approved one"});
    return;
  }
  // Only an RFC that is approved or being implemented authorises a change; every CI the release
  // changes must be named by one, and an emergency release needs an emergency RFC.
  // (Each is reported once: an RFC that is not in force is rfc-not-approved, a CI that no
  // linked RFC names at all is ci-not-covered.)
  std::vector<Rfc> linked;
  for (const auto& id : release.rfcs) {
    auto rfc = load_rfc(txn, id);
    if (!rfc)
      out.push_back({"rfc", "rfc-unknown", fmt::format("linked RFC {} does not exist", id)});
    else if (rfc->state != RfcState::approved && rfc->state != RfcState::implemented)
      out.push_back({"rfc", "rfc-not-approved",
                     fmt::format("linked RFC {} is {}, not approved or implemented", id,
                                 rfc_state_name(rfc->state))});
    if (rfc) linked.push_back(std::move(*rfc));
  }
  for (const ReleaseItem& item : release.items) {
    const bool named = std::any_of(linked.begin(), linked.end(), [&](const Rfc& rfc) {
      return std::find(rfc.cis.begin(), rfc.cis.end(), item.ci) != rfc.cis.end();
    });
    if (!named)
      out.push_back({"rfc", "ci-not-covered",
                     fmt::format("no RFC linked to the release names CI {}", item.ci)});
  }
  if (release.category == ReleaseCategory::emergency &&
      std::none_of(linked.begin(), linked.end(),
                   [](const Rfc& rfc) { return rfc.category == "emergency"; }))
    out.push_back({"rfc", "rfc-not-emergency",
                   "an emergency release needs an approved RFC of category emergency"});
}

void check_gate(storage::ReadTxn& txn, const Release& release, const std::string& gate,
                const std::string& digest, const Config& config, Micros now,
                std::vector<UnmetGate>& out) {
  if (gate == "rfc") return check_rfcs(txn, release, out);
  if (gate.starts_with("document:")) {
    const std::string kind = gate.substr(9);
    const bool present = std::any_of(release.documents.begin(), release.documents.end(),
                                     [&](const ReleaseDocument& d) { return d.kind == kind; });
    if (!present)
      out.push_back(
          {gate, "missing-document", fmt::format("the release has no {} document", kind)});
    return;
  }
  auto unmet = gate == "emergency_approval"
                   ? check_approvers(release, gate, digest, config.emergency.approvers)
                   : check_record(release, gate, digest);
  if (!unmet && gate == "rrr")
    unmet = check_rrr_window(release, config.promotion.production_window_days, now);
  if (unmet) out.push_back(std::move(*unmet));
}

}  // namespace

json::object UnmetGate::to_json() const {
  return {{"gate", gate}, {"reason", reason}, {"detail", detail}};
}

json::object OverduePir::to_json() const {
  return {{"release", release},
          {"name", name},
          {"version", version},
          {"production_at", format_rfc3339(production_at)},
          {"due_at", format_rfc3339(due_at)}};
}

const std::vector<std::string>& PromotionService::path_of(const Release& release) const {
  return release.category == ReleaseCategory::emergency ? config_.emergency.path
                                                        : config_.environments;
}

std::vector<UnmetGate> PromotionService::unmet(storage::ReadTxn& txn, const Release& release,
                                               const std::vector<std::string>& path,
                                               std::size_t index, Micros now) const {
  std::vector<UnmetGate> out;
  const std::string& environment = path[index];
  if (index > 0) {
    const auto current = release.current_environment();
    if (current != path[index - 1])
      out.push_back({"environment:" + path[index - 1], kSkippedEnvironmentReason,
                     fmt::format("{} must be promoted to {} before {}; it is {}", release.id,
                                 path[index - 1], environment,
                                 current ? "in " + *current : std::string("in no environment"))});
  }
  const bool emergency = release.category == ReleaseCategory::emergency;
  const auto& policy = emergency ? config_.emergency.gates : config_.promotion.gates;
  if (auto gates = policy.find(environment); gates != policy.end()) {
    const std::string digest = release.digest();
    for (const auto& gate : gates->second)
      check_gate(txn, release, gate, digest, config_, now, out);
  }
  if (environment == config_.environments.back() && !emergency) {
    const Micros today = day_of(now);
    for (const auto& w : config_.freeze_windows) {
      const auto from = parse_date(w.from);
      const auto to = parse_date(w.to);
      if (from && to && today >= *from && today <= *to)
        out.push_back({"freeze", "freeze-window",
                       fmt::format("{} is frozen from {} to {} ({}); only emergency releases "
                                   "may enter",
                                   environment, w.from, w.to, w.reason)});
    }
  }
  return out;
}

Status PromotionService::for_each_overdue(const std::string& after,
                                          const std::function<bool(OverduePir)>& fn) const {
  const std::string& production = config_.environments.back();
  const Micros due_after = static_cast<Micros>(config_.emergency.pir_due_days) * kMicrosPerDay;
  const Micros now = clock_.now();
  return store_.read([&](storage::ReadTxn& txn) -> Status {
    txn.scan(storage::Table::releases, after, [&](std::string_view key, std::string_view value) {
      if (!after.empty() && key == after) return true;
      auto release = Release::from_record(value);
      if (!release || release->category != ReleaseCategory::emergency) return true;
      const auto& events = release->environments;
      const auto first = std::find_if(events.begin(), events.end(), [&](const auto& e) {
        return e.action == "promote" && e.environment == production;
      });
      if (first == events.end() || release->passed("pir")) return true;
      const Micros due = first->time + due_after;
      if (now <= due) return true;
      return fn(OverduePir{release->id, release->name, release->version, first->time, due});
    });
    return {};
  });
}

Result<Page<OverduePir>> PromotionService::overdue_pirs(const PageRequest& page) const {
  Page<OverduePir> out;
  TG_RETURN_IF_ERROR(for_each_overdue(page.after, [&](OverduePir pir) {
    if (out.items.size() == page.limit) {
      out.next_after = out.items.back().release;
      return false;
    }
    out.items.push_back(std::move(pir));
    return true;
  }));
  return out;
}

Result<std::uint64_t> PromotionService::count_overdue_pirs() const {
  std::uint64_t count = 0;
  TG_RETURN_IF_ERROR(for_each_overdue({}, [&](const OverduePir&) {
    ++count;
    return true;
  }));
  return count;
}

}  // namespace tollgate::server
