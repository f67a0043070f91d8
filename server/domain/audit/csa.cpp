// Configuration status accounting: counts and status histories of CIs.
#include "server/domain/audit/csa.hpp"

#include <map>
#include <set>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/cmdb/cis.hpp"
#include "server/domain/record_fields.hpp"
#include "server/domain/tables/cmdb_tables.hpp"

namespace tollgate::server {

namespace json = boost::json;
using storage::Table;

namespace {

using namespace record_fields;
constexpr CiStatus kStatuses[] = {CiStatus::ordered, CiStatus::received,     CiStatus::under_test,
                                  CiStatus::live,    CiStatus::under_repair, CiStatus::withdrawn,
                                  CiStatus::disposed};

json::object zero_statuses() {
  json::object out;
  for (CiStatus s : kStatuses) out[status_name(s)] = 0;
  return out;
}

// The periods of a CI's statuses, oldest first, from its history entries.
Result<std::vector<CsaPeriod>> status_history(storage::ReadTxn& txn, const std::string& id) {
  std::vector<CsaPeriod> periods;
  Status failure;
  tables::kCiHistory.scan(
      txn, tables::CiHistoryKey::prefix(id),
      [&](const tables::CiHistoryKey&, std::string_view value) {
        boost::system::error_code ec;
        json::value entry = json::parse(value, ec);
        const json::value* snapshot =
            entry.is_object() ? entry.get_object().if_contains("snapshot") : nullptr;
        if (ec || !snapshot || !snapshot->is_object()) {
          failure =
              Status(Code::corrupt, fmt::format("a history entry of CI '{}' is malformed", id));
          return false;
        }
        std::string status = str(snapshot->get_object(), "status");
        std::string time = str(entry.get_object(), "time");
        if (!periods.empty() && periods.back().status == status) return true;
        if (!periods.empty()) periods.back().to = time;
        periods.push_back({std::move(status), std::move(time), std::nullopt,
                           uint_field(entry.get_object(), "revision"),
                           str(entry.get_object(), "actor")});
        return true;
      });
  if (!failure.ok()) return failure;
  return periods;
}

bool matches(const Ci& ci, const CsaFilter& filter, const std::set<std::string>* deployed) {
  if (filter.type && ci.type != *filter.type) return false;
  if (filter.status && ci.status != *filter.status) return false;
  if (filter.owner && ci.owner != *filter.owner) return false;
  return !deployed || deployed->contains(ci.id);
}

json::object filters_json(const CsaFilter& filter) {
  return {{"type", opt_json(filter.type)},
          {"status", filter.status ? json::value(status_name(*filter.status)) : nullptr},
          {"owner", opt_json(filter.owner)},
          {"environment", opt_json(filter.environment)}};
}

json::object item_json(const CsaItem& item) {
  json::array history;
  for (const CsaPeriod& p : item.status_history)
    history.push_back(json::object{{"status", p.status},
                                   {"from", p.from},
                                   {"to", opt_json(p.to)},
                                   {"revision", p.revision},
                                   {"actor", p.actor}});
  const Ci& ci = item.ci;
  return {{"id", ci.id},
          {"name", ci.name},
          {"type", ci.type},
          {"owner", ci.owner},
          {"status", status_name(ci.status)},
          {"revision", ci.revision},
          {"controlled", ci.controlled},
          {"status_history", std::move(history)}};
}

}  // namespace

Result<CsaReport> csa_report(storage::KvStore& store, const EnvironmentService& environments,
                             const Clock& clock, const CsaFilter& filter, const PageRequest& page) {
  if (filter.environment) TG_RETURN_IF_ERROR(environments.check_environment(*filter.environment));
  CsaReport report;
  report.generated_at = clock.now();
  report.filter = filter;
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) -> Status {
    std::optional<std::set<std::string>> deployed;
    if (filter.environment) {
      deployed.emplace();
      if (auto manifest = load_current_manifest(txn, *filter.environment))
        for (const ManifestEntry& e : manifest->entries) deployed->insert(e.ci);
    }
    Status failure;
    txn.scan(Table::cis, "", [&](std::string_view key, std::string_view value) {
      auto ci = Ci::from_json(value);
      if (!ci) failure = ci.status();
      if (!ci || !matches(*ci, filter, deployed ? &*deployed : nullptr)) return ci.ok();
      ++report.total;
      ++report.by_type_status[ci->type][std::string(status_name(ci->status))];
      if (!page.after.empty() && key <= page.after) return true;
      if (report.items.size() == page.limit) {
        if (!report.next_after) report.next_after = report.items.back().ci.id;
        return true;  // counted, not listed
      }
      auto history = status_history(txn, ci->id);
      if (!history) {
        failure = history.status();
        return false;
      }
      report.items.push_back({std::move(ci).value(), std::move(history).value()});
      return true;
    });
    return failure;
  }));
  return report;
}

json::object CsaReport::to_json() const {
  json::array listed;
  for (const CsaItem& item : items) listed.emplace_back(item_json(item));
  json::object by_type, by_status = zero_statuses(), type_status;
  for (const auto& [type, statuses] : by_type_status) {
    json::object per_type = zero_statuses();
    std::uint64_t of_type = 0;
    for (const auto& [status, n] : statuses) {
      per_type[status] = n;
      by_status[status] = by_status[status].to_number<std::uint64_t>() + n;
      of_type += n;
    }
    by_type[type] = of_type;
    type_status[type] = std::move(per_type);
  }
  json::object report;
  report["generated_at"] = format_rfc3339(generated_at);
  report["filters"] = filters_json(filter);
  report["total"] = total;
  report["counts"] = json::object{{"by_type", std::move(by_type)},
                                  {"by_status", std::move(by_status)},
                                  {"by_type_status", std::move(type_status)}};
  report["items"] = std::move(listed);
  report["next_cursor"] = next_after ? json::value(encode_cursor(*next_after)) : json::value();
  return report;
}

std::string csv_field(std::string_view value) {
  // A spreadsheet takes a cell starting with one of these for a formula (OWASP's CSV injection
  // advice): a leading quote keeps the cell text.
  const bool formula =
      !value.empty() && std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos;
  const bool quoted = formula || value.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quoted) return std::string(value);
  std::string out = formula ? "\"'" : "\"";
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string CsaReport::to_csv() const {
  std::string out = "ci,type,owner,current_status,status,from,to,revision\r\n";
  for (const CsaItem& item : items) {
    const Ci& ci = item.ci;
    const std::string prefix = fmt::format("{},{},{},{}", csv_field(ci.id), csv_field(ci.type),
                                           csv_field(ci.owner), csv_field(status_name(ci.status)));
    for (const CsaPeriod& p : item.status_history)
      out += fmt::format("{},{},{},{},{}\r\n", prefix, csv_field(p.status), csv_field(p.from),
                         csv_field(p.to.value_or("")), p.revision);
  }
  return out;
}

}  // namespace tollgate::server
