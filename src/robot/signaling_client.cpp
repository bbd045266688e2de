#include "robot/signaling_client.hpp"

#include "core/asio.hpp"
// Not included by beast/ssl.hpp in Boost 1.74; asio.hpp above came first as required.
#include <boost/asio/ssl/host_name_verification.hpp>

#include "core/logging.hpp"

namespace camgate::robot {
namespace {

using asio::use_awaitable;
using json = nlohmann::json;

struct http_error : std::runtime_error {
  unsigned status;
  http_error(unsigned s, const std::string& what) : std::runtime_error(what), status(s) {}
};

}  // namespace

std::vector<media::ice_server> parse_ice_servers(const json& body) {
  std::vector<media::ice_server> out;
  const json* list = nullptr;
  if (body.is_object() && body.contains("iceServers")) list = &body["iceServers"];
  if (!list || !list->is_array()) return out;
  for (const auto& item : *list) {
    if (!item.is_object() || !item.contains("urls")) continue;
    media::ice_server s;
    const auto& urls = item["urls"];
    if (urls.is_string())
      s.urls.push_back(urls.get<std::string>());
    else if (urls.is_array())
      for (const auto& u : urls)
        if (u.is_string()) s.urls.push_back(u.get<std::string>());
    if (item.contains("username") && item["username"].is_string())
      s.username = item["username"].get<std::string>();
    if (item.contains("credential") && item["credential"].is_string())
      s.credential = item["credential"].get<std::string>();
    if (!s.urls.empty()) out.push_back(std::move(s));
  }
  return out;
}

signaling_client::signaling_client(asio::io_context& io, signaling_options options, handlers h)
    : io_(io),
      opts_(std::move(options)),
      handlers_(std::move(h)),
      tls_(ssl::context::tls_client),
      retry_(opts_.backoff_initial, opts_.backoff_max),
      wake_(io),
      pause_(io) {
  tls_.set_default_verify_paths();
  if (!opts_.ca_file.empty()) tls_.load_verify_file(opts_.ca_file);
  tls_.set_verify_mode(opts_.insecure_tls ? ssl::verify_none : ssl::verify_peer);
}

signaling_client::~signaling_client() = default;

void signaling_client::start() {
  asio::co_spawn(
      io_, [self = shared_from_this()]() { return self->run(); }, asio::detached);
}

void signaling_client::stop() {
  asio::post(io_, [self = shared_from_this()] {
    self->stopping_ = true;
    if (self->close_current_) self->close_current_();
    self->wake_.cancel();
    self->pause_.cancel();
  });
}

void signaling_client::send(json message) {
  asio::post(io_, [self = shared_from_this(), text = message.dump()]() mutable {
    if (!self->registered_) {
      spdlog::debug("signaling: not connected, dropped {}", text.substr(0, 80));
      return;
    }
    if (self->outbox_.size() > 1000) {
      spdlog::warn("signaling: outbox full, dropping a message");
      return;
    }
    self->outbox_.push_back(std::move(text));
    self->wake_.cancel();
  });
}

template <class Body>
asio::awaitable<http::response<http::string_body>> signaling_client::http_call(
    http::request<Body> req) {
  const auto& g = opts_.gateway;
  req.set(http::field::host, g.host_header());
  req.set(http::field::user_agent, "camgate-robot/" CAMGATE_VERSION);
  req.prepare_payload();
  tcp::resolver resolver(io_);
  auto endpoints = co_await resolver.async_resolve(g.host, g.port, use_awaitable);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (g.tls) {
    beast::ssl_stream<beast::tcp_stream> stream(io_, tls_);
    if (!SSL_set_tlsext_host_name(stream.native_handle(), g.host.c_str()))
      throw std::runtime_error("TLS: cannot set SNI");
    if (!opts_.insecure_tls) stream.set_verify_callback(ssl::host_name_verification(g.host));
    beast::get_lowest_layer(stream).expires_after(opts_.http_timeout);
    co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_awaitable);
    co_await stream.async_handshake(ssl::stream_base::client, use_awaitable);
    co_await http::async_write(stream, req, use_awaitable);
    co_await http::async_read(stream, buffer, res, use_awaitable);
    error_code ec;
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
  } else {
    beast::tcp_stream stream(io_);
    stream.expires_after(opts_.http_timeout);
    co_await stream.async_connect(endpoints, use_awaitable);
    co_await http::async_write(stream, req, use_awaitable);
    co_await http::async_read(stream, buffer, res, use_awaitable);
    error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }
  co_return res;
}

