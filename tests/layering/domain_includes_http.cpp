// Must not build: the domain may not include the HTTP front (tests/layering/CMakeLists.txt).
#include "server/http/router.hpp"
