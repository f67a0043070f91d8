// `tollgate keys` (the server's signing keys) and `tollgate verify` (a saved signed document,
// offline).
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/commands.hpp"
#include "cli/local_file.hpp"
#include "cli/verify.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

std::string text_of(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

Status save_key_file(const std::string& path, const json::object& keys) {
  return write_file_atomically(path, json::serialize(keys) + "\n");
}

Result<json::object> read_document(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value value = json::parse(text.str(), ec);
  if (ec || !value.is_object()) return invalid(path + " is not a JSON object");
  return std::move(value.as_object());
}

}  // namespace

Status keys(CommandContext& context, const KeysOptions& options) {
  TG_ASSIGN_OR_RETURN(const client::HttpResponse answer,
                      context.http.request("GET", "/api/v1/keys"));
  if (answer.status != 200) return problem_status(answer);
  TG_ASSIGN_OR_RETURN(const json::object body, json_object(answer));
  // Only a list every entry of which checks out is printed or saved.
  TG_RETURN_IF_ERROR(parse_key_file(body).status());
  if (!options.save.empty()) TG_RETURN_IF_ERROR(save_key_file(options.save, body));
  if (context.json) {
    fmt::print(context.out, "{}\n", json::serialize(body));
    return {};
  }
  for (const json::value& entry : body.at("keys").get_array()) {
    const json::object& key = entry.get_object();
    const bool active = key.contains("active") && key.at("active") == json::value(true);
    const std::string retired = text_of(key, "retired_at");
    fmt::print(context.out, "{}  {:<9}  created {}{}  {}\n", text_of(key, "key_id"),
               active            ? "active"
               : retired.empty() ? "verifying"
                                 : "retired",
               text_of(key, "created_at"), retired.empty() ? "" : "  retired " + retired,
               text_of(key, "public_key"));
  }
  if (!options.save.empty()) fmt::print(context.out, "saved to {}\n", options.save);
  return {};
}

Status verify_signed(CommandContext& context, const VerifyOptions& options) {
  if (options.keys_file.empty())
    return invalid(
        "verify needs a key file: --keys FILE (or TOLLGATE_KEYS, or keys = in the "
        "config file); `tollgate keys --save FILE` writes one");
  TG_ASSIGN_OR_RETURN(const auto keys, load_key_file(options.keys_file));
  TG_ASSIGN_OR_RETURN(const json::object document, read_document(options.file));
  TG_ASSIGN_OR_RETURN(const std::string key_id, verify_document(document, keys));
  std::string what;
  if (is_manifest(document)) {
    const Micros now = options.now != 0 ? options.now : SystemClock().now();
    TG_ASSIGN_OR_RETURN(const Manifest head, check_manifest(document, now));
    what = fmt::format(" (manifest of {} version {}, expires {})", head.environment, head.version,
                       format_rfc3339(head.expires_at));
  }
  if (context.json)
    fmt::print(context.out, "{}\n",
               json::serialize(json::object{{"ok", true}, {"key_id", key_id}}));
  else
    fmt::print(context.out, "OK signed by {}{}\n", key_id, what);
  return {};
}

}  // namespace tollgate::cli
