#include "server/http/commands/release.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/cmdb/documents.hpp"
#include "server/domain/cmdb/media_types.hpp"
#include "server/domain/json_body.hpp"
#include "tollgate/ids.hpp"
#include "tollgate/paths.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server::commands {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxText = 4096;
constexpr std::size_t kMaxLinks = 256;
constexpr std::size_t kMaxInstallPath = 1024;
constexpr std::size_t kMaxDocumentContent = 512 * 1024;

const std::set<std::string_view> kDocumentKinds = {"build_instructions", "test_plan",
                                                   "backout_procedure", "release_notes", "other"};

void check_text(Fields& f, std::string_view key, const std::optional<std::string>& value) {
  if (value && (value->empty() || value->size() > kMaxText))
    f.error(fmt::format("{}: must be 1..{} characters", f.path(key), kMaxText));
}

void sort_unique(std::vector<std::string>& names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
}

std::map<std::string, std::string> read_install_paths(Fields& f) {
  std::map<std::string, std::string> out;
  const json::object* paths = f.object("install_paths");
  if (!paths) return out;
  std::set<std::string_view> seen;
  for (const auto& [file, path] : *paths) {
    const std::string where =
        fmt::format("install_paths.{}", std::string_view(file).substr(0, 255));
    if (!path.is_string()) {
      f.error(where + ": must be a string");
      continue;
    }
    const std::string_view text = path.get_string();
    if (auto problem = relative_path_problem(text, kMaxInstallPath, ControlCharacters::refused))
      f.error(fmt::format("{}: {}", where, *problem));
    else if (!seen.insert(text).second)
      f.error(fmt::format("{}: '{}' is the install path of another file too", where, text));
    else
      out.emplace(std::string(file), std::string(text));
  }
  return out;
}

std::optional<std::string> read_note(Fields& f, bool required) {
  auto note = f.string("note", required);
  if (note && (note->size() > kMaxText || (required && note->empty())))
    f.error(fmt::format("note: must be 1..{} characters", kMaxText));
  return note;
}

}  // namespace

Result<CreateRelease> parse_create_release(const json::object& body, const Config& config) {
  Fields f(body);
  auto name = f.string("name", true);
  auto version = f.string("version", true);
  auto type = f.string("type", true);
  auto category = f.string("category", true);
  auto rfcs = f.strings("rfcs");
  auto packages = f.strings("packages");
  const json::object* planned = f.object("planned");
  check_text(f, "name", name);
  check_text(f, "version", version);
  CreateRelease r;
  if (type && !parse_release_type(*type))
    f.error(fmt::format("type: '{}' is not one of delta, full, package", *type));
  if (category && !parse_release_category(*category))
    f.error(
        fmt::format("category: '{}' is not one of scheduled, unscheduled, emergency", *category));
  if (planned) {
    for (const auto& [env, date] : *planned) {
      if (!known_environment(config, env))
        f.error(fmt::format("planned.{}: not a configured environment", std::string_view(env)));
      else if (!date.is_string() || !parse_date(date.get_string()))
        f.error(fmt::format("planned.{}: must be a date YYYY-MM-DD", std::string_view(env)));
      else
        r.planned.emplace(std::string(env), std::string(date.get_string()));
    }
  }
  if ((rfcs && rfcs->size() > kMaxLinks) || (packages && packages->size() > kMaxLinks))
    f.error(fmt::format("rfcs, packages: at most {} each", kMaxLinks));
  TG_RETURN_IF_ERROR(f.finish());
  r.name = *name;
  r.version = *version;
  r.type = *parse_release_type(*type);
  r.category = *parse_release_category(*category);
  if (rfcs) r.rfcs = std::move(*rfcs);
  if (packages) r.packages = std::move(*packages);
  sort_unique(r.rfcs);
  sort_unique(r.packages);
  if (r.type == ReleaseType::package && r.packages.empty())
    return invalid("packages: a package release bundles at least one delta release");
  if (r.type != ReleaseType::package && !r.packages.empty())
    return invalid("packages: only a release of type package bundles other releases");
  return r;
}

Result<AddReleaseItem> parse_release_item(const json::object& body) {
  Fields f(body);
  auto ci = f.string("ci", true);
  auto version = f.string("version", true);
  auto install_paths = read_install_paths(f);
  TG_RETURN_IF_ERROR(f.finish());
  if (version->empty() || version->size() > kMaxText) return invalid("version: must not be empty");
  return AddReleaseItem{std::move(*ci), std::move(*version), std::move(install_paths)};
}

