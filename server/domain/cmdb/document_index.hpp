// The records of Table::documents, the LMDB index of the vault's documents (documents.hpp tells
// when they are written and how far they are trusted): key `CI \0 NAME`, value Document's JSON
// plus indexed_at.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/domain/cmdb/documents.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// `ci \0 name`; with an empty name, the prefix of every record of the CI.
std::string document_record_key(std::string_view ci, std::string_view name);

// The record of `document`, indexed at `indexed_at`.
std::string document_record_json(const Document& document, Micros indexed_at);

// A stored record; nullopt when it is unreadable or names no commit or blob.
std::optional<Document> document_record_from_json(std::string_view stored);

}  // namespace tollgate::server
