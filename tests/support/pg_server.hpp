#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace camgate::testing {

// A real PostgreSQL server for the tests: initdb and pg_ctl (Debian's
// /usr/lib/postgresql/<version>/bin) in a temporary directory, listening on 127.0.0.1 at a
// free port, its socket in that directory, fsync off. One per test process: shared()
// starts it at the first call and stops and removes it at exit. initdb refuses root, so
// under root the server runs as the `postgres` user (Debian's package creates it), else
// as the caller.
class pg_server {
 public:
  // The process's server, or nullptr when PostgreSQL is not installed (missing() says
  // why: the tests skip with it). Throws when installed but it cannot start.
  static pg_server* shared();
  static const std::string& missing();

  ~pg_server();
  pg_server(const pg_server&) = delete;
  pg_server& operator=(const pg_server&) = delete;

  std::uint16_t port() const { return port_; }
  // postgresql://camgate:<password>@127.0.0.1:<port>/<database> (trust: any password).
  std::string url(const std::string& database, const std::string& password = "pw") const;
  // A new, empty database with a fresh name; returns its name.
  std::string create_database();
  // A new database copied from `template_name` (which nobody may be connected to).
  std::string create_database_from(const std::string& template_name);

  // pg_ctl stop -m fast / start again on the same port and data (the outage tests).
  void stop();
  void start();

 private:
  pg_server();
  void as_server_user(const std::string& command) const;
  void admin_sql(const std::string& sql) const;

  std::string bin_;
  std::string dir_;
  std::uint16_t port_ = 0;
  bool as_postgres_ = false;
  bool running_ = false;
  int next_db_ = 0;
};

}  // namespace camgate::testing
