// `tollgate rfc`: requests for change, from creation to closure.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/commands.hpp"
#include "cli/table.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

Result<json::object> call(client::HttpClient& http, std::string_view method,
                          const std::string& target, const std::string& body, unsigned expected) {
  TG_ASSIGN_OR_RETURN(const client::HttpResponse answer, http.request(method, target, body));
  if (answer.status != expected) return problem_status(answer);
  return json_object(answer);
}

Result<json::object> create_body(const RfcOptions& options) {
  if (options.title.empty()) return invalid("rfc create: --title is required");
  if (options.cis.empty()) return invalid("rfc create: name at least one --ci");
  if (options.risk.empty()) return invalid("rfc create: --risk (low, medium, high) is required");
  json::object body;
  body["title"] = options.title;
  if (!options.description.empty()) body["description"] = options.description;
  json::array cis;
  for (const auto& ci : options.cis) cis.emplace_back(ci);
  body["cis"] = std::move(cis);
  if (!options.category.empty()) body["category"] = options.category;
  json::object impact;
  impact["risk"] = options.risk;
  if (!options.resources.empty()) impact["resources"] = options.resources;
  if (!options.cycle_time.empty()) impact["cycle_time"] = options.cycle_time;
  body["impact"] = std::move(impact);
  return body;
}

// PATCH of a draft: only the fields given; an impact replaces the whole impact, so it needs --risk.
Result<json::object> edit_body(const RfcOptions& options) {
  json::object body;
  if (!options.title.empty()) body["title"] = options.title;
  if (!options.description.empty()) body["description"] = options.description;
  if (!options.category.empty()) body["category"] = options.category;
  if (!options.cis.empty()) {
    json::array cis;
    for (const auto& ci : options.cis) cis.emplace_back(ci);
    body["cis"] = std::move(cis);
  }
  if (!options.risk.empty() || !options.resources.empty() || !options.cycle_time.empty()) {
    if (options.risk.empty())
      return invalid("rfc edit: a new impact needs --risk (low, medium, high) as well");
    json::object impact{{"risk", options.risk}};
    if (!options.resources.empty()) impact["resources"] = options.resources;
    if (!options.cycle_time.empty()) impact["cycle_time"] = options.cycle_time;
    body["impact"] = std::move(impact);
  }
  if (body.empty()) return invalid("rfc edit: name what changes (--title, --ci, --risk, ...)");
  if (!options.note.empty()) body["note"] = options.note;
  return body;
}

// Every page of the RFC list, merged into one "items" array.
Result<json::object> list_all(client::HttpClient& http, const RfcOptions& options) {
  std::string filter;
  if (!options.state.empty()) filter += "&state=" + percent_encode(options.state);
  if (!options.ci_filter.empty()) filter += "&ci=" + percent_encode(options.ci_filter);
  json::array items;
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    const std::string target = "/api/v1/rfcs?limit=1000" + filter +
                               (cursor.empty() ? "" : "&cursor=" + percent_encode(cursor));
    TG_ASSIGN_OR_RETURN(json::object body, call(http, "GET", target, "", 200));
    const json::value* page_items = body.if_contains("items");
    if (page_items == nullptr || !page_items->is_array())
      return invalid("the server's RFC list has no items");
    for (const auto& item : page_items->get_array()) items.push_back(item);
    const json::value* next = body.if_contains("next_cursor");
    if (next == nullptr || !next->is_string() || next->get_string().empty()) {
      json::object merged;
      merged["items"] = std::move(items);
      merged["next_cursor"] = nullptr;
      return merged;
    }
    cursor = std::string(next->get_string());
  }
  return internal_error("the server's RFC list does not end");
}

void print_rfc(std::FILE* out, const json::object& rfc) {
  fmt::print(out, "{}  {}  [{}]\n", field_text(rfc, "id"), field_text(rfc, "title"),
             field_text(rfc, "state"));
  fmt::print(out, "category: {}  risk: {}  resources: {}  cycle time: {}\n",
             field_text(rfc, "category"),
             rfc.contains("impact") ? field_text(rfc.at("impact"), "risk") : "-",
             rfc.contains("impact") ? field_text(rfc.at("impact"), "resources") : "-",
             rfc.contains("impact") ? field_text(rfc.at("impact"), "cycle_time") : "-");
  fmt::print(out, "cis: {}\n", list_text(rfc, "cis"));
  if (const json::value* analysis = rfc.if_contains("impact_analysis");
      analysis != nullptr && analysis->is_object()) {
    for (const auto& kv : analysis->get_object()) {
      std::string dependents;
      if (kv.value().is_array())
        for (const auto& d : kv.value().get_array())
          dependents += (dependents.empty() ? "" : ",") + field_text(d, "id");
      fmt::print(out, "  {} is depended on by: {}\n", std::string_view(kv.key()),
                 dependents.empty() ? "-" : dependents);
    }
  }
  std::vector<TableRow> rows;
  if (const json::value* events = rfc.if_contains("events");
      events != nullptr && events->is_array()) {
    for (const auto& e : events->get_array())
      rows.push_back({field_text(e, "time"), field_text(e, "action"), field_text(e, "actor"),
                      field_text(e, "note")});
  }
  fmt::print(out, "{}", render_table({"TIME", "ACTION", "ACTOR", "NOTE"}, rows));
}

std::string rfc_path(const std::string& id) { return "/api/v1/rfcs/" + percent_encode(id); }

}  // namespace

Status rfc(CommandContext& context, const RfcOptions& options) {
  const std::string& action = options.action;
  json::object result;
  if (action == "ls") {
    TG_ASSIGN_OR_RETURN(result, list_all(context.http, options));
    if (!context.json) {
      std::vector<TableRow> rows;
      for (const auto& item : result.at("items").get_array())
        rows.push_back({field_text(item, "id"), field_text(item, "state"),
                        field_text(item, "category"), list_text(item, "cis"),
                        field_text(item, "title")});
      fmt::print(context.out, "{}",
                 render_table({"ID", "STATE", "CATEGORY", "CIS", "TITLE"}, rows));
      return {};
    }
  } else if (options.id.empty() && action != "create") {
    return invalid(fmt::format("rfc {}: name the RFC, e.g. rfc-1", action));
  } else if (action == "create") {
    TG_ASSIGN_OR_RETURN(const json::object body, create_body(options));
    TG_ASSIGN_OR_RETURN(result,
                        call(context.http, "POST", "/api/v1/rfcs", json::serialize(body), 201));
  } else if (action == "show") {
    TG_ASSIGN_OR_RETURN(result, call(context.http, "GET", rfc_path(options.id), "", 200));
  } else if (action == "edit") {
    TG_ASSIGN_OR_RETURN(const json::object body, edit_body(options));
    TG_ASSIGN_OR_RETURN(
        result, call(context.http, "PATCH", rfc_path(options.id), json::serialize(body), 200));
  } else if (action == "submit" || action == "approve" || action == "reject" ||
             action == "implement" || action == "review" || action == "close") {
    json::object body;
    if (!options.note.empty()) body["note"] = options.note;
    TG_ASSIGN_OR_RETURN(result, call(context.http, "POST", rfc_path(options.id) + "/" + action,
                                     json::serialize(body), 200));
  } else {
    return invalid(fmt::format("rfc: no action '{}'", action));
  }
  if (context.json)
    fmt::print(context.out, "{}\n", json::serialize(result));
  else
    print_rfc(context.out, result);
  return {};
}

}  // namespace tollgate::cli
