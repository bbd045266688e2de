#include "api/verified_tokens.hpp"

#include <functional>

#include "auth/hmac_sha256.hpp"

namespace camgate::api {

std::size_t verified_tokens::slot_of(std::string_view token) {
  return std::hash<std::string_view>{}(token) % kSlots;
}

std::optional<verified_tokens::hit> verified_tokens::find(std::string_view token,
                                                          std::int64_t now_s) const {
  const auto e = slots_[slot_of(token)].load(std::memory_order_acquire);
  // Constant time: a probe must not learn a cached token byte by byte.
  if (!e || !auth::constant_time_equal(e->token, token)) return std::nullopt;
  if (now_s >= e->value.expires_at) return std::nullopt;  // the verifier decides again
  return e->value;
}

void verified_tokens::remember(std::string_view token, const auth::identity& who,
                               std::int64_t expires_at) {
  slots_[slot_of(token)].store(
      std::make_shared<const entry>(entry{std::string(token), {who, expires_at}}),
      std::memory_order_release);
}

}  // namespace camgate::api
