#include "auth/compact_jws.hpp"

namespace camgate::auth {
namespace {

bool is_base64url(std::string_view s) {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<compact_jws> compact_jws::split(std::string_view token) {
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  compact_jws parts;
  parts.header = token.substr(0, dot1);
  parts.payload = token.substr(dot1 + 1, dot2 - dot1 - 1);
  parts.signature = token.substr(dot2 + 1);
  parts.signing_input = token.substr(0, dot2);
  if (parts.header.empty() || parts.payload.empty() || !is_base64url(parts.header) ||
      !is_base64url(parts.payload) || !is_base64url(parts.signature)) {
    return std::nullopt;
  }
  return parts;
}

}  // namespace camgate::auth
