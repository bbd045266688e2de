// Feeds arbitrary bytes to token_service::verify: it must never crash, throw or accept a
// token it did not sign. The seeds in corpus/fuzz_auth_token/ are tokens signed with the
// secret below (valid at kNow), forged variants of them and near-misses.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "auth/token_service.hpp"

namespace {
constexpr std::int64_t kNow = 1'700'000'000;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const camgate::auth::token_service tokens("camgate-fuzz-secret-0123456789abcdef");
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto result = tokens.verify(input, kNow);
  // Results are either a valid identity or a reason, never both or neither.
  if (result.ok() != result.reason.empty()) std::abort();
  if (result.ok() && (result.code != camgate::auth::token_error::none ||
                      result.identity->user_id <= 0 || result.identity->name.empty())) {
    std::abort();
  }
  return 0;
}
