// Media types of documents: checked, normalised, guessed from a name.
#include "server/domain/cmdb/media_types.hpp"

#include <doctest/doctest.h>

using namespace tollgate;
using namespace tollgate::server;

TEST_CASE("media types are checked and normalised; a missing one is guessed from the name") {
  CHECK(*normalise_media_type("Text/Markdown;Charset=UTF-8") == "text/markdown; charset=UTF-8");
  CHECK(*normalise_media_type("application/pdf") == "application/pdf");
  for (const char* bad :
       {"", "text", "text/", "/plain", "text/plain; charset", "a b/c", "text/plain\r\nX-Evil: 1"})
    CHECK_MESSAGE(!normalise_media_type(bad).ok(), bad);
  CHECK(guess_media_type("notes.MD") == "text/markdown; charset=utf-8");
  CHECK(guess_media_type("plan.pdf") == "application/pdf");
  CHECK(guess_media_type("README") == "application/octet-stream");
}
