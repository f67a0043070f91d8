// The CMDB's records: CI types with attribute schemas, CIs and their lifecycle statuses.
//
// Records are stored as the same JSON the API shows (to_json); from_json reads a stored record
// back and answers corrupt when it cannot.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "tollgate/enum_names.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

enum class AttrKind { string, integer, boolean, enumeration, ref };

inline constexpr EnumName<AttrKind> kAttrKindNames[] = {
    {AttrKind::string, "string"},    {AttrKind::integer, "int"}, {AttrKind::boolean, "bool"},
    {AttrKind::enumeration, "enum"}, {AttrKind::ref, "ref"},
};
constexpr std::span<const EnumName<AttrKind>> enum_names(AttrKind) { return kAttrKindNames; }
inline const char* attr_kind_name(AttrKind kind) { return name_of(kind); }
inline std::optional<AttrKind> parse_attr_kind(std::string_view name) {
  return parse_name<AttrKind>(name);
}

struct AttributeDef {
  std::string name;
  AttrKind kind = AttrKind::string;
  bool required = false;
  std::vector<std::string> values;  // the allowed values of an enum
};

struct CiType {
  std::string name;
  std::string description;
  std::vector<AttributeDef> attributes;
  Micros created_at = 0;
  std::string created_by;

  const AttributeDef* attribute(std::string_view attr) const;
  boost::json::object to_json() const;
  static Result<CiType> from_json(std::string_view stored);
};

// The lifecycle of a CI (seed plan, configuration status accounting).
enum class CiStatus { ordered, received, under_test, live, under_repair, withdrawn, disposed };

inline constexpr EnumName<CiStatus> kCiStatusNames[] = {
    {CiStatus::ordered, "ordered"},           {CiStatus::received, "received"},
    {CiStatus::under_test, "under_test"},     {CiStatus::live, "live"},
    {CiStatus::under_repair, "under_repair"}, {CiStatus::withdrawn, "withdrawn"},
    {CiStatus::disposed, "disposed"},
};
constexpr std::span<const EnumName<CiStatus>> enum_names(CiStatus) { return kCiStatusNames; }
inline const char* status_name(CiStatus status) { return name_of(status); }
inline std::optional<CiStatus> parse_status(std::string_view name) {
  return parse_name<CiStatus>(name);
}
// Whether a CI may move from one status to another. disposed is final.
bool transition_allowed(CiStatus from, CiStatus to);
// "received, withdrawn": the statuses reachable from `from`, for error messages.
std::string allowed_transitions(CiStatus from);

struct Ci {
  std::string id;
  std::string type;
  std::string name;
  std::string owner;
  CiStatus status = CiStatus::ordered;
  bool controlled = false;
  boost::json::object attributes;
  std::uint64_t revision = 0;
  Micros created_at = 0;
  Micros updated_at = 0;

  boost::json::object to_json() const;
  static Result<Ci> from_json(std::string_view stored);
  static Result<Ci> from_json(const boost::json::value& value);
};

// Checks `attributes` against the type's schema: unknown names, wrong value types, enum values
// not listed, missing required attributes, refs to CIs for which `ci_exists` says no. Appends
// one message per problem to `errors`, each prefixed with "attributes.<name>".
void validate_attributes(const CiType& type, const boost::json::object& attributes,
                         const std::function<bool(std::string_view)>& ci_exists,
                         std::vector<std::string>& errors);

}  // namespace tollgate::server
