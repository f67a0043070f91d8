// The master schedule and its production conflicts.
#include "server/domain/release/schedule.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/cmdb/relationships.hpp"
#include "server/domain/tables/cmdb_tables.hpp"

namespace tollgate::server {

namespace json = boost::json;

namespace {

json::value date_or_null(const std::optional<Micros>& day) {
  return day ? json::value(format_date(*day)) : json::value(nullptr);
}

// Every day the release has a planned or actual date on.
std::vector<Micros> days_of(const Release& release) {
  std::vector<Micros> out;
  for (const auto& [env, date] : release.planned)
    if (auto day = parse_date(date)) out.push_back(*day);
  for (const EnvironmentEvent& e : release.environments) out.push_back(day_of_time(e.time));
  return out;
}

// What conflict detection needs of one release.
struct Footprint {
  std::string id;
  Micros day = 0;
  std::set<std::string> cis;
  std::map<std::string, std::set<std::string>> depends_on;  // ci -> CIs it depends on
};

std::set<std::string> dependencies(storage::ReadTxn& txn, const std::string& ci) {
  std::set<std::string> out;
  const std::string prefix = tables::RelationshipKey::prefix(ci, RelType::depends_on);
  txn.scan(storage::Table::rel_out, prefix, [&](std::string_view raw, std::string_view) {
    if (!raw.starts_with(prefix)) return false;
    if (auto key = tables::RelationshipKey::decode(tables::RelIndex::out, raw))
      out.emplace(key->to);
    return true;
  });
  return out;
}

std::optional<Footprint> footprint(storage::ReadTxn& txn, const Config& config,
                                   const Release& release) {
  const auto day = production_day(release, config);
  if (!day) return std::nullopt;
  Footprint f{release.id, *day, {}, {}};
  for (const ReleaseItem& item : release.items) {
    f.cis.insert(item.ci);
    f.depends_on[item.ci] = dependencies(txn, item.ci);
  }
  return f;
}

void add_depends(const Footprint& from, const Footprint& to, std::vector<std::string>& reasons) {
  for (const auto& [ci, deps] : from.depends_on)
    for (const std::string& dep : deps)
      if (dep != ci && to.cis.contains(dep))
        reasons.push_back(fmt::format("{} depends_on {}", ci, dep));
}

void add_conflicts(const Footprint& a, const Footprint& b, unsigned window,
                   std::vector<ScheduleConflict>& out) {
  const Micros apart = a.day > b.day ? a.day - b.day : b.day - a.day;
  if (apart > static_cast<Micros>(window) * kMicrosPerDay) return;
  std::vector<std::string> reasons;
  for (const std::string& ci : a.cis)
    if (b.cis.contains(ci)) reasons.push_back("shared CI " + ci);
  add_depends(a, b, reasons);
  add_depends(b, a, reasons);
  for (std::string& reason : reasons) out.push_back({a.id, b.id, std::move(reason), a.day, b.day});
}

}  // namespace

bool DateRange::contains(Micros time) const {
  const Micros day = day_of_time(time);
  return (!from || day >= *from) && (!to || day <= *to);
}

void DateRange::add_to(json::object& out) const {
  out["from"] = date_or_null(from);
  out["to"] = date_or_null(to);
}

Result<DateRange> parse_date_range(std::optional<std::string_view> from,
                                   std::optional<std::string_view> to) {
  DateRange range;
  for (auto [name, given, slot] :
       {std::tuple{"from", from, &range.from}, std::tuple{"to", to, &range.to}}) {
    if (!given) continue;
    *slot = parse_date(*given);
    if (!*slot)
      return invalid(fmt::format("{}: '{}' is not a date YYYY-MM-DD", name, given->substr(0, 32)));
  }
  if (range.from && range.to && *range.from > *range.to)
    return invalid(
        fmt::format("from {} is after to {}", format_date(*range.from), format_date(*range.to)));
  return range;
}

Micros day_of_time(Micros time) {
  return time - ((time % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay;
}

std::optional<Micros> first_promotion(const Release& release, std::string_view environment) {
  for (const EnvironmentEvent& e : release.environments)
    if (e.action == "promote" && e.environment == environment) return e.time;
  return std::nullopt;
}

std::optional<Micros> production_day(const Release& release, const Config& config) {
  const std::string& production = config.environments.back();
  if (auto actual = first_promotion(release, production)) return day_of_time(*actual);
  const auto planned = release.planned.find(production);
  if (planned == release.planned.end()) return std::nullopt;
  return parse_date(planned->second);
}

json::object ScheduleConflict::to_json() const {
  return json::object{{"releases", json::array{json::value(release), json::value(other)}},
                      {"reason", reason},
                      {"date", format_date(std::min(release_day, other_day))},
                      {"dates", json::array{json::value(format_date(release_day)),
                                            json::value(format_date(other_day))}}};
}

json::object ScheduleDates::to_json() const {
  json::array backouts;
  for (const Micros time : backed_out) backouts.emplace_back(format_date(time));
  return json::object{{"environment", environment},
                      {"planned", planned ? json::value(*planned) : json::value(nullptr)},
                      {"actual", actual ? json::value(format_date(*actual)) : json::value(nullptr)},
                      {"backed_out", std::move(backouts)}};
}

json::object ScheduleEntry::to_json() const {
  json::array dates;
  for (const ScheduleDates& d : environments) dates.emplace_back(d.to_json());
  return json::object{{"id", id},
                      {"name", name},
                      {"version", version},
                      {"category", release_category_name(category)},
                      {"state", state},
                      {"production_date", date_or_null(production_day)},
                      {"environments", std::move(dates)}};
}

json::object MasterSchedule::to_json() const {
  json::array entries, found;
  for (const ScheduleEntry& e : items) entries.emplace_back(e.to_json());
  for (const ScheduleConflict& c : conflicts) found.emplace_back(c.to_json());
  json::object out;
  range.add_to(out);
  out["conflict_window_days"] = conflict_window_days;
  out["items"] = std::move(entries);
  out["conflicts"] = std::move(found);
  out["next_cursor"] = next_after ? json::value(encode_cursor(*next_after)) : json::value(nullptr);
  return out;
}

ScheduleEntry schedule_entry(const Release& release, const Config& config) {
  ScheduleEntry entry{release.id,
                      release.name,
                      release.version,
                      release.category,
                      release.state(config.environments),
                      production_day(release, config),
                      {}};
  for (const std::string& env : config.environments) {
    ScheduleDates dates{env, std::nullopt, first_promotion(release, env), {}};
    if (const auto planned = release.planned.find(env); planned != release.planned.end())
      dates.planned = planned->second;
    for (const EnvironmentEvent& e : release.environments)
      if (e.action == "backout" && e.environment == env) dates.backed_out.push_back(e.time);
    entry.environments.push_back(std::move(dates));
  }
  return entry;
}

std::vector<ScheduleConflict> conflicts_for(storage::ReadTxn& txn, const Config& config,
                                            const Release& release) {
  std::vector<ScheduleConflict> out;
  const auto mine = footprint(txn, config, release);
  if (!mine) return out;
  std::vector<Release> others;
  txn.scan(storage::Table::releases, "", [&](std::string_view key, std::string_view value) {
    if (key == release.id) return true;
    if (auto other = Release::from_record(value)) others.push_back(std::move(other).value());
    return true;
  });
  for (const Release& other : others)
    if (auto theirs = footprint(txn, config, other))
      add_conflicts(*mine, *theirs, config.schedule.conflict_window_days, out);
  return out;
}

Result<std::vector<ScheduleConflict>> release_conflicts(storage::KvStore& store,
                                                        const Config& config,
                                                        const std::string& id) {
  std::vector<ScheduleConflict> out;
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) -> Status {
    const auto release = load_release(txn, id);
    if (!release) return not_found(fmt::format("no release '{}'", id.substr(0, 128)));
    out = conflicts_for(txn, config, *release);
    return {};
  }));
  return out;
}

