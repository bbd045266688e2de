#include "auth/sodium_init.hpp"

#include <sodium.h>

#include "auth/error.hpp"

namespace camgate::auth {

void ensure_sodium() {
  // A function-local static is initialised exactly once even with concurrent callers.
  static const int rc = sodium_init();
  if (rc < 0) throw error("cannot initialise libsodium (is /dev/urandom available?)");
}

}  // namespace camgate::auth
