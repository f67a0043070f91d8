// The readable views of `tollgate ci` and `tollgate ci-type`.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/ci.hpp"
#include "cli/table.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

// A value as display text: strings as they are, null as "-", anything else as JSON.
std::string value_text(const json::value& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return std::string(value.get_string());
  return json::serialize(value);
}

// A field as display text, "-" also for an empty string.
std::string text(const json::value& item, std::string_view key) {
  std::string shown = field_text(item, key);
  return shown.empty() ? "-" : shown;
}

std::string yes_no(const json::value& item, std::string_view key) {
  const json::value* value = item.is_object() ? item.get_object().if_contains(key) : nullptr;
  return value != nullptr && value->is_bool() && value->get_bool() ? "yes" : "no";
}

// "status: ordered -> live; attributes.port=8080": one part per changed field.
std::string changes_text(const json::value& entry) {
  const json::value* changes =
      entry.is_object() ? entry.get_object().if_contains("changes") : nullptr;
  if (changes == nullptr || !changes->is_object() || changes->get_object().empty()) return "-";
  std::string out;
  for (const auto& change : changes->get_object()) {
    if (!out.empty()) out += "; ";
    const std::string old_value = field_text(change.value(), "old");
    const std::string new_value = field_text(change.value(), "new");
    const std::string_view field = change.key();
    out += old_value == "-" ? fmt::format("{}={}", field, new_value)
                            : fmt::format("{}: {} -> {}", field, old_value, new_value);
  }
  return out;
}

std::string attribute_names(const json::value& type) {
  std::string names;
  for (const auto& attribute : array_field(type, "attributes"))
    names += (names.empty() ? "" : ",") + field_text(attribute, "name");
  return names.empty() ? "-" : names;
}

}  // namespace

std::string format_ci(const json::object& ci) {
  std::string out = fmt::format("{}  {}  [{}]\n", field_text(ci, "id"), field_text(ci, "name"),
                                field_text(ci, "status"));
  out += fmt::format("type: {}  owner: {}  controlled: {}  revision: {}\n", field_text(ci, "type"),
                     text(ci, "owner"), yes_no(ci, "controlled"), field_text(ci, "revision"));
  out += fmt::format("created: {}  updated: {}\n", field_text(ci, "created_at"),
                     field_text(ci, "updated_at"));
  std::vector<TableRow> rows;
  if (const json::value* attributes = ci.if_contains("attributes");
      attributes != nullptr && attributes->is_object()) {
    for (const auto& attribute : attributes->get_object())
      rows.push_back({std::string(attribute.key()), value_text(attribute.value())});
  }
  if (rows.empty()) return out + "attributes: none\n";
  return out + render_table({"ATTRIBUTE", "VALUE"}, rows);
}

std::string format_ci_list(const json::array& cis) {
  std::vector<TableRow> rows;
  for (const auto& ci : cis)
    rows.push_back({field_text(ci, "id"), field_text(ci, "type"), field_text(ci, "status"),
                    field_text(ci, "revision"), text(ci, "owner"), field_text(ci, "name")});
  return render_table({"ID", "TYPE", "STATUS", "REV", "OWNER", "NAME"}, rows);
}

std::string format_ci_history(const json::array& entries) {
  std::vector<TableRow> rows;
  for (const auto& entry : entries)
    rows.push_back({field_text(entry, "revision"), field_text(entry, "time"),
                    field_text(entry, "actor"), field_text(entry, "action"),
                    field_text(entry, "rfc"), changes_text(entry)});
  return render_table({"REV", "TIME", "ACTOR", "ACTION", "RFC", "CHANGES"}, rows);
}

std::string format_ci_type(const json::object& type) {
  std::string out = fmt::format("{}  {}\n", field_text(type, "name"), text(type, "description"));
  out += fmt::format("created: {} by {}\n", field_text(type, "created_at"),
                     field_text(type, "created_by"));
  std::vector<TableRow> rows;
  for (const auto& attribute : array_field(type, "attributes"))
    rows.push_back({field_text(attribute, "name"), field_text(attribute, "type"),
                    yes_no(attribute, "required"), list_text(attribute, "values")});
  if (rows.empty()) return out + "attributes: none\n";
  return out + render_table({"ATTRIBUTE", "TYPE", "REQUIRED", "VALUES"}, rows);
}

std::string format_ci_type_list(const json::array& types) {
  std::vector<TableRow> rows;
  for (const auto& type : types)
    rows.push_back({field_text(type, "name"), attribute_names(type), field_text(type, "created_at"),
                    field_text(type, "description")});
  return render_table({"NAME", "ATTRIBUTES", "CREATED", "DESCRIPTION"}, rows);
}

}  // namespace tollgate::cli
