#include "signaling/engineio_server.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <vector>

#include "auth/base64url.hpp"
#include "core/clock.hpp"
#include "core/io_pool.hpp"
#include "signaling/hub_client.hpp"
#include "signaling/packet_codec.hpp"
#include "signaling/relay_scan.hpp"
#include "signaling/ws_channel.hpp"

namespace camgate::signaling {
namespace {

using json = nlohmann::json;
using strand_type = asio::strand<asio::io_context::executor_type>;

std::string random_id() {
  unsigned char bytes[15];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness");
  return auth::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

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

std::string sio_packet(std::string_view text) {
  return eio::encode(eio::packet_type::message, text);
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

class eio_session;

// The hub's handle on a Socket.IO client: sends events, disconnects.
class eio_link : public peer_link {
 public:
  explicit eio_link(std::weak_ptr<eio_session> s) : session_(std::move(s)) {}
  void send(std::string_view type, const json& payload) override;
  void send_relayed(std::string_view type, std::string_view from, std::string_view field,
                    std::string_view body) override;
  void close(std::uint16_t code, std::string reason) override;

 private:
  void deliver(std::shared_ptr<eio_session> s, std::string text);
  std::weak_ptr<eio_session> session_;
};

class eio_session : public std::enable_shared_from_this<eio_session> {
 public:
  enum class transport_kind { polling, websocket };

  // home: the server's single-threaded home (the session runs on its executor, no
  // strand), or else the io_context of the connection that opened the session (a strand
  // of it, so that its WebSocket and the session run on one thread).
  eio_session(engineio_server& server, asio::io_context& home, bool single_thread, std::string sid,
              transport_kind t, std::optional<httpd::authenticated> handshake,
              std::optional<std::string> query_token, std::string remote, bool pending)
      : server_(server),
        single_(single_thread ? &home : nullptr),
        strand_(asio::make_strand(home)),
        ex_(single_ ? asio::any_io_executor(home.get_executor()) : asio::any_io_executor(strand_)),
        sid_(std::move(sid)),
        transport_(t),
        handshake_(std::move(handshake)),
        query_token_(std::move(query_token)),
        remote_(std::move(remote)),
        poll_timer_(ex_),
        heartbeat_(ex_),
        expiry_(ex_),
        connect_deadline_(ex_),
        pending_(pending) {}

  const asio::any_io_executor& executor() const { return ex_; }
  // The single-threaded home, if the server has one.
  asio::io_context* single_thread() const { return single_; }
  // Running on this session's executor now (so its state may be touched directly).
  bool on_own_thread() const {
    return single_ ? single_->get_executor().running_in_this_thread()
                   : strand_.running_in_this_thread();
  }
  const std::string& sid() const { return sid_; }

  std::string open_packet(bool polling) const {
    const auto& o = server_.options_;
    json open = {{"sid", sid_},
                 {"upgrades", polling ? json::array({"websocket"}) : json::array()},
                 {"pingInterval", o.ping_interval.count()},
                 {"pingTimeout", o.ping_timeout.count()},
                 {"maxPayload", o.max_message_bytes}};
    return eio::encode(eio::packet_type::open, open.dump());
  }

  // On the strand from here on.
  void start() {
    link_ = std::make_shared<eio_link>(weak_from_this());
    asio::co_spawn(ex_, heartbeat(shared_from_this()), asio::detached);
    if (pending_) {
      connect_deadline_.expires_after(server_.options_.connect_timeout);
      connect_deadline_.async_wait([weak = weak_from_this()](error_code ec) {
        auto self = weak.lock();
        if (!ec && self && self->pending_) self->close("not authenticated in time");
      });
    }
  }

  void push(std::string encoded) {
    if (closed_) return;
    if (transport_ == transport_kind::websocket && ws_) {
      send_ws(ws_, ws_direct_, std::move(encoded));
      return;
    }
    outbox_bytes_ += encoded.size();
    outbox_.push_back(std::move(encoded));
    if (outbox_bytes_ > 4 * server_.options_.max_message_bytes + 64 * 1024 ||
        outbox_.size() > 1024) {
      spdlog::debug("signaling: dropping a polling client that does not poll");
      // Posted: push() may run under the hub's lock, and close() calls the hub.
      outbox_.clear();
      outbox_bytes_ = 0;
      asio::post(ex_, [self = shared_from_this()] { self->close("too slow"); });
      return;
    }
    poll_timer_.cancel();
  }

  struct poll_result {
    http::status status = http::status::ok;
    std::string body;
  };

  static asio::awaitable<poll_result> poll(std::shared_ptr<eio_session> self) {
    if (self->closed_) co_return poll_result{http::status::bad_request, "Session ID unknown"};
    if (self->transport_ != transport_kind::polling)
      co_return poll_result{http::status::bad_request, "Transport mismatch"};
    if (self->poll_active_) {
      self->close("overlapping polls");
      co_return poll_result{http::status::bad_request, "Overlapping polls"};
    }
    if (self->outbox_.empty()) {
      self->poll_active_ = true;
      self->poll_timer_.expires_after(self->server_.options_.ping_interval +
                                      self->server_.options_.ping_timeout);
      error_code ec;
      co_await self->poll_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      self->poll_active_ = false;
    }
    std::string body;
    if (self->outbox_.empty()) {
      body = eio::encode(self->closed_ ? eio::packet_type::close : eio::packet_type::noop);
    } else {
      body = eio::join_payload(self->outbox_);
      self->outbox_.clear();
      self->outbox_bytes_ = 0;
    }
    if (self->draining_) self->close("disconnected by the server");
    co_return poll_result{http::status::ok, std::move(body)};
  }

  static asio::awaitable<poll_result> post(std::shared_ptr<eio_session> self, std::string body) {
    if (self->closed_) co_return poll_result{http::status::bad_request, "Session ID unknown"};
    if (self->transport_ != transport_kind::polling)
      co_return poll_result{http::status::bad_request, "Transport mismatch"};
    if (body.size() > self->server_.options_.max_message_bytes + 1024) {
      self->close("payload too large");
      co_return poll_result{http::status::payload_too_large, "Payload too large"};
    }
    auto packets = eio::parse_payload(body, 256);
    if (!packets) {
      self->close("parse error");
      co_return poll_result{http::status::bad_request, "Bad payload"};
    }
    for (auto& p : *packets) {
      if (self->closed_) break;
      self->on_packet(std::move(p));
    }
    co_return poll_result{http::status::ok, "ok"};
  }

  // A WebSocket for this session: the only transport (no sid), or a probe to upgrade to.
  // direct: the channel runs on this session's executor (send_now, no hop).
  void attach_websocket(std::shared_ptr<ws_channel> ch, bool direct) {
    if (closed_) {
      ch->close(1000, "session closed");
      return;
    }
    if (transport_ == transport_kind::websocket && !ws_) {
      ws_ = std::move(ch);
      ws_direct_ = direct;
      send_ws(ws_, ws_direct_, open_packet(false));
      return;
    }
    if (transport_ != transport_kind::polling || probe_) {
      ch->close(1002, "cannot upgrade");
      return;
    }
    probe_ = std::move(ch);
    probe_direct_ = direct;
  }

  void ws_message(const std::shared_ptr<ws_channel>& ch, std::string&& text, bool binary) {
    if (closed_) return;
    if (ch == probe_) {
      if (!binary && text == "2probe") {
        probe_->send("3probe");
        // Make the pending poll return so the client can pause polling.
        push(eio::encode(eio::packet_type::noop));
      } else if (!binary && text == "5") {
        transport_ = transport_kind::websocket;
        ws_ = std::move(probe_);
        ws_direct_ = probe_direct_;
        probe_.reset();
        for (auto& p : outbox_) send_ws(ws_, ws_direct_, std::move(p));
        outbox_.clear();
        outbox_bytes_ = 0;
        poll_timer_.cancel();
      } else {
        auto p = std::move(probe_);
        p->close(1002, "bad upgrade");
      }
      return;
    }
    if (ch != ws_) return;
    if (binary) {
      send_error("", "binary messages are not supported");
      return;
    }
    // A message packet (nearly all of them): its data as it is, not copied.
    if (!text.empty() && text.front() == static_cast<char>(eio::packet_type::message)) {
      on_socketio(std::string_view(text).substr(1));
      return;
    }
    auto p = eio::parse_packet(text);
    if (!p) {
      send_error("", "malformed Engine.IO packet");
      return;
    }
    on_packet(std::move(*p));
  }

  void ws_closed(const std::shared_ptr<ws_channel>& ch) {
    if (ch == probe_) {
      probe_.reset();
    } else if (ch == ws_) {
      close("transport closed");
    }
  }

  // The hub ends this client (replaced, session ended, token expired): a Socket.IO
  // DISCONNECT, which socket.io-client does not answer by reconnecting; then close.
  void disconnect_by_server() {
    if (closed_) return;
    if (connected_) {
      connected_ = false;
      client_.reset();  // the hub has already detached it
      push(sio_packet("1"));
    }
    if (transport_ == transport_kind::websocket && ws_) {
      ws_->close(1000, "disconnected by the server");
      close("disconnected by the server");
    } else {
      draining_ = true;  // the next poll delivers the DISCONNECT, then the session ends
      poll_timer_.cancel();
    }
  }

  void close(std::string_view why) {
    if (closed_) return;
    closed_ = true;
    spdlog::debug("signaling: Socket.IO session {} closed: {}", sid_, why);
    if (client_) server_.hub_.detach(client_);
    client_.reset();
    heartbeat_.cancel();
    expiry_.cancel();
    poll_timer_.cancel();
    end_pending();
    if (ws_) ws_->close(1000, std::string(why));
    if (probe_) probe_->close(1000, std::string(why));
    server_.remove(sid_);
  }

 private:
  static asio::awaitable<void> heartbeat(std::shared_ptr<eio_session> self) {
    const auto& o = self->server_.options_;
    int ticks = 0;
    for (;;) {
      error_code ec;
      self->heartbeat_.expires_after(o.ping_interval);
      co_await self->heartbeat_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (self->closed_) co_return;
      if (self->draining_) {
        self->close("disconnected by the server");
        co_return;
      }
      if (!self->connected_ && !self->ever_connected_ && ++ticks >= 2) {
        self->close("no CONNECT");
        co_return;
      }
      self->awaiting_pong_ = true;
      self->push(eio::encode(eio::packet_type::ping));
      self->heartbeat_.expires_after(o.ping_timeout);
      co_await self->heartbeat_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (self->closed_) co_return;
      if (self->awaiting_pong_) {
        self->close("ping timeout");
        co_return;
      }
    }
  }

  void on_packet(eio::packet p) {
    switch (p.type) {
      case eio::packet_type::pong:
        if (awaiting_pong_) {
          awaiting_pong_ = false;
          heartbeat_.cancel();
        }
        break;
      case eio::packet_type::ping:
        push(eio::encode(eio::packet_type::pong, p.data));
        break;
      case eio::packet_type::message:
        if (p.binary)
          send_error("", "binary messages are not supported");
        else
          on_socketio(p.data);
        break;
      case eio::packet_type::close:
        close("closed by client");
        break;
      default:
        break;  // open, upgrade, noop: nothing to do
    }
  }

  void send_error(std::string_view request, std::string error) {
    if (!connected_) return;
    push(sio_packet(sio::encode_event(
        "error", {{"error", std::move(error)}, {"request", std::string(request)}})));
  }

  void connect_error(const std::string& nsp, std::string message) {
    sio::packet e;
    e.type = sio::packet_type::connect_error;
    e.nsp = nsp;
    e.data = {{"message", std::move(message)}};
    push(sio_packet(sio::encode(e)));
  }

  void on_socketio(std::string_view text) {
    if (text.size() > server_.options_.max_message_bytes) {
      send_error("", "message too big");
      return;
    }
    // The relay's fast path: an offer, answer or candidate, scanned and forwarded as sent.
    if (connected_ && client_) {
      if (auto ev = scan_relay(text, 32, kMaxPeerId)) {
        auto reply = server_.hub_.relay(client_, ev->type, ev->to, ev->body);
        if (ev->id) {
          if (!reply) {
            // sio::encode of [{"request": type, "type": "ok"}], without the JSON tree.
            std::string ack = "43" + std::to_string(*ev->id) + "[{\"request\":\"";
            ack += ev->type;
            ack += "\",\"type\":\"ok\"}]";
            push(std::move(ack));
          } else {
            sio::packet a;
            a.type = sio::packet_type::ack;
            a.id = ev->id;
            a.data = json::array({std::move(*reply)});
            push(sio_packet(sio::encode(a)));
          }
        }
        return;
      }
    }
    auto r = sio::parse(text);
    if (!r.value) {
      if (connected_)
        send_error("", "malformed Socket.IO packet: " + r.error);
      else
        connect_error("/", "malformed Socket.IO packet: " + r.error);
      return;
    }
    auto& p = *r.value;
    if (p.nsp != "/") {
      if (p.type == sio::packet_type::connect) connect_error(p.nsp, "Invalid namespace");
      return;
    }
    switch (p.type) {
      case sio::packet_type::connect:
        on_connect(p.data);
        break;
      case sio::packet_type::disconnect:
        if (client_) server_.hub_.detach(client_);
        client_.reset();
        connected_ = false;
        expiry_.cancel();
        break;
      case sio::packet_type::event: {
        if (!connected_ || !client_) return;
        json msg =
            p.data.size() > 1 && p.data[1].is_object() ? std::move(p.data[1]) : json::object();
        const bool bad_payload =
            p.data.size() > 1 && !p.data[1].is_object() && !p.data[1].is_null();
        msg["type"] = bad_payload ? std::string() : p.data[0].get<std::string>();
        auto reply = server_.hub_.receive(client_, msg);
        if (p.id) {
          sio::packet ack;
          ack.type = sio::packet_type::ack;
          ack.id = p.id;
          ack.data = json::array({std::move(reply)});
          push(sio_packet(sio::encode(ack)));
        }
        break;
      }
      default:
        break;  // ACKs of events we never send with an id
    }
  }

  void on_connect(const json& data) {
    if (connected_) {
      push(sio_packet("0" + json{{"sid", sio_sid_}}.dump()));
      return;
    }
    std::optional<httpd::authenticated> who;
    std::string why = "authentication required: send auth: {token}";
    std::optional<std::string> token;
    if (data.is_object() && data.contains("token") && data["token"].is_string())
      token = data["token"].get<std::string>();
    else if (query_token_)
      token = query_token_;
    if (token) {
      auto outcome = server_.options_.verify_token(*token);
      if (auto* a = std::get_if<httpd::authenticated>(&outcome))
        who = *a;
      else
        why = std::get<std::string>(outcome);
    } else if (handshake_) {
      who = handshake_;
    }
    if (!who) {
      connect_error("/", why);
      return;
    }
    if (pending_ && server_.authenticated_full()) {
      connect_error("/", "too many connections");
      return;
    }
    std::string error;
    client_ = server_.hub_.attach(link_, who->identity, who->expires_at, remote_, &error);
    if (!client_) {
      connect_error("/", error);
      return;
    }
    end_pending();
    connected_ = true;
    ever_connected_ = true;
    sio_sid_ = random_id();
    push(sio_packet("0" + json{{"sid", sio_sid_}}.dump()));
    if (who->expires_at > 0) {
      const auto left = who->expires_at - core::unix_micros() / 1000000;
      expiry_.expires_after(std::chrono::seconds(std::max<std::int64_t>(0, left)));
      expiry_.async_wait([weak = weak_from_this()](error_code ec) {
        if (ec) return;
        auto self = weak.lock();
        if (self && self->client_)
          self->server_.hub_.end(self->client_, access::end_reason::token_expired);
      });
    }
  }

  void end_pending() {
    if (!pending_) return;
    pending_ = false;
    connect_deadline_.cancel();
    server_.release_pending(remote_);
  }

  // A channel's send: directly when it runs on this session's executor.
  static void send_ws(const std::shared_ptr<ws_channel>& ch, bool direct, std::string text) {
    if (direct)
      ch->send_now(std::move(text));
    else
      ch->send(std::move(text));
  }

  engineio_server& server_;
  asio::io_context* single_;
  strand_type strand_;
  asio::any_io_executor ex_;
  std::string sid_;
  transport_kind transport_;
  std::optional<httpd::authenticated> handshake_;
  std::optional<std::string> query_token_;
  std::string remote_;
  asio::steady_timer poll_timer_;
  asio::steady_timer heartbeat_;
  asio::steady_timer expiry_;
  asio::steady_timer connect_deadline_;
  bool pending_;  // holds a place in the server's pending counts
  std::shared_ptr<eio_link> link_;
  std::shared_ptr<ws_channel> ws_;
  std::shared_ptr<ws_channel> probe_;
  bool ws_direct_ = false;
  bool probe_direct_ = false;
  std::vector<std::string> outbox_;
  std::size_t outbox_bytes_ = 0;
  std::shared_ptr<client> client_;
  std::string sio_sid_;
  bool poll_active_ = false;
  bool awaiting_pong_ = false;
  bool connected_ = false;
  bool ever_connected_ = false;
  bool draining_ = false;
  bool closed_ = false;
};

void eio_link::send(std::string_view type, const json& payload) {
  auto s = session_.lock();
  if (!s) return;
  deliver(std::move(s), sio_packet(sio::encode_event(type, payload)));
}

void eio_link::send_relayed(std::string_view type, std::string_view from, std::string_view field,
                            std::string_view body) {
  auto s = session_.lock();
  if (!s) return;
  // 42["type",{"from":"...","field":<body as sent>}]
  std::string text;
  text.reserve(body.size() + type.size() + from.size() + field.size() + 24);
  text += "42[\"";
  text += type;
  text += "\",{\"from\":";
  append_json_string(text, from);
  text += ",\"";
  text += field;
  text += "\":";
  text += body;
  text += "}]";
  deliver(std::move(s), std::move(text));
}

void eio_link::deliver(std::shared_ptr<eio_session> s, std::string text) {
  // On the session's own executor (the hub answering this client; with a single-threaded
  // home, any session of the server), in order with the packets the session writes
  // itself; from elsewhere, deferred (kept on this thread rather than waking another:
  // see ws_channel::send).
  if (s->on_own_thread())
    s->push(std::move(text));
  else
    asio::defer(s->executor(), [s, t = std::move(text)]() mutable { s->push(std::move(t)); });
}

void eio_link::close(std::uint16_t, std::string) {
  auto s = session_.lock();
  if (!s) return;
  asio::post(s->executor(), [s] { s->disconnect_by_server(); });
}

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
