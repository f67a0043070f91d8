#include "server/domain/audit/pca_json_inventory.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

namespace tollgate::server {

namespace json = boost::json;

namespace {

constexpr std::size_t kReadChunk = 256 * 1024;

using Origin = InventoryOrigin;

// The handler of json::basic_parser for the JSON form {environment?, host?, files: [...]}: it
// follows the events as they stream in, keeping only the member being read and the current
// entry; each entry goes to the comparison when its object closes. The comparison is set up
// (request checks, manifest) when files begins. Any refusal is kept in error() and stops the
// parser.
class JsonInventory {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  // `open` answers the manifest for the request once environment and host are known.
  using Open = ManifestLookup;

  JsonInventory(PcaRequest query, Open open) : request_(std::move(query)), open_(std::move(open)) {}

  const Status& error() const { return error_; }
  // Only after a successful parse (files began, so the comparison exists).
  ComparedInventory take() {
    return ComparedInventory{std::move(request_), std::move(*comparison_)};
  }

  using error_code = boost::system::error_code;
  using string_view = json::string_view;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }

  bool on_object_begin(error_code& ec) {
    if (depth_ == 0) {
      depth_ = 1;
      return true;
    }
    if (depth_ == 2) {
      depth_ = 3;
      entry_ = 0;
      return true;
    }
    return wrong_type(ec);
  }

  bool on_object_end(std::size_t, error_code& ec) {
    if (depth_ == 3) {
      depth_ = 2;
      return end_entry(ec);
    }
    depth_ = 0;
    if (!files_begun_) return fail(ec, refuse_body("files: required"));
    return true;
  }

  bool on_array_begin(error_code& ec) {
    if (depth_ == 1 && member_ == Member::files) {
      depth_ = 2;
      return begin_files(ec);
    }
    return wrong_type(ec);
  }

  // Only files gets here: every other array is refused when it begins.
  bool on_array_end(std::size_t, error_code&) {
    depth_ = 1;
    return true;
  }

  bool on_key_part(string_view s, std::size_t, error_code& ec) { return append(s, true, ec); }
  bool on_key(string_view s, std::size_t, error_code& ec) {
    if (!append(s, true, ec)) return false;
    const bool ok = key(ec);
    text_.clear();
    return ok;
  }

  bool on_string_part(string_view s, std::size_t, error_code& ec) { return append(s, false, ec); }
  bool on_string(string_view s, std::size_t, error_code& ec) {
    if (!append(s, false, ec)) return false;
    const bool ok = string_value(ec);
    text_.clear();
    return ok;
  }

  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t i, string_view, error_code& ec) {
    if (depth_ != 3 || member_ != Member::size) return wrong_type(ec);
    if (i < 0) return fail(ec, refuse(Origin{true, index_}, "size: must not be negative"));
    return set(Member::size, ec, [&] { size_ = static_cast<std::uint64_t>(i); });
  }
  bool on_uint64(std::uint64_t, string_view, error_code& ec) {
    if (depth_ != 3 || member_ != Member::size) return wrong_type(ec);
    return fail(ec, refuse(Origin{true, index_}, "size: too large"));
  }
  bool on_double(double, string_view, error_code& ec) { return wrong_type(ec); }
  bool on_bool(bool, error_code& ec) { return wrong_type(ec); }
  bool on_null(error_code& ec) { return wrong_type(ec); }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

 private:
  // The members the form knows; depth 1 has the first three, an entry (depth 3) the others.
  enum class Member : unsigned {
    none = 0,
    environment = 1,
    host = 2,
    files = 4,
    path = 8,
    sha256 = 16,
    size = 32
  };

  static const char* name_of(Member m) {
    switch (m) {
      case Member::environment:
        return "environment";
      case Member::host:
        return "host";
      case Member::files:
        return "files";
      case Member::path:
        return "path";
      case Member::sha256:
        return "sha256";
      case Member::size:
        return "size";
      case Member::none:
        break;
    }
    return "";
  }

  static Status refuse_body(std::string_view message) {
    return invalid(fmt::format("inventory: {}", message)).with_reason(kInvalidInventoryReason);
  }

  bool fail(error_code& ec, Status status) {
    error_ = std::move(status);
    ec = json::error::exception;  // any error: error_ tells which
    return false;
  }

