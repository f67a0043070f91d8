// `tollgate pca`: scan, stream the inventory, print the report.
#include "cli/pca.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/api.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

struct CloseFile {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using TempFile = std::unique_ptr<std::FILE, CloseFile>;

std::string text_of(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return {};
  if (value->is_string()) return std::string(value->get_string());
  return json::serialize(*value);
}

std::uint64_t count_of(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_uint64()) return value->get_uint64();
  if (value->is_int64() && value->get_int64() >= 0)
    return static_cast<std::uint64_t>(value->get_int64());
  return 0;
}

// "sha256:<hex> (N bytes)" of a finding's "expected" or "actual".
std::string digest_text(const json::object& finding, std::string_view key) {
  const json::value* value = finding.if_contains(key);
  if (value == nullptr || !value->is_object()) return "?";
  const json::object& digest = value->get_object();
  return fmt::format("sha256:{} ({})", text_of(digest, "sha256"),
                     format_bytes(count_of(digest, "size")));
}

std::string finding_line(const json::object& finding) {
  const std::string status = text_of(finding, "status");
  const std::string path = text_of(finding, "path");
  if (status == "modified")
    return fmt::format("{:<10}  {}  expected {}  actual {}\n", status, path,
                       digest_text(finding, "expected"), digest_text(finding, "actual"));
  if (status == "missing")
    return fmt::format("{:<10}  {}  ({} {} {}, {})\n", status, path, text_of(finding, "ci"),
                       text_of(finding, "version"), text_of(finding, "file"),
                       digest_text(finding, "expected"));
  return fmt::format("{:<10}  {}  ({})\n", status, path, digest_text(finding, "actual"));
}

// The inventory in an anonymous temporary file, rewound. Errors: io.
Result<TempFile> inventory_file(const std::vector<ScannedFile>& files) {
  TempFile file(std::tmpfile());
  if (!file) return io_error("cannot create a temporary file for the inventory");
  TG_RETURN_IF_ERROR(write_inventory(file.get(), files));
  if (std::fflush(file.get()) != 0)
    return io_error("cannot write the inventory to a temporary file");
  return file;
}

Result<json::object> post_inventory(CommandContext& context, const PcaOptions& options,
                                    const std::vector<ScannedFile>& files) {
  TG_ASSIGN_OR_RETURN(const TempFile file, inventory_file(files));
  const long length = std::ftell(file.get());
  if (length < 0) return io_error("cannot measure the inventory's temporary file");
  const client::FileBody body{fileno(file.get()), 0, static_cast<std::uint64_t>(length)};
  TG_ASSIGN_OR_RETURN(const client::HttpResponse answer,
                      context.http.upload("POST", pca_target(options), body,
                                          {{"Content-Type", "application/x-ndjson"}}));
  if (answer.status == 201) return json_object(answer);
  if (context.json && answer.header("content-type").starts_with("application/problem+json"))
    fmt::print(context.out, "{}\n", answer.body);
  return problem_status(answer);
}

// Whether --ignore names DIR's own .tollgateignore: the auditor then vouches for it.
bool names_untrusted_ignore_file(const PcaOptions& options) {
  std::error_code ec;
  return !options.ignore_file.empty() &&
         std::filesystem::equivalent(options.ignore_file,
                                     std::filesystem::path(options.dir) / kUntrustedIgnoreFile, ec);
}

}  // namespace

std::string untrusted_ignore_file_notice(std::string_view dir) {
  return fmt::format(
      "tollgate: warning: {}/{} is not obeyed: the audited directory is untrusted, so it is "
      "audited like any other file (unexpected unless the manifest lists it); give ignore "
      "patterns with --ignore FILE\n",
      dir, kUntrustedIgnoreFile);
}

CLI::App* add_pca_command(CLI::App& app, PcaOptions& options) {
  auto* command = app.add_subcommand(
      "pca", "physical configuration audit: compare DIR with ENV's manifest (exit 5 on drift)");
  command->add_option("dir", options.dir, "the deployed directory to scan")->required();
  command->add_option("--env", options.environment, "the environment DIR belongs to")->required();
  command->add_option("--host", options.host, "the host DIR is on (A-Z a-z 0-9 . _ -)")->required();
  command->add_option("--ignore", options.ignore_file,
                      "a file of ignore patterns (globs, !REGEX), one per line; the only patterns "
                      "obeyed: a .tollgateignore inside DIR is audited like any other file, "
                      "since DIR is untrusted");
  command->add_flag("--list-ok", options.list_ok, "have the record list the ok files too");
  command->add_option("--workers", options.workers, "hashing threads (default: every core)")
      ->check(CLI::Range(1U, 1024U));
  return command;
}

