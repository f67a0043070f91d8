// Strict reading of JSON request bodies: malformed JSON, wrong types and unknown fields are
// refused with one invalid Status that lists every problem found.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>
#include <boost/json/object.hpp>

#include "tollgate/status.hpp"

namespace tollgate::server {

// Parses a body that must be one JSON object.
Result<boost::json::object> parse_object(std::string_view body);

// Reads the fields of one object. Each accessor marks its key as known; finish() reports every
// wrong type, missing required field and unknown field collected on the way.
class Fields {
 public:
  explicit Fields(const boost::json::object& object, std::string prefix = "");

  std::optional<std::string> string(std::string_view key, bool required = false);
  std::optional<bool> boolean(std::string_view key, bool required = false);
  std::optional<std::int64_t> integer(std::string_view key, bool required = false);
  const boost::json::object* object(std::string_view key, bool required = false);
  const boost::json::array* array(std::string_view key, bool required = false);
  std::optional<std::vector<std::string>> strings(std::string_view key, bool required = false);
  // Any value; null counts as present.
  const boost::json::value* value(std::string_view key, bool required = false);

  void error(std::string message);
  void merge(const Status& nested);  // adds a nested Fields' errors
  std::string path(std::string_view key) const;

  // ok, or invalid listing every problem.
  Status finish();

 private:
  const boost::json::value* find(std::string_view key, bool required);

  const boost::json::object& object_;
  std::string prefix_;
  std::set<std::string, std::less<>> known_;
  std::vector<std::string> errors_;
};

}  // namespace tollgate::server
