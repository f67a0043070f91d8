#include "server/domain/cmdb/cmdb_model.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/record_fields.hpp"

namespace tollgate::server {

namespace json = boost::json;

namespace {

using namespace record_fields;
constexpr std::size_t kMaxText = 4096;

constexpr CiStatus kStatuses[] = {CiStatus::ordered, CiStatus::received,     CiStatus::under_test,
                                  CiStatus::live,    CiStatus::under_repair, CiStatus::withdrawn,
                                  CiStatus::disposed};

Result<json::value> parse_stored(std::string_view stored) {
  boost::system::error_code ec;
  json::value v = json::parse(stored, ec);
  if (ec || !v.is_object()) return Status(Code::corrupt, "a stored record is not a JSON object");
  return v;
}

}  // namespace

const AttributeDef* CiType::attribute(std::string_view attr) const {
  for (const auto& a : attributes)
    if (a.name == attr) return &a;
  return nullptr;
}

json::object CiType::to_json() const {
  json::object o;
  o["name"] = name;
  o["description"] = description;
  json::array attrs;
  for (const auto& a : attributes) {
    json::object ao;
    ao["name"] = a.name;
    ao["type"] = attr_kind_name(a.kind);
    ao["required"] = a.required;
    if (a.kind == AttrKind::enumeration) {
      json::array values;
      for (const auto& v : a.values) values.emplace_back(v);
      ao["values"] = std::move(values);
    }
    attrs.emplace_back(std::move(ao));
  }
  o["attributes"] = std::move(attrs);
  o["created_at"] = format_rfc3339(created_at);
  o["created_by"] = created_by;
  return o;
}

Result<CiType> CiType::from_json(std::string_view stored) {
  TG_ASSIGN_OR_RETURN(json::value v, parse_stored(stored));
  const auto& o = v.get_object();
  CiType t;
  t.name = str(o, "name");
  t.description = str(o, "description");
  t.created_at = time_field(o, "created_at");
  t.created_by = str(o, "created_by");
  const json::value* attrs = o.if_contains("attributes");
  if (!attrs || !attrs->is_array())
    return Status(Code::corrupt, "a stored CI type has no attributes");
  for (const auto& a : attrs->get_array()) {
    if (!a.is_object()) return Status(Code::corrupt, "a stored CI type attribute is malformed");
    const auto& ao = a.get_object();
    AttributeDef def;
    def.name = str(ao, "name");
    def.kind = parse_attr_kind(str(ao, "type")).value_or(AttrKind::string);
    const json::value* req = ao.if_contains("required");
    def.required = req && req->is_bool() && req->get_bool();
    if (const json::value* values = ao.if_contains("values"); values && values->is_array())
      for (const auto& e : values->get_array())
        if (e.is_string()) def.values.emplace_back(e.get_string());
    t.attributes.push_back(std::move(def));
  }
  return t;
}

bool transition_allowed(CiStatus from, CiStatus to) {
  using S = CiStatus;
  if (from == to) return true;
  switch (from) {
    case S::ordered:
      return to == S::received || to == S::withdrawn;
    case S::received:
      return to == S::under_test || to == S::live || to == S::withdrawn;
    case S::under_test:
      return to == S::live || to == S::under_repair || to == S::withdrawn;
    case S::live:
      return to == S::under_repair || to == S::under_test || to == S::withdrawn;
    case S::under_repair:
      return to == S::under_test || to == S::live || to == S::withdrawn;
    case S::withdrawn:
      return to == S::live || to == S::disposed;
    case S::disposed:
      return false;
  }
  return false;
}

std::string allowed_transitions(CiStatus from) {
  std::string out;
  for (CiStatus s : kStatuses) {
    if (s == from || !transition_allowed(from, s)) continue;
    if (!out.empty()) out += ", ";
    out += status_name(s);
  }
  return out.empty() ? "none" : out;
}

json::object Ci::to_json() const {
  json::object o;
  o["id"] = id;
  o["type"] = type;
  o["name"] = name;
  o["owner"] = owner;
  o["status"] = status_name(status);
  o["controlled"] = controlled;
  o["attributes"] = attributes;
  o["revision"] = revision;
  o["created_at"] = format_rfc3339(created_at);
  o["updated_at"] = format_rfc3339(updated_at);
  return o;
}

Result<Ci> Ci::from_json(std::string_view stored) {
  TG_ASSIGN_OR_RETURN(json::value v, parse_stored(stored));
  return from_json(v);
}

Result<Ci> Ci::from_json(const json::value& v) {
  if (!v.is_object()) return Status(Code::corrupt, "a stored CI is not an object");
  const auto& o = v.get_object();
  Ci ci;
  ci.id = str(o, "id");
  ci.type = str(o, "type");
  ci.name = str(o, "name");
  ci.owner = str(o, "owner");
  auto status = parse_status(str(o, "status"));
  const json::value* rev = o.if_contains("revision");
  const json::value* attrs = o.if_contains("attributes");
  if (ci.id.empty() || !status || !rev || !rev->is_number() || !attrs || !attrs->is_object())
    return Status(Code::corrupt, fmt::format("the stored CI '{}' is malformed", ci.id));
  ci.status = *status;
  const json::value* controlled = o.if_contains("controlled");
  ci.controlled = controlled && controlled->is_bool() && controlled->get_bool();
  ci.attributes = attrs->get_object();
  ci.revision = rev->to_number<std::uint64_t>();
  ci.created_at = time_field(o, "created_at");
  ci.updated_at = time_field(o, "updated_at");
  return ci;
}

void validate_attributes(const CiType& type, const json::object& attributes,
                         const std::function<bool(std::string_view)>& ci_exists,
                         std::vector<std::string>& errors) {
  for (const auto& kv : attributes) {
    const std::string where = fmt::format("attributes.{}", std::string_view(kv.key()));
    const AttributeDef* def = type.attribute(kv.key());
    if (!def) {
      errors.push_back(fmt::format("{}: type '{}' has no such attribute", where, type.name));
      continue;
    }
    const json::value& v = kv.value();
    switch (def->kind) {
      case AttrKind::string:
        if (!v.is_string())
          errors.push_back(where + ": must be a string");
        else if (v.get_string().size() > kMaxText)
          errors.push_back(where + ": too long");
        break;
      case AttrKind::integer:
        if (!v.is_int64() && !v.is_uint64()) errors.push_back(where + ": must be an integer");
        break;
      case AttrKind::boolean:
        if (!v.is_bool()) errors.push_back(where + ": must be true or false");
        break;
      case AttrKind::enumeration:
        if (!v.is_string() || std::find(def->values.begin(), def->values.end(),
                                        std::string_view(v.get_string())) == def->values.end())
          errors.push_back(
              fmt::format("{}: must be one of {}", where, fmt::join(def->values, ", ")));
        break;
      case AttrKind::ref:
        if (!v.is_string())
          errors.push_back(where + ": must be the id of a CI");
        else if (!ci_exists(v.get_string()))
          errors.push_back(
              fmt::format("{}: no CI '{}' exists", where, std::string_view(v.get_string())));
        break;
    }
  }
  for (const auto& def : type.attributes)
    if (def.required && !attributes.contains(def.name))
      errors.push_back(fmt::format("attributes.{}: required by type '{}'", def.name, type.name));
}

}  // namespace tollgate::server
