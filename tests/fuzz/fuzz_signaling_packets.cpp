// Client bytes through the Engine.IO payload parser, the Socket.IO packet parser and the
// hub. The first input byte picks where the rest goes: 0 an Engine.IO polling payload,
// 1 a Socket.IO packet, 2 a plain /signaling JSON message to a registered viewer of a
// hub with a robot online. Must never crash, hang or accept what it cannot re-encode.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signaling/hub.hpp"
#include "signaling/packet_codec.hpp"
#include "signaling/relay_scan.hpp"

using namespace camgate;
using namespace camgate::signaling;

namespace {
struct null_link : peer_link {
  void send(std::string_view, const nlohmann::json& payload) override {
    (void)payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  void close(std::uint16_t, std::string) override {}
};

// Keeps what the hub sent, the fast path's forwarded bodies parsed back.
struct recording_link : peer_link {
  void send(std::string_view type, const nlohmann::json& payload) override {
    last_type = std::string(type);
    last = payload;
  }
  void close(std::uint16_t, std::string) override {}
  std::string last_type;
  nlohmann::json last;
};

struct open_gateway : gateway_port {
  std::optional<std::int64_t> robot_id(std::string_view name) override {
    if (name == "robot-1") return 1;
    return std::nullopt;
  }
  access::decision decide(const auth::identity&, access::resource) override {
    access::decision d;
    d.allowed = true;
    return d;
  }
  std::uint64_t open_session(std::weak_ptr<access::live_session>, const auth::identity&,
                             access::resource, const std::string&, std::int64_t) override {
    return ++n;
  }
  void close_session(std::uint64_t, access::end_reason) override {}
  std::uint64_t n = 0;
};
}  // namespace

namespace {
// The scanner accepts a subset of sio::parse, with the same event, target, payload and id;
// the hub relays the payload as it would the parsed message.
void check_scanner(std::string_view text, const sio::parse_result& r) {
  auto ev = scan_relay(text);
  if (!ev) return;
  if (!r.value || r.value->type != sio::packet_type::event || r.value->nsp != "/" ||
      r.value->id != ev->id)
    std::abort();
  const auto& d = r.value->data;
  if (d.size() != 2 || d[0] != ev->type || !d[1].is_object()) std::abort();
  const auto& m = d[1];
  const std::string field(ev->field);
  if (!m.contains("to") || m["to"] != ev->to || !m.contains(field)) std::abort();
  auto body = parse_client_json(ev->body);
  if (!body || !body->is_object() || *body != m[field]) std::abort();

  // Both directions of an open session: the robot gets what the viewer sent, and back.
  open_gateway gw;
  hub_options o;
  o.now_ms = [] { return std::int64_t{0}; };
  hub h(gw, o);
  auto rl = std::make_shared<recording_link>();
  auto robot = h.attach(rl, {1, "robot-1", auth::role::robot}, 0, "");
  h.receive(robot, {{"type", "register"}, {"userId", "robot-1"}, {"userType", "robot"}});
  auto vl = std::make_shared<recording_link>();
  auto viewer = h.attach(vl, {2, "alice", auth::role::user}, 0, "");
  const auto peer = h.receive(viewer, {{"type", "register"}, {"userType", "viewer"}})["peerId"];
  h.receive(viewer, {{"type", "offer"}, {"to", "robot-1"}, {"offer", nlohmann::json::object()}});
  rl->last = nullptr;
  auto answer = h.relay(viewer, ev->type, ev->to, ev->body);
  if (ev->to == "robot-1") {
    if (answer || rl->last_type != ev->type || rl->last["from"] != peer || rl->last[field] != *body)
      std::abort();
  } else if (!answer || (*answer)["type"] != "error") {
    std::abort();
  }
  vl->last = nullptr;
  answer = h.relay(robot, ev->type, peer.get<std::string>(), ev->body);
  if (answer || vl->last[field] != *body) std::abort();
  h.detach(viewer);
  h.detach(robot);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto mode = data[0] % 3;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode == 0) {
    auto packets = eio::parse_payload(text, 64);
    if (packets) {
      if (packets->empty() || packets->size() > 64) std::abort();
      for (const auto& p : *packets)
        if (!p.binary && eio::parse_packet(eio::encode(p.type, p.data))->data != p.data)
          std::abort();
    }
  } else if (mode == 1) {
    auto r = sio::parse(text);
    if (r.value) {
      if (!r.error.empty()) std::abort();
      // What we accept, we can write back and read again identically.
      auto again = sio::parse(sio::encode(*r.value));
      if (!again.value || again.value->data != r.value->data || again.value->id != r.value->id)
        std::abort();
    } else if (r.error.empty()) {
      std::abort();
    }
    check_scanner(text, r);
  } else {
    open_gateway gw;
    hub_options o;
    o.now_ms = [] { return std::int64_t{0}; };
    hub h(gw, o);
    auto rl = std::make_shared<null_link>();
    auto robot = h.attach(rl, {1, "robot-1", auth::role::robot}, 0, "");
    h.receive(robot, {{"type", "register"}, {"userId", "robot-1"}, {"userType", "robot"}});
    auto vl = std::make_shared<null_link>();
    auto viewer = h.attach(vl, {2, "alice", auth::role::user}, 0, "");
    h.receive(viewer, {{"type", "register"}, {"userType", "viewer"}});
    auto m = parse_client_json(text);
    auto reply = h.receive(viewer, m ? *m : nlohmann::json());
    if (!reply.is_object() || !reply.contains("type")) std::abort();
    h.receive(robot, m ? *m : nlohmann::json());
    h.detach(viewer);
    h.detach(robot);
    if (h.connections() != 0) std::abort();
  }
  return 0;
}
