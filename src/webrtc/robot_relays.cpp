#include "webrtc/robot_relays.hpp"

#include "core/clock.hpp"
#include "core/logging.hpp"
#include "media/signaling_json.hpp"
#include "media/video_codec.hpp"

namespace camgate::webrtc {

using json = nlohmann::json;

struct robot_relays::relay {
  std::shared_ptr<media::media_engine> engine;
  std::map<std::string, std::vector<std::string>> viewers;  // peer id -> its offer's mids
  std::vector<std::string> upstream_mids;                   // our offer's, to the robot
  std::uint64_t generation = 0;                             // a new viewer cancels a retirement
  std::shared_ptr<asio::steady_timer> linger;
  int picture_leases = 0;  // reads of the robot's pictures (watch_pictures)
  bool warm = false;       // keep_warm and the robot is online: never retired
  std::map<std::string, media::media_events> direct;  // attach_peer's viewers, by peer id
};

std::shared_ptr<robot_relays> robot_relays::create(asio::any_io_executor io,
                                                   asio::any_io_executor blocking,
                                                   signaling::hub& hub,
                                                   robot_relays_options options) {
  options.media.source = "relay";
  return std::shared_ptr<robot_relays>(
      new robot_relays(std::move(io), std::move(blocking), hub, std::move(options)));
}

robot_relays::robot_relays(asio::any_io_executor io, asio::any_io_executor blocking,
                           signaling::hub& hub, robot_relays_options options)
    : strand_(asio::make_strand(io)),
      blocking_(std::move(blocking)),
      hub_(hub),
      options_(std::move(options)) {}

robot_relays::~robot_relays() {
  shutdown();
}

// Engine callbacks arrive on GStreamer threads: onto the strand.
void robot_relays::on_engine(std::function<void(robot_relays&)> fn) {
  asio::post(strand_, [weak = weak_from_this(), fn = std::move(fn)] {
    if (auto self = weak.lock(); self && !self->shut_down_) fn(*self);
  });
}

media::media_events robot_relays::events_for(const std::string& robot) {
  media::media_events ev;
  std::weak_ptr<robot_relays> weak = weak_from_this();
  auto post = [weak](std::function<void(robot_relays&)> fn) {
    if (auto self = weak.lock()) self->on_engine(std::move(fn));
  };
  ev.on_answer = [post, robot](const std::string& viewer, const std::string& sdp) {
    post([robot, viewer, sdp](robot_relays& r) {
      if (auto* d = r.direct_events(robot, viewer)) {
        if (d->on_answer) d->on_answer(viewer, sdp);
        return;
      }
      r.hub_.to_viewer(viewer, robot, "answer", media::description_json("answer", sdp));
    });
  };
  ev.on_gathering_done = [post, robot](const std::string& viewer) {
    post([robot, viewer](robot_relays& r) {
      if (auto* d = r.direct_events(robot, viewer); d && d->on_gathering_done)
        d->on_gathering_done(viewer);
    });
  };
  ev.on_candidate = [post, robot](const std::string& viewer, unsigned mline, const std::string& c) {
    post([robot, viewer, mline, c](robot_relays& r) {
      if (auto* d = r.direct_events(robot, viewer)) {
        if (d->on_candidate) d->on_candidate(viewer, mline, c);
        return;
      }
      auto it = r.relays_.find(robot);
      if (it == r.relays_.end()) return;
      auto v = it->second->viewers.find(viewer);
      if (v == it->second->viewers.end()) return;
      r.hub_.to_viewer(viewer, robot, "ice-candidate", media::candidate_json(mline, c, v->second));
    });
  };
  ev.on_peer_state = [post, robot](const std::string& viewer, media::peer_state st,
                                   const std::string& d) {
    if (st == media::peer_state::failed)
      spdlog::warn("relay: robot {} viewer {}: {}", robot, viewer, d);
    post([robot, viewer, st, d](robot_relays& r) {
      if (auto* de = r.direct_events(robot, viewer); de && de->on_peer_state)
        de->on_peer_state(viewer, st, d);
    });
  };
  ev.on_source_state = [weak, robot](media::source_state st, const std::string& d) {
    if (st == media::source_state::failed) spdlog::warn("relay: robot {}: {}", robot, d);
    if (auto self = weak.lock()) {
      std::lock_guard lock(self->mu_);
      self->upstream_errors_[robot] = st == media::source_state::failed ? d : "";
    }
  };
  ev.on_upstream_offer = [post, robot](const std::string& sdp) {
    post([robot, sdp](robot_relays& r) {
      auto it = r.relays_.find(robot);
      if (it == r.relays_.end()) return;
      it->second->upstream_mids = media::media_ids(sdp);
      // Offline: the receiver offers again after its timeout, or at robot_online.
      r.hub_.to_robot(robot, "offer", media::description_json("offer", sdp));
    });
  };
  ev.on_upstream_candidate = [post, robot](unsigned mline, const std::string& c) {
    post([robot, mline, c](robot_relays& r) {
      auto it = r.relays_.find(robot);
      if (it == r.relays_.end()) return;
      r.hub_.to_robot(robot, "ice-candidate",
                      media::candidate_json(mline, c, it->second->upstream_mids));
    });
  };
  return ev;
}

std::shared_ptr<robot_relays::relay> robot_relays::relay_for(const std::string& robot) {
  if (auto it = relays_.find(robot); it != relays_.end()) return it->second;
  auto r = std::make_shared<relay>();
  try {
    r->engine = std::make_shared<media::media_engine>(options_.media, events_for(robot));
  } catch (const std::exception& e) {
    spdlog::error("relay: robot {}: {}", robot, e.what());
    return nullptr;
  }
  r->engine->start();
  relays_[robot] = r;
  {
    std::lock_guard lock(mu_);
    engines_[robot] = r->engine;
  }
  spdlog::info("relay: robot {}: upstream opened", robot);
  return r;
}

void robot_relays::viewer_message(const std::string& robot, const std::string& viewer,
                                  std::string_view type, const json& payload) {
  asio::post(strand_,
             [self = shared_from_this(), robot, viewer, type = std::string(type), payload] {
               if (self->shut_down_) return;
               if (type == "offer") {
                 const auto sdp = media::sdp_of(payload);
                 if (sdp.empty()) return;
                 auto r = self->relay_for(robot);
                 if (!r) return;
                 ++r->generation;
                 r->linger.reset();
                 r->viewers[viewer] = media::media_ids(sdp);
                 r->engine->handle_offer(viewer, sdp);
               } else if (type == "ice-candidate") {
                 auto it = self->relays_.find(robot);
                 if (it == self->relays_.end()) return;
                 auto v = it->second->viewers.find(viewer);
                 if (v == it->second->viewers.end()) return;
                 if (auto c = media::candidate_of(payload, v->second))
                   it->second->engine->add_remote_candidate(viewer, c->mline, c->candidate);
               }
             });
}

media::media_events* robot_relays::direct_events(const std::string& robot,
                                                 const std::string& peer) {
  auto it = relays_.find(robot);
  if (it == relays_.end()) return nullptr;
  auto d = it->second->direct.find(peer);
  return d == it->second->direct.end() ? nullptr : &d->second;
}

void robot_relays::attach_peer(const std::string& robot, const std::string& peer,
                               const std::string& offer, media::media_events events) {
  asio::post(strand_,
             [self = shared_from_this(), robot, peer, offer, events = std::move(events)]() mutable {
               auto fail = [&](const std::string& why) {
                 if (events.on_peer_state)
                   events.on_peer_state(peer, media::peer_state::failed, why);
               };
               if (self->shut_down_) return fail("the gateway is stopping");
               auto r = self->relay_for(robot);
               if (!r) return fail("the relay cannot start (see the gateway's log)");
               ++r->generation;  // cancels a retirement
               r->linger.reset();
               r->direct[peer] = std::move(events);
               r->engine->handle_offer(peer, offer);
             });
}

void robot_relays::add_peer_candidate(const std::string& robot, const std::string& peer,
                                      unsigned mline, const std::string& candidate) {
  std::lock_guard lock(mu_);
  if (auto it = engines_.find(robot); it != engines_.end())
    it->second->add_remote_candidate(peer, mline, candidate);
}

void robot_relays::detach_peer(const std::string& robot, const std::string& peer) {
  {
    std::lock_guard lock(mu_);  // at once, as viewer_left
    if (auto it = engines_.find(robot); it != engines_.end()) it->second->remove_peer(peer);
  }
  asio::post(strand_, [self = shared_from_this(), robot, peer] {
    if (self->shut_down_) return;
    auto it = self->relays_.find(robot);
    if (it == self->relays_.end()) return;
    it->second->direct.erase(peer);
    self->linger_if_idle(robot, *it->second);
  });
}

void robot_relays::viewer_left(const std::string& robot, const std::string& viewer) {
  // remove_peer only queues on the engine's loop: the media stops now, not at the
  // strand's turn (a cut must take effect within a second).
  {
    std::lock_guard lock(mu_);
    if (auto it = engines_.find(robot); it != engines_.end()) it->second->remove_peer(viewer);
  }
  asio::post(strand_, [self = shared_from_this(), robot, viewer] {
    if (!self->shut_down_) self->viewer_gone(robot, viewer);
  });
}

void robot_relays::viewer_gone(const std::string& robot, const std::string& viewer) {
  auto it = relays_.find(robot);
  if (it == relays_.end()) return;
  auto r = it->second;
  r->viewers.erase(viewer);
  linger_if_idle(robot, *r);
}

// No viewer and no picture reader: the upstream closes after the linger, unless one
// comes back first (it bumps the generation).
void robot_relays::linger_if_idle(const std::string& robot, relay& r) {
  if (r.warm || !r.viewers.empty() || !r.direct.empty() || r.picture_leases > 0) return;
  const auto generation = ++r.generation;
  r.linger = std::make_shared<asio::steady_timer>(strand_, options_.linger);
  r.linger->async_wait([weak = weak_from_this(), robot, generation](error_code ec) {
    if (ec) return;
    if (auto self = weak.lock(); self && !self->shut_down_) self->retire(robot, generation);
  });
}

void robot_relays::retire(const std::string& robot, std::uint64_t generation) {
  auto it = relays_.find(robot);
  if (it == relays_.end() || it->second->generation != generation) return;
  auto engine = it->second->engine;
  relays_.erase(it);
  {
    std::lock_guard lock(mu_);
    engines_.erase(robot);
  }
  {
    std::lock_guard lock(mu_);
    upstream_errors_.erase(robot);
  }
  hub_.to_robot(robot, "peer-left", {{"reason", "no viewers"}});
  spdlog::info("relay: robot {}: upstream closed (no viewers)", robot);
  asio::post(blocking_, [engine] { engine->stop(); });
}

void robot_relays::robot_message(const std::string& robot, std::string_view type,
                                 const json& payload) {
  asio::post(strand_, [self = shared_from_this(), robot, type = std::string(type), payload] {
    if (self->shut_down_) return;
    auto it = self->relays_.find(robot);
    if (it == self->relays_.end()) return;
    auto& r = *it->second;
    if (type == "answer") {
      const auto sdp = media::sdp_of(payload);
      if (!sdp.empty()) r.engine->set_upstream_answer(sdp);
    } else if (type == "ice-candidate") {
      if (auto c = media::candidate_of(payload, r.upstream_mids))
        r.engine->add_upstream_candidate(c->mline, c->candidate);
    }
  });
}

void robot_relays::robot_online(const std::string& robot) {
  asio::post(strand_, [self = shared_from_this(), robot] {
    if (self->shut_down_) return;
    if (auto it = self->relays_.find(robot); it != self->relays_.end()) {
      it->second->engine->restart_upstream();
      it->second->warm = self->options_.keep_warm;
    } else if (self->options_.keep_warm) {
      if (auto r = self->relay_for(robot)) r->warm = true;  // its first offer goes out now
    }
  });
}

void robot_relays::robot_offline(const std::string& robot) {
  asio::post(strand_, [self = shared_from_this(), robot] {
    if (self->shut_down_) return;
    auto it = self->relays_.find(robot);
    if (it == self->relays_.end() || !it->second->warm) return;
    it->second->warm = false;
    self->linger_if_idle(robot, *it->second);
  });
}

std::shared_ptr<hub::channel> robot_relays::watch_channel(const std::string& robot) {
  std::lock_guard lock(mu_);
  auto& ch = channels_[robot];
  if (!ch) ch = std::make_shared<hub::channel>("robot-" + robot);
  return ch;
}

std::shared_ptr<void> robot_relays::watch_pictures(const std::string& robot) {
  // Posted in order on the strand: the release always follows the take.
  pictures_wanted(robot, +1);
  return std::shared_ptr<void>(nullptr, [weak = weak_from_this(), robot](void*) {
    if (auto self = weak.lock()) self->pictures_wanted(robot, -1);
  });
}

void robot_relays::pictures_wanted(const std::string& robot, int delta) {
  asio::post(strand_, [self = shared_from_this(), robot, delta] {
    if (self->shut_down_) return;
    auto r = delta > 0 ? self->relay_for(robot) : nullptr;
    if (!r) {
      auto it = self->relays_.find(robot);
      if (it == self->relays_.end()) return;
      r = it->second;
    }
    const bool had = r->picture_leases > 0;
    r->picture_leases = std::max(0, r->picture_leases + delta);
    if (r->picture_leases > 0) {
      ++r->generation;  // cancels a retirement
      r->linger.reset();
      if (!had) {
        std::weak_ptr<hub::channel> ch = self->watch_channel(robot);
        auto seq = std::make_shared<std::atomic<std::uint64_t>>(0);
        r->engine->set_picture_sink([ch, seq](std::vector<std::uint8_t> jpeg) {
          if (auto c = ch.lock())
            c->publish(core::make_frame(std::move(jpeg), ++*seq, core::unix_micros()));
        });
      }
      return;
    }
    if (had) r->engine->set_picture_sink({});
    self->linger_if_idle(robot, *r);
  });
}

std::string robot_relays::upstream_error(const std::string& robot) const {
  std::lock_guard lock(mu_);
  auto it = upstream_errors_.find(robot);
  return it == upstream_errors_.end() ? std::string() : it->second;
}

robot_relays::counters robot_relays::stats() const {
  counters c;
  std::lock_guard lock(mu_);
  c.robots = engines_.size();
  for (const auto& [name, e] : engines_) {
    const auto s = e->stats();
    c.viewers += s.peers;
    c.frames += s.frames_captured;
    c.pictures_decoded += s.pictures_decoded;
  }
  return c;
}

void robot_relays::shutdown() {
  shut_down_ = true;  // queued work does nothing from now on
  std::map<std::string, std::shared_ptr<media::media_engine>> engines;
  {
    std::lock_guard lock(mu_);
    engines.swap(engines_);
  }
  for (auto& [name, e] : engines) e->stop();
  std::map<std::string, std::shared_ptr<hub::channel>> channels;
  {
    std::lock_guard lock(mu_);
    channels.swap(channels_);
  }
  for (auto& [name, ch] : channels) ch->end(core::end_reason::gateway_stopping);
}

}  // namespace camgate::webrtc
