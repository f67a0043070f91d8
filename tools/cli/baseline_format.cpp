// The readable views of `tollgate baseline`.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/baseline.hpp"
#include "cli/table.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

std::string text(const json::value& item, std::string_view key) {
  const json::value* value = item.is_object() ? item.get_object().if_contains(key) : nullptr;
  if (value == nullptr || value->is_null()) return "-";
  if (value->is_string()) return std::string(value->get_string());
  return json::serialize(*value);
}

const json::array& list_at(const json::object& item, std::string_view key) {
  static const json::array kEmpty;
  const json::value* value = item.if_contains(key);
  return value != nullptr && value->is_array() ? value->get_array() : kEmpty;
}

// (A json::value argument must not turn into a temporary object: the list refers into it.)
const json::array& list_at(const json::value& item, std::string_view key) {
  static const json::array kEmpty;
  return item.is_object() ? list_at(item.get_object(), key) : kEmpty;
}

std::string names(const json::array& list) {
  std::string out;
  for (const auto& v : list) out += (out.empty() ? "" : ",") + json::value_to<std::string>(v);
  return out.empty() ? "-" : out;
}

std::string environment_lines(const json::value& env) {
  std::string out = fmt::format("{} manifest version {} ({} {}, {})\n", text(env, "environment"),
                                text(env, "version"), text(env, "action"), text(env, "release"),
                                text(env, "created_at"));
  for (const auto& entry : list_at(env, "entries")) {
    out += fmt::format("  {} {}  release {}\n", text(entry, "ci"), text(entry, "version"),
                       text(entry, "release"));
    for (const auto& a : list_at(entry, "artifacts"))
      out += fmt::format("    {}  sha256:{}  {} bytes  -> {}\n", text(a, "file"), text(a, "sha256"),
                         text(a, "size"), text(a, "install_path"));
  }
  return out;
}

std::string approval_lines(const json::value& release) {
  std::string out =
      fmt::format("release {} {} {} ({})\n", text(release, "id"), text(release, "name"),
                  text(release, "version"), text(release, "category"));
  for (const auto& g : list_at(release, "gates"))
    out += fmt::format("  gate {} {} by {} at {}\n", text(g, "gate"), text(g, "verdict"),
                       text(g, "by"), text(g, "at"));
  for (const auto& r : list_at(release, "rfcs"))
    out += fmt::format("  rfc {} \"{}\" {} approved by {} at {}\n", text(r, "id"), text(r, "title"),
                       text(r, "state"), text(r, "approved_by"), text(r, "approved_at"));
  return out;
}

}  // namespace

std::string format_baseline(const json::object& document) {
  std::string out = fmt::format("baseline {}  created {} by {}\n", text(document, "name"),
                                text(document, "created_at"), text(document, "created_by"));
  if (text(document, "description") != "-" && !text(document, "description").empty())
    out += fmt::format("{}\n", text(document, "description"));
  out += fmt::format("scope {}\n", text(document, "scope"));
  std::vector<TableRow> rows;
  for (const auto& ci : list_at(document, "cis"))
    rows.push_back({text(ci, "id"), text(ci, "type"), text(ci, "status"), text(ci, "revision"),
                    text(ci, "owner")});
  if (!rows.empty()) out += render_table({"CI", "TYPE", "STATUS", "REVISION", "OWNER"}, rows);
  for (const auto& env : list_at(document, "environments")) out += environment_lines(env);
  return out;
}

std::string format_baseline_list(const json::object& list) {
  std::vector<TableRow> rows;
  for (const auto& item : list_at(list, "items")) {
    std::string envs;
    for (const auto& e : list_at(item, "environments"))
      envs += (envs.empty() ? "" : ",") + text(e, "environment") + "@v" + text(e, "version");
    rows.push_back({text(item, "name"), text(item, "created_at"), text(item, "created_by"),
                    envs.empty() ? "-" : envs, text(item, "ci_count"),
                    text(item, "commit").substr(0, 12)});
  }
  return render_table({"NAME", "CREATED", "BY", "ENVIRONMENTS", "CIS", "COMMIT"}, rows);
}

std::string format_baseline_diff(const json::object& diff) {
  std::string out = fmt::format("{} -> {}\n", text(diff, "from"), text(diff, "to"));
  const json::value& cis = diff.contains("cis") ? diff.at("cis") : json::value(nullptr);
  out += fmt::format("CIs added: {}\nCIs removed: {}\n", names(list_at(cis, "added")),
                     names(list_at(cis, "removed")));
  for (const auto& c : list_at(cis, "changed")) {
    out += fmt::format("CI {} revision {} -> {}\n", text(c, "id"), text(c, "from_revision"),
                       text(c, "to_revision"));
    for (const auto& f : list_at(c, "fields"))
      out += fmt::format("  {}: {} -> {}\n", text(f, "field"), text(f, "from"), text(f, "to"));
  }
  for (const auto& env : list_at(diff, "environments")) {
    const json::value& artifacts = env.at("artifacts");
    out += fmt::format("{} manifest {} -> {}\n", text(env, "environment"),
                       text(env, "from_version"), text(env, "to_version"));
    for (const auto& a : list_at(artifacts, "added"))
      out += fmt::format("  + {}/{} {} sha256:{}\n", text(a, "ci"), text(a, "file"),
                         text(a, "version"), text(a, "sha256"));
    for (const auto& a : list_at(artifacts, "removed"))
      out += fmt::format("  - {}/{} {} sha256:{}\n", text(a, "ci"), text(a, "file"),
                         text(a, "version"), text(a, "sha256"));
    for (const auto& a : list_at(artifacts, "changed"))
      out += fmt::format("  ~ {}/{} {} -> {} sha256:{} -> sha256:{}\n", text(a, "ci"),
                         text(a, "file"), text(a, "from_version"), text(a, "to_version"),
                         text(a, "from_sha256"), text(a, "to_sha256"));
  }
  return out;
}

std::string format_baseline_in_force(const json::object& document, std::string_view key_id) {
  std::string out =
      fmt::format("baseline {} created {} by {}; signature verified ({})\n", text(document, "name"),
                  text(document, "created_at"), text(document, "created_by"), key_id);
  for (const auto& env : list_at(document, "environments")) out += environment_lines(env);
  for (const auto& release : list_at(document, "releases")) out += approval_lines(release);
  return out;
}

}  // namespace tollgate::cli
