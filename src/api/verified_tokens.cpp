#include "api/verified_tokens.hpp"

#include <functional>

#include "auth/hmac_sha256.hpp"

namespace camgate::api {

std::size_t verified_tokens::group_of(std::string_view token) {
  return (std::hash<std::string_view>{}(token) % (kSlots / kWays)) * kWays;
}

std::optional<verified_tokens::hit> verified_tokens::find(std::string_view token,
                                                          std::int64_t now_s) const {
  const std::size_t first = group_of(token);
  for (std::size_t i = first; i < first + kWays; ++i) {
    const auto e = slots_[i].load();
    // Constant time: a probe must not learn a cached token byte by byte.
    if (!e || !auth::constant_time_equal(e->token, token)) continue;
    if (now_s >= e->value.expires_at) return std::nullopt;  // the verifier decides again
    return e->value;
  }
  return std::nullopt;
}

void verified_tokens::remember(std::string_view token, const auth::identity& who,
                               std::int64_t expires_at, std::int64_t now_s) {
  const std::size_t first = group_of(token);
  std::size_t target = first + turn_.fetch_add(1, std::memory_order_relaxed) % kWays;
  for (std::size_t i = first; i < first + kWays; ++i) {
    const auto e = slots_[i].load();
    if (!e || e->value.expires_at <= now_s) {
      target = i;
      break;
    }
  }
  slots_[target].store(std::make_shared<const entry>(entry{std::string(token), {who, expires_at}}));
}

}  // namespace camgate::api
