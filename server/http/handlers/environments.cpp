// Handlers of environments, their manifests and artifacts, promotion, back-out and overdue PIRs.
#include <charconv>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/json_body.hpp"
#include "server/http/commands/release.hpp"
#include "server/http/handlers/handlers.hpp"
#include "server/http/render.hpp"

namespace tollgate::server::handlers {

namespace json = boost::json;

namespace {

// The environment named by a {"environment"} body.
Result<std::string> environment_of(const Context& ctx) {
  TG_ASSIGN_OR_RETURN(auto body, parse_object(ctx.request.body));
  return commands::parse_environment_target(body);
}

Response promotion_response(const Context& ctx, const PromotionResult& result) {
  return json_response(200, json::object{{"release", ctx.app.releases.to_json(result.release)},
                                         {"environment", result.manifest.environment},
                                         {"manifest_version", result.manifest.version},
                                         {"manifest", result.signed_manifest}});
}

Result<std::optional<std::uint64_t>> version_of(const Context& ctx) {
  auto text = ctx.query_value("version");
  if (!text) return std::optional<std::uint64_t>();
  std::uint64_t version = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), version);
  if (ec != std::errc() || end != text->data() + text->size() || text->empty())
    return invalid(fmt::format("version '{}' must be a manifest version number", *text));
  return std::optional<std::uint64_t>(version);
}

}  // namespace

Response list_environments(Context& ctx) {
  auto summaries = ctx.app.environments.list();
  if (!summaries) return problem(summaries.status());
  json::array items, order;
  for (const auto& summary : *summaries) {
    items.push_back(summary.to_json());
    order.push_back(json::value(summary.name));
  }
  return json_response(
      200, json::object{{"items", std::move(items)},
                        {"order", std::move(order)},
                        {"emergency_path", json::value_from(ctx.app.config.emergency.path)}});
}

Response get_manifest(Context& ctx) {
  auto version = version_of(ctx);
  if (!version) return problem(version.status());
  if (Status scope = check_environment_scope(ctx.principal, ctx.params.at(0)); !scope.ok())
    return problem(scope);
  auto manifest = ctx.app.environments.manifest(ctx.params.at(0), *version);
  if (!manifest) return problem(manifest.status());
  Response r = json_response(200, *manifest);
  r.header("Cache-Control", "no-store");
  return r;
}

Response get_environment_artifact(Context& ctx) {
  const std::string& environment = ctx.params.at(0);
  if (Status scope = check_environment_scope(ctx.principal, environment); !scope.ok())
    return problem(scope);
  auto deployed = ctx.app.environments.deployed(environment, ctx.params.at(1), ctx.params.at(2));
  if (!deployed) return problem(deployed.status());
  const auto& [entry, file] = *deployed;
  auto artifact = ctx.app.artifacts.get(Coordinate{entry.ci, entry.version, file.file});
  if (!artifact) return problem(artifact.status());
  if (artifact->sha256 != file.sha256)
    return problem(storage::corrupt_blob_error(
        file.sha256, fmt::format("the manifest of {} names it, the artifact record sha256:{}",
                                 environment, artifact->sha256)));
  Response r = serve_artifact(ctx, *artifact);
  r.header("X-Tollgate-Version", entry.version);
  r.header("X-Tollgate-Release", entry.release);
  return r;
}

Response promote_release(Context& ctx) {
  auto environment = environment_of(ctx);
  if (!environment) return problem(environment.status());
  auto result = ctx.app.promotion.promote(ctx.params.at(0), *environment, ctx.principal);
  if (!result) return problem(result.status());
  return promotion_response(ctx, *result);
}

Response backout_release(Context& ctx) {
  auto environment = environment_of(ctx);
  if (!environment) return problem(environment.status());
  auto result = ctx.app.promotion.backout(ctx.params.at(0), *environment, ctx.principal);
  if (!result) return problem(result.status());
  return promotion_response(ctx, *result);
}

Response overdue_pirs(Context& ctx) {
  auto page = parse_page(ctx.query_value("limit"), ctx.query_value("cursor"));
  if (!page) return problem(page.status());
  auto overdue = ctx.app.promotion.overdue_pirs(*page);
  if (!overdue) return problem(overdue.status());
  return page_response(*overdue, [](const OverduePir& pir) { return pir.to_json(); });
}

}  // namespace tollgate::server::handlers
