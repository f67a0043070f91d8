// Private to server/domain/cmdb/documents.cpp and document_put.cpp: what both say of a document.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace tollgate::server::documents_detail {

inline std::string describe(std::string_view ci, std::string_view name) {
  return fmt::format("document '{}' of CI '{}'", name, ci);
}

}  // namespace tollgate::server::documents_detail
