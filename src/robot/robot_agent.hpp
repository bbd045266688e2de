#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "media/media_engine.hpp"
#include "robot/signaling_client.hpp"

namespace camgate::robot {

// camgate-robot's wiring: the gateway's signaling on one side, the media engine on the
// other. Offers become peers, candidates flow both ways, peer-left / session-ended
// close a peer at once. Losing the gateway does not touch running peers.
class robot_agent : public std::enable_shared_from_this<robot_agent> {
 public:
  static std::shared_ptr<robot_agent> create(asio::io_context& io, media::media_options media,
                                             signaling_options signaling);
  ~robot_agent();

  void start();
  void stop();  // blocks until the media engine stopped; call from outside the io thread
  media::media_engine& media() { return *engine_; }
  signaling_client& signaling() { return *signaling_; }

  // One message from the gateway (public for tests).
  void handle_message(const nlohmann::json& msg);

 private:
  robot_agent(asio::io_context& io, signaling_options signaling);
  void send_candidate(const std::string& peer, unsigned mline, const std::string& candidate);

  asio::io_context& io_;
  signaling_options signaling_options_;
  std::vector<media::ice_server> fallback_ice_;
  std::unique_ptr<media::media_engine> engine_;
  std::shared_ptr<signaling_client> signaling_;
  std::map<std::string, std::vector<std::string>> mids_;  // per viewer: its offer's a=mid
};

}  // namespace camgate::robot
