// The command line of `tollgate release`, `schedule` and `kpis`, and the request bodies built
// from it.
#include <cctype>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/release.hpp"
#include "cli/subcommands.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

// "KEY=VALUE" flags as one object; a key given twice is refused.
Result<json::object> assignments(const std::vector<std::string>& texts, std::string_view flag,
                                 bool values_are_dates) {
  json::object out;
  for (const auto& text : texts) {
    TG_ASSIGN_OR_RETURN(auto pair, parse_assignment(text, flag));
    if (values_are_dates && !looks_like_date(pair.second))
      return invalid(fmt::format("{} {}: '{}' is not a date YYYY-MM-DD", flag, text, pair.second));
    if (out.contains(pair.first))
      return invalid(fmt::format("{}: '{}' is given twice", flag, pair.first));
    out[pair.first] = pair.second;
  }
  return out;
}

json::array strings(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& value : values) out.emplace_back(value);
  return out;
}

void add_create(CLI::App& command, ReleaseOptions& o) {
  auto* create = command.add_subcommand("create", "create a release");
  create->add_option("--name", o.name, "what is released, e.g. payments")->required();
  create->add_option("--version", o.version, "the release's version")->required();
  create->add_option("--type", o.type, "delta, full or package")
      ->required()
      ->check(CLI::IsMember({"delta", "full", "package"}));
  create->add_option("--category", o.category, "scheduled, unscheduled or emergency")
      ->required()
      ->check(CLI::IsMember({"scheduled", "unscheduled", "emergency"}));
  create->add_option("--rfc", o.rfcs, "a linked RFC (repeatable)");
  create->add_option("--planned", o.planned, "ENV=YYYY-MM-DD: a planned date (repeatable)");
  create->add_option("--package", o.packages, "a delta release this package bundles (repeatable)");
}

void add_contents(CLI::App& command, ReleaseOptions& o) {
  auto* add = command.add_subcommand("add", "add a CI version with all its artifacts");
  add->add_option("id", o.id, "the release, e.g. rel-1")->required();
  add->add_option("--ci", o.ci, "the CI")->required();
  add->add_option("--version", o.item_version, "the CI's version")->required();
  add->add_option("--install-path", o.install_paths,
                  "FILE=PATH: where FILE goes on a host (repeatable)");
  auto* doc = command.add_subcommand("doc", "attach a document (committed to the vault)");
  doc->add_option("id", o.id, "the release")->required();
  doc->add_option("--kind", o.kind,
                  "build_instructions, test_plan, backout_procedure, release_notes or other")
      ->required();
  doc->add_option("--name", o.document_name, "the document's name")->required();
  doc->add_option("--media-type", o.media_type, "its media type (default: the server's)");
  doc->add_option("file", o.file, "the content: a file, or - for standard input")->required();
}

void add_corrections(CLI::App& command, ReleaseOptions& o) {
  auto* reschedule = command.add_subcommand("reschedule", "move planned dates");
  reschedule->add_option("id", o.id, "the release")->required();
  reschedule->add_option("--planned", o.planned, "ENV=YYYY-MM-DD, or ENV=none (repeatable)")
      ->required();
  reschedule->add_option("--note", o.note, "why");
  auto* link = command.add_subcommand("link", "replace the linked RFCs");
  link->add_option("id", o.id, "the release")->required();
  link->add_option("--rfc", o.rfcs, "a linked RFC (repeatable)");
  link->add_flag("--no-rfcs", o.no_rfcs, "link no RFC at all");
  link->add_option("--note", o.note, "why");
  auto* remove = command.add_subcommand("remove", "take a CI's item out of the release");
  remove->add_option("id", o.id, "the release")->required();
  remove->add_option("--ci", o.ci, "the CI")->required();
  remove->add_option("--note", o.note, "why");
  auto* cancel = command.add_subcommand("cancel", "cancel the release for good");
  cancel->add_option("id", o.id, "the release")->required();
  cancel->add_option("--note", o.note, "why (required)")->required();
  auto* resolve = command.add_subcommand("resolve", "resolve a known error");
  resolve->add_option("id", o.id, "the release")->required();
  resolve->add_option("known_error", o.known_error, "the known error, e.g. ke-1")->required();
  resolve->add_option("--resolution", o.resolution, "how it was resolved")->required();
}

