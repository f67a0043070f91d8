// The readable views of releases, promotions, refusals, the schedule and the KPIs.
#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/release.hpp"
#include "cli/table.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

// A scalar as people read it: strings as they are, numbers in decimal (0.5, not 5E-1).
std::string scalar(const json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  if (value.is_null()) return "-";
  if (value.is_double()) return fmt::format("{}", value.get_double());
  return json::serialize(value);
}

// The helpers below are templates over json::object and json::value so that an object is never
// converted into a temporary value whose parts would be returned.
const json::value* field(const json::object& item, std::string_view key) {
  return item.if_contains(key);
}

const json::value* field(const json::value& item, std::string_view key) {
  return item.is_object() ? item.get_object().if_contains(key) : nullptr;
}

// A field as text: strings as they are, numbers and the rest as JSON, "-" when missing or null.
template <typename Json>
std::string text(const Json& item, std::string_view key) {
  const json::value* value = field(item, key);
  if (value == nullptr || value->is_null()) return "-";
  if (value->is_string() && value->get_string().empty()) return "-";
  return scalar(*value);
}

template <typename Json>
std::string joined(const Json& item, std::string_view key) {
  const json::value* value = field(item, key);
  if (value == nullptr || !value->is_array() || value->get_array().empty()) return "-";
  std::string out;
  for (const auto& v : value->get_array()) out += (out.empty() ? "" : ",") + scalar(v);
  return out;
}

template <typename Json>
const json::array& array_of(const Json& item, std::string_view key) {
  static const json::array kEmpty;
  const json::value* value = field(item, key);
  return value != nullptr && value->is_array() ? value->get_array() : kEmpty;
}

template <typename Json>
const json::object& object_of(const Json& item, std::string_view key) {
  static const json::object kEmpty;
  const json::value* value = field(item, key);
  return value != nullptr && value->is_object() ? value->get_object() : kEmpty;
}

// "key value, …"; a list of strings joined by commas, any other list as its length.
std::string pairs(const json::object& object) {
  std::string out;
  for (const auto& kv : object) {
    const json::value& v = kv.value();
    std::string shown = scalar(v);
    if (v.is_array()) {
      const auto& list = v.get_array();
      const bool names =
          std::all_of(list.begin(), list.end(), [](auto& e) { return e.is_string(); });
      shown = names ? joined(object, kv.key()) : fmt::format("{} entries", list.size());
    }
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", std::string_view(kv.key()), shown);
  }
  return out.empty() ? "-" : out;
}

std::string section(std::string_view title, const TableRow& header,
                    const std::vector<TableRow>& rows) {
  if (rows.empty()) return fmt::format("{}: none\n", title);
  return fmt::format("{}:\n{}", title, render_table(header, rows));
}

std::string items_section(const json::object& release) {
  std::vector<TableRow> rows;
  for (const auto& item : array_of(release, "items"))
    for (const auto& artifact : array_of(item, "artifacts"))
      rows.push_back({text(item, "ci"), text(item, "version"), text(artifact, "file"),
                      text(artifact, "sha256"), text(artifact, "install_path")});
  return section("items", {"CI", "VERSION", "FILE", "SHA256", "INSTALL PATH"}, rows);
}

std::string gates_section(const json::object& release) {
  std::vector<TableRow> rows;
  for (const auto& kv : object_of(release, "gates")) {
    static const json::value kNone;
    const json::value* found = field(kv.value(), "latest");
    const json::value& latest = found != nullptr ? *found : kNone;
    rows.push_back({std::string(kv.key()), text(kv.value(), "status"), text(latest, "actor"),
                    text(latest, "time"), text(latest, "date")});
  }
  return section("gates", {"GATE", "STATUS", "BY", "TIME", "DATE"}, rows);
}

}  // namespace

