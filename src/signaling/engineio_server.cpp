#include "signaling/engineio_server.hpp"

#include <unistd.h>

#include <vector>

#include "core/io_pool.hpp"
#include "signaling/eio_session.hpp"

namespace camgate::signaling {
namespace {

// Engine.IO's error answers: {"code": n, "message": "..."}.
httpd::response eio_error(http::status status, int code, std::string_view message) {
  // Plus our {"success": false, "error"} so both kinds of client read it.
  return httpd::json_response(
      status, {{"code", code}, {"message", message}, {"success", false}, {"error", message}});
}

httpd::response text_response(std::string body) {
  auto r = httpd::bytes_response(http::status::ok, "text/plain; charset=UTF-8", std::move(body));
  r.message.set(http::field::cache_control, "no-store");
  return r;
}

// Moves a plain TCP connection's socket to `home` (the signaling thread): the descriptor
// leaves this thread's epoll for that one. nullopt for TLS, or when it fails (then the
// connection is lost: its descriptor is closed).
std::optional<direct_socket> rehome(httpd::connection& c, asio::io_context& home) {
  auto* plain = std::get_if<httpd::plain_stream>(&c.stream);
  if (!plain) return std::nullopt;
  error_code ec;
  auto& old = plain->socket();
  const auto protocol = old.local_endpoint(ec).protocol();
  if (ec) return std::nullopt;
  const auto fd = old.release(ec);
  if (ec) return std::nullopt;
  direct_socket moved(home.get_executor());
  moved.assign(protocol, fd, ec);
  if (ec) {
    ::close(fd);
    return std::nullopt;
  }
  return moved;
}

}  // namespace

engineio_server::engineio_server(hub& h, engineio_options options)
    : hub_(h), options_(std::move(options)) {}

engineio_server::~engineio_server() = default;

std::shared_ptr<eio_session> engineio_server::find(std::string_view sid) const {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::string(sid));
  return it == sessions_.end() ? nullptr : it->second;
}

void engineio_server::remove(const std::string& sid) {
  std::lock_guard lock(mutex_);
  sessions_.erase(sid);
}

void engineio_server::release_pending(const std::string& address) {
  std::lock_guard lock(mutex_);
  if (pending_ > 0) --pending_;
  if (auto it = pending_by_address_.find(address); it != pending_by_address_.end())
    if (--it->second == 0) pending_by_address_.erase(it);
}

bool engineio_server::authenticated_full() const {
  std::lock_guard lock(mutex_);
  return options_.max_sessions && sessions_.size() - pending_ >= options_.max_sessions;
}

std::size_t engineio_server::sessions() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void engineio_server::close_all() {
  std::vector<std::shared_ptr<eio_session>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [sid, s] : sessions_) all.push_back(s);
  }
  for (auto& s : all) asio::post(s->executor(), [s] { s->close("gateway stopping"); });
}

