// The readable views of `tollgate baseline`.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/baseline.hpp"
#include "cli/table.hpp"
#include "tollgate/time.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

std::string names(const json::array& list) {
  std::string out;
  for (const auto& v : list) out += (out.empty() ? "" : ",") + json::value_to<std::string>(v);
  return out.empty() ? "-" : out;
}

std::string or_dash(const std::optional<std::string>& text) { return text ? *text : "-"; }

std::string or_dash(const std::optional<Micros>& time) {
  return time ? format_rfc3339(*time) : "-";
}

std::string environment_lines(const BaselineEnvironment& env) {
  std::string out = fmt::format("{} manifest version {} ({} {}, {})\n", env.environment,
                                env.version, env.action, env.release, or_dash(env.created_at));
  for (const ManifestEntry& entry : env.entries) {
    out += fmt::format("  {} {}  release {}\n", entry.ci, entry.version, entry.release);
    for (const ManifestArtifact& a : entry.artifacts)
      out += fmt::format("    {}  sha256:{}  {} bytes  -> {}\n", a.file, a.sha256, a.size,
                         a.install_path);
  }
  return out;
}

std::string approval_lines(const BaselineRelease& release) {
  std::string out = release.known ? fmt::format("release {} {} {} ({})\n", release.id, release.name,
                                                release.version, release.category)
                                  : fmt::format("release {} - - (-)\n", release.id);
  for (const BaselineGate& g : release.gates)
    out += fmt::format("  gate {} {} by {} at {}\n", g.gate, g.verdict, g.by, format_rfc3339(g.at));
  for (const BaselineRfc& r : release.rfcs)
    out += fmt::format("  rfc {} \"{}\" {} approved by {} at {}\n", r.id, or_dash(r.title), r.state,
                       or_dash(r.approved_by), or_dash(r.approved_at));
  return out;
}

}  // namespace

std::string format_baseline(const BaselineDocument& document) {
  std::string out = fmt::format("baseline {}  created {} by {}\n", document.name,
                                format_rfc3339(document.created_at), document.created_by);
  if (!document.description.empty()) out += fmt::format("{}\n", document.description);
  out += fmt::format("scope {}\n", json::serialize(document.scope));
  std::vector<TableRow> rows;
  for (const auto& ci : document.cis)
    rows.push_back({field_text(ci, "id"), field_text(ci, "type"), field_text(ci, "status"),
                    field_text(ci, "revision"), field_text(ci, "owner")});
  if (!rows.empty()) out += render_table({"CI", "TYPE", "STATUS", "REVISION", "OWNER"}, rows);
  for (const auto& env : document.environments) out += environment_lines(env);
  return out;
}

std::string format_baseline_list(const json::object& list) {
  std::vector<TableRow> rows;
  for (const auto& item : array_field(list, "items")) {
    std::string envs;
    for (const auto& e : array_field(item, "environments"))
      envs += (envs.empty() ? "" : ",") + field_text(e, "environment") + "@v" +
              field_text(e, "version");
    rows.push_back({field_text(item, "name"), field_text(item, "created_at"),
                    field_text(item, "created_by"), envs.empty() ? "-" : envs,
                    field_text(item, "ci_count"), field_text(item, "commit").substr(0, 12)});
  }
  return render_table({"NAME", "CREATED", "BY", "ENVIRONMENTS", "CIS", "COMMIT"}, rows);
}

std::string format_baseline_diff(const json::object& diff) {
  std::string out = fmt::format("{} -> {}\n", field_text(diff, "from"), field_text(diff, "to"));
  const json::value& cis = diff.contains("cis") ? diff.at("cis") : json::value(nullptr);
  out += fmt::format("CIs added: {}\nCIs removed: {}\n", names(array_field(cis, "added")),
                     names(array_field(cis, "removed")));
  for (const auto& c : array_field(cis, "changed")) {
    out += fmt::format("CI {} revision {} -> {}\n", field_text(c, "id"),
                       field_text(c, "from_revision"), field_text(c, "to_revision"));
    for (const auto& f : array_field(c, "fields"))
      out += fmt::format("  {}: {} -> {}\n", field_text(f, "field"), field_text(f, "from"),
                         field_text(f, "to"));
  }
  for (const auto& env : array_field(diff, "environments")) {
    const json::value& artifacts = env.at("artifacts");
    out += fmt::format("{} manifest {} -> {}\n", field_text(env, "environment"),
                       field_text(env, "from_version"), field_text(env, "to_version"));
    for (const auto& a : array_field(artifacts, "added"))
      out += fmt::format("  + {}/{} {} sha256:{}\n", field_text(a, "ci"), field_text(a, "file"),
                         field_text(a, "version"), field_text(a, "sha256"));
    for (const auto& a : array_field(artifacts, "removed"))
      out += fmt::format("  - {}/{} {} sha256:{}\n", field_text(a, "ci"), field_text(a, "file"),
                         field_text(a, "version"), field_text(a, "sha256"));
    for (const auto& a : array_field(artifacts, "changed"))
      out += fmt::format("  ~ {}/{} {} -> {} sha256:{} -> sha256:{}\n", field_text(a, "ci"),
                         field_text(a, "file"), field_text(a, "from_version"),
                         field_text(a, "to_version"), field_text(a, "from_sha256"),
                         field_text(a, "to_sha256"));
  }
  return out;
}

std::string format_baseline_in_force(const BaselineDocument& document, std::string_view key_id) {
  std::string out =
      fmt::format("baseline {} created {} by {}; signature verified ({})\n", document.name,
                  format_rfc3339(document.created_at), document.created_by, key_id);
  for (const auto& env : document.environments) out += environment_lines(env);
  for (const auto& release : document.releases) out += approval_lines(release);
  return out;
}

}  // namespace tollgate::cli
