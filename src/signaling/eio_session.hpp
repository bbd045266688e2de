#pragma once
// One Engine.IO session and the hub's handle on it (eio_link): polling and WebSocket
// transports, the upgrade, heartbeats, and the Socket.IO layer (CONNECT, events, the
// relay's fast path). Internal to engineio_server.cpp and eio_session.cpp.
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "signaling/engineio_server.hpp"
#include "signaling/hub_client.hpp"
#include "signaling/packet_codec.hpp"
#include "signaling/relay_scan.hpp"
#include "signaling/ws_channel.hpp"

namespace camgate::signaling {

namespace eio_detail {
// 20 random characters (base64url of 15 bytes): session and Socket.IO ids.
std::string random_id();
// An Engine.IO message packet holding Socket.IO `text`.
inline std::string sio_packet(std::string_view text) {
  return eio::encode(eio::packet_type::message, text);
}
}  // namespace eio_detail

using eio_detail::random_id;
using eio_detail::sio_packet;

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
  using strand_type = asio::strand<asio::io_context::executor_type>;

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

  void on_socketio(std::string_view text);

  void on_connect(const json& data);

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

}  // namespace camgate::signaling
