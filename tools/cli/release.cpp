// `tollgate release`: create a release, add items, documents and gate verdicts, promote it,
// back it out, read its VDD, show and list releases.
#include "cli/release.hpp"

#include <cerrno>
#include <cstdio>
#include <map>
#include <memory>
#include <system_error>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/api.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

bool is_problem(const client::HttpResponse& answer) {
  return answer.header("content-type").starts_with("application/problem+json");
}

// The answer's JSON object when its status is `expected`. Otherwise the problem as a Status,
// after printing the problem document on standard output when the user asked for JSON.
Result<json::object> call(CommandContext& context, std::string_view method,
                          const std::string& target, const std::string& body, unsigned expected) {
  TG_ASSIGN_OR_RETURN(const client::HttpResponse answer,
                      context.http.request(method, target, body));
  if (answer.status == expected) return json_object(answer);
  if (context.json && is_problem(answer)) fmt::print(context.out, "{}\n", answer.body);
  return problem_status(answer);
}

std::string release_path(const std::string& id) { return "/api/v1/releases/" + percent_encode(id); }

Result<std::string> read_all(std::FILE* in, const std::string& name) {
  std::string content;
  char buffer[1 << 16];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, in)) content.append(buffer, n);
  if (std::ferror(in)) return Status(Code::io, fmt::format("cannot read {}", name));
  return content;
}

// The document's content: the file, or standard input for "-".
Result<std::string> document_content(const std::string& file) {
  if (file == "-") return read_all(stdin, "standard input");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!in)
    return Status(Code::io,
                  fmt::format("cannot open {}: {}", file, std::generic_category().message(errno)));
  return read_all(in.get(), file);
}

Status write_output(const std::string& path, const std::string& content) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!out)
    return Status(Code::io,
                  fmt::format("cannot write {}: {}", path, std::generic_category().message(errno)));
  if (std::fwrite(content.data(), 1, content.size(), out.get()) != content.size() ||
      std::fflush(out.get()) != 0)
    return Status(Code::io,
                  fmt::format("cannot write {}: {}", path, std::generic_category().message(errno)));
  return {};
}

// Every page of the release list, merged into one "items" array.
Result<json::object> list_all(CommandContext& context, const ReleaseOptions& options) {
  std::string filter;
  if (!options.state.empty()) filter += "&state=" + percent_encode(options.state);
  if (!options.category_filter.empty())
    filter += "&category=" + percent_encode(options.category_filter);
  json::array items;
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    const std::string target = "/api/v1/releases?limit=1000" + filter +
                               (cursor.empty() ? "" : "&cursor=" + percent_encode(cursor));
    TG_ASSIGN_OR_RETURN(json::object body, call(context, "GET", target, "", 200));
    const json::value* page_items = body.if_contains("items");
    if (page_items == nullptr || !page_items->is_array())
      return invalid("the server's release list has no items");
    for (const auto& item : page_items->get_array()) items.push_back(item);
    const json::value* next = body.if_contains("next_cursor");
    if (next == nullptr || !next->is_string() || next->get_string().empty())
      return json::object{{"items", std::move(items)}, {"next_cursor", nullptr}};
    cursor = std::string(next->get_string());
  }
  return internal_error("the server's release list does not end");
}

// POST …/promote or …/backout; a refused promotion lists every unmet requirement.
Status move(CommandContext& context, const ReleaseOptions& options) {
  if (options.environment.empty())
    return invalid(fmt::format("release {}: --env is required", options.action));
  const std::string body = json::serialize(json::object{{"environment", options.environment}});
  TG_ASSIGN_OR_RETURN(
      const client::HttpResponse answer,
      context.http.request("POST", release_path(options.id) + "/" + options.action, body));
  if (answer.status != 200) {
    if (context.json && is_problem(answer)) {
      fmt::print(context.out, "{}\n", answer.body);
    } else if (auto problem = json_object(answer); problem.ok() && problem->contains("unmet")) {
      fmt::print(context.out, "{}", format_unmet(*problem));
    }
    return problem_status(answer);
  }
  TG_ASSIGN_OR_RETURN(const json::object result, json_object(answer));
  if (context.json)
    fmt::print(context.out, "{}\n", json::serialize(result));
  else
    fmt::print(context.out, "{}", format_promotion(result, options.action));
  return {};
}

// GET …/vdd as JSON or Markdown, to standard output or a file.
Status vdd(CommandContext& context, const ReleaseOptions& options) {
  client::Headers headers;
  if (options.markdown) headers.emplace_back("Accept", "text/markdown");
  TG_ASSIGN_OR_RETURN(const client::HttpResponse answer,
                      context.http.request("GET", release_path(options.id) + "/vdd", {}, headers));
  if (answer.status != 200) {
    if (context.json && is_problem(answer)) fmt::print(context.out, "{}\n", answer.body);
    return problem_status(answer);
  }
  std::string content = answer.body;
  if (!options.markdown) {
    TG_ASSIGN_OR_RETURN(const json::object document, json_object(answer));
    content = json::serialize(document);
  }
  if (!content.empty() && content.back() != '\n') content += '\n';
  if (!options.output.empty()) {
    TG_RETURN_IF_ERROR(write_output(options.output, content));
    if (!context.json)
      fmt::print(context.out, "wrote the VDD of {} to {}\n", options.id, options.output);
    return {};
  }
  fmt::print(context.out, "{}", content);
  return {};
}

