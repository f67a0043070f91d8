#include "tollgate/manifest.hpp"

#include <optional>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "json_members.hpp"
#include "tollgate/digest.hpp"

namespace tollgate {

namespace {

namespace json = boost::json;
using model::array_of;
using model::count_of;
using model::string_of;

Status malformed(std::string message) {
  return Status(Code::corrupt, std::move(message)).with_reason(kMalformedManifestReason);
}

Result<ManifestArtifact> artifact_from(const json::value& value, const std::string& ci) {
  const json::object* o = value.if_object();
  const auto file = o ? string_of(*o, "file") : std::nullopt;
  const auto sha256 = o ? string_of(*o, "sha256") : std::nullopt;
  const auto size = o ? count_of(*o, "size") : std::nullopt;
  if (!file || !sha256 || !is_sha256_hex(*sha256) || !size)
    return malformed(fmt::format("an artifact of {} lacks a valid file, sha256 or size", ci));
  return ManifestArtifact{*file, *sha256, *size, string_of(*o, "install_path").value_or("")};
}

}  // namespace

Result<ManifestEntry> parse_manifest_entry(const json::value& value) {
  const json::object* o = value.if_object();
  const auto ci = o ? string_of(*o, "ci") : std::nullopt;
  const auto version = o ? string_of(*o, "version") : std::nullopt;
  const json::array* artifacts = o ? array_of(*o, "artifacts") : nullptr;
  if (!ci || !version || artifacts == nullptr)
    return malformed("a manifest entry lacks a valid ci, version or artifacts");
  ManifestEntry entry{*ci, *version, string_of(*o, "release").value_or(""), {}};
  for (const json::value& a : *artifacts) {
    TG_ASSIGN_OR_RETURN(auto artifact, artifact_from(a, entry.ci));
    entry.artifacts.push_back(std::move(artifact));
  }
  return entry;
}

const ManifestArtifact* ManifestEntry::artifact(std::string_view file) const {
  for (const auto& a : artifacts)
    if (a.file == file) return &a;
  return nullptr;
}

const ManifestEntry* Manifest::entry(std::string_view ci) const {
  for (const auto& e : entries)
    if (e.ci == ci) return &e;
  return nullptr;
}

json::object manifest_entry_json(const ManifestEntry& entry) {
  json::array artifacts;
  for (const auto& a : entry.artifacts)
    artifacts.push_back(json::object{{"file", a.file},
                                     {"sha256", a.sha256},
                                     {"size", a.size},
                                     {"install_path", a.install_path}});
  return {{"ci", entry.ci},
          {"version", entry.version},
          {"release", entry.release},
          {"artifacts", std::move(artifacts)}};
}

json::object Manifest::to_json() const {
  json::array list;
  for (const auto& e : entries) list.push_back(manifest_entry_json(e));
  return {{"environment", environment},
          {"version", version},
          {"previous_version", previous_version},
          {"action", action},
          {"release", release},
          {"created_by", created_by},
          {"created_at", format_rfc3339(created_at)},
          {"expires_at", format_rfc3339(expires_at)},
          {"entries", std::move(list)}};
}

bool is_manifest(const json::object& document) {
  return document.contains("environment") && document.contains("expires_at");
}

Result<Manifest> parse_manifest(const json::object& document) {
  const auto environment = string_of(document, "environment");
  const auto version = count_of(document, "version");
  const auto expires = string_of(document, "expires_at");
  const auto expires_at = expires ? parse_rfc3339(*expires) : std::nullopt;
  const json::array* entries = array_of(document, "entries");
  if (!environment || !version || !expires_at || entries == nullptr)
    return malformed("the manifest lacks a valid environment, version, expires_at or entries");
  Manifest m;
  m.environment = *environment;
  m.version = *version;
  m.previous_version = count_of(document, "previous_version").value_or(0);
  m.action = string_of(document, "action").value_or("");
  m.release = string_of(document, "release").value_or("");
  m.created_by = string_of(document, "created_by").value_or("");
  m.created_at = parse_rfc3339(string_of(document, "created_at").value_or("")).value_or(0);
  m.expires_at = *expires_at;
  for (const json::value& e : *entries) {
    auto entry = parse_manifest_entry(e);
    if (!entry)
      return malformed(
          fmt::format("manifest {} of {}: {}", m.version, m.environment, entry.status().message()));
    m.entries.push_back(std::move(entry).value());
  }
  return m;
}

Result<Manifest> parse_manifest(std::string_view json_text) {
  boost::system::error_code ec;
  json::value value = json::parse(json_text, ec);
  if (ec || !value.is_object()) return malformed("a manifest is not a JSON object");
  return parse_manifest(value.get_object());
}

}  // namespace tollgate
