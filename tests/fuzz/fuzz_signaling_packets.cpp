// Client bytes through the Engine.IO payload parser, the Socket.IO packet parser and the
// hub. The first input byte picks where the rest goes: 0 an Engine.IO polling payload,
// 1 a Socket.IO packet, 2 a plain /signaling JSON message to a registered viewer of a
// hub with a robot online. Must never crash, hang or accept what it cannot re-encode.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signaling/hub.hpp"
#include "signaling/packet_codec.hpp"

using namespace camgate;
using namespace camgate::signaling;

namespace {
struct null_link : peer_link {
  void send(std::string_view, const nlohmann::json& payload) override {
    (void)payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  void close(std::uint16_t, std::string) override {}
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
