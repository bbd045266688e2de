#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/identity.hpp"
#include "core/atomic_shared_ptr.hpp"

namespace camgate::api {

// Tokens this gateway already verified, so a client that sends the same token on every
// request (snapshot polling, the page's API calls) pays a hash and a compare instead of
// base64, JSON and HMAC again. A fixed table of slots in groups of four (a token may sit
// in any slot of its group, so a few colliding tokens do not evict each other), each an
// atomic shared_ptr to an immutable entry: readers take no lock; a new token takes a free
// or expired slot of its group, else replaces one in turn. Only whole-token matches count (compared
// in constant time), and an entry counts only before its expiry; revocation is not the cache's
// business, the access index checks every hit as it checks a fresh verification.
class verified_tokens {
 public:
  struct hit {
    auth::identity who;
    std::int64_t expires_at = 0;
  };

  std::optional<hit> find(std::string_view token, std::int64_t now_s) const;
  void remember(std::string_view token, const auth::identity& who, std::int64_t expires_at,
                std::int64_t now_s);

 private:
  struct entry {
    std::string token;
    hit value;
  };
  static constexpr std::size_t kWays = 4;
  static constexpr std::size_t kSlots = 16384;  // 256 KiB of pointers
  static std::size_t group_of(std::string_view token);

  std::array<core::atomic_shared_ptr<const entry>, kSlots> slots_{};
  std::atomic<std::size_t> turn_{0};  // which way a full group gives up next
};

}  // namespace camgate::api