asio::awaitable<httpd::response> engineio_server::handle(
    httpd::request_context& ctx, std::optional<httpd::authenticated> handshake) {
  const auto eio_version = ctx.query_value("EIO");
  if (!eio_version || *eio_version != "4")
    co_return eio_error(http::status::bad_request, 5, "Unsupported protocol version");
  const auto transport = ctx.query_value("transport");
  if (!transport || (*transport != "polling" && *transport != "websocket"))
    co_return eio_error(http::status::bad_request, 0, "Transport unknown");
  const bool websocket_transport = *transport == "websocket";
  if (websocket_transport && !websocket::is_upgrade(ctx.req))
    co_return eio_error(http::status::bad_request, 3, "Bad request: send a WebSocket upgrade");
  const auto method = ctx.req.method();
  const auto sid = ctx.query_value("sid");

  // direct: the channel runs on the session's executor, so a message is handled at once.
  auto ws_handlers = [](std::weak_ptr<eio_session> weak,
                        std::shared_ptr<std::weak_ptr<ws_channel>> self_ch, bool direct) {
    ws_channel_handlers h;
    h.on_message = [weak, self_ch, direct](std::string&& text, bool binary) {
      auto s = weak.lock();
      auto ch = self_ch->lock();
      if (!s || !ch) return;
      if (direct) {
        s->ws_message(ch, std::move(text), binary);
        return;
      }
      asio::defer(s->executor(), [s, ch, t = std::move(text), binary]() mutable {
        s->ws_message(ch, std::move(t), binary);
      });
    };
    h.on_closed = [weak, self_ch](std::string_view) {
      auto s = weak.lock();
      auto ch = self_ch->lock();
      if (!s || !ch) return;
      asio::post(s->executor(), [s, ch] { s->ws_closed(ch); });
    };
    return h;
  };
  ws_channel_options ch_options;
  ch_options.max_message_bytes = options_.max_message_bytes + 64;
  // The answer to a WebSocket request (new session or upgrade): the connection becomes
  // the session's channel.
  const auto websocket_takeover = [&ws_handlers, &ch_options](std::shared_ptr<eio_session> s) {
    httpd::response res;
    res.takeover = [s, ws_handlers, ch_options](httpd::connection&& c) {
      // Plain TCP moves to the session's thread; TLS stays where it is (an SSL stream
      // cannot change executors) and its messages hop to the session.
      auto moved = s->single_thread() ? rehome(c, *s->single_thread()) : std::nullopt;
      const bool direct = moved.has_value();
      auto self_ch = std::make_shared<std::weak_ptr<ws_channel>>();
      auto ch = direct ? make_ws_channel(std::move(*moved), std::move(c.req), ch_options,
                                         ws_handlers(s, self_ch, true))
                       : make_ws_channel(std::move(c), ch_options, ws_handlers(s, self_ch, false));
      *self_ch = ch;
      asio::post(s->executor(), [s, ch, direct] { s->attach_websocket(ch, direct); });
      ch->start();
    };
    return res;
  };

  if (!sid) {
    if (method != http::verb::get)
      co_return eio_error(http::status::bad_request, 2, "Bad handshake method");
    std::optional<std::string> query_token;
    if (auto t = ctx.query_value("token")) query_token = std::string(*t);
    // A ?token= is checked now: an authenticated session is not pending. A bad one
    // leaves the session pending, and CONNECT answers why (as socket.io-client expects).
    if (!handshake && query_token) {
      auto outcome = options_.verify_token(*query_token);
      if (auto* a = std::get_if<httpd::authenticated>(&outcome)) handshake = *a;
    }
    const bool pending = !handshake;
    auto& home =
        options_.home ? *options_.home : core::io_context_of(co_await asio::this_coro::executor);
    auto s = std::make_shared<eio_session>(
        *this, home, options_.home != nullptr, random_id(),
        websocket_transport ? eio_session::transport_kind::websocket
                            : eio_session::transport_kind::polling,
        std::move(handshake), std::move(query_token), ctx.remote_ip, pending);
    {
      std::lock_guard lock(mutex_);
      if (pending) {
        auto& mine = pending_by_address_[ctx.remote_ip];
        if (options_.pending_per_address && mine >= options_.pending_per_address) {
          co_return eio_error(http::status::too_many_requests, 3,
                              "Too many unauthenticated connections from this address");
        }
        if (options_.max_pending && pending_ >= options_.max_pending) {
          if (mine == 0) pending_by_address_.erase(ctx.remote_ip);  // just made by []
          co_return eio_error(http::status::service_unavailable, 3,
                              "Too many unauthenticated connections");
        }
        ++mine;
        ++pending_;
      } else if (options_.max_sessions && sessions_.size() - pending_ >= options_.max_sessions) {
        co_return eio_error(http::status::service_unavailable, 3, "Too many connections");
      }
      sessions_[s->sid()] = s;
    }
    asio::post(s->executor(), [s] { s->start(); });
    if (!websocket_transport) co_return text_response(s->open_packet(true));
    co_return websocket_takeover(s);
  }

  auto s = find(*sid);
  if (!s) co_return eio_error(http::status::bad_request, 1, "Session ID unknown");
  if (websocket_transport) {
    co_return websocket_takeover(s);
  }
  auto home = co_await asio::this_coro::executor;
  eio_session::poll_result r;
  if (method == http::verb::get) {
    r = co_await asio::co_spawn(s->executor(), eio_session::poll(s), asio::use_awaitable);
  } else if (method == http::verb::post) {
    r = co_await asio::co_spawn(s->executor(), eio_session::post(s, std::move(ctx.req.body())),
                                asio::use_awaitable);
  } else {
    co_return eio_error(http::status::bad_request, 2, "Bad request method");
  }
  co_await asio::post(home, asio::use_awaitable);
  if (r.status != http::status::ok) co_return eio_error(r.status, 1, r.body);
  co_return text_response(std::move(r.body));
}

}  // namespace camgate::signaling
