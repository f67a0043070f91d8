#include "tollgate/problem.hpp"

#include <algorithm>

namespace tollgate {

unsigned http_status(Code code) {
  switch (code) {
    case Code::ok:
      return 200;
    case Code::invalid:
      return 400;
    case Code::unauthorized:
      return 401;
    case Code::forbidden:
      return 403;
    case Code::not_found:
      return 404;
    case Code::method_not_allowed:
      return 405;
    case Code::not_acceptable:
      return 406;
    case Code::conflict:
      return 409;
    case Code::precondition_failed:
      return 412;
    case Code::too_large:
      return 413;
    case Code::unsupported_media:
      return 415;
    case Code::precondition_required:
      return 428;
    case Code::request_timeout:
      return 408;
    case Code::too_many_requests:
      return 429;
    case Code::storage_full:
      return 507;
    case Code::unavailable:
      return 503;
    case Code::corrupt:
    case Code::io:
    case Code::internal:
      return 500;
  }
  return 500;
}

Code code_for_http_status(unsigned status) {
  switch (status) {
    case 400:
      return Code::invalid;
    case 401:
      return Code::unauthorized;
    case 403:
      return Code::forbidden;
    case 404:
    case 410:
      return Code::not_found;
    case 405:
      return Code::method_not_allowed;
    case 406:
      return Code::not_acceptable;
    case 409:
      return Code::conflict;
    case 412:
      return Code::precondition_failed;
    case 413:
      return Code::too_large;
    case 415:
      return Code::unsupported_media;
    case 428:
      return Code::precondition_required;
    case 408:
      return Code::request_timeout;
    case 429:
      return Code::too_many_requests;
    case 503:
      return Code::unavailable;
    case 507:
      return Code::storage_full;
    default:
      return status >= 400 && status < 500 ? Code::invalid : Code::internal;
  }
}

std::string problem_slug(const Status& status) {
  std::string slug = status.reason();
  if (slug.empty()) {
    slug = code_name(status.code());
    std::replace(slug.begin(), slug.end(), '_', '-');
  }
  return slug;
}

std::string problem_type_uri(std::string_view slug) {
  return std::string(kProblemTypePrefix) + std::string(slug);
}

std::string slug_of_problem_type(std::string_view type_uri) {
  if (type_uri.starts_with(kProblemTypePrefix)) type_uri.remove_prefix(kProblemTypePrefix.size());
  return std::string(type_uri);
}

}  // namespace tollgate