asio::awaitable<std::string> signaling_client::login() {
  http::request<http::string_body> req{http::verb::post, opts_.gateway.http_target("/auth/login"),
                                       11};
  req.set(http::field::content_type, "application/json");
  req.body() = json{{"username", opts_.robot}, {"password", opts_.credential}}.dump();
  auto res = co_await http_call(std::move(req));
  if (res.result() != http::status::ok)
    throw http_error(res.result_int(), "login as '" + opts_.robot + "' refused (HTTP " +
                                           std::to_string(res.result_int()) +
                                           "): " + res.body().substr(0, 200));
  const auto body = json::parse(res.body(), nullptr, false);
  // camgate's /auth/login answers "access_token"; "token" is accepted as well.
  for (const char* key : {"token", "access_token"})
    if (body.is_object() && body.contains(key) && body[key].is_string()) {
      ++logins_;
      co_return body[key].get<std::string>();
    }
  throw std::runtime_error("login answer has no token");
}

asio::awaitable<void> signaling_client::fetch_ice_servers(const std::string& token) {
  http::request<http::empty_body> req{http::verb::get,
                                      opts_.gateway.http_target("/api/webrtc/ice-servers"), 11};
  req.set(http::field::authorization, "Bearer " + token);
  http::response<http::string_body> res;
  try {
    res = co_await http_call(std::move(req));
  } catch (const std::exception& e) {
    spdlog::warn("signaling: GET /api/webrtc/ice-servers failed ({}); keeping the current ones",
                 e.what());
    co_return;
  }
  if (res.result() == http::status::not_found) {
    spdlog::info(
        "signaling: the gateway has no /api/webrtc/ice-servers (404); host candidates only");
    co_return;
  }
  if (res.result() != http::status::ok) {
    spdlog::warn("signaling: GET /api/webrtc/ice-servers: HTTP {}", res.result_int());
    co_return;
  }
  auto servers = parse_ice_servers(json::parse(res.body(), nullptr, false));
  spdlog::info("signaling: {} ICE server(s) from the gateway", servers.size());
  if (handlers_.on_ice_servers) handlers_.on_ice_servers(std::move(servers));
}

template <class Stream>
asio::awaitable<void> signaling_client::writer(Stream& ws) {
  while (!stopping_ && registered_) {
    if (outbox_.empty()) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      error_code ec;
      co_await wake_.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    std::string text = std::move(outbox_.front());
    outbox_.pop_front();
    error_code ec;
    co_await ws.async_write(asio::buffer(text), asio::redirect_error(use_awaitable, ec));
    if (ec) {
      spdlog::warn("signaling: write failed: {}", ec.message());
      beast::get_lowest_layer(ws).close();  // ends the read loop too
      co_return;
    }
  }
}