  // A value of the wrong kind (or in the wrong place) where the parser is.
  bool wrong_type(error_code& ec) {
    switch (depth_) {
      case 0:
        return fail(ec, refuse_body("must be a JSON object {environment, host, files: [...]}"));
      case 1:
        return fail(ec,
                    refuse_body(fmt::format("{}: must be {}", name_of(member_),
                                            member_ == Member::files ? "an array" : "a string")));
      case 2:
        return fail(ec, refuse(Origin{true, index_}, "must be an object"));
      default:
        return fail(ec, refuse(Origin{true, index_},
                               fmt::format("{}: must be {}", name_of(member_),
                                           member_ == Member::size ? "an integer" : "a string")));
    }
  }

  bool append(string_view s, bool is_key, error_code& ec) {
    if (text_.size() + s.size() <= kMaxInventoryString) {
      text_.append(s.data(), s.size());
      return true;
    }
    const std::string what = is_key ? std::string("a member name") : std::string(name_of(member_));
    const std::string message = fmt::format("{}: is longer than {} bytes",
                                            what.empty() ? "a string" : what, kMaxInventoryString);
    if (depth_ >= 2)
      return fail(ec, refuse(Origin{true, index_}, message,
                             !is_key && member_ == Member::path ? kInvalidPathReason
                                                                : kInvalidInventoryReason));
    return fail(ec, refuse_body(message));
  }

  bool key(error_code& ec) {
    if (depth_ == 1) {
      if (text_ == "environment")
        member_ = Member::environment;
      else if (text_ == "host")
        member_ = Member::host;
      else if (text_ == "files")
        member_ = Member::files;
      else
        return fail(ec, refuse_body(fmt::format("{}: unknown field", text_)));
      if (seen_ & static_cast<unsigned>(member_))
        return fail(ec, refuse_body(fmt::format("{}: given twice", text_)));
      seen_ |= static_cast<unsigned>(member_);
      if (files_begun_)  // environment or host after files: the manifest was already chosen
        return fail(ec, refuse_body(fmt::format("{} must come before files", text_)));
      return true;
    }
    if (text_ == "path")
      member_ = Member::path;
    else if (text_ == "sha256")
      member_ = Member::sha256;
    else if (text_ == "size")
      member_ = Member::size;
    else
      return fail(ec, refuse(Origin{true, index_}, fmt::format("{}: unknown field", text_)));
    if (entry_ & static_cast<unsigned>(member_))
      return fail(ec, refuse(Origin{true, index_}, fmt::format("{}: given twice", text_)));
    return true;
  }

  // Marks `m` of the current entry given and runs `store`.
  template <class F>
  bool set(Member m, error_code&, F store) {
    entry_ |= static_cast<unsigned>(m);
    store();
    return true;
  }

  bool string_value(error_code& ec) {
    if (depth_ == 1 && member_ == Member::environment) {
      if (text_.empty()) return fail(ec, refuse_body("environment: must not be empty"));
      environment_ = text_;
      return true;
    }
    if (depth_ == 1 && member_ == Member::host) {
      host_ = text_;
      return true;
    }
    if (depth_ == 3 && member_ == Member::path)
      return set(Member::path, ec, [&] { path_.assign(text_); });
    if (depth_ == 3 && member_ == Member::sha256)
      return set(Member::sha256, ec, [&] { sha256_.assign(text_); });
    return wrong_type(ec);
  }

  // Settles environment and host (body and query must agree), then asks for the manifest.
  bool begin_files(error_code& ec) {
    files_begun_ = true;
    auto settle = [&](const char* name, std::optional<std::string>& body,
                      std::string& request) -> Status {
      if (!body) return {};
      if (!request.empty() && request != *body)
        return invalid(
            fmt::format("{}: the query names '{}' and the body '{}'", name, request, *body));
      request = std::move(*body);
      return {};
    };
    if (Status st = settle("environment", environment_, request_.environment); !st.ok())
      return fail(ec, std::move(st));
    const bool host_named = host_.has_value() || !request_.host.empty();
    if (Status st = settle("host", host_, request_.host); !st.ok()) return fail(ec, std::move(st));
    if (request_.environment.empty() || !host_named)
      return fail(ec, invalid("a physical configuration audit needs environment and host before "
                              "files: in the body, or as ?environment=ENV&host=HOST"));
    auto manifest = open_(request_);
    if (!manifest) return fail(ec, manifest.status());
    comparison_.emplace(*manifest, request_.list_ok, request_.limits);
    return true;
  }

