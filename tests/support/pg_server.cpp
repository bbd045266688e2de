#include "support/pg_server.hpp"
#include "support/ports.hpp"

#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

namespace camgate::testing {
namespace {

std::string find_bin() {
  namespace fs = std::filesystem;
  std::error_code ec;
  // The newest installed version (Debian 12: 15).
  std::string best;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(e.path() / "bin" / "initdb") && fs::exists(e.path() / "bin" / "pg_ctl") &&
        e.path().string() > best)
      best = e.path().string();
  }
  return best.empty() ? "" : best + "/bin";
}

std::string& missing_reason() {
  static std::string reason;
  return reason;
}

void run(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

}  // namespace

const std::string& pg_server::missing() {
  return missing_reason();
}

pg_server* pg_server::shared() {
  static std::unique_ptr<pg_server> server = []() -> std::unique_ptr<pg_server> {
    if (find_bin().empty()) {
      missing_reason() =
          "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
          "scripts/install-deps --with-tests installs it";
      return nullptr;
    }
    return std::unique_ptr<pg_server>(new pg_server());
  }();
  return server.get();
}

pg_server::pg_server() : bin_(find_bin()) {
  std::random_device rd;
  dir_ = (std::filesystem::temp_directory_path() / ("camgate-pg-" + std::to_string(rd()))).string();
  std::filesystem::create_directories(dir_);
  as_postgres_ = ::geteuid() == 0;
  if (as_postgres_) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr)
      throw std::runtime_error("running as root and there is no postgres user to run initdb");
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      throw std::runtime_error("cannot give " + dir_ + " to postgres");
  }
  as_server_user("'" + bin_ + "/initdb' -D '" + dir_ +
                 "/data' -U camgate -A trust -E UTF8 --locale=C --no-sync --no-instructions "
                 ">'" +
                 dir_ + "/initdb.log' 2>&1");
  port_ = unused_port();
  start();
}

pg_server::~pg_server() {
  if (running_) {
    try {
      as_server_user("'" + bin_ + "/pg_ctl' -D '" + dir_ +
                     "/data' -m immediate -w stop >/dev/null");
    } catch (...) {
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void pg_server::as_server_user(const std::string& command) const {
  if (!as_postgres_) return run(command);
  // runuser's shell runs `command` as postgres, its files in dir_ (postgres owns it).
  std::string quoted;
  for (char c : command) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  // From its own folder: the caller's may be closed to postgres.
  run("cd '" + dir_ + "' && runuser -u postgres -- sh -c '" + quoted + "'");
}

void pg_server::start() {
  const std::string options =
      "-F -c fsync=off -c full_page_writes=off -c synchronous_commit=off "
      "-c listen_addresses=127.0.0.1 -p " +
      std::to_string(port_) + " -k " + dir_;
  as_server_user("'" + bin_ + "/pg_ctl' -D '" + dir_ + "/data' -l '" + dir_ +
                 "/server.log' -w -t 30 -o '" + options + "' start >/dev/null");
  running_ = true;
}

void pg_server::stop() {
  as_server_user("'" + bin_ + "/pg_ctl' -D '" + dir_ + "/data' -m fast -w stop >/dev/null");
  running_ = false;
}

std::string pg_server::url(const std::string& database, const std::string& password) const {
  return "postgresql://camgate:" + password + "@127.0.0.1:" + std::to_string(port_) + "/" +
         database;
}

void pg_server::admin_sql(const std::string& sql) const {
  PGconn* c = PQconnectdb(url("postgres").c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    const std::string why = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("cannot reach the test PostgreSQL: " + why);
  }
  PGresult* r = PQexec(c, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  const std::string why = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error("\"" + sql + "\" failed: " + why);
}

std::string pg_server::create_database() {
  return create_database_from("template0");
}

std::string pg_server::create_database_from(const std::string& template_name) {
  const std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++next_db_);
  admin_sql("CREATE DATABASE " + name + " TEMPLATE " + template_name);
  return name;
}

}  // namespace camgate::testing