Result<MasterSchedule> master_schedule(storage::KvStore& store, const Config& config,
                                       const DateRange& range, const PageRequest& page) {
  MasterSchedule out;
  out.range = range;
  out.conflict_window_days = config.schedule.conflict_window_days;
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) -> Status {
    std::vector<Release> listed;
    txn.scan(storage::Table::releases, "", [&](std::string_view, std::string_view value) {
      auto release = Release::from_record(value);
      if (!release) return true;
      const auto days = days_of(*release);
      if (std::any_of(days.begin(), days.end(), [&](Micros d) { return range.contains(d); }))
        listed.push_back(std::move(release).value());
      return true;
    });
    std::vector<std::optional<Footprint>> prints;
    prints.reserve(listed.size());
    for (const Release& r : listed) prints.push_back(footprint(txn, config, r));
    std::size_t shown = 0;
    for (std::size_t i = 0; i < listed.size(); ++i) {
      if (!page.after.empty() && listed[i].id <= page.after) continue;
      if (shown == page.limit) {
        out.next_after = listed[i - 1].id;
        break;
      }
      ++shown;
      out.items.push_back(schedule_entry(listed[i], config));
      if (!prints[i]) continue;
      for (std::size_t j = i + 1; j < listed.size(); ++j)
        if (prints[j])
          add_conflicts(*prints[i], *prints[j], config.schedule.conflict_window_days,
                        out.conflicts);
    }
    return {};
  }));
  return out;
}

}  // namespace tollgate::server
