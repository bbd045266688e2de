#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "core/asio.hpp"
#include "hub/channel.hpp"
#include "media/media_engine.hpp"
#include "signaling/hub.hpp"

namespace camgate::webrtc {

struct robot_relays_options {
  media::media_options media;  // ICE settings and the codecs asked of the robot
  // The upstream closes this long after a robot's last viewer: a reload reuses it.
  std::chrono::milliseconds linger{5000};
  // Open the upstream as soon as a robot registers and keep it while the robot is online.
  bool keep_warm = false;
};

// Robots through the gateway ([robots] media = "relay"): each watched robot has ONE
// media engine whose source is the robot's stream (media::upstream_receiver), and each
// of its viewers a peer of that engine. The robot sees one viewer, hub::relay_peer,
// however many watch; the hub routes viewers' offers here and their answers back. A
// session's end (a booking cut, a token expiry, a disconnect) drops the viewer's peer
// here, whatever the robot does.
//
// State lives on a strand: the hub's calls (made under its lock) and the engines'
// callbacks (GStreamer threads) only post to it.
class robot_relays final : public signaling::relay_port,
                           public std::enable_shared_from_this<robot_relays> {
 public:
  // `io` runs the state and timers; `blocking` stops engines (which joins a thread).
  static std::shared_ptr<robot_relays> create(asio::any_io_executor io,
                                              asio::any_io_executor blocking, signaling::hub& hub,
                                              robot_relays_options options);
  ~robot_relays() override;
  robot_relays(const robot_relays&) = delete;
  robot_relays& operator=(const robot_relays&) = delete;

  void viewer_message(const std::string& robot, const std::string& viewer, std::string_view type,
                      const nlohmann::json& payload) override;
  void viewer_left(const std::string& robot, const std::string& viewer) override;
  void robot_message(const std::string& robot, std::string_view type,
                     const nlohmann::json& payload) override;
  void robot_online(const std::string& robot) override;
  void robot_offline(const std::string& robot) override;

  // A robot's pictures for the hub (snapshot, MJPEG, WebSocket, analysis): its channel,
  // which gets JPEG pictures decoded from the robot's one stream while any lease from
  // watch_pictures lives. The first lease opens the upstream if no viewer has; the
  // upstream closes `linger` after the last lease and the last viewer are gone.
  std::shared_ptr<hub::channel> watch_channel(const std::string& robot);
  std::shared_ptr<void> watch_pictures(const std::string& robot);
  // A viewer that is not on signaling (a WHEP session): its peer `peer` joins the robot's
  // relay with `offer`, and the engine's events for it go to `events` rather than to the
  // hub. detach_peer ends it (at once) and lets the upstream linger if it was the last.
  void attach_peer(const std::string& robot, const std::string& peer, const std::string& offer,
                   media::media_events events);
  void add_peer_candidate(const std::string& robot, const std::string& peer, unsigned mline,
                          const std::string& candidate);
  void detach_peer(const std::string& robot, const std::string& peer);

  // Why the robot's upstream delivers nothing now ("" when it runs or has not failed).
  std::string upstream_error(const std::string& robot) const;

  struct counters {
    std::size_t robots = 0;              // upstreams open
    std::size_t viewers = 0;             // relayed viewers
    std::uint64_t frames = 0;            // pictures received from robots
    std::uint64_t pictures_decoded = 0;  // JPEG pictures made for the hub
  };
  counters stats() const;

  // Stops every engine (blocks). The hub must not call in afterwards.
  void shutdown();

 private:
  struct relay;
  robot_relays(asio::any_io_executor io, asio::any_io_executor blocking, signaling::hub& hub,
               robot_relays_options options);
  std::shared_ptr<relay> relay_for(const std::string& robot);
  media::media_events events_for(const std::string& robot);
  void on_engine(std::function<void(robot_relays&)> fn);
  void viewer_gone(const std::string& robot, const std::string& viewer);
  void pictures_wanted(const std::string& robot, int delta);
  void linger_if_idle(const std::string& robot, relay& r);
  media::media_events* direct_events(const std::string& robot, const std::string& peer);
  void retire(const std::string& robot, std::uint64_t generation);

  asio::strand<asio::any_io_executor> strand_;
  asio::any_io_executor blocking_;
  signaling::hub& hub_;
  robot_relays_options options_;
  // On the strand.
  std::map<std::string, std::shared_ptr<relay>> relays_;
  // Any thread.
  std::atomic<bool> shut_down_{false};
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<media::media_engine>> engines_;  // for stats, shutdown
  std::map<std::string, std::shared_ptr<hub::channel>> channels_;        // robot -> its pictures
  std::map<std::string, std::string> upstream_errors_;                   // robot -> last failure
};

}  // namespace camgate::webrtc
