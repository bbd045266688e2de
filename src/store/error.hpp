#pragma once
#include <stdexcept>
#include <string>

namespace camgate::store {

// Why a backend refused, in words both backends share, so repositories explain a refusal
// without knowing whether SQLite or PostgreSQL said it.
enum class error_kind {
  other,
  unique,       // UNIQUE or PRIMARY KEY
  foreign_key,  // a referenced row is missing
  check,        // a CHECK constraint
  raised,       // a trigger refused (SQLite RAISE(ABORT), PostgreSQL RAISE EXCEPTION)
  unavailable,  // the database server cannot be reached now (PostgreSQL)
};

// Every failure of the store: the message says what failed and carries the backend's own
// explanation; code() is SQLite's extended result code (0 for PostgreSQL and when no
// backend is involved), kind() the backend-neutral reason.
class error : public std::runtime_error {
 public:
  explicit error(const std::string& what, int code = 0, error_kind kind = error_kind::other)
      : std::runtime_error(what), code_(code), kind_(kind) {}
  int code() const { return code_; }
  error_kind kind() const { return kind_; }

 private:
  int code_;
  error_kind kind_;
};

// A UNIQUE or PRIMARY KEY constraint refused the write (e.g. a user name already taken).
class conflict : public error {
 public:
  explicit conflict(const std::string& what, int code = 0)
      : error(what, code, error_kind::unique) {}
};

// A FOREIGN KEY constraint refused the write: a referenced row does not exist.
class not_found : public error {
 public:
  explicit not_found(const std::string& what, int code = 0)
      : error(what, code, error_kind::foreign_key) {}
};

// The database server is out of reach (PostgreSQL stopped, network down): the HTTP API
// answers 503 "database unavailable"; the next use tries to reconnect.
class unavailable : public error {
 public:
  explicit unavailable(const std::string& what) : error(what, 0, error_kind::unavailable) {}
};

}  // namespace camgate::store
