#include "doctor/ice_probe.hpp"

#include <algorithm>
#include <charconv>
#include <random>

#include <fmt/format.h>

#include "doctor/net_steps.hpp"

namespace camgate::doctor {

namespace {

constexpr std::uint32_t kMagic = 0x2112A442;
constexpr std::uint16_t kMappedAddress = 0x0001;
constexpr std::uint16_t kXorMappedAddress = 0x0020;
constexpr std::size_t kMaxStun = 1500;

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
std::uint32_t be32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

// A (XOR-)MAPPED-ADDRESS value as "ip:port"; empty when malformed.
std::string address_text(const std::uint8_t* v, std::size_t len, bool xored, const stun_txid& id) {
  if (len < 4) return {};
  const std::uint8_t family = v[1];
  std::uint16_t port = be16(v + 2);
  if (xored) port ^= static_cast<std::uint16_t>(kMagic >> 16);
  if (family == 0x01 && len >= 8) {
    std::uint32_t a = be32(v + 4);
    if (xored) a ^= kMagic;
    return fmt::format("{}:{}", asio::ip::address_v4(a).to_string(), port);
  }
  if (family == 0x02 && len >= 20) {
    asio::ip::address_v6::bytes_type b;
    std::copy(v + 4, v + 20, b.begin());
    if (xored) {
      std::uint8_t mask[16] = {0x21, 0x12, 0xA4, 0x42};
      std::copy(id.begin(), id.end(), mask + 4);
      for (int i = 0; i < 16; ++i) b[i] ^= mask[i];
    }
    return fmt::format("[{}]:{}", asio::ip::address_v6(b).to_string(), port);
  }
  return {};
}

stun_txid random_txid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  stun_txid id;
  for (auto& b : id) b = static_cast<std::uint8_t>(rng());
  return id;
}

}  // namespace

std::variant<ice_url, std::string> parse_ice_url(std::string_view text) {
  ice_url u;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return "\"" + std::string(text) + "\" has no scheme";
  const auto scheme = text.substr(0, colon);
  if (scheme == "stun") {
    u.type = ice_url::kind::stun;
  } else if (scheme == "stuns") {
    u.type = ice_url::kind::stuns;
  } else if (scheme == "turn") {
    u.type = ice_url::kind::turn;
  } else if (scheme == "turns") {
    u.type = ice_url::kind::turns;
  } else {
    return "unknown scheme \"" + std::string(scheme) + "\" (stun, stuns, turn, turns)";
  }
  u.port = u.tls() ? 5349 : 3478;
  u.tcp = u.tls();
  auto rest = text.substr(colon + 1);
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    const auto query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (query == "transport=tcp") {
      u.tcp = true;
    } else if (query != "transport=udp") {
      return "unknown query \"" + std::string(query) + "\" (transport=udp or transport=tcp)";
    } else if (u.tls()) {
      return std::string("stuns/turns run over TCP, not transport=udp");
    }
  }
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return std::string("unclosed [ in the host");
    u.host = std::string(rest.substr(1, close - 1));
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::string("junk after the IPv6 address");
      port_text = after.substr(1);
    }
  } else {
    const auto c = rest.rfind(':');
    u.host = std::string(rest.substr(0, c));
    if (c != std::string_view::npos) port_text = rest.substr(c + 1);
  }
  if (u.host.empty() || u.host.size() > 253) return std::string("no host");
  for (char ch : u.host) {
    const auto b = static_cast<unsigned char>(ch);
    if (b <= 0x20 || b >= 0x7F || ch == '/' || ch == '@') return std::string("bad host");
  }
  if (!port_text.empty() || (rest.size() && rest.back() == ':')) {
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
    if (ec != std::errc{} || p != port_text.data() + port_text.size() || v == 0 || v > 65535)
      return "bad port \"" + std::string(port_text) + "\"";
    u.port = static_cast<std::uint16_t>(v);
  }
  return u;
}

std::vector<std::uint8_t> stun_binding_request(const stun_txid& id) {
  // Type 0x0001 (Binding request), length 0, the magic cookie, the transaction id.
  std::vector<std::uint8_t> m(20, 0);
  m[1] = 0x01;
  m[4] = 0x21;
  m[5] = 0x12;
  m[6] = 0xA4;
  m[7] = 0x42;
  for (std::size_t i = 0; i < id.size(); ++i) m[8 + i] = id[i];
  return m;
}

std::optional<stun_answer> parse_stun_answer(std::span<const std::uint8_t> b, const stun_txid& id) {
  if (b.size() < 20 || (b[0] & 0xC0) != 0) return std::nullopt;
  const std::uint16_t type = be16(b.data());
  const std::size_t length = be16(b.data() + 2);
  if (be32(b.data() + 4) != kMagic || !std::equal(id.begin(), id.end(), b.begin() + 8))
    return std::nullopt;
  if (length % 4 != 0 || 20 + length > b.size()) return std::nullopt;
  stun_answer a;
  if (type == 0x0101) {
    a.success = true;
  } else if (type != 0x0111) {
    return std::nullopt;
  }
  std::size_t pos = 20;
  std::string plain;
  while (pos + 4 <= 20 + length) {
    const std::uint16_t attr = be16(b.data() + pos);
    const std::size_t len = be16(b.data() + pos + 2);
    if (pos + 4 + len > 20 + length) return std::nullopt;
    const auto* v = b.data() + pos + 4;
    if (attr == kXorMappedAddress) a.mapped = address_text(v, len, true, id);
    if (attr == kMappedAddress) plain = address_text(v, len, false, id);
    pos += 4 + ((len + 3) & ~std::size_t{3});
  }
  if (a.mapped.empty()) a.mapped = plain;
  return a;
}

