#include "server/http/commands/cmdb.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/json_body.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server::commands {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxNameLength = 256;
constexpr std::size_t kMaxAttributes = 256;
constexpr std::size_t kMaxEnumValues = 1024;
constexpr std::size_t kMaxText = 4096;

bool has_control_chars(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

void check_text(Fields& f, const std::optional<std::string>& v, std::string_view key,
                bool nonempty) {
  if (!v) return;
  if (nonempty && v->empty()) f.error(fmt::format("{}: must not be empty", key));
  if (v->size() > kMaxNameLength)
    f.error(fmt::format("{}: at most {} characters", key, kMaxNameLength));
  if (has_control_chars(*v)) f.error(fmt::format("{}: must not contain control characters", key));
}

std::optional<CiStatus> read_status(Fields& f, const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  auto status = parse_status(*s);
  if (!status)
    f.error(
        fmt::format("status: '{}' is not one of ordered, received, under_test, live, "
                    "under_repair, withdrawn, disposed",
                    *s));
  return status;
}

// "owner": a string, or null for none; anything else is an error.
std::optional<std::string> owner_of(Fields& f, const json::value* owner) {
  if (!owner) return std::nullopt;
  if (owner->is_string()) return std::string(owner->get_string());
  if (owner->is_null()) return std::string();
  f.error("owner: must be a string or null");
  return std::nullopt;
}

}  // namespace

Result<CiType> parse_ci_type(const json::object& body) {
  Fields f(body);
  CiType t;
  auto name = f.string("name", true);
  auto description = f.string("description");
  const json::array* attrs = f.array("attributes", true);
  if (name && !is_slug(*name)) f.error("name: must be a slug of [a-z0-9._-], 1..128 characters");
  if (description && description->size() > kMaxText) f.error("description: too long");
  if (attrs && attrs->size() > kMaxAttributes) f.error("attributes: at most 256 attributes");
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; attrs && i < attrs->size() && i < kMaxAttributes; ++i) {
    const std::string where = fmt::format("attributes[{}]", i);
    if (!(*attrs)[i].is_object()) {
      f.error(where + ": must be an object");
      continue;
    }
    Fields af((*attrs)[i].get_object(), where);
    AttributeDef def;
    auto aname = af.string("name", true);
    auto kind = af.string("type", true);
    auto required = af.boolean("required");
    auto values = af.strings("values");
    if (aname && !is_slug(*aname)) af.error(where + ".name: must be a slug of [a-z0-9._-]");
    if (aname && !seen.insert(*aname).second)
      af.error(where + ".name: '" + *aname + "' is defined twice");
    if (kind) {
      if (auto k = parse_attr_kind(*kind)) {
        def.kind = *k;
      } else {
        af.error(
            fmt::format("{}.type: '{}' is not one of string, int, bool, enum, ref", where, *kind));
      }
    }
    if (def.kind == AttrKind::enumeration) {
      if (!values || values->empty()) af.error(where + ".values: an enum needs its values");
      if (values && values->size() > kMaxEnumValues) af.error(where + ".values: too many");
    } else if (values) {
      af.error(where + ".values: only an enum has values");
    }
    f.merge(af.finish());
    def.name = aname.value_or("");
    def.required = required.value_or(false);
    if (values) def.values = std::move(*values);
    t.attributes.push_back(std::move(def));
  }
  TG_RETURN_IF_ERROR(f.finish());
  t.name = std::move(*name);
  t.description = description.value_or("");
  return t;
}

Result<CreateCi> parse_create_ci(const json::object& body) {
  Fields f(body);
  auto id = f.string("id", true);
  auto type = f.string("type", true);
  auto name = f.string("name", true);
  auto owner = f.string("owner");
  auto status = read_status(f, f.string("status"));
  auto controlled = f.boolean("controlled");
  const json::object* attributes = f.object("attributes");
  if (id && !is_slug(*id)) f.error("id: must be a slug of [a-z0-9._-], 1..128 characters");
  check_text(f, name, "name", true);
  check_text(f, owner, "owner", false);
  if (status == CiStatus::disposed) f.error("status: a CI cannot be created disposed");
  TG_RETURN_IF_ERROR(f.finish());
  CreateCi command;
  command.id = std::move(*id);
  command.type = std::move(*type);
  command.name = std::move(*name);
  command.owner = owner.value_or("");
  command.status = status.value_or(CiStatus::ordered);
  command.controlled = controlled.value_or(false);
  if (attributes) command.attributes = *attributes;
  return command;
}

Result<CiPatch> parse_ci_patch(const json::object& body) {
  Fields f(body);
  CiPatch patch;
  patch.name = f.string("name");
  const json::value* owner = f.value("owner");
  patch.status = read_status(f, f.string("status"));
  patch.controlled = f.boolean("controlled");
  if (const json::object* attributes = f.object("attributes")) patch.attributes = *attributes;
  patch.rfc = f.string("rfc");
  patch.owner = owner_of(f, owner);
  check_text(f, patch.name, "name", true);
  check_text(f, patch.owner, "owner", false);
  if (patch.rfc && !is_slug(*patch.rfc)) f.error("rfc: must be the id of an RFC");
  TG_RETURN_IF_ERROR(f.finish());
  return patch;
}

Result<RelationshipChange> parse_relationship_change(const json::object& body) {
  Fields f(body);
  auto from = f.string("from", true);
  auto type = f.string("type", true);
  auto to = f.string("to", true);
  auto rfc = f.string("rfc");
  if (rfc && !is_slug(*rfc)) f.error("rfc: must be the id of an RFC");
  RelationshipChange t;
  t.rfc = rfc;
  if (type) {
    if (auto rt = parse_rel_type(*type))
      t.type = *rt;
    else
      f.error(
          fmt::format("type: '{}' is not one of depends_on, runs_on, part_of, contains, "
                      "documented_by, installed_in",
                      *type));
  }
  if (from && to && *from == *to) f.error("to: a CI cannot be related to itself");
  TG_RETURN_IF_ERROR(f.finish());
  t.from = std::move(*from);
  t.to = std::move(*to);
  return t;
}

Result<DocumentWriteBody> parse_document_write(const json::object& body) {
  Fields f(body);
  auto content = f.string("content", true);
  DocumentWriteBody out;
  out.message = f.string("message");
  out.media_type = f.string("media_type");
  out.rfc = f.string("rfc");
  TG_RETURN_IF_ERROR(f.finish());
  out.content = std::move(*content);
  return out;
}

}  // namespace tollgate::server::commands
