// The security headers every response carries.
#pragma once

#include "server/http/http_types.hpp"

namespace tollgate::server {

// Adds to `r` the headers browsers and proxies obey, unless `r` already has one of that name
// (compared without regard to case), in which case the route's own value stands:
//   Strict-Transport-Security: max-age=31536000   (HTTPS only, for a year)
//   X-Content-Type-Options: nosniff                (no guessing a type from the bytes)
//   X-Frame-Options: DENY                          (never framed)
//   Referrer-Policy: no-referrer
//   Cache-Control: no-store                        (artifact downloads set their own
//                                                   immutable caching; it is kept)
//   Content-Security-Policy: default-src 'none'; frame-ancestors 'none'
//                                                  (documents served as pages set `sandbox`)
// Called for every response on its way to the socket — routed, refused by the connection
// (413, 431, 408) or problem+json — so that no handler has to remember them.
void add_security_headers(Response& r);

}  // namespace tollgate::server
