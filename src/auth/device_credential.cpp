#include "auth/device_credential.hpp"

#include <sodium.h>

#include <array>

#include "auth/base64url.hpp"
#include "auth/sodium_init.hpp"

namespace camgate::auth {

std::string new_device_credential() {
  ensure_sodium();
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  return "cgr_" + base64url_encode(
                      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::string new_opaque_id() {
  ensure_sodium();
  std::array<unsigned char, 16> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  return base64url_encode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace camgate::auth