Result<AddReleaseDocument> parse_release_document(const json::object& body) {
  Fields f(body);
  auto kind = f.string("kind", true);
  auto name = f.string("name", true);
  auto content = f.string("content", true);
  auto media_type = f.string("media_type");
  if (kind && !kDocumentKinds.contains(*kind))
    f.error(
        fmt::format("kind: '{}' is not one of build_instructions, test_plan, "
                    "backout_procedure, release_notes, other",
                    *kind));
  if (name) f.merge(check_document_name(*name));
  if (content && content->empty()) f.error("content: must not be empty");
  if (content && content->size() > kMaxDocumentContent)
    f.error(fmt::format("content: at most {} bytes", kMaxDocumentContent));
  std::optional<std::string> normalised;
  if (media_type) {
    auto checked = normalise_media_type(*media_type);
    if (checked)
      normalised = *checked;
    else
      f.merge(checked.status());
  }
  TG_RETURN_IF_ERROR(f.finish());
  std::string type = normalised.value_or(guess_media_type(*name));
  return AddReleaseDocument{std::move(*kind), std::move(*name), std::move(*content),
                            std::move(type)};
}

Result<AddKnownError> parse_known_error(const json::object& body) {
  Fields f(body);
  auto summary = f.string("summary", true);
  auto workaround = f.string("workaround");
  check_text(f, "summary", summary);
  if (workaround && workaround->size() > kMaxText)
    f.error(fmt::format("workaround: at most {} characters", kMaxText));
  TG_RETURN_IF_ERROR(f.finish());
  return AddKnownError{std::move(*summary), workaround.value_or("")};
}

Result<ReleasePatch> parse_release_patch(const json::object& body, const Config& config) {
  Fields f(body);
  const json::object* planned = f.object("planned");
  auto rfcs = f.strings("rfcs");
  ReleasePatch patch;
  patch.note = read_note(f, false);
  if (planned) {
    auto& dates = patch.planned.emplace();
    for (const auto& [env, date] : *planned) {
      if (!known_environment(config, env))
        f.error(fmt::format("planned.{}: not a configured environment",
                            std::string_view(env).substr(0, 64)));
      else if (date.is_null())
        dates.emplace(std::string(env), std::nullopt);
      else if (!date.is_string() || !parse_date(date.get_string()))
        f.error(
            fmt::format("planned.{}: must be a date YYYY-MM-DD or null", std::string_view(env)));
      else
        dates.emplace(std::string(env), std::string(date.get_string()));
    }
  }
  if (rfcs) {
    if (rfcs->size() > kMaxLinks) f.error(fmt::format("rfcs: at most {}", kMaxLinks));
    for (const auto& rfc : *rfcs)
      if (!is_slug(rfc)) f.error(fmt::format("rfcs: '{}' is not an RFC id", rfc.substr(0, 64)));
    sort_unique(*rfcs);
    patch.rfcs = std::move(rfcs);
  }
  if (!planned && !patch.rfcs) f.error("name what to correct: planned and/or rfcs");
  TG_RETURN_IF_ERROR(f.finish());
  return patch;
}

Result<ReleaseNote> parse_release_note(const json::object& body, bool required) {
  Fields f(body);
  ReleaseNote command{read_note(f, required)};
  TG_RETURN_IF_ERROR(f.finish());
  return command;
}

Result<ResolveKnownError> parse_known_error_resolution(const json::object& body) {
  Fields f(body);
  auto resolution = f.string("resolution", true);
  if (resolution && (resolution->empty() || resolution->size() > kMaxText))
    f.error(fmt::format("resolution: must be 1..{} characters", kMaxText));
  TG_RETURN_IF_ERROR(f.finish());
  return ResolveKnownError{std::move(*resolution)};
}

Result<RecordGate> parse_gate_record(const json::object& body) {
  Fields f(body);
  auto verdict = f.string("verdict", true);
  auto notes = f.string("notes");
  auto evidence = f.string("evidence");
  auto date = f.string("date");
  if (verdict && *verdict != "pass" && *verdict != "fail")
    f.error(fmt::format("verdict: '{}' is not pass or fail", *verdict));
  if (notes && notes->size() > kMaxText)
    f.error(fmt::format("notes: at most {} characters", kMaxText));
  if (date && !parse_date(*date))
    f.error(fmt::format("date: '{}' is not a date YYYY-MM-DD", *date));
  TG_RETURN_IF_ERROR(f.finish());
  return RecordGate{std::move(*verdict), notes.value_or(""), std::move(evidence), std::move(date)};
}

Result<std::string> parse_environment_target(const json::object& body) {
  Fields f(body);
  auto environment = f.string("environment", true);
  TG_RETURN_IF_ERROR(f.finish());
  return std::move(*environment);
}

}  // namespace tollgate::server::commands
