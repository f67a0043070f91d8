#include "server/domain/audit/pca_compare.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tollgate/digest.hpp"
#include "tollgate/paths.hpp"

namespace tollgate::server {

namespace json = boost::json;

namespace {

// An install path relative to the audited directory: its components without empty and "."
// ones, so that "/opt/./app" is expected at "opt/app".
std::string relative_install_path(std::string_view path) {
  std::string out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view component = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (component.empty() || component == ".") continue;
    if (!out.empty()) out += '/';
    out += component;
  }
  return out;
}

json::object digest_json(std::string_view sha256, std::uint64_t size) {
  return {{"sha256", sha256}, {"size", size}};
}

// The form digests usually arrive in: 64 lower-case hex characters.
bool is_lower_hex_digest(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// 64 bits of the path's SHA-256: chosen paths cannot crowd one hash bucket or fake a repeat.
std::uint64_t path_hash(std::string_view path) {
  const std::string digest = sha256_hex(path);
  std::uint64_t h = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    const char c = digest[i];
    h = (h << 4) | static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return h;
}

}  // namespace

Status validate_inventory_path(std::string_view path) {
  auto bad = [](std::string_view why) {
    return invalid(fmt::format("path: {}", why)).with_reason(kInvalidPathReason);
  };
  if (auto problem = relative_path_problem(path, kMaxInventoryPath, ControlCharacters::allowed))
    return bad(*problem);
  return {};
}

Status refuse_inventory_entry(const InventoryOrigin& origin, std::string_view message,
                              const char* reason) {
  return Status(Code::invalid, origin.json
                                   ? fmt::format("files[{}]: {}", origin.n, message)
                                   : fmt::format("inventory line {}: {}", origin.n, message))
      .with_reason(reason);
}

PcaComparison::PcaComparison(const Manifest& manifest, bool list_ok, const PcaLimits& limits)
    : environment_(manifest.environment),
      manifest_version_(manifest.version),
      list_ok_(list_ok),
      limits_(limits) {
  for (const auto& entry : manifest.entries)
    for (const auto& artifact : entry.artifacts)
      expected_.emplace(
          relative_install_path(artifact.install_path),
          Expected{entry.ci, entry.version, artifact.file, artifact.sha256, artifact.size, false});
}

Status PcaComparison::add(const InventoryOrigin& origin, InventoryEntry entry) {
  if (Status st = validate_inventory_path(entry.path); !st.ok())
    return refuse_inventory_entry(origin, st.message(), kInvalidPathReason);
  if (!is_lower_hex_digest(entry.sha256)) {
    auto digest = parse_sha256_digest(entry.sha256);
    if (!digest)
      return refuse_inventory_entry(origin, digest.status().message(), kInvalidDigestReason);
    entry.sha256 = std::move(digest).value();
  }
  auto duplicate = [&] {
    return refuse_inventory_entry(origin, fmt::format("'{}' is listed twice", entry.path),
                                  kDuplicatePathReason);
  };
  if (files_ == limits_.max_entries)
    return Status(Code::too_large,
                  fmt::format("the inventory has more than {} entries ([audits] pca_max_entries): "
                              "audit the host in parts",
                              limits_.max_entries))
        .with_reason(kInventoryTooLargeReason);
  ++files_;
  const auto expected = expected_.find(entry.path);
  if (expected == expected_.end()) {
    ++unexpected_;
    if (findings_.size() >= limits_.max_findings) {
      if (findings_.contains(entry.path)) return duplicate();
      unlisted_.push_back(path_hash(entry.path));
      return {};
    }
    Finding finding{"unexpected", nullptr, std::move(entry.sha256), entry.size};
    if (!findings_.emplace(std::move(entry.path), std::move(finding)).second) return duplicate();
    return {};
  }
  Expected& want = expected->second;
  if (want.seen) return duplicate();
  want.seen = true;
  if (want.sha256 == entry.sha256 && want.size == entry.size) {
    ++ok_;
    if (list_ok_ && ok_files_.size() < limits_.max_findings)
      ok_files_.push_back(std::move(entry.path));
    else if (list_ok_)
      ++ok_files_unlisted_;
    return {};
  }
  findings_.emplace(std::move(entry.path),
                    Finding{"modified", &want, std::move(entry.sha256), entry.size});
  return {};
}

std::uint64_t PcaComparison::mark_missing() {
  std::uint64_t missing = 0;
  for (const auto& [path, expected] : expected_) {
    if (expected.seen) continue;
    findings_.emplace(path, Finding{"missing", &expected, {}, 0});
    ++missing;
  }
  return missing;
}

json::array PcaComparison::findings_by_path() const {
  std::vector<const std::pair<const std::string, Finding>*> sorted;
  sorted.reserve(findings_.size());
  for (const auto& item : findings_) sorted.push_back(&item);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  json::array findings;
  findings.reserve(sorted.size());
  for (const auto* item : sorted) {
    const auto& [path, finding] = *item;
    json::object out{{"status", finding.status}, {"path", path}};
    if (finding.expected) {
      out["ci"] = finding.expected->ci;
      out["version"] = finding.expected->version;
      out["file"] = finding.expected->file;
      out["expected"] = digest_json(finding.expected->sha256, finding.expected->size);
    }
    if (!finding.actual_sha256.empty())
      out["actual"] = digest_json(finding.actual_sha256, finding.actual_size);
    findings.push_back(std::move(out));
  }
  return findings;
}

Result<json::object> PcaComparison::finish() {
  std::sort(unlisted_.begin(), unlisted_.end());
  if (std::adjacent_find(unlisted_.begin(), unlisted_.end()) != unlisted_.end())
    return invalid(fmt::format("the inventory lists an unexpected path twice (one beyond the "
                               "first {} findings, which are not kept by name)",
                               limits_.max_findings))
        .with_reason(kDuplicatePathReason);
  const std::uint64_t unlisted = unlisted_.size();
  unlisted_ = {};
  const std::uint64_t missing = mark_missing();
  json::array findings = findings_by_path();
  findings_.clear();
  json::object record{{"kind", "pca"},
                      {"environment", environment_},
                      {"manifest_version", manifest_version_},
                      {"passed", findings.empty() && unlisted == 0},
                      {"summary", json::object{{"files", files_},
                                               {"ok", ok_},
                                               {"missing", missing},
                                               {"modified", files_ - ok_ - unexpected_},
                                               {"unexpected", unexpected_}}},
                      {"findings", std::move(findings)},
                      {"findings_unlisted", unlisted}};
  if (list_ok_) {
    std::sort(ok_files_.begin(), ok_files_.end());
    record["ok_files"] = json::value_from(ok_files_);
    record["ok_files_unlisted"] = ok_files_unlisted_;
  }
  return record;
}

}  // namespace tollgate::server