std::string format_release(const json::object& release) {
  std::string out =
      fmt::format("{}  {} {}  [{}]  {}, {}\n", text(release, "id"), text(release, "name"),
                  text(release, "version"), text(release, "state"), text(release, "type"),
                  text(release, "category"));
  out += fmt::format("digest: {}\n", text(release, "digest"));
  out += fmt::format("deployed in: {}\n", text(release, "environment"));
  out +=
      fmt::format("rfcs: {}  packages: {}\n", joined(release, "rfcs"), joined(release, "packages"));
  out += fmt::format("planned: {}\n", pairs(object_of(release, "planned")));
  out += items_section(release);
  std::vector<TableRow> documents;
  for (const auto& d : array_of(release, "documents"))
    documents.push_back({text(d, "kind"), text(d, "name"), text(d, "blob"), text(d, "added_by")});
  out += section("documents", {"KIND", "NAME", "BLOB", "BY"}, documents);
  out += gates_section(release);
  std::vector<TableRow> events;
  for (const auto& e : array_of(release, "environments"))
    events.push_back({text(e, "time"), text(e, "action"), text(e, "environment"),
                      text(e, "manifest_version"), text(e, "actor")});
  out += section("environments", {"TIME", "ACTION", "ENVIRONMENT", "MANIFEST", "BY"}, events);
  std::vector<TableRow> errors;
  for (const auto& e : array_of(release, "known_errors"))
    errors.push_back(
        {text(e, "id"), text(e, "summary"), text(e, "workaround"),
         e.as_object().contains("resolved_at")
             ? fmt::format("resolved by {}: {}", text(e, "resolved_by"), text(e, "resolution"))
             : std::string("open")});
  out += section("known errors", {"ID", "SUMMARY", "WORKAROUND", "STATUS"}, errors);
  std::vector<TableRow> corrections;
  for (const auto& c : array_of(release, "corrections"))
    corrections.push_back({text(c, "time"), text(c, "action"), text(c, "actor"), text(c, "note")});
  out += section("corrections", {"TIME", "ACTION", "BY", "NOTE"}, corrections);
  return out;
}

std::string format_release_list(const json::array& releases) {
  std::vector<TableRow> rows;
  for (const auto& r : releases)
    rows.push_back({text(r, "id"), text(r, "name"), text(r, "version"), text(r, "type"),
                    text(r, "category"), text(r, "state"), text(r, "environment")});
  return render_table({"ID", "NAME", "VERSION", "TYPE", "CATEGORY", "STATE", "ENVIRONMENT"}, rows);
}

std::string format_unmet(const json::object& problem) {
  std::string out;
  for (const auto& u : array_of(problem, "unmet"))
    out += fmt::format("unmet {}: {}: {}\n", text(u, "gate"), text(u, "reason"), text(u, "detail"));
  return out;
}

std::string format_promotion(const json::object& answer, std::string_view action) {
  const json::value release = answer.contains("release") ? answer.at("release") : json::value();
  return fmt::format("{} {} {}: manifest version {}\n", text(release, "id"),
                     action == "backout" ? "backed out of" : "promoted to",
                     text(answer, "environment"), text(answer, "manifest_version"));
}

std::string format_schedule(const json::object& schedule) {
  std::vector<TableRow> rows;
  for (const auto& item : array_of(schedule, "items")) {
    const TableRow release = {text(item, "id"), text(item, "name"), text(item, "version"),
                              text(item, "category"), text(item, "state")};
    const json::array& environments = array_of(item, "environments");
    if (environments.empty()) rows.push_back(release);
    for (const auto& e : environments) {
      TableRow row = release;
      for (const char* key : {"environment", "planned", "actual"}) row.push_back(text(e, key));
      row.push_back(joined(e, "backed_out"));
      rows.push_back(std::move(row));
    }
  }
  std::string out = render_table({"RELEASE", "NAME", "VERSION", "CATEGORY", "STATE", "ENVIRONMENT",
                                  "PLANNED", "ACTUAL", "BACKED OUT"},
                                 rows);
  std::vector<TableRow> conflicts;
  for (const auto& c : array_of(schedule, "conflicts"))
    conflicts.push_back({joined(c, "releases"), text(c, "date"), text(c, "reason")});
  return out + section("conflicts", {"RELEASES", "DATE", "REASON"}, conflicts);
}

std::string format_kpis(const json::object& kpis) {
  std::string out;
  for (const auto& kv : kpis) {
    const json::value& value = kv.value();
    if (value.is_object())
      out += fmt::format("{}: {}\n", std::string_view(kv.key()), pairs(value.get_object()));
    else if (value.is_array())
      out += fmt::format("{}: {} entries\n", std::string_view(kv.key()), value.get_array().size());
    else
      out += fmt::format("{}: {}\n", std::string_view(kv.key()), scalar(value));
  }
  return out;
}

}  // namespace tollgate::cli
