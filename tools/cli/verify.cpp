// Offline verification: key files, signatures, manifest expiry and rollback.
#include "cli/verify.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/local_file.hpp"
#include "tollgate/signed_document.hpp"

namespace tollgate::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

Status failed(std::string reason, std::string message) {
  return Status(Code::corrupt, std::move(message)).with_reason(std::move(reason));
}

Result<std::string> read_text(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return not_found(path + " does not exist");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return io_error("cannot read " + path);
  return text.str();
}

Result<json::object> parse_object_text(const std::string& text, const std::string& what) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) return invalid(what + " is not a JSON object");
  return std::move(value.as_object());
}

const json::string* string_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value == nullptr ? nullptr : value->if_string();
}

}  // namespace

Result<std::vector<TrustedKey>> parse_key_file(const json::object& file) {
  const json::value* keys = file.if_contains("keys");
  if (keys == nullptr || !keys->is_array()) return invalid("the key file has no \"keys\" array");
  std::vector<TrustedKey> out;
  for (const json::value& entry : keys->get_array()) {
    const json::object* key = entry.if_object();
    const json::string* id = key ? string_at(*key, "key_id") : nullptr;
    const json::string* public_key = key ? string_at(*key, "public_key") : nullptr;
    const json::string* algorithm = key ? string_at(*key, "algorithm") : nullptr;
    if (id == nullptr || public_key == nullptr || algorithm == nullptr ||
        *algorithm != kSignatureAlgorithm)
      return invalid("the key file has an entry that is not an ed25519 key");
    auto raw = decode_base64url(*public_key);
    if (!raw || raw->size() != 32 || ed25519_key_id(*raw) != *id)
      return invalid(fmt::format("the key file's public key for {} does not match its id",
                                 std::string_view(*id)));
    const json::value* retired = key->if_contains("retired_at");
    out.push_back(
        {std::string(*id), std::string(*public_key), retired != nullptr && !retired->is_null()});
  }
  return out;
}

Result<std::vector<TrustedKey>> load_key_file(const std::string& path) {
  TG_ASSIGN_OR_RETURN(const std::string text, read_text(path));
  TG_ASSIGN_OR_RETURN(const json::object file, parse_object_text(text, "key file " + path));
  return parse_key_file(file);
}

Result<std::string> verify_document(const json::object& document,
                                    const std::vector<TrustedKey>& keys) {
  auto signature = read_signature(document);
  if (!signature) return failed("malformed-signature", signature.status().message());
  for (const TrustedKey& key : keys) {
    if (key.key_id != signature->key_id) continue;
    if (key.retired) return failed("retired-key", "signed by the retired key " + key.key_id);
    Status st = verify_signed_document(document, key.public_key);
    if (!st.ok()) return failed(st.reason(), st.message());
    return key.key_id;
  }
  return failed("unknown-key",
                "signed by " + signature->key_id + ", which is not in the trusted key file");
}

Result<Manifest> check_manifest(const json::object& manifest, Micros now) {
  TG_ASSIGN_OR_RETURN(Manifest parsed, parse_manifest(manifest));
  if (parsed.expires_at <= now)
    return failed("expired-manifest",
                  fmt::format("the manifest of {} (version {}) expired at {}", parsed.environment,
                              parsed.version, format_rfc3339(parsed.expires_at)));
  return parsed;
}

std::string manifest_cache_file(const Environment& env) {
  const auto xdg = env("XDG_CACHE_HOME");
  if (xdg && !xdg->empty() && fs::path(*xdg).is_absolute())
    return *xdg + "/tollgate/manifests.json";
  const auto home = env("HOME");
  if (home && !home->empty()) return *home + "/.cache/tollgate/manifests.json";
  return {};
}

Status check_not_rolled_back(const std::string& cache_file, const std::string& server,
                             const std::string& environment, std::uint64_t version) {
  if (cache_file.empty()) return {};
  json::object cache;
  std::error_code ec;
  if (fs::exists(cache_file, ec)) {
    TG_ASSIGN_OR_RETURN(const std::string text, read_text(cache_file));
    TG_ASSIGN_OR_RETURN(cache, parse_object_text(text, "manifest cache " + cache_file));
  }
  json::value& seen_by_server = cache[server];
  if (!seen_by_server.is_object()) seen_by_server = json::object{};
  json::value& seen = seen_by_server.as_object()[environment];
  if (seen.is_uint64() || (seen.is_int64() && seen.get_int64() >= 0)) {
    const auto newest = seen.to_number<std::uint64_t>();
    if (version < newest)
      return failed("rollback", fmt::format("the server offers manifest version {} of {}, but "
                                            "this client already saw version {}: a rollback",
                                            version, environment, newest));
    if (version == newest) return {};
  }
  seen = version;
  fs::create_directories(fs::path(cache_file).parent_path(), ec);
  return write_file_atomically(cache_file, json::serialize(cache) + "\n");
}

}  // namespace tollgate::cli
