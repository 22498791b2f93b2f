// ctest fixture: `fhirgw_test_postgres start STATE` starts the PostgreSQL
// server every test of the run shares; `stop STATE` stops and removes it.
#include <cstdio>
#include <string>

#include "postgres_server.hpp"

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "start" && std::string(argv[1]) != "stop")) {
    std::fprintf(stderr, "usage: %s start|stop STATE_FILE\n", argv[0]);
    return 2;
  }
  using fhirgw::testing::PostgresServer;
  return std::string(argv[1]) == "start" ? PostgresServer::start_detached(argv[2])
                                         : PostgresServer::stop_detached(argv[2]);
}
