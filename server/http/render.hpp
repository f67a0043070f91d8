// Rendering helpers shared by the handlers.
#pragma once

#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "server/domain/pagination.hpp"
#include "server/http/http_types.hpp"
#include "server/http/problem.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

Response json_response(unsigned status, const boost::json::value& body);

// {"items": [...], "next_cursor": "..." | null}
template <typename T, typename ToJson>
Response page_response(const Page<T>& page, ToJson&& to_json) {
  boost::json::array items;
  items.reserve(page.items.size());
  for (const auto& item : page.items) items.emplace_back(to_json(item));
  boost::json::object body;
  body["items"] = std::move(items);
  body["next_cursor"] = page.next_after ? boost::json::value(encode_cursor(*page.next_after))
                                        : boost::json::value(nullptr);
  return json_response(200, body);
}

}  // namespace tollgate::server
