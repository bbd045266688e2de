#include "auth/hmac_sha256.hpp"

#include <sodium.h>

#include "auth/sodium_init.hpp"

namespace camgate::auth {

sha256_mac hmac_sha256(std::string_view key, std::string_view data) {
  ensure_sodium();
  sha256_mac mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);
  return mac;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // The sizes are public (a signature's length is fixed by its algorithm).
  if (a.size() != b.size()) return false;
  return a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace camgate::auth
