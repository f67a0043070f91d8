// Handlers of the system routes: health, metrics, API description.
#include <boost/json.hpp>

#include "server/http/handlers/handlers.hpp"
#include "server/http/render.hpp"
#include "server/http/route_table.hpp"

namespace tollgate::server::handlers {

namespace json = boost::json;

Response healthz(Context& ctx) {
  Status st = ctx.app.store.read([](storage::ReadTxn& txn) {
    (void)txn.count(storage::Table::meta);
    return Status();
  });
  if (!st.ok())
    return problem(Status(Code::unavailable, "the store is not readable: " + st.message()));
  json::object body;
  body["status"] = "ok";
  return json_response(200, body);
}

Response metrics(Context& ctx) {
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  if (auto overdue = ctx.app.promotion.count_overdue_pirs(); overdue.ok())
    ctx.app.metrics.set_pirs_overdue(*overdue);
  r.body = ctx.app.metrics.render(ctx.app.store.stats());
  return r;
}

Response openapi(Context& ctx) {
  json::object paths;
  for (const Route& route : routes()) {
    std::string method(route.method);
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    json::object op;
    op["summary"] = route.summary;
    if (route.allow.needs_token())
      op["security"] = json::array{json::object{{"bearer", json::array{}}}};
    json::array roles;
    if (route.allow.needs_token())
      for (Role r : route.allow.roles(ctx.app.config).roles()) roles.emplace_back(role_name(r));
    op["x-roles"] = std::move(roles);
    json::object responses;
    responses["default"] =
        json::object{{"description", "application/json, or application/problem+json on error"}};
    op["responses"] = std::move(responses);
    auto& entry = paths[route.pattern];
    if (!entry.is_object()) entry = json::object{};
    entry.as_object()[method] = std::move(op);
  }
  json::object doc;
  doc["openapi"] = "3.0.3";
  doc["info"] = json::object{{"title", "Tollgate"}, {"version", "1"}};
  doc["components"] = json::object{
      {"securitySchemes",
       json::object{{"bearer", json::object{{"type", "http"}, {"scheme", "bearer"}}}}}};
  doc["paths"] = std::move(paths);
  return json_response(200, doc);
}

}  // namespace tollgate::server::handlers
