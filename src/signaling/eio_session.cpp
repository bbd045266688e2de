#include "signaling/eio_session.hpp"

#include <openssl/rand.h>

#include "auth/base64url.hpp"

namespace camgate::signaling {

std::string eio_detail::random_id() {
  unsigned char bytes[15];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness");
  return auth::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

void eio_session::on_socketio(std::string_view text) {
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
      json msg = p.data.size() > 1 && p.data[1].is_object() ? std::move(p.data[1]) : json::object();
      const bool bad_payload = p.data.size() > 1 && !p.data[1].is_object() && !p.data[1].is_null();
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

void eio_session::on_connect(const json& data) {
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

}  // namespace camgate::signaling