// The request of an action that answers with the release: create, add, doc, gate, show.
Result<json::object> release_request(CommandContext& context, const ReleaseOptions& options) {
  const std::string& action = options.action;
  const std::string path = release_path(options.id);
  if (action == "create") {
    TG_ASSIGN_OR_RETURN(const json::object body, create_release_body(options));
    return call(context, "POST", "/api/v1/releases", json::serialize(body), 201);
  }
  if (action == "add") {
    TG_ASSIGN_OR_RETURN(const json::object body, add_item_body(options));
    return call(context, "POST", path + "/items", json::serialize(body), 200);
  }
  if (action == "doc") {
    if (options.file.empty()) return invalid("release doc: name the FILE, or - for stdin");
    TG_ASSIGN_OR_RETURN(std::string content, document_content(options.file));
    return call(context, "POST", path + "/documents",
                json::serialize(document_body(options, std::move(content))), 201);
  }
  if (action == "gate") {
    TG_ASSIGN_OR_RETURN(const json::object body, gate_body(options));
    return call(context, "POST", path + "/gates/" + percent_encode(options.gate),
                json::serialize(body), 201);
  }
  if (action == "reschedule" || action == "link") {
    TG_ASSIGN_OR_RETURN(const json::object body, correction_body(options));
    return call(context, "PATCH", path, json::serialize(body), 200);
  }
  if (action == "remove") {
    json::object body;
    if (!options.note.empty()) body["note"] = options.note;
    return call(context, "DELETE", path + "/items/" + percent_encode(options.ci),
                json::serialize(body), 200);
  }
  if (action == "cancel")
    return call(context, "POST", path + "/cancel",
                json::serialize(json::object{{"note", options.note}}), 200);
  if (action == "resolve")
    return call(context, "POST",
                path + "/known-errors/" + percent_encode(options.known_error) + "/resolve",
                json::serialize(json::object{{"resolution", options.resolution}}), 200);
  if (action == "show") return call(context, "GET", path, "", 200);
  return invalid(fmt::format("release: no action '{}'", action));
}

// Every page of the master schedule: the first page with the items and conflicts of all.
Result<json::object> schedule_pages(CommandContext& context, const std::string& query) {
  json::object merged;
  json::array items, conflicts;
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    const std::string target = "/api/v1/schedule" + (query.empty() ? "?" : query + "&") +
                               "limit=1000" +
                               (cursor.empty() ? "" : "&cursor=" + percent_encode(cursor));
    TG_ASSIGN_OR_RETURN(json::object body, call(context, "GET", target, "", 200));
    for (const auto& [key, into] : {std::pair{"items", &items}, {"conflicts", &conflicts}})
      if (const json::value* part = body.if_contains(key); part != nullptr && part->is_array())
        for (const auto& entry : part->get_array()) into->push_back(entry);
    const json::value* next = body.if_contains("next_cursor");
    const bool more = next != nullptr && next->is_string() && !next->get_string().empty();
    if (more) cursor = std::string(next->get_string());
    if (page == 0) merged = std::move(body);
    if (!more) {
      merged["items"] = std::move(items);
      merged["conflicts"] = std::move(conflicts);
      merged["next_cursor"] = nullptr;
      return merged;
    }
  }
  return internal_error("the server's schedule does not end");
}

}  // namespace

Status release(CommandContext& context, const ReleaseOptions& options) {
  const std::string& action = options.action;
  if (action == "ls") {
    TG_ASSIGN_OR_RETURN(const json::object list, list_all(context, options));
    if (context.json)
      fmt::print(context.out, "{}\n", json::serialize(list));
    else
      fmt::print(context.out, "{}", format_release_list(list.at("items").get_array()));
    return {};
  }
  if (action != "create" && options.id.empty())
    return invalid(fmt::format("release {}: name the release, e.g. rel-1", action));
  if (action == "promote" || action == "backout") return move(context, options);
  if (action == "vdd") return vdd(context, options);
  TG_ASSIGN_OR_RETURN(const json::object result, release_request(context, options));
  if (context.json)
    fmt::print(context.out, "{}\n", json::serialize(result));
  else
    fmt::print(context.out, "{}", format_release(result));
  return {};
}

Status schedule(CommandContext& context, const ReportOptions& options) {
  TG_ASSIGN_OR_RETURN(const std::string query, report_query(options));
  TG_ASSIGN_OR_RETURN(const json::object result, schedule_pages(context, query));
  if (context.json)
    fmt::print(context.out, "{}\n", json::serialize(result));
  else
    fmt::print(context.out, "{}", format_schedule(result));
  return {};
}

Status kpis(CommandContext& context, const ReportOptions& options) {
  TG_ASSIGN_OR_RETURN(const std::string query, report_query(options));
  TG_ASSIGN_OR_RETURN(const json::object result,
                      call(context, "GET", "/api/v1/reports/kpis" + query, "", 200));
  if (context.json)
    fmt::print(context.out, "{}\n", json::serialize(result));
  else
    fmt::print(context.out, "{}", format_kpis(result));
  return {};
}

}  // namespace tollgate::cli
