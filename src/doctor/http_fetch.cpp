#include "doctor/http_fetch.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "doctor/net_steps.hpp"

namespace camgate::doctor {

namespace {

std::string name_text(const X509_NAME* name) {
  if (!name) return {};
  char buf[512];
  X509_NAME_oneline(name, buf, sizeof buf);
  return printable(buf, 200);
}

// `problems`: every verification error the handshake met (the chain, the dates, the name),
// not only the first.
tls_info inspect(SSL* ssl, const std::vector<std::string>& problems) {
  tls_info info;
  const long result = SSL_get_verify_result(ssl);
  info.protocol = SSL_get_version(ssl);
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) {
    info.verify_error = "the server sent no certificate";
    return info;
  }
  info.verified = result == X509_V_OK && problems.empty();
  for (const auto& p : problems) info.verify_error += (info.verify_error.empty() ? "" : "; ") + p;
  if (info.verify_error.empty() && result != X509_V_OK)
    info.verify_error = X509_verify_cert_error_string(result);
  info.subject = name_text(X509_get_subject_name(cert));
  info.issuer = name_text(X509_get_issuer_name(cert));
  int days = 0, secs = 0;
  if (ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert)) == 1) info.days_left = days;
  X509_free(cert);
  return info;
}

template <typename Stream>
asio::awaitable<void> exchange(Stream& stream, beast::tcp_stream& lowest, const gateway_target& t,
                               const fetch_request& req, clock::time_point deadline,
                               fetch_result& out) {
  http::request<http::string_body> msg{req.method, t.prefix + req.target, 11};
  msg.set(http::field::host, t.host_header());
  msg.set(http::field::user_agent, "camgate-doctor/" CAMGATE_VERSION);
  msg.set(http::field::connection, "close");
  for (const auto& [name, value] : req.headers) msg.set(name, value);
  if (!req.body.empty() || req.method == http::verb::post) msg.body() = req.body;
  msg.prepare_payload();
  error_code ec;
  lowest.expires_at(deadline);
  co_await http::async_write(stream, msg, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    out.error = "sending the request: " + describe(ec);
    co_return;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxHeader);
  parser.body_limit(kMaxBody);
  if (req.method == http::verb::head) parser.skip(true);
  lowest.expires_at(deadline);
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    out.error = ec == http::error::header_limit ? "the answer's header is over 16 KiB"
                : ec == http::error::body_limit ? "the answer is over 1 MiB"
                                                : "reading the answer: " + describe(ec);
    co_return;
  }
  auto res = parser.release();
  out.status = res.result_int();
  out.body = std::move(res.body());
  out.headers = std::move(res.base());
}

}  // namespace

asio::awaitable<fetch_result> fetch(const gateway_target& t, const fetch_request& req,
                                    std::chrono::milliseconds timeout, ssl::context* tls) {
  fetch_result out;
  const auto start = clock::now();
  const auto deadline = start + timeout;
  const auto dns = co_await resolve_host(t.host, t.port, timeout);
  if (dns.ec) {
    out.error = "cannot resolve " + t.host + ": " + describe(dns.ec);
    out.ms = ms_since(start);
    co_return out;
  }
  auto ex = co_await asio::this_coro::executor;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  if (!t.https || !tls) {
    beast::tcp_stream stream(ex);
    const auto c = co_await connect_tcp(stream, dns.endpoints, left);
    if (c.ec) {
      out.error = "cannot connect: " + describe(c.ec);
    } else {
      co_await exchange(stream, stream, t, req, deadline, out);
    }
    stream.close();
    out.ms = ms_since(start);
    co_return out;
  }
  beast::ssl_stream<beast::tcp_stream> stream(ex, *tls);
  auto& lowest = beast::get_lowest_layer(stream);
  const auto c = co_await connect_tcp(lowest, dns.endpoints, left);
  if (c.ec) {
    out.error = "cannot connect: " + describe(c.ec);
    out.ms = ms_since(start);
    co_return out;
  }
  SSL* ssl = stream.native_handle();
  error_code ec;
  asio::ip::make_address(t.host, ec);  // only: is it an IP address?
  if (ec) {
    SSL_set_tlsext_host_name(ssl, t.host.c_str());  // SNI is for names only
    SSL_set1_host(ssl, t.host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str());
  }
  // Verified, but every problem noted and the handshake let through: the report says
  // what is wrong, and callers decide what to send over such a connection.
  auto problems = std::make_shared<std::vector<std::string>>();
  stream.set_verify_mode(ssl::verify_peer);
  stream.set_verify_callback([problems](bool preverified, ssl::verify_context& vc) {
    if (!preverified) {
      std::string why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(vc.native_handle()));
      if (problems->size() < 8 &&
          std::find(problems->begin(), problems->end(), why) == problems->end())
        problems->push_back(std::move(why));
    }
    return true;
  });
  ec = {};
  lowest.expires_at(deadline);
  co_await stream.async_handshake(ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    out.error = "TLS handshake: " + describe(ec);
    lowest.close();
    out.ms = ms_since(start);
    co_return out;
  }
  out.tls = inspect(ssl, *problems);
  co_await exchange(stream, lowest, t, req, deadline, out);
  lowest.close();  // Connection: close; no shutdown dance needed for a diagnosis
  out.ms = ms_since(start);
  co_return out;
}

}  // namespace camgate::doctor
