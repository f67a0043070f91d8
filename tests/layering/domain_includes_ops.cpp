// Must not build: the domain may not include operations (tests/layering/CMakeLists.txt).
#include "server/ops/check.hpp"