std::string inventory_line(const ScannedFile& file) {
  return json::serialize(
             json::object{{"path", file.path}, {"sha256", file.sha256}, {"size", file.size}}) +
         "\n";
}

Status write_inventory(std::FILE* out, const std::vector<ScannedFile>& files) {
  for (const auto& file : files) {
    const std::string line = inventory_line(file);
    if (std::fwrite(line.data(), 1, line.size(), out) != line.size())
      return io_error("cannot write the inventory to a temporary file");
  }
  return {};
}

std::string pca_target(const PcaOptions& options) {
  return fmt::format("/api/v1/audits/pca?environment={}&host={}{}",
                     percent_encode(options.environment), percent_encode(options.host),
                     options.list_ok ? "&list_ok=true" : "");
}

std::string format_pca_report(const json::object& record, const ScanResult& scan) {
  const bool passed =
      record.contains("passed") && record.at("passed").is_bool() && record.at("passed").get_bool();
  std::string out =
      fmt::format("PCA {} of host {} in {} (manifest version {}): {}\n", text_of(record, "id"),
                  text_of(record, "host"), text_of(record, "environment"),
                  text_of(record, "manifest_version"), passed ? "PASSED" : "DRIFT");
  if (const json::value* findings = record.if_contains("findings");
      findings && findings->is_array())
    for (const json::value& finding : findings->get_array())
      if (finding.is_object()) out += finding_line(finding.get_object());
  for (const SkippedEntry& entry : scan.skipped)
    out += entry.kind == "symlink"
               ? fmt::format("{:<10}  {} -> {}  (symlink, not followed, not sent)\n", "skipped",
                             entry.path, entry.target)
               : fmt::format("{:<10}  {}  ({}, not sent)\n", "skipped", entry.path, entry.kind);
  json::object summary;
  if (const json::value* value = record.if_contains("summary"); value && value->is_object())
    summary = value->get_object();
  out += fmt::format(
      "summary: {} files sent: {} ok, {} modified, {} unexpected; {} missing; {} ignored, {} "
      "skipped\n",
      count_of(summary, "files"), count_of(summary, "ok"), count_of(summary, "modified"),
      count_of(summary, "unexpected"), count_of(summary, "missing"), scan.ignored.size(),
      scan.skipped.size());
  return out;
}

json::object pca_json(json::object record, const ScanResult& scan) {
  record["ignored"] = json::value_from(scan.ignored);
  json::array skipped;
  for (const SkippedEntry& entry : scan.skipped) {
    json::object item{{"path", entry.path}, {"kind", entry.kind}};
    if (!entry.target.empty()) item["target"] = entry.target;
    skipped.push_back(std::move(item));
  }
  record["skipped"] = std::move(skipped);
  return record;
}

Status pca(CommandContext& context, const PcaOptions& options) {
  if (options.environment.empty() || options.host.empty() || options.dir.empty())
    return invalid("pca: --env, --host and DIR are required");
  ScanOptions scan_options;
  scan_options.ignore_file = options.ignore_file;
  scan_options.workers = options.workers;
  context.progress.start("scanning " + options.dir);
  auto scan = scan_directory(options.dir, scan_options);
  context.progress.finish();
  if (!scan.ok()) return scan.status();
  if (scan->untrusted_ignore_file && !names_untrusted_ignore_file(options))
    fmt::print(stderr, "{}", untrusted_ignore_file_notice(options.dir));
  TG_ASSIGN_OR_RETURN(const json::object record, post_inventory(context, options, scan->files));
  if (context.json)
    fmt::print(context.out, "{}\n", json::serialize(pca_json(record, *scan)));
  else
    fmt::print(context.out, "{}", format_pca_report(record, *scan));
  const json::value* passed = record.if_contains("passed");
  if (passed && passed->is_bool() && passed->get_bool()) return {};
  const json::object* summary =
      record.if_contains("summary") ? record.at("summary").if_object() : nullptr;
  const json::object none;
  const json::object& counts = summary ? *summary : none;
  return Status(Code::conflict,
                fmt::format("host {} has drifted from the manifest of {}: {} modified, {} "
                            "missing, {} unexpected",
                            options.host, options.environment, count_of(counts, "modified"),
                            count_of(counts, "missing"), count_of(counts, "unexpected")))
      .with_reason("drift");
}

}  // namespace tollgate::cli
