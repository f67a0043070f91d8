// Every validator of a name or a path that a client chooses: artifact coordinates
// (tollgate/coordinate.hpp), document names (cmdb/documents.hpp), baseline names
// (audit/baselines.hpp), hosts (audit/pca.hpp), vault paths (storage/git_vault.hpp), install and
// inventory paths (tollgate/paths.hpp, audit/pca_compare.hpp), and the key codec's text parts
// (tables/key_codec.hpp). Each runs on the whole input.
// Checks: each validator accepts exactly what an independent reading of its documented rule
// accepts (so nothing with "..", NUL, a control character or a leading '/' gets through where
// the rule forbids it); names that become vault paths make valid ones; a coordinate and key
// parts read back from the text written for them.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/domain/audit/baselines.hpp"
#include "server/domain/audit/pca.hpp"
#include "server/domain/audit/pca_compare.hpp"
#include "server/domain/cmdb/document_vault.hpp"
#include "server/domain/cmdb/documents.hpp"
#include "server/domain/tables/key_codec.hpp"
#include "storage/git_vault.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tollgate/coordinate.hpp"
#include "tollgate/ids.hpp"
#include "tollgate/paths.hpp"

namespace {

using namespace tollgate;  // NOLINT(google-build-using-namespace): every validator is named

bool ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool name_char(char c) { return ascii_alnum(c) || c == '.' || c == '_' || c == '-'; }
bool all_name_chars(std::string_view s) { return std::all_of(s.begin(), s.end(), name_char); }
bool has(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// Strict UTF-8 (RFC 3629) without control characters (C0, DEL, C1), '/' or '\\'.
bool artifact_characters(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      n = 1;
      cp = b;
    } else if (b >= 0xc2 && b <= 0xdf) {
      n = 2;
      cp = b & 0x1fU;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 3;
      cp = b & 0x0fU;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 4;
      cp = b & 0x07U;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0U) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3fU);
    }
    const std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == '/' || cp == '\\') return false;
    i += n;
  }
  return true;
}

bool artifact_name_rule(std::string_view s) {
  return !s.empty() && s.size() <= kMaxArtifactNameBytes && s != "." && !has(s, "..") &&
         s.front() != '-' && artifact_characters(s);
}

// The '/'-separated components of a path.
std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> out;
  for (;;) {
    const std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

bool relative_path_rule(std::string_view s, std::size_t max, bool controls) {
  if (s.empty() || s.size() > max || s.front() == '/' || has(s, std::string_view("\0", 1)))
    return false;
  if (!controls && std::any_of(s.begin(), s.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
      }))
    return false;
  const auto parts = components(s);
  return std::none_of(parts.begin(), parts.end(),
                      [](std::string_view p) { return p.empty() || p == "." || p == ".."; });
}

bool vault_path_rule(std::string_view s) {
  if (!relative_path_rule(s, 4096, false) || has(s, "\\")) return false;
  const auto parts = components(s);
  return std::none_of(parts.begin(), parts.end(), [](std::string_view p) {
    std::string lower(p);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    return p.size() > 255 || lower == ".git";
  });
}

bool document_name_rule(std::string_view s) {
  return !s.empty() && s.size() <= server::kMaxDocumentName && all_name_chars(s) && !has(s, "..") &&
         ascii_alnum(s.front()) && s.back() != '.';
}

bool baseline_name_rule(std::string_view s) {
  return !s.empty() && s.size() <= server::kMaxBaselineNameLength && all_name_chars(s) &&
         s.front() != '.' && s.front() != '-' && !has(s, "..") && s.back() != '.' &&
         !s.ends_with(".lock");
}

bool host_rule(std::string_view s) {
  return !s.empty() && s.size() <= server::kMaxHostName && all_name_chars(s);
}