template <class Stream>
asio::awaitable<int> signaling_client::session(Stream& ws, const std::string& token) {
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& req) {
    req.set(http::field::authorization, "Bearer " + token);
    req.set(http::field::user_agent, "camgate-robot/" CAMGATE_VERSION);
  }));
  ws.text(true);
  co_await ws.async_handshake(opts_.gateway.host_header(), opts_.gateway.http_target("/signaling"),
                              use_awaitable);
  const std::string reg =
      json{{"type", "register"}, {"userId", opts_.robot}, {"userType", "robot"}}.dump();
  co_await ws.async_write(asio::buffer(reg), use_awaitable);

  bool writer_running = false, writer_exited = false;
  asio::steady_timer writer_done(io_, asio::steady_timer::time_point::max());
  beast::flat_buffer buffer;
  int close_code = 0;
  for (;;) {
    error_code ec;
    buffer.clear();
    co_await ws.async_read(buffer, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == websocket::error::closed) {
        close_code = ws.reason().code;
        spdlog::warn("signaling: the gateway closed the connection ({} {})", close_code,
                     std::string(ws.reason().reason.c_str()));
      } else if (!stopping_) {
        spdlog::warn("signaling: connection lost: {}", ec.message());
      }
      break;
    }
    const auto msg = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
    if (!msg.is_object() || !msg.contains("type") || !msg["type"].is_string()) {
      spdlog::warn("signaling: ignoring a malformed message");
      continue;
    }
    const auto type = msg["type"].get<std::string>();
    if (type == "registered" && !registered_) {
      registered_ = true;
      ++connects_;
      spdlog::info("signaling: registered as {}", msg.value("peerId", opts_.robot));
      if (handlers_.on_registered) handlers_.on_registered(true);
      writer_running = true;
      asio::co_spawn(
          io_,
          [this, &ws, &writer_done, &writer_exited,
           self = shared_from_this()]() -> asio::awaitable<void> {
            co_await writer(ws);
            writer_exited = true;
            writer_done.cancel();
          },
          asio::detached);
      continue;
    }
    if (handlers_.on_message) try {
        handlers_.on_message(msg);
      } catch (const std::exception& e) {
        spdlog::error("signaling: handling '{}': {}", type, e.what());
      }
  }
  const bool was_registered = registered_;
  registered_ = false;
  outbox_.clear();
  if (writer_running && !writer_exited) {
    wake_.cancel();
    error_code ec;
    // The writer may be inside async_write: make it fail, then wait for it to finish
    // (it lives on this frame's stream). One io thread: no race with writer_exited.
    beast::get_lowest_layer(ws).cancel();
    co_await writer_done.async_wait(asio::redirect_error(use_awaitable, ec));
  }
  if (was_registered && handlers_.on_registered) handlers_.on_registered(false);
  co_return close_code;
}

asio::awaitable<void> signaling_client::run() {
  auto self = shared_from_this();
  while (!stopping_) {
    int close_code = 0;
    const unsigned connects_before = connects_;
    try {
      const std::string token = co_await login();
      co_await fetch_ice_servers(token);
      if (stopping_) break;
      const auto& g = opts_.gateway;
      tcp::resolver resolver(io_);
      auto endpoints = co_await resolver.async_resolve(g.host, g.port, use_awaitable);
      if (g.tls) {
        websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(io_, tls_);
        if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), g.host.c_str()))
          throw std::runtime_error("TLS: cannot set SNI");
        if (!opts_.insecure_tls)
          ws.next_layer().set_verify_callback(ssl::host_name_verification(g.host));
        beast::get_lowest_layer(ws).expires_after(opts_.http_timeout);
        co_await beast::get_lowest_layer(ws).async_connect(endpoints, use_awaitable);
        co_await ws.next_layer().async_handshake(ssl::stream_base::client, use_awaitable);
        beast::get_lowest_layer(ws).expires_never();
        close_current_ = [&ws] { beast::get_lowest_layer(ws).close(); };
        close_code = co_await session(ws, token);
      } else {
        websocket::stream<beast::tcp_stream> ws(io_);
        beast::get_lowest_layer(ws).expires_after(opts_.http_timeout);
        co_await beast::get_lowest_layer(ws).async_connect(endpoints, use_awaitable);
        beast::get_lowest_layer(ws).expires_never();
        close_current_ = [&ws] { beast::get_lowest_layer(ws).close(); };
        close_code = co_await session(ws, token);
      }
      close_current_ = nullptr;
    } catch (const http_error& e) {
      close_current_ = nullptr;
      spdlog::error("signaling: {}", e.what());
      if (e.status == 401 || e.status == 403) retry_.max_out();  // bad credential
    } catch (const std::exception& e) {
      close_current_ = nullptr;
      if (!stopping_) spdlog::warn("signaling: {}", e.what());
    }
    if (stopping_) break;
    if (close_code == 4002) {
      spdlog::info("signaling: token expired: logging in again");
      retry_.reset();
      continue;  // at once
    }
    // A session that registered was a success: the next failure starts from the bottom.
    if (connects_ > connects_before) retry_.reset();
    const auto delay = retry_.next();
    spdlog::info("signaling: reconnecting in {} ms", delay.count());
    pause_.expires_after(delay);
    error_code ec;
    co_await pause_.async_wait(asio::redirect_error(use_awaitable, ec));
  }
  co_return;
}

}  // namespace camgate::robot
