// Must not build: the CLI never includes the server (tests/layering/CMakeLists.txt).
#include "server/domain/vault/artifacts.hpp"
