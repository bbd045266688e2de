#include "auth/password.hpp"

#include <sodium.h>

#include "auth/error.hpp"
#include "auth/sodium_init.hpp"

namespace camgate::auth {

std::string hash_password(std::string_view password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw error("cannot hash the password: not enough memory (argon2id needs about 64 MiB)");
  }
  return out;
}

bool verify_password(std::string_view stored_hash, std::string_view password) {
  ensure_sodium();
  // libsodium wants a NUL-terminated hash; anything longer than its format allows is not
  // one of ours.
  if (stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string hash(stored_hash);
  if (hash.find('\0') != std::string::npos) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void dummy_verify() {
  // Hashed once, lazily: the first call pays for the hash as well as the check.
  static const std::string hash = hash_password("camgate dummy password");
  verify_password(hash, "not the dummy password");
}

}  // namespace camgate::auth
