#pragma once
#include <stdexcept>
#include <string>

namespace camgate::store {

// Every failure of the store: the message says what failed and carries SQLite's own
// explanation; code() is the SQLite extended result code (0 when SQLite is not involved).
class error : public std::runtime_error {
 public:
  explicit error(const std::string& what, int code = 0) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// A UNIQUE or PRIMARY KEY constraint refused the write (e.g. a user name already taken).
class conflict : public error {
 public:
  using error::error;
};

// A FOREIGN KEY constraint refused the write: a referenced row does not exist.
class not_found : public error {
 public:
  using error::error;
};

}  // namespace camgate::store