void check_artifact_names(std::string_view text) {
  for (const ArtifactPart part : {ArtifactPart::ci, ArtifactPart::version, ArtifactPart::file}) {
    const Status st = validate_artifact_name(part, text);
    FUZZ_CHECK(st.ok() == artifact_name_rule(text), "artifact name: %s",
               st.ok() ? "accepted" : st.message().c_str());
    if (!st.ok()) FUZZ_CHECK(st.reason() == kInvalidArtifactNameReason, "reason");
  }
  // A file's name is its install path unless a release names another.
  if (artifact_name_rule(text))
    FUZZ_CHECK(!relative_path_problem(text, 1024, ControlCharacters::refused),
               "a valid file name that is no install path");
  auto coordinate = parse_coordinate(text);
  if (coordinate) {
    FUZZ_CHECK(coordinate->to_string() == text, "a coordinate that writes differently");
    FUZZ_CHECK(artifact_name_rule(coordinate->ci) && artifact_name_rule(coordinate->version) &&
                   artifact_name_rule(coordinate->file),
               "a coordinate with a bad part");
  } else {
    FUZZ_CHECK(coordinate.status().reason() == kInvalidArtifactNameReason, "reason");
  }
}

void check_paths(std::string_view text) {
  const bool vault_ok = storage::validate_vault_path(text).ok();
  FUZZ_CHECK(vault_ok == vault_path_rule(text), "vault path %s", vault_ok ? "accepted" : "refused");
  const bool install_ok = !relative_path_problem(text, 1024, ControlCharacters::refused);
  FUZZ_CHECK(install_ok == relative_path_rule(text, 1024, false), "install path");
  const Status inventory = server::validate_inventory_path(text);
  FUZZ_CHECK(inventory.ok() == relative_path_rule(text, server::kMaxInventoryPath, true),
             "inventory path");
  if (!inventory.ok()) FUZZ_CHECK(inventory.reason() == server::kInvalidPathReason, "reason");
}

void check_names(std::string_view text) {
  const bool document_ok = server::check_document_name(text).ok();
  FUZZ_CHECK(document_ok == document_name_rule(text), "document name");
  if (document_ok) {
    const std::string path = server::document_vault_path("payments-api", text);
    FUZZ_CHECK(storage::validate_vault_path(path).ok(), "document at %s", path.c_str());
  }
  const bool baseline_ok = server::validate_baseline_name(text).ok();
  FUZZ_CHECK(baseline_ok == baseline_name_rule(text), "baseline name");
  if (baseline_ok) {
    const std::string path = server::baseline_vault_path(text);
    FUZZ_CHECK(storage::validate_vault_path(path).ok(), "baseline at %s", path.c_str());
  }
  FUZZ_CHECK(server::validate_host(text).ok() == host_rule(text), "host");
  if (is_slug(text)) FUZZ_CHECK(all_name_chars(text) && ascii_alnum(text.front()), "slug");
}

// Key parts: the input split at '|', at most three.
void check_keys(std::string_view text) {
  std::vector<std::string_view> parts;
  while (parts.size() < 3) {
    const std::size_t bar = text.find('|');
    parts.push_back(text.substr(0, bar));
    if (bar == std::string_view::npos) break;
    text.remove_prefix(bar + 1);
  }
  namespace tables = server::tables;
  const bool valid = std::all_of(parts.begin(), parts.end(), tables::valid_part);
  std::string key;
  for (std::size_t i = 0; i < parts.size(); ++i)
    key += (i == 0 ? "" : std::string(1, tables::kSeparator)) + std::string(parts[i]);
  const auto split = tables::split_key(key, parts.size());
  if (valid) FUZZ_CHECK(split && *split == parts, "key parts do not read back");
  FUZZ_CHECK(tables::key_after(key) > key, "key_after");
  if (valid && parts.size() == 1) {
    const std::string numbered = tables::encode_text_be64(parts[0], key.size());
    const auto decoded = tables::decode_text_be64(numbered);
    FUZZ_CHECK(decoded && decoded->first == parts[0] && decoded->second == key.size(),
               "text and number do not read back");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_artifact_names(text);
  check_paths(text);
  check_names(text);
  check_keys(text);
  return 0;
}
