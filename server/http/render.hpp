// Rendering helpers shared by the handlers.
#pragma once

#include <string>
#include <utility>
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

// {"items": [...], "next_cursor": "..." | null}, for a listing to add its own members to.
template <typename T, typename ToJson>
boost::json::object page_body(const Page<T>& page, ToJson&& to_json) {
  boost::json::array items;
  items.reserve(page.items.size());
  for (const auto& item : page.items) items.emplace_back(to_json(item));
  boost::json::object body;
  body["items"] = std::move(items);
  body["next_cursor"] = page.next_after ? boost::json::value(encode_cursor(*page.next_after))
                                        : boost::json::value(nullptr);
  return body;
}

// 200 with page_body(page, to_json).
template <typename T, typename ToJson>
Response page_response(const Page<T>& page, ToJson&& to_json) {
  return json_response(200, page_body(page, std::forward<ToJson>(to_json)));
}

}  // namespace tollgate::server
