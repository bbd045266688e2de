#pragma once
#include <stdexcept>

namespace camgate::auth {

// A failure of the auth machinery itself (no memory for hashing, unreadable secret file),
// never a wrong password or a bad token: those are ordinary results.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace camgate::auth
