#include "server/http/render.hpp"

#include <boost/json.hpp>

namespace tollgate::server {

Response json_response(unsigned status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = boost::json::serialize(body);
  return r;
}

}  // namespace tollgate::server
