#include "server/domain/cmdb/document_index.hpp"

#include <boost/json.hpp>

namespace tollgate::server {

namespace json = boost::json;

std::string document_record_json(const Document& d, Micros indexed_at) {
  json::object o = d.to_json();
  o["indexed_at"] = format_rfc3339(indexed_at);
  return json::serialize(o);
}

std::optional<Document> document_record_from_json(std::string_view stored) {
  boost::system::error_code ec;
  const json::value v = json::parse(stored, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  if (!o) return std::nullopt;
  auto text = [&](std::string_view key) {
    const json::value* f = o->if_contains(key);
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
  };
  auto number = [&](std::string_view key) -> std::uint64_t {
    const json::value* f = o->if_contains(key);
    if (f && f->is_uint64()) return f->get_uint64();
    if (f && f->is_int64() && f->get_int64() >= 0)
      return static_cast<std::uint64_t>(f->get_int64());
    return 0;
  };
  Document d;
  d.latest = DocumentVersion{text("ci"), text("name"),
                             DocumentRevision{text("commit"),
                                              text("blob"),
                                              text("updated_by"),
                                              {},
                                              parse_rfc3339(text("updated_at")).value_or(0),
                                              {},
                                              text("media_type")},
                             text("sha256"), number("size")};
  d.versions = number("versions");
  if (d.latest.revision.commit.empty() || d.latest.revision.blob.empty()) return std::nullopt;
  return d;
}

}  // namespace tollgate::server
