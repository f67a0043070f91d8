// Handlers of the release routes (server/domain/release/releases.hpp has the semantics): creation,
// lists, items, documents, known errors, gate records and corrections. Each body is parsed into
// a command (server/http/commands/release.hpp); roles are policy and checked by the service.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/json_body.hpp"
#include "server/domain/release/releases.hpp"
#include "server/domain/release/schedule.hpp"
#include "server/http/commands/release.hpp"
#include "server/http/handlers/handlers.hpp"
#include "server/http/render.hpp"

namespace tollgate::server::handlers {

namespace json = boost::json;

namespace {

constexpr const char* kStates[] = {"planned", "in_progress", "deployed", "backed_out", "cancelled"};

Response release_response(const Context& ctx, unsigned status, const Result<Release>& release) {
  if (!release) return problem(release.status());
  Response r = json_response(status, ctx.app.releases.to_json(*release));
  if (status == 201 && ctx.params.empty())
    r.header("Location", fmt::format("/api/v1/releases/{}", release->id));
  return r;
}

Result<ReleaseFilter> filter_of(const Context& ctx) {
  ReleaseFilter filter;
  if (auto state = ctx.query_value("state")) {
    if (std::find(std::begin(kStates), std::end(kStates), *state) == std::end(kStates))
      return invalid(fmt::format(
          "state: '{}' is not one of planned, in_progress, deployed, backed_out, cancelled",
          *state));
    filter.state = std::string(*state);
  }
  if (auto category = ctx.query_value("category")) {
    filter.category = parse_release_category(*category);
    if (!filter.category)
      return invalid(
          fmt::format("category: '{}' is not one of scheduled, unscheduled, emergency", *category));
  }
  return filter;
}

// The request's JSON object parsed into a command by `parse`.
template <typename Parse>
auto command_of(const Context& ctx, Parse&& parse) -> decltype(parse(json::object())) {
  auto body = parse_object(ctx.request.body);
  if (!body) return body.status();
  return parse(*body);
}

}  // namespace

Response list_releases(Context& ctx) {
  auto page = parse_page(ctx.query_value("limit"), ctx.query_value("cursor"));
  if (!page) return problem(page.status());
  auto filter = filter_of(ctx);
  if (!filter) return problem(filter.status());
  auto releases = ctx.app.releases.list(*filter, *page);
  if (!releases) return problem(releases.status());
  return page_response(*releases, [&](const Release& r) { return ctx.app.releases.to_json(r); });
}

Response create_release(Context& ctx) {
  auto command = command_of(ctx, [&](const json::object& body) {
    return commands::parse_create_release(body, ctx.app.config);
  });
  if (!command) return problem(command.status());
  return release_response(ctx, 201, ctx.app.releases.create(*command, ctx.principal));
}

Response get_release(Context& ctx) {
  return release_response(ctx, 200, ctx.app.releases.get(ctx.params[0]));
}

Response add_release_item(Context& ctx) {
  auto command = command_of(ctx, commands::parse_release_item);
  if (!command) return problem(command.status());
  return release_response(ctx, 200,
                          ctx.app.releases.add_item(ctx.params[0], *command, ctx.principal));
}

Response add_release_document(Context& ctx) {
  auto command = command_of(ctx, commands::parse_release_document);
  if (!command) return problem(command.status());
  return release_response(ctx, 201,
                          ctx.app.releases.add_document(ctx.params[0], *command, ctx.principal));
}

Response get_release_document(Context& ctx) {
  auto document = ctx.app.releases.document(ctx.params[0], ctx.params[1]);
  if (!document) return problem(document.status());
  Response r;
  r.content_type = document->document.media_type.empty() ? "application/octet-stream"
                                                         : document->document.media_type;
  r.body = std::move(document->content);
  r.header("X-Tollgate-Commit", document->document.commit);
  r.header("X-Tollgate-Blob", document->document.blob);
  r.header("X-Tollgate-Document-Kind", document->document.kind);
  r.header("X-Content-Type-Options", "nosniff");
  r.header("Content-Security-Policy", "sandbox");
  return r;
}

Response add_known_error(Context& ctx) {
  auto command = command_of(ctx, commands::parse_known_error);
  if (!command) return problem(command.status());
  return release_response(ctx, 201,
                          ctx.app.releases.add_known_error(ctx.params[0], *command, ctx.principal));
}

Response record_gate(Context& ctx) {
  auto command = command_of(ctx, commands::parse_gate_record);
  if (!command) return problem(command.status());
  auto release =
      ctx.app.releases.record_gate(ctx.params[0], ctx.params[1], *command, ctx.principal);
  if (!release || ctx.params[1] != "rrr") return release_response(ctx, 201, release);
  // The release readiness review sees the schedule conflicts of the release.
  json::object o = ctx.app.releases.to_json(*release);
  auto conflicts = release_conflicts(ctx.app.store, ctx.app.config, release->id);
  if (!conflicts) return problem(conflicts.status());
  json::array listed;
  for (const ScheduleConflict& c : *conflicts) listed.emplace_back(c.to_json());
  o["conflicts"] = std::move(listed);
  return json_response(201, o);
}

Response correct_release(Context& ctx) {
  auto patch = command_of(ctx, [&](const json::object& body) {
    return commands::parse_release_patch(body, ctx.app.config);
  });
  if (!patch) return problem(patch.status());
  return release_response(ctx, 200, ctx.app.releases.correct(ctx.params[0], *patch, ctx.principal));
}

Response remove_release_item(Context& ctx) {
  // The body ({note}) is optional.
  auto command = ctx.request.body.empty() ? Result<ReleaseNote>(ReleaseNote{})
                                          : command_of(ctx, [](const json::object& body) {
                                              return commands::parse_release_note(body, false);
                                            });
  if (!command) return problem(command.status());
  return release_response(
      ctx, 200,
      ctx.app.releases.remove_item(ctx.params[0], ctx.params[1], *command, ctx.principal));
}

Response cancel_release(Context& ctx) {
  auto command = command_of(
      ctx, [](const json::object& body) { return commands::parse_release_note(body, true); });
  if (!command) return problem(command.status());
  return release_response(ctx, 200,
                          ctx.app.releases.cancel(ctx.params[0], *command, ctx.principal));
}

Response resolve_known_error(Context& ctx) {
  auto command = command_of(ctx, commands::parse_known_error_resolution);
  if (!command) return problem(command.status());
  return release_response(
      ctx, 200,
      ctx.app.releases.resolve_known_error(ctx.params[0], ctx.params[1], *command, ctx.principal));
}

}  // namespace tollgate::server::handlers
