// App: the domain services of one server, wired to one store and one clock.
#pragma once

#include "server/auth.hpp"
#include "server/ci_types.hpp"
#include "server/cis.hpp"
#include "server/metrics.hpp"
#include "server/relationships.hpp"
#include "storage/kv_store.hpp"

namespace tollgate::server {

struct App {
  App(storage::KvStore& kv, const Clock& c, Metrics& m)
      : store(kv),
        clock(c),
        metrics(m),
        tokens(kv, c),
        ci_types(kv, c),
        cis(kv, c),
        relationships(kv, c) {}

  storage::KvStore& store;
  const Clock& clock;
  Metrics& metrics;
  TokenService tokens;
  CiTypeService ci_types;
  CiService cis;
  RelationshipService relationships;
};

}  // namespace tollgate::server
