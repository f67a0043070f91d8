// Handlers of the system routes: health, metrics, API description.
#include <boost/json.hpp>

#include "server/http/handlers/handlers.hpp"
#include "server/http/openapi.hpp"
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
  // Counters and gauges only: nothing here scans the store (the tokenless route must stay
  // cheap); gauges that need a scan are refreshed by the server every minute. The upload usage
  // is the upload ledger's, in memory.
  if (auto uploads = ctx.app.uploads.usage(); uploads.ok())
    ctx.app.metrics.set_upload_usage(uploads->sessions, uploads->bytes);
  r.body = ctx.app.metrics.render(ctx.app.store.stats());
  return r;
}

Response openapi(Context& ctx) {
  return json_response(200, openapi_document(routes(), ctx.app.config));
}

}  // namespace tollgate::server::handlers
