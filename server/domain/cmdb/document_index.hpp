// The records of Table::documents, the LMDB index of the vault's documents (documents.hpp tells
// when they are written and how far they are trusted): value Document's JSON plus indexed_at.
// The key is tables::DocumentKey (tables/cmdb_tables.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/domain/cmdb/documents.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// The record of `document`, indexed at `indexed_at`.
std::string document_record_json(const Document& document, Micros indexed_at);

// A stored record; nullopt when it is unreadable or names no commit or blob.
std::optional<Document> document_record_from_json(std::string_view stored);

}  // namespace tollgate::server
