// `tollgate ci-type`: define, show and list CI types.
#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/ci.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return io_error(
        fmt::format("cannot open {}: {}", path, std::generic_category().message(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return io_error(fmt::format("cannot read {}", path));
  return text.str();
}

// The body of `ci-type create`: from the flags, or from --file.
Result<json::object> create_body(const CiTypeOptions& options) {
  if (options.file.empty()) return create_ci_type_body(options);
  TG_ASSIGN_OR_RETURN(const std::string text, read_text_file(options.file));
  return ci_type_body_from_file(options, text);
}

}  // namespace

Result<json::object> attribute_definition(std::string_view spec) {
  const std::vector<std::string_view> parts = split(spec, ':');
  const auto bad = [spec](std::string_view why) {
    return invalid(
        fmt::format("--attr '{}': {} (expected NAME:TYPE[:required][:V1|V2|...])", spec, why));
  };
  if (parts.size() < 2 || parts[0].empty() || parts[1].empty())
    return bad("NAME and TYPE are required");
  if (parts.size() > 4) return bad("too many ':' parts");
  json::object attribute{{"name", parts[0]}, {"type", parts[1]}, {"required", false}};
  for (std::size_t i = 2; i < parts.size(); ++i) {
    if (parts[i] == "required") {
      if (attribute.at("required").as_bool()) return bad("'required' is given twice");
      attribute["required"] = true;
      continue;
    }
    if (attribute.contains("values")) return bad("the values are given twice");
    json::array values;
    for (std::string_view value : split(parts[i], '|')) {
      if (value.empty()) return bad("an empty value");
      values.emplace_back(value);
    }
    attribute["values"] = std::move(values);
  }
  return attribute;
}

Result<json::object> create_ci_type_body(const CiTypeOptions& options) {
  if (!options.file.empty())
    return invalid("ci-type create: read --file with ci_type_body_from_file");
  if (options.name.empty()) return invalid("ci-type create: name the CI type, or give --file");
  json::array attributes;
  for (const auto& spec : options.attributes) {
    TG_ASSIGN_OR_RETURN(json::object attribute, attribute_definition(spec));
    attributes.emplace_back(std::move(attribute));
  }
  json::object body{{"name", options.name}};
  if (!options.description.empty()) body["description"] = options.description;
  body["attributes"] = std::move(attributes);
  return body;
}

Result<json::object> ci_type_body_from_file(const CiTypeOptions& options,
                                            std::string_view file_text) {
  if (!options.attributes.empty() || !options.description.empty())
    return invalid("ci-type create: --file holds the whole body; drop --attr and --description");
  boost::system::error_code ec;
  json::value parsed = json::parse(file_text, ec);
  if (ec || !parsed.is_object())
    return invalid(fmt::format("ci-type create: {} is not a JSON object", options.file));
  json::object body = std::move(parsed.as_object());
  const json::value* name = body.if_contains("name");
  if (!options.name.empty()) {
    if (name == nullptr) {
      body["name"] = options.name;
    } else if (!name->is_string() || name->get_string() != options.name) {
      return invalid(fmt::format("ci-type create: {} names the type {}, not '{}'", options.file,
                                 json::serialize(*name), options.name));
    }
  } else if (name == nullptr) {
    return invalid(
        fmt::format("ci-type create: name the CI type: {} has no \"name\"", options.file));
  }
  return body;
}

Status ci_type(CommandContext& context, const CiTypeOptions& options) {
  std::FILE* problem_out = context.problem_out();
  json::object result;
  if (options.action == "ls") {
    TG_ASSIGN_OR_RETURN(result, fetch_all_pages(context.http, "/api/v1/ci-types", {}, problem_out));
  } else if (options.action == "show") {
    if (options.name.empty()) return invalid("ci-type show: name the CI type");
    TG_ASSIGN_OR_RETURN(result, request_object(context.http, "GET",
                                               "/api/v1/ci-types/" + percent_encode(options.name),
                                               {}, 200, problem_out));
  } else if (options.action == "create") {
    TG_ASSIGN_OR_RETURN(const json::object body, create_body(options));
    TG_ASSIGN_OR_RETURN(result, request_object(context.http, "POST", "/api/v1/ci-types",
                                               json::serialize(body), 201, problem_out));
  } else {
    return invalid(fmt::format("ci-type: no action '{}'", options.action));
  }
  print_result(context, result,
               options.action == "ls" ? format_ci_type_list(result.at("items").get_array())
                                      : format_ci_type(result));
  return {};
}

}  // namespace tollgate::cli