void add_gate(CLI::App& command, ReleaseOptions& o) {
  auto* gate = command.add_subcommand("gate", "record a gate verdict for the current digest");
  gate->add_option("id", o.id, "the release")->required();
  gate->add_option("gate", o.gate, "trr, tests:ENV, uat, rrr, implementation_approval, pir, ...")
      ->required();
  gate->add_option("--verdict", o.verdict, "pass or fail")
      ->required()
      ->check(CLI::IsMember({"pass", "fail"}));
  gate->add_option("--notes", o.notes, "notes recorded with the verdict");
  gate->add_option("--evidence", o.evidence, "a document of the release that backs it");
  gate->add_option("--date", o.date, "rrr: the implementation date, YYYY-MM-DD");
}

void add_moves_and_reads(CLI::App& command, ReleaseOptions& o) {
  for (const auto& [name, help] : {std::pair{"promote", "promote into the next environment"},
                                   std::pair{"backout", "back out of an environment"}}) {
    auto* sub = command.add_subcommand(name, help);
    sub->add_option("id", o.id, "the release")->required();
    sub->add_option("--env", o.environment, "the environment")->required();
  }
  auto* vdd = command.add_subcommand("vdd", "the version description document");
  vdd->add_option("id", o.id, "the release")->required();
  vdd->add_flag("--markdown", o.markdown, "Markdown instead of JSON");
  vdd->add_option("-o,--output", o.output, "write it to this file");
  command.add_subcommand("show", "a release: digest, items, documents, gates, environments")
      ->add_option("id", o.id, "the release")
      ->required();
  auto* ls = command.add_subcommand("ls", "list releases");
  ls->add_option("--state", o.state, "planned, in_progress, deployed, backed_out or cancelled");
  ls->add_option("--category", o.category_filter, "scheduled, unscheduled or emergency");
}

void add_period(CLI::App& command, ReportOptions& o) {
  command.add_option("--from", o.from, "first day, YYYY-MM-DD");
  command.add_option("--to", o.to, "last day, YYYY-MM-DD");
}

}  // namespace

