// CI types: named attribute schemas that CIs are validated against.
#pragma once

#include <boost/json/object.hpp>

#include "server/domain/cmdb/cmdb_model.hpp"
#include "server/domain/identity/auth.hpp"
#include "server/domain/pagination.hpp"
#include "storage/kv_store.hpp"

namespace tollgate::server {

class CiTypeService {
 public:
  CiTypeService(storage::KvStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  // POST /api/v1/ci-types: defines `type` (its created_* are set here). Errors: conflict (name
  // taken).
  Result<CiType> create(CiType type, const Principal& actor);
  // Errors: not_found.
  Result<CiType> get(const std::string& name);
  Result<Page<CiType>> list(const PageRequest& page);

 private:
  storage::KvStore& store_;
  const Clock& clock_;
};

}  // namespace tollgate::server
