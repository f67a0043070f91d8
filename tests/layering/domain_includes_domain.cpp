// Must build: the control case, so that the tests beside it fail for the include alone.
#include "server/domain/app.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"

int main() { return 0; }
