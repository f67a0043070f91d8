#include "server/http/request_target.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/url_view.hpp>

namespace tollgate::server {

namespace {

// The path split at each '/' and decoded. Not url_view::segments(), which hides a leading "/."
// (so that "/.//a" reads as "//a"): a segment for each '/' is what body_kind() and every
// placeholder rely on.
std::vector<std::string> decoded_segments(std::string_view encoded_path) {
  std::vector<std::string> out;
  while (!encoded_path.empty()) {
    encoded_path.remove_prefix(1);  // '/'
    const std::size_t slash = encoded_path.find('/');
    // Checked by the parse: each piece between slashes is a valid percent-encoded string.
    out.push_back(boost::urls::make_pct_string_view(encoded_path.substr(0, slash))->decode());
    encoded_path.remove_prefix(slash == std::string_view::npos ? encoded_path.size() : slash);
  }
  return out;
}

}  // namespace

Result<RequestTarget> parse_request_target(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return invalid("the request target is not a valid path");
  RequestTarget out;
  out.segments = decoded_segments(url->encoded_path());
  for (auto param : url->params()) out.query.emplace_back(param.key, param.value);
  out.path = url->path();
  return out;
}

}  // namespace tollgate::server