bool looks_like_date(std::string_view text) {
  if (text.size() != 10) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? text[i] != '-' : !std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

Result<std::pair<std::string, std::string>> parse_assignment(std::string_view text,
                                                             std::string_view flag) {
  const auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0 || equals + 1 == text.size())
    return invalid(fmt::format("{} '{}': expected KEY=VALUE", flag, text));
  return std::pair{std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
}

Result<json::object> create_release_body(const ReleaseOptions& options) {
  TG_ASSIGN_OR_RETURN(json::object planned, assignments(options.planned, "--planned", true));
  json::object body{{"name", options.name},
                    {"version", options.version},
                    {"type", options.type},
                    {"category", options.category},
                    {"rfcs", strings(options.rfcs)}};
  if (!planned.empty()) body["planned"] = std::move(planned);
  if (!options.packages.empty()) body["packages"] = strings(options.packages);
  return body;
}

Result<json::object> add_item_body(const ReleaseOptions& options) {
  TG_ASSIGN_OR_RETURN(json::object paths,
                      assignments(options.install_paths, "--install-path", false));
  json::object body{{"ci", options.ci}, {"version", options.item_version}};
  if (!paths.empty()) body["install_paths"] = std::move(paths);
  return body;
}

Result<json::object> gate_body(const ReleaseOptions& options) {
  if (!options.date.empty() && !looks_like_date(options.date))
    return invalid(fmt::format("--date '{}' is not a date YYYY-MM-DD", options.date));
  json::object body{{"verdict", options.verdict}};
  if (!options.notes.empty()) body["notes"] = options.notes;
  if (!options.evidence.empty()) body["evidence"] = options.evidence;
  if (!options.date.empty()) body["date"] = options.date;
  return body;
}

Result<json::object> correction_body(const ReleaseOptions& options) {
  json::object body;
  if (options.action == "reschedule") {
    json::object planned;
    for (const auto& text : options.planned) {
      TG_ASSIGN_OR_RETURN(auto pair, parse_assignment(text, "--planned"));
      if (pair.second != "none" && !looks_like_date(pair.second))
        return invalid(fmt::format("--planned {}: '{}' is neither a date YYYY-MM-DD nor none", text,
                                   pair.second));
      if (planned.contains(pair.first))
        return invalid(fmt::format("--planned: '{}' is given twice", pair.first));
      planned[pair.first] = pair.second == "none" ? json::value(nullptr) : json::value(pair.second);
    }
    if (planned.empty()) return invalid("reschedule: give --planned ENV=YYYY-MM-DD");
    body["planned"] = std::move(planned);
  } else {
    if (options.rfcs.empty() && !options.no_rfcs)
      return invalid("link: give --rfc (repeatable), or --no-rfcs to link none");
    if (!options.rfcs.empty() && options.no_rfcs)
      return invalid("link: --rfc and --no-rfcs contradict each other");
    body["rfcs"] = strings(options.rfcs);
  }
  if (!options.note.empty()) body["note"] = options.note;
  return body;
}

json::object document_body(const ReleaseOptions& options, std::string content) {
  json::object body{
      {"kind", options.kind}, {"name", options.document_name}, {"content", std::move(content)}};
  if (!options.media_type.empty()) body["media_type"] = options.media_type;
  return body;
}

Result<std::string> report_query(const ReportOptions& options) {
  std::string query;
  for (const auto& [name, value] : {std::pair{"from", &options.from}, {"to", &options.to}}) {
    if (value->empty()) continue;
    if (!looks_like_date(*value))
      return invalid(fmt::format("--{} '{}' is not a date YYYY-MM-DD", name, *value));
    query += fmt::format("{}{}={}", query.empty() ? "?" : "&", name, *value);
  }
  return query;
}

void add_release_commands(CLI::App& app, ReleaseCommands& commands) {
  ReleaseOptions& o = commands.release;
  auto* command = app.add_subcommand("release",
                                     "the release workflow: create, add, doc, gate, "
                                     "promote, backout, vdd, show, ls; corrections: "
                                     "reschedule, link, remove, cancel, resolve");
  command->require_subcommand(1);
  add_create(*command, o);
  add_contents(*command, o);
  add_gate(*command, o);
  add_corrections(*command, o);
  add_moves_and_reads(*command, o);
  record_action(*command, o.action);
  commands.release_command = command;
  commands.schedule_command =
      app.add_subcommand("schedule", "the master schedule: planned and actual dates, conflicts");
  add_period(*commands.schedule_command, commands.schedule);
  commands.kpis_command = app.add_subcommand("kpis", "release KPIs of a period");
  add_period(*commands.kpis_command, commands.kpis);
}

bool ReleaseCommands::parsed() const {
  for (const CLI::App* command : {release_command, schedule_command, kpis_command})
    if (command != nullptr && command->parsed()) return true;
  return false;
}

Status run_release_commands(CommandContext& context, const ReleaseCommands& commands) {
  if (commands.release_command && commands.release_command->parsed())
    return release(context, commands.release);
  if (commands.schedule_command && commands.schedule_command->parsed())
    return schedule(context, commands.schedule);
  if (commands.kpis_command && commands.kpis_command->parsed()) return kpis(context, commands.kpis);
  return invalid("no release command was given");
}

}  // namespace tollgate::cli
