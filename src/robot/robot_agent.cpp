#include "robot/robot_agent.hpp"

#include "core/logging.hpp"
#include "media/signaling_json.hpp"

namespace camgate::robot {

using json = nlohmann::json;

std::shared_ptr<robot_agent> robot_agent::create(asio::io_context& io, media::media_options media,
                                                 signaling_options signaling) {
  std::shared_ptr<robot_agent> agent(new robot_agent(io, std::move(signaling)));
  std::weak_ptr<robot_agent> weak = agent;
  agent->fallback_ice_ = media.ice_servers;
  media::media_events ev;
  // Engine callbacks arrive on GStreamer threads: hop onto the io thread.
  ev.on_answer = [&io, weak](const std::string& peer, const std::string& sdp) {
    asio::post(io, [weak, peer, sdp] {
      if (auto a = weak.lock())
        a->signaling_->send(json{
            {"type", "answer"}, {"to", peer}, {"answer", media::description_json("answer", sdp)}});
    });
  };
  ev.on_candidate = [&io, weak](const std::string& peer, unsigned mline, const std::string& c) {
    asio::post(io, [weak, peer, mline, c] {
      if (auto a = weak.lock()) a->send_candidate(peer, mline, c);
    });
  };
  ev.on_peer_state = [&io, weak](const std::string& peer, media::peer_state s,
                                 const std::string& d) {
    asio::post(io, [weak, peer, s, d] {
      auto a = weak.lock();
      if (!a) return;
      spdlog::info("robot: viewer {} {}{}{}", peer, to_string(s), d.empty() ? "" : ": ", d);
      if (s == media::peer_state::failed || s == media::peer_state::closed) a->mids_.erase(peer);
    });
  };
  ev.on_source_state = [](media::source_state s, const std::string& d) {
    if (s == media::source_state::failed)
      spdlog::error("robot: camera {}: {}", to_string(s), d);
    else
      spdlog::info("robot: camera {}{}{}", to_string(s), d.empty() ? "" : ": ", d);
  };
  agent->engine_ = std::make_unique<media::media_engine>(std::move(media), std::move(ev));

  signaling_client::handlers h;
  h.on_message = [weak](const json& m) {
    if (auto a = weak.lock()) a->handle_message(m);
  };
  h.on_ice_servers = [weak](std::vector<media::ice_server> servers) {
    auto a = weak.lock();
    if (!a) return;
    if (servers.empty()) servers = a->fallback_ice_;
    a->engine_->set_ice_servers(std::move(servers));
  };
  h.on_registered = [](bool up) {
    if (!up) spdlog::warn("robot: signaling lost; running viewers keep streaming");
  };
  agent->signaling_ =
      std::make_shared<signaling_client>(io, agent->signaling_options_, std::move(h));
  return agent;
}

robot_agent::robot_agent(asio::io_context& io, signaling_options signaling)
    : io_(io), signaling_options_(std::move(signaling)) {}

robot_agent::~robot_agent() = default;

void robot_agent::start() {
  engine_->start();
  signaling_->start();
}

void robot_agent::stop() {
  signaling_->stop();
  engine_->stop();
}

void robot_agent::send_candidate(const std::string& peer, unsigned mline,
                                 const std::string& candidate) {
  auto it = mids_.find(peer);
  signaling_->send(
      json{{"type", "ice-candidate"},
           {"to", peer},
           {"candidate",
            media::candidate_json(mline, candidate,
                                  it == mids_.end() ? std::vector<std::string>{} : it->second)}});
}

void robot_agent::handle_message(const json& msg) {
  const auto type = msg.value("type", std::string{});
  const auto from = msg.contains("from") && msg["from"].is_string() ? msg["from"].get<std::string>()
                                                                    : std::string{};
  if (type == "offer") {
    const std::string sdp = msg.contains("offer") ? media::sdp_of(msg["offer"]) : std::string{};
    if (from.empty() || sdp.empty()) {
      spdlog::warn("robot: an offer without 'from' or SDP; ignored");
      return;
    }
    spdlog::info("robot: offer from {}", from);
    mids_[from] = media::media_ids(sdp);
    engine_->handle_offer(from, sdp);
  } else if (type == "ice-candidate") {
    if (from.empty() || !msg.contains("candidate")) return;
    auto it = mids_.find(from);
    // null or an empty candidate: the end of candidates
    if (auto c = media::candidate_of(msg["candidate"],
                                     it == mids_.end() ? std::vector<std::string>{} : it->second))
      engine_->add_remote_candidate(from, c->mline, c->candidate);
  } else if (type == "peer-left" || type == "session-ended" || type == "leave") {
    if (from.empty()) return;
    spdlog::info("robot: {} from {} ({})", type, from, msg.value("reason", std::string{"?"}));
    mids_.erase(from);
    engine_->remove_peer(from);
  } else if (type == "error") {
    spdlog::warn("robot: gateway error: {} (request {})", msg.value("error", std::string{"?"}),
                 msg.value("request", std::string{"?"}));
  } else {
    spdlog::debug("robot: ignoring '{}'", type);
  }
}

}  // namespace camgate::robot
