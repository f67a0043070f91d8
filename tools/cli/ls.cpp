// `tollgate ls`: CIs, a CI's artifact versions, or a version's files.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/commands.hpp"
#include "cli/table.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

std::string size_text(const json::value& item) {
  const json::value* value = item.is_object() ? item.get_object().if_contains("size") : nullptr;
  if (value == nullptr) return "-";
  if (value->is_uint64()) return format_bytes(value->get_uint64());
  if (value->is_int64() && value->get_int64() >= 0) {
    return format_bytes(static_cast<std::uint64_t>(value->get_int64()));
  }
  return field_text(item, "size");
}

std::string render(const json::array& items, std::string_view level) {
  std::vector<TableRow> rows;
  for (const auto& item : items) {
    if (level == "cis") {
      rows.push_back({field_text(item, "id"), field_text(item, "type"), field_text(item, "status"),
                      field_text(item, "name")});
    } else if (level == "versions") {
      rows.push_back({field_text(item, "version"), field_text(item, "files"), size_text(item),
                      field_text(item, "created_at")});
    } else {
      rows.push_back({field_text(item, "file"), size_text(item), field_text(item, "media_type"),
                      field_text(item, "created_at"), field_text(item, "sha256")});
    }
  }
  if (level == "cis") return render_table({"ID", "TYPE", "STATUS", "NAME"}, rows);
  if (level == "versions") return render_table({"VERSION", "FILES", "SIZE", "CREATED"}, rows);
  return render_table({"FILE", "SIZE", "MEDIA TYPE", "CREATED", "SHA256"}, rows);
}

}  // namespace

Status ls(CommandContext& context, const LsOptions& options) {
  std::string path = "/api/v1/cis";
  std::string_view level = "cis";
  if (!options.what.empty()) {
    const std::size_t slash = options.what.find('/');
    const std::string ci = options.what.substr(0, slash);
    const std::string version = slash == std::string::npos ? "" : options.what.substr(slash + 1);
    if (ci.empty() || (slash != std::string::npos && version.empty()) ||
        version.find('/') != std::string::npos) {
      return invalid("ls: '" + options.what + "' is not CI or CI/VERSION");
    }
    path = "/api/v1/artifacts/" + percent_encode(ci);
    level = "versions";
    if (!version.empty()) {
      path += "/" + percent_encode(version);
      level = "files";
    }
  }
  TG_ASSIGN_OR_RETURN(const json::object list, fetch_all_pages(context.http, path));
  if (context.json) {
    fmt::print(context.out, "{}\n", json::serialize(list));
  } else {
    fmt::print(context.out, "{}", render(list.at("items").get_array(), level));
  }
  return {};
}

}  // namespace tollgate::cli
