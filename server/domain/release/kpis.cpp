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

void count(const std::vector<Release>& releases, KpiReport& out) {
  out.releases = releases.size();
  for (const Release& r : releases) {
    ++out.by_type.at(static_cast<std::size_t>(r.type));
    ++out.by_category.at(static_cast<std::size_t>(r.category));
    if (r.category != ReleaseCategory::scheduled) ++out.unplanned;
    if (std::any_of(r.environments.begin(), r.environments.end(),
                    [](const EnvironmentEvent& e) { return e.action == "backout"; }))
      out.backed_out.push_back(r.id);
  }
}

void delays(const std::vector<Release>& releases, const std::string& production, KpiReport& out) {
  for (const Release& r : releases) {
    const auto actual = first_promotion(r, production);
    const auto planned_at = r.planned.find(production);
    if (!actual || planned_at == r.planned.end()) continue;
    const auto planned = parse_date(planned_at->second);
    const Micros actual_day = day_of_time(*actual);
    if (!planned || actual_day <= *planned) continue;
    out.delayed.push_back(
        {r.id, planned_at->second, actual_day, (actual_day - *planned) / kMicrosPerDay});
  }
}

void lead_times(const std::vector<Release>& releases, const std::string& production,
                KpiReport& out) {
  std::vector<double> days;
  for (const Release& r : releases) {
    const auto actual = first_promotion(r, production);
    if (!actual) continue;
    days.push_back(days_between(r.created_at, *actual));
    out.lead_times.push_back({r.id, r.created_at, *actual, days.back()});
  }
  if (days.empty()) return;
  double sum = 0;
  for (double d : days) sum += d;
  out.lead_time_mean = sum / static_cast<double>(days.size());
  std::sort(days.begin(), days.end());
  const std::size_t mid = days.size() / 2;
  out.lead_time_median = days.size() % 2 == 1 ? days[mid] : (days[mid - 1] + days[mid]) / 2;
}

void gates_first_time(const std::vector<Release>& releases, KpiReport& out) {
  for (const Release& r : releases) {
    std::set<std::string> seen;
    for (const GateRecord& g : r.gates) {
      if (!seen.insert(g.gate).second) continue;  // only the first record of each gate counts
      ++out.gates;
      if (g.verdict == "pass") ++out.gates_passed;
    }
  }
}

// The overdue PIRs of PromotionService, restricted to the period's releases.
Status overdue(const PromotionService& promotion, const std::set<std::string>& ids,
               KpiReport& out) {
  PageRequest page{kMaxPageLimit, ""};
  while (true) {
    TG_ASSIGN_OR_RETURN(Page<OverduePir> found, promotion.overdue_pirs(page));
    for (OverduePir& pir : found.items)
      if (ids.contains(pir.release)) out.overdue_pirs.push_back(std::move(pir));
    if (!found.next_after) break;
    page.after = *found.next_after;
  }
  return {};
}

json::value number_or_null(const std::optional<double>& value) {
  return value ? json::value(*value) : json::value(nullptr);
}

}  // namespace

json::object KpiReport::to_json() const {
  json::object type_counts, category_counts;
  for (const auto& [type, name] : kReleaseTypeNames)
    type_counts[name] = by_type.at(static_cast<std::size_t>(type));
  for (const auto& [category, name] : kReleaseCategoryNames)
    category_counts[name] = by_category.at(static_cast<std::size_t>(category));
  json::array delays, leads, pirs;
  for (const KpiDelay& d : delayed)
    delays.push_back(json::object{{"id", d.id},
                                  {"planned", d.planned},
                                  {"actual", format_date(d.actual_day)},
                                  {"days", d.days}});
  for (const KpiLeadTime& l : lead_times)
    leads.push_back(json::object{{"id", l.id},
                                 {"created_at", format_rfc3339(l.created_at)},
                                 {"production_at", format_rfc3339(l.production_at)},
                                 {"days", l.days}});
  for (const OverduePir& pir : overdue_pirs) pirs.push_back(pir.to_json());
  json::object out;
  period.add_to(out);
  out["counted_by"] = "created_at";
  out["releases"] = releases;
  out["by_type"] = std::move(type_counts);
  out["by_category"] = std::move(category_counts);
  out["unplanned"] = json::object{{"count", unplanned}, {"share", share(unplanned, releases)}};
  out["backed_out"] =
      json::object{{"count", backed_out.size()}, {"releases", json::value_from(backed_out)}};
  out["delayed"] = json::object{{"count", delayed.size()}, {"releases", std::move(delays)}};
  out["lead_time_days"] = json::object{{"mean", number_or_null(lead_time_mean)},
                                       {"median", number_or_null(lead_time_median)},
                                       {"releases", std::move(leads)}};
  out["gates_first_time"] = json::object{
      {"gates", gates}, {"passed", gates_passed}, {"share", share(gates_passed, gates)}};
  out["overdue_pirs"] = json::object{{"count", overdue_pirs.size()}, {"releases", std::move(pirs)}};
  return out;
}

Result<KpiReport> kpi_report(storage::KvStore& store, const PromotionService& promotion,
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
  KpiReport out;
  out.period = period;
  count(releases, out);
  delays(releases, production, out);
  lead_times(releases, production, out);
  gates_first_time(releases, out);
  TG_RETURN_IF_ERROR(overdue(promotion, ids, out));
  return out;
}

}  // namespace tollgate::server
