#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace camgate::cluster {

// Node-to-node calls carry an HMAC-SHA256 of the cluster secret over what they ask
// for and until when, so only nodes holding the secret can pull a camera's frames.
//   GET /internal/cameras/7/stream?lease=42&exp=1700000000&sig=<hex>
// signs "camera-stream\n7\n42\n1700000000".
std::string sign_camera_stream(std::string_view secret, std::int64_t camera_id,
                               std::int64_t lease_token, std::int64_t expires_at);
bool verify_camera_stream(std::string_view secret, std::int64_t camera_id, std::int64_t lease_token,
                          std::int64_t expires_at, std::string_view signature_hex,
                          std::int64_t now);

}  // namespace camgate::cluster
