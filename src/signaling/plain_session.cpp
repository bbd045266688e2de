#include "signaling/plain_session.hpp"

#include <spdlog/spdlog.h>

#include <mutex>

#include "core/clock.hpp"
#include "signaling/packet_codec.hpp"
#include "signaling/relay_scan.hpp"

namespace camgate::signaling {
namespace {

using json = nlohmann::json;

class plain_session : public peer_link, public std::enable_shared_from_this<plain_session> {
 public:
  plain_session(hub& h, auth::identity who, std::int64_t exp, std::string remote)
      : hub_(h), who_(std::move(who)), exp_(exp), remote_(std::move(remote)) {}

  void begin(httpd::connection&& c, const plain_options& options) {
    std::weak_ptr<plain_session> weak = shared_from_this();
    ws_channel_handlers h;
    h.on_open = [weak] {
      if (auto s = weak.lock()) s->opened();
    };
    h.on_message = [weak](std::string&& text, bool binary) {
      if (auto s = weak.lock()) s->message(std::move(text), binary);
    };
    h.on_closed = [self = shared_from_this()](std::string_view) { self->closed(); };
    channel_ = make_ws_channel(std::move(c), options.channel, std::move(h));
    expiry_.emplace(channel_->executor());
    channel_->start();
  }

  // peer_link
  void send(std::string_view type, const json& payload) override {
    json m = payload;
    m["type"] = std::string(type);
    channel_->send(m.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  // A payload the relay scanned from a Socket.IO client, as it was sent: no JSON tree.
  void send_relayed(std::string_view type, std::string_view from, std::string_view field,
                    std::string_view body) override {
    std::string m;
    m.reserve(body.size() + type.size() + from.size() + field.size() + 32);
    m += "{\"type\":\"";
    m += type;
    m += "\",\"from\":";
    append_json_string(m, from);
    m += ",\"";
    m += field;
    m += "\":";
    m += body;
    m += '}';
    channel_->send(std::move(m));
  }
  void close(std::uint16_t code, std::string reason) override {
    channel_->close(code, std::move(reason));
  }

 private:
  void opened() {
    std::string error;
    client_ = hub_.attach(shared_from_this(), who_, exp_, remote_, &error);
    if (!client_) {
      send("error", {{"error", error}, {"request", "connect"}});
      close(1008, "too many connections");
      return;
    }
    if (exp_ > 0) {
      const auto left = exp_ - core::unix_micros() / 1000000;
      expiry_->expires_after(std::chrono::seconds(std::max<std::int64_t>(0, left)));
      expiry_->async_wait([weak = weak_from_this()](error_code ec) {
        if (ec) return;
        if (auto s = weak.lock()) s->hub_.end(s->client_, access::end_reason::token_expired);
      });
    }
  }

  void message(std::string&& text, bool binary) {
    if (!client_) return;
    if (binary) {
      hub_.receive(client_, json());  // counts against the rate; answers with an error
      return;
    }
    auto m = parse_client_json(text);
    if (!m || !m->is_object()) {
      // Counted like any message, so a flood of garbage meets the rate limit too.
      hub_.receive(client_, json());
      return;
    }
    hub_.receive(client_, *m);
  }

  void closed() {
    if (expiry_) expiry_->cancel();
    if (client_) hub_.detach(client_);
    client_.reset();
  }

  hub& hub_;
  auth::identity who_;
  std::int64_t exp_;
  std::string remote_;
  std::shared_ptr<ws_channel> channel_;
  std::shared_ptr<client> client_;
  std::optional<asio::steady_timer> expiry_;
};

}  // namespace

void start_plain_session(httpd::connection&& c, hub& h, const auth::identity& who,
                         std::int64_t token_expires_at, std::string remote, plain_options options) {
  auto s = std::make_shared<plain_session>(h, who, token_expires_at, std::move(remote));
  s->begin(std::move(c), options);
}

}  // namespace camgate::signaling
