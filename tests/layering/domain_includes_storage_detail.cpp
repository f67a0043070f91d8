// Must not build: storage's private headers are not exported (tests/layering/CMakeLists.txt).
#include "storage/detail/git_support.hpp"
