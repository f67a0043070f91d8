// Must not build: storage may not include the domain (tests/layering/CMakeLists.txt).
#include "server/domain/app.hpp"
