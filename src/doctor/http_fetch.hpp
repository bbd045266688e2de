#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/asio.hpp"
#include "doctor/targets.hpp"

namespace camgate::doctor {

// What the gateway's certificate is, as OpenSSL judged it during the handshake.
struct tls_info {
  bool verified = false;     // chain, dates and host name all fine
  std::string verify_error;  // OpenSSL's reason when not ("certificate has expired", ...)
  std::string subject;
  std::string issuer;
  std::optional<int> days_left;  // until notAfter (negative: expired)
  std::string protocol;          // "TLSv1.3"
};

struct fetch_request {
  http::verb method = http::verb::get;
  std::string target;  // below the gateway's prefix: "/health"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct fetch_result {
  std::string error;  // empty when an HTTP answer came
  unsigned status = 0;
  http::fields headers;
  std::string body;  // at most kMaxBody
  double ms = 0;
  std::optional<tls_info> tls;
  bool ok() const { return error.empty(); }
  std::string header(http::field f) const { return std::string(headers[f]); }
};

// Limits on a gateway's answer: the doctor must survive anything at the other end.
inline constexpr std::size_t kMaxHeader = 16 * 1024;
inline constexpr std::size_t kMaxBody = 1024 * 1024;

// One request on a fresh connection, all of it (resolve, connect, TLS, write, read)
// within `timeout`. For https, `tls` holds the trust store (default paths or --ca-file);
// the handshake goes on whatever the certificate, and fetch_result::tls tells the verdict:
// callers decide what to send over an unverified connection.
asio::awaitable<fetch_result> fetch(const gateway_target& t, const fetch_request& req,
                                    std::chrono::milliseconds timeout, ssl::context* tls);

}  // namespace camgate::doctor
