// Release KPIs over a period of creation dates.
#include "server/domain/release/kpis.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace tollgate::server {

namespace json = boost::json;

namespace {

json::value share(std::size_t part, std::size_t whole) {
  return whole == 0 ? json::value(nullptr)
                    : json::value(static_cast<double>(part) / static_cast<double>(whole));
}

double days_between(Micros from, Micros to) {
  return static_cast<double>(to - from) / static_cast<double>(kMicrosPerDay);
}

json::object counts(const std::vector<Release>& releases) {
  std::map<std::string, std::int64_t> by_type{{"delta", 0}, {"full", 0}, {"package", 0}};
  std::map<std::string, std::int64_t> by_category{
      {"scheduled", 0}, {"unscheduled", 0}, {"emergency", 0}};
  std::size_t unplanned = 0;
  for (const Release& r : releases) {
    ++by_type[release_type_name(r.type)];
    ++by_category[release_category_name(r.category)];
    if (r.category != ReleaseCategory::scheduled) ++unplanned;
  }
  json::object type_json, category_json;
  for (const auto& [k, v] : by_type) type_json[k] = v;
  for (const auto& [k, v] : by_category) category_json[k] = v;
  return {{"releases", releases.size()},
          {"by_type", std::move(type_json)},
          {"by_category", std::move(category_json)},
          {"unplanned",
           json::object{{"count", unplanned}, {"share", share(unplanned, releases.size())}}}};
}

json::object backed_out(const std::vector<Release>& releases) {
  json::array ids;
  for (const Release& r : releases)
    if (std::any_of(r.environments.begin(), r.environments.end(),
                    [](const EnvironmentEvent& e) { return e.action == "backout"; }))
      ids.emplace_back(r.id);
  return {{"count", ids.size()}, {"releases", std::move(ids)}};
}

json::object delayed(const std::vector<Release>& releases, const std::string& production) {
  json::array list;
  for (const Release& r : releases) {
    const auto actual = first_promotion(r, production);
    const auto planned_at = r.planned.find(production);
    if (!actual || planned_at == r.planned.end()) continue;
    const auto planned = parse_date(planned_at->second);
    const Micros actual_day = day_of_time(*actual);
    if (!planned || actual_day <= *planned) continue;
    list.push_back(json::object{{"id", r.id},
                                {"planned", planned_at->second},
                                {"actual", format_date(actual_day)},
                                {"days", (actual_day - *planned) / kMicrosPerDay}});
  }
  return {{"count", list.size()}, {"releases", std::move(list)}};
}

json::object lead_times(const std::vector<Release>& releases, const std::string& production) {
  json::array list;
  std::vector<double> days;
  for (const Release& r : releases) {
    const auto actual = first_promotion(r, production);
    if (!actual) continue;
    days.push_back(days_between(r.created_at, *actual));
    list.push_back(json::object{{"id", r.id},
                                {"created_at", format_rfc3339(r.created_at)},
                                {"production_at", format_rfc3339(*actual)},
                                {"days", days.back()}});
  }
  json::value mean = nullptr, median = nullptr;
  if (!days.empty()) {
    double sum = 0;
    for (double d : days) sum += d;
    mean = sum / static_cast<double>(days.size());
    std::sort(days.begin(), days.end());
    const std::size_t mid = days.size() / 2;
    median = days.size() % 2 == 1 ? days[mid] : (days[mid - 1] + days[mid]) / 2;
  }
  return {{"mean", mean}, {"median", median}, {"releases", std::move(list)}};
}

json::object gates_first_time(const std::vector<Release>& releases) {
  std::size_t gates = 0, passed = 0;
  for (const Release& r : releases) {
    std::set<std::string> seen;
    for (const GateRecord& g : r.gates) {
      if (!seen.insert(g.gate).second) continue;  // only the first record of each gate counts
      ++gates;
      if (g.verdict == "pass") ++passed;
    }
  }
  return {{"gates", gates}, {"passed", passed}, {"share", share(passed, gates)}};
}

// The overdue PIRs of PromotionService, restricted to the period's releases.
Result<json::object> overdue(const PromotionService& promotion, const std::set<std::string>& ids) {
  json::array list;
  PageRequest page{kMaxPageLimit, ""};
  while (true) {
    TG_ASSIGN_OR_RETURN(Page<OverduePir> found, promotion.overdue_pirs(page));
    for (const OverduePir& pir : found.items)
      if (ids.contains(pir.release)) list.push_back(pir.to_json());
    if (!found.next_after) break;
    page.after = *found.next_after;
  }
  return json::object{{"count", list.size()}, {"releases", std::move(list)}};
}

}  // namespace

Result<json::object> kpi_report(storage::KvStore& store, const PromotionService& promotion,
                                const Config& config, const DateRange& period) {
  std::vector<Release> releases;
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) -> Status {
    txn.scan(storage::Table::releases, "", [&](std::string_view, std::string_view value) {
      auto release = Release::from_record(value);
      if (release && period.contains(release->created_at))
        releases.push_back(std::move(release).value());
      return true;
    });
    return {};
  }));
  std::set<std::string> ids;
  for (const Release& r : releases) ids.insert(r.id);
  const std::string& production = config.environments.back();
  TG_ASSIGN_OR_RETURN(json::object overdue_pirs, overdue(promotion, ids));

  json::object out;
  period.add_to(out);
  out["counted_by"] = "created_at";
  for (auto& [key, value] : counts(releases)) out[key] = value;
  out["backed_out"] = backed_out(releases);
  out["delayed"] = delayed(releases, production);
  out["lead_time_days"] = lead_times(releases, production);
  out["gates_first_time"] = gates_first_time(releases);
  out["overdue_pirs"] = std::move(overdue_pirs);
  return out;
}

}  // namespace tollgate::server