  bool end_entry(error_code& ec) {
    for (Member m : {Member::path, Member::sha256, Member::size})
      if (!(entry_ & static_cast<unsigned>(m)))
        return fail(ec, refuse(Origin{true, index_}, fmt::format("{}: required", name_of(m))));
    if (Status st = comparison_->add(Origin{true, index_}, InventoryEntry{path_, sha256_, size_});
        !st.ok())
      return fail(ec, std::move(st));
    ++index_;
    return true;
  }

  static Status refuse(const Origin& origin, std::string_view message,
                       const char* reason = kInvalidInventoryReason) {
    return refuse_inventory_entry(origin, message, reason);
  }

  PcaRequest request_;  // the query's, completed by the body when files begins
  Open open_;
  Status error_;
  std::optional<PcaComparison> comparison_;
  std::size_t depth_ = 0;         // containers open: 1 the body, 2 files, 3 an entry
  Member member_ = Member::none;  // the member whose value comes next
  std::string text_;              // the string or member name being read
  unsigned seen_ = 0;             // top-level members seen
  bool files_begun_ = false;
  std::optional<std::string> environment_;  // as the body named them
  std::optional<std::string> host_;
  // The current entry of files: its index, the members seen, their values.
  std::size_t index_ = 0;
  unsigned entry_ = 0;
  std::string path_;
  std::string sha256_;
  std::uint64_t size_ = 0;
};

// Feeds `body` to `parser` chunk by chunk, then ends the document. Refusals of the body's
// content come back as `refused` makes them.
template <class Refused>
Status parse_body(BodyReader& body, json::basic_parser<JsonInventory>& parser, Refused refused) {
  BodyBuffer buffer(body, kReadChunk);
  std::uint64_t offset = 0;  // of the chunk's first byte in the body
  // `at` is where the parser noticed the error: for a literal, an escape or a UTF-8 sequence
  // split across two reads that can be a few bytes past where it began, so the byte named may
  // depend on how the body arrived (the refusal does not).
  auto parse_error = [&](const boost::system::error_code& ec, std::size_t at) {
    if (Status st = parser.handler().error(); !st.ok()) return refused(std::move(st));
    std::string message = ec.message();
    if (ec == json::error::too_deep)
      message = fmt::format("nested deeper than {} levels", kMaxInventoryDepth);
    return refused(
        invalid(fmt::format("the inventory is not valid JSON at byte {}: {}", offset + at, message))
            .with_reason(kInvalidInventoryReason));
  };
  for (;;) {
    TG_ASSIGN_OR_RETURN(const std::size_t n, body.read(buffer.span()));
    if (n == 0) break;
    std::size_t used = 0;
    if (!parser.done()) {
      boost::system::error_code ec;
      used = parser.write_some(true, buffer.data(), n, ec);
      if (ec) return parse_error(ec, used);
    }
    // After the document only white space may follow.
    const std::string_view rest(buffer.data() + used, n - used);
    const auto extra = rest.find_first_not_of(" \t\r\n");
    if (extra != std::string_view::npos)
      return refused(invalid(fmt::format("the inventory has data after the JSON document at "
                                         "byte {}",
                                         offset + used + extra))
                         .with_reason(kInvalidInventoryReason));
    offset += n;
  }
  if (!parser.done()) {
    boost::system::error_code ec;
    parser.write_some(false, nullptr, 0, ec);
    if (ec) return parse_error(ec, 0);
  }
  return {};
}

}  // namespace

Result<ComparedInventory> read_json_inventory(BodyReader& body, const PcaRequest& query,
                                              const ManifestLookup& lookup) {
  json::parse_options options;
  options.max_depth = kMaxInventoryDepth;
  json::basic_parser<JsonInventory> parser(options, query, lookup);
  // A refusal of the body's content (not of reading it): the rest of the body is drained.
  auto refused = [&](Status st) {
    drain_inventory(body);
    return st;
  };
  TG_RETURN_IF_ERROR(parse_body(body, parser, refused));
  return parser.handler().take();
}

}  // namespace tollgate::server
