#include "cluster/node_signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace camgate::cluster {

std::string sign_camera_stream(std::string_view secret, std::int64_t camera_id,
                               std::int64_t lease_token, std::int64_t expires_at) {
  const std::string msg = "camera-stream\n" + std::to_string(camera_id) + "\n" +
                          std::to_string(lease_token) + "\n" + std::to_string(expires_at);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 15];
  }
  return out;
}

bool verify_camera_stream(std::string_view secret, std::int64_t camera_id, std::int64_t lease_token,
                          std::int64_t expires_at, std::string_view signature_hex,
                          std::int64_t now) {
  if (expires_at < now) return false;
  const auto expected = sign_camera_stream(secret, camera_id, lease_token, expires_at);
  return signature_hex.size() == expected.size() &&
         CRYPTO_memcmp(expected.data(), signature_hex.data(), expected.size()) == 0;
}

}  // namespace camgate::cluster
