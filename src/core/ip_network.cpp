#include "core/ip_network.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace camgate::core {
namespace {

namespace ip = boost::asio::ip;

template <std::size_t N>
bool prefix_equal(const std::array<unsigned char, N>& a, const std::array<unsigned char, N>& b,
                  unsigned bits) {
  for (std::size_t i = 0; i < N && bits > 0; ++i) {
    const unsigned take = std::min(bits, 8u);
    const auto mask = static_cast<unsigned char>(0xff00u >> take);
    if ((a[i] & mask) != (b[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

template <std::size_t N>
bool host_bits_zero(const std::array<unsigned char, N>& a, unsigned bits) {
  for (std::size_t i = 0; i < N; ++i) {
    const unsigned keep = bits >= 8 ? 8 : bits;
    const auto host_mask = static_cast<unsigned char>(0xffu >> keep);
    if ((a[i] & host_mask) != 0) return false;
    bits -= keep;
  }
  return true;
}

}  // namespace

ip::address unmapped(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

std::optional<ip_network> ip_network::parse(std::string_view text) {
  const auto slash = text.find('/');
  const std::string addr_text(text.substr(0, slash));
  boost::system::error_code ec;
  // make_address takes only strict forms (inet_pton): no "10.1", no octal, no zone.
  auto base = ip::make_address(addr_text, ec);
  if (ec || addr_text.find('%') != std::string::npos) return std::nullopt;
  base = unmapped(base);
  const unsigned max = base.is_v4() ? 32 : 128;
  unsigned prefix = max;
  if (slash != std::string_view::npos) {
    const auto p = text.substr(slash + 1);
    const auto [end, err] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (p.empty() || p.size() > 3 || err != std::errc{} || end != p.data() + p.size() ||
        prefix > max)
      return std::nullopt;
  }
  const bool clean = base.is_v4() ? host_bits_zero(base.to_v4().to_bytes(), prefix)
                                  : host_bits_zero(base.to_v6().to_bytes(), prefix);
  if (!clean) return std::nullopt;
  return ip_network(base, prefix);
}

bool ip_network::contains(const ip::address& a) const {
  const auto addr = unmapped(a);
  if (addr.is_v4() != base_.is_v4()) return false;
  return addr.is_v4() ? prefix_equal(addr.to_v4().to_bytes(), base_.to_v4().to_bytes(), prefix_)
                      : prefix_equal(addr.to_v6().to_bytes(), base_.to_v6().to_bytes(), prefix_);
}

std::string ip_network::to_string() const {
  return base_.to_string() + "/" + std::to_string(prefix_);
}

}  // namespace camgate::core