asio::awaitable<ice_probe_result> probe_ice(const ice_url& url, std::chrono::milliseconds timeout) {
  ice_probe_result r;
  const auto start = clock::now();
  const auto deadline = start + timeout;
  const auto dns = co_await resolve_host(url.host, url.port, timeout);
  if (dns.ec) {
    r.detail = "cannot resolve " + url.host + ": " + describe(dns.ec);
    r.ms = ms_since(start);
    co_return r;
  }
  auto ex = co_await asio::this_coro::executor;
  const auto id = random_txid();
  const auto request = stun_binding_request(id);
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  };
  auto describe_answer = [&](const stun_answer& a) {
    std::string d = a.success ? "answered a STUN Binding request" : "answered (a STUN error)";
    if (!a.mapped.empty()) d += ", sees this machine as " + a.mapped;
    return d;
  };

  if (url.tcp) {
    beast::tcp_stream stream(ex);
    const auto c = co_await connect_tcp(stream, dns.endpoints, left());
    if (c.ec) {
      r.detail = "TCP connect: " + describe(c.ec);
      r.ms = ms_since(start);
      co_return r;
    }
    if (url.tls()) {
      r.reached = true;
      r.detail = "TCP connect works (TLS not checked)";
      r.ms = ms_since(start);
      co_return r;
    }
    error_code ec;
    stream.expires_at(deadline);
    co_await asio::async_write(stream, asio::buffer(request),
                               asio::redirect_error(asio::use_awaitable, ec));
    std::vector<std::uint8_t> in;
    std::array<std::uint8_t, 512> chunk;
    while (!ec && in.size() < kMaxStun) {
      stream.expires_at(deadline);
      const auto n = co_await stream.async_read_some(asio::buffer(chunk),
                                                     asio::redirect_error(asio::use_awaitable, ec));
      in.insert(in.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
      if (in.size() >= 20 && in.size() >= 20u + be16(in.data() + 2)) break;
    }
    stream.close();
    r.ms = ms_since(start);
    if (auto a = parse_stun_answer(in, id)) {
      r.reached = true;
      r.detail = "over TCP: " + describe_answer(*a);
    } else {
      r.detail = ec ? "TCP connect works, but no STUN answer: " + describe(ec)
                    : "TCP connect works, but the answer is not STUN";
    }
    co_return r;
  }

  // UDP: send, wait, resend with doubling waits (RFC 8489's RTO from 250 ms here).
  const auto& target = dns.endpoints.front();
  asio::ip::udp::endpoint server(target.address(), target.port());
  // Shared with the timer's handler, which may run after this frame is gone.
  struct udp_state {
    explicit udp_state(asio::any_io_executor e) : socket(e), timer(e) {}
    asio::ip::udp::socket socket;
    asio::steady_timer timer;
    bool timed_out = false;
  };
  auto st = std::make_shared<udp_state>(ex);
  error_code ec;
  st->socket.open(server.protocol(), ec);
  if (ec) {
    r.detail = "UDP socket: " + ec.message();
    co_return r;
  }
  std::array<std::uint8_t, kMaxStun> in;
  auto wait = std::chrono::milliseconds(250);
  while (clock::now() < deadline && r.detail.empty()) {
    st->socket.send_to(asio::buffer(request), server, 0, ec);
    if (ec) {
      r.detail = "UDP send: " + describe(ec);
      break;
    }
    st->timed_out = false;
    st->timer.expires_at(std::min(clock::now() + wait, deadline));
    wait *= 2;
    st->timer.async_wait([st](error_code e) {
      if (e) return;
      st->timed_out = true;
      st->socket.cancel();
    });
    for (;;) {
      asio::ip::udp::endpoint from;
      error_code rec;
      const auto n = co_await st->socket.async_receive_from(
          asio::buffer(in), from, asio::redirect_error(asio::use_awaitable, rec));
      if (rec) {
        if (!st->timed_out) r.detail = "UDP receive: " + describe(rec);
        break;
      }
      if (auto a = parse_stun_answer({in.data(), n}, id)) {
        r.reached = true;
        r.detail = "over UDP: " + describe_answer(*a);
        break;
      }
      // Not for us: keep listening until this round's timer.
    }
    st->timer.cancel();
  }
  st->socket.close();
  r.ms = ms_since(start);
  if (r.detail.empty()) r.detail = fmt::format("no STUN answer over UDP in {} ms", timeout.count());
  co_return r;
}

}  // namespace camgate::doctor
