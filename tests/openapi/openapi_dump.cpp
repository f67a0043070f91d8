// Writes the API description that GET /api/v1/openapi.json serves, built from the route table
// with the default configuration, to the file named by its argument (tests/openapi/validate.sh
// then validates it).
#include <cstdio>
#include <fstream>

#include <boost/json.hpp>

#include "server/http/openapi.hpp"
#include "server/http/route_table.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT.json\n", argv[0]);
    return 2;
  }
  const tollgate::server::Config config;
  std::ofstream out(argv[1], std::ios::trunc);
  out << boost::json::serialize(
             tollgate::server::openapi_document(tollgate::server::routes(), config))
      << '\n';
  out.close();
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
