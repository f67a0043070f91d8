// Handlers of the controlled-document routes of CIs (server/domain/cmdb/documents.hpp has the
// semantics):
//
//   GET /api/v1/cis/{id}/documents                        the CI's documents (limit, cursor)
//   PUT /api/v1/cis/{id}/documents/{name}                 write a version
//   GET /api/v1/cis/{id}/documents/{name}                 the content (?commit= or ?at=)
//   GET /api/v1/cis/{id}/documents/{name}/history         versions, newest first (limit, cursor)
//
// PUT takes either form of body:
//   - Content-Type application/json: {"content": "...", "message"?: "...", "media_type"?: "..."}
//     (so a JSON document itself is sent in this form, with media_type application/json);
//   - any other Content-Type: the raw bytes of the document, of that media type, with the
//     commit message in the header X-Tollgate-Message.
// Without a media type the current version's is kept (a first version's is guessed from the
// name). If-Match: "<commit>" makes the write conditional on the current version (412 when it
// changed); If-None-Match: * makes it create-only. Answers 201 with Location for a first version,
// 200 otherwise (also when the content was already current: no commit then), with the version as
// JSON and ETag "<commit>".
//
// GET answers the bytes with the version's media type and ETag "<commit>", where <commit> is the
// commit that made the version (the one If-Match takes), plus X-Tollgate-Commit,
// X-Tollgate-Blob (git blob id) and X-Checksum-Sha256; If-None-Match gives 304. The content is
// served with nosniff and a sandboxing CSP, since it may be any type a writer chose.
#pragma once

#include "server/http/route.hpp"

namespace tollgate::server::handlers {

Response list_documents(Context& ctx);
Response put_document(Context& ctx);
Response get_document(Context& ctx);
Response document_history(Context& ctx);

}  // namespace tollgate::server::handlers
