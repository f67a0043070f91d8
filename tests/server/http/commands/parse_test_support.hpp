// What every parser test needs: a body from text, and the list of problems a refusal carries.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "server/domain/json_body.hpp"
#include "tollgate/status.hpp"

namespace tollgate::testing {

inline boost::json::object body(std::string_view text) {
  auto o = server::parse_object(text);
  REQUIRE(o.ok());
  return std::move(o).value();
}

// The problems of a refused parse; fails the test when it was accepted or not invalid.
template <typename T>
std::vector<std::string> refusal(const Result<T>& parsed) {
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == Code::invalid);
  CHECK(parsed.status().reason() == "validation");
  return parsed.status().items();
}

}  // namespace tollgate::testing
