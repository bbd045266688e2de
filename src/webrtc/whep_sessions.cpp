#include "webrtc/whep_sessions.hpp"

#include <gst/gst.h>

#include "core/logging.hpp"
#include "media/gst_util.hpp"
#include "media/video_codec.hpp"

namespace camgate::webrtc {

using clock_type = std::chrono::steady_clock;

struct whep_sessions::session {
  std::string id;
  std::int64_t camera_id = 0;
  std::int64_t robot_id = 0;
  std::string robot;  // a robot's session: the robot's signaling name
  std::int64_t owner = 0;
  std::vector<std::string> mids;  // the offer's, by m-line
  std::string remote_ufrag;
  outputs::output_session::closed_handler on_closed;
  std::shared_ptr<hub::channel> channel;
  std::shared_ptr<output> out;  // subscribed to channel while the session lives
  // The answer being prepared (under mu_), and the timer open() waits on.
  std::optional<std::string> answer;
  std::string failure;
  std::vector<ice_candidate> local;
  bool gathered = false;  // every local candidate is in `local`
  std::shared_ptr<asio::steady_timer> waiter;
};

// A camera's viewer on /signaling (attach_camera_peer): a peer of the camera's engine
// like a WHEP session, whose events go to `events`.
struct whep_sessions::direct_peer {
  std::string key;  // "<camera id>/<peer>"
  std::string peer;
  std::int64_t camera_id = 0;
  std::shared_ptr<hub::channel> channel;
  std::shared_ptr<output> out;
  media::media_events events;
};

namespace {
std::string direct_key(std::int64_t camera_id, const std::string& peer) {
  return std::to_string(camera_id) + "/" + peer;
}

std::optional<session_error> too_many(std::size_t open, std::size_t max, bool shut_down) {
  if (shut_down) return session_error{503, "the gateway is stopping"};
  if (open >= max)
    return session_error{
        503, "too many WebRTC sessions (webrtc.max_sessions = " + std::to_string(max) + ")"};
  return std::nullopt;
}
}  // namespace

// Hands the camera's pictures to its engine. Every session's output is a subscriber of
// the camera's channel (so the camera counts its WebRTC viewers like any other) and
// offers each picture here: the first offer of a picture passes, the others are the same
// picture. Owns the engine with the camera entry, so a picture being delivered while the
// camera retires still finds it (push_frame is a no-op once the engine has stopped).
class whep_sessions::picture_feed {
 public:
  explicit picture_feed(std::shared_ptr<media::media_engine> engine) : engine_(std::move(engine)) {}
  void offer(const core::frame_ptr& f) {
    if (last_seq_.exchange(f->seq()) != f->seq()) engine_->push_frame(f);
  }

 private:
  std::shared_ptr<media::media_engine> engine_;
  std::atomic<std::uint64_t> last_seq_{0};
};

struct whep_sessions::camera {
  std::int64_t id = 0;
  std::shared_ptr<hub::channel> channel;
  std::shared_ptr<media::media_engine> engine;
  std::shared_ptr<picture_feed> feed;
  std::set<std::string> sessions;
  std::uint64_t linger_generation = 0;  // a newer session cancels a pending retirement
};

// The session as the hub and the live-session registry see it: a subscriber of the
// camera's channel that hands pictures to the camera's engine; a cut or the camera's end
// closes the session.
class whep_sessions::output : public outputs::output_session {
 public:
  output(std::weak_ptr<whep_sessions> owner, std::string id, std::shared_ptr<picture_feed> feed)
      : owner_(std::move(owner)), id_(std::move(id)), feed_(std::move(feed)) {}
  void deliver(const core::frame_ptr& f) override {
    if (feed_) feed_->offer(f);
  }
  void end(core::end_reason why) override {
    if (auto o = owner_.lock(); o && !o->close(id_, why)) o->close_direct(id_, why);
  }
  void notify(std::string) override {}  // no channel for notices (the page asks the API)
  void finish(std::uint16_t, std::string) override {
    if (auto o = owner_.lock()) o->close(id_, core::end_reason::viewer_closed);
  }

 private:
  std::weak_ptr<whep_sessions> owner_;
  std::string id_;
  std::shared_ptr<picture_feed> feed_;
};

std::shared_ptr<whep_sessions> whep_sessions::create(asio::any_io_executor io,
                                                     asio::any_io_executor blocking,
                                                     whep_sessions_options options) {
  options.media.source = "frames";
  // The DTLS certificate is made when the first dtlsdec is: here, at start, rather than
  // in the first viewer's offer (120-640 ms measured). Not in AddressSanitizer builds:
  // GStreamer's process-lifetime allocations would be reported as leaks of every gateway
  // the sanitizer tests start.
#ifndef __SANITIZE_ADDRESS__
  asio::post(blocking, [] {
    media::ensure_gst_init();  // the one gst_init: a second one racing it finds no plugins
    if (GstElement* e = gst_element_factory_make("dtlsdec", nullptr)) gst_object_unref(e);
  });
#endif
  return std::shared_ptr<whep_sessions>(
      new whep_sessions(std::move(io), std::move(blocking), std::move(options)));
}

whep_sessions::whep_sessions(asio::any_io_executor io, asio::any_io_executor blocking,
                             whep_sessions_options options)
    : io_(std::move(io)), blocking_(std::move(blocking)), options_(std::move(options)) {}

whep_sessions::~whep_sessions() {
  shutdown();
}

media::media_events whep_sessions::events_for(std::int64_t camera_id) {
  media::media_events ev = peer_events(camera_id);
  ev.on_source_state = [camera_id](media::source_state st, const std::string& d) {
    if (st == media::source_state::failed)
      spdlog::warn("webrtc: camera {} encoder: {}", camera_id, d);
  };
  return ev;
}

// What a session's peer reports, whichever engine it is on.
media::media_events whep_sessions::peer_events(std::int64_t camera_id) {
  media::media_events ev;
  std::weak_ptr<whep_sessions> weak = weak_from_this();
  ev.on_answer = [weak, camera_id](const std::string& peer, const std::string& sdp) {
    auto s = weak.lock();
    if (!s) return;
    if (auto d = s->direct_events(camera_id, peer)) {
      if (d->on_answer) d->on_answer(peer, sdp);
      return;
    }
    s->on_answer(peer, sdp);
  };
  ev.on_candidate = [weak, camera_id](const std::string& peer, unsigned mline,
                                      const std::string& c) {
    auto s = weak.lock();
    if (!s) return;
    if (auto d = s->direct_events(camera_id, peer)) {
      if (d->on_candidate) d->on_candidate(peer, mline, c);
      return;
    }
    s->on_candidate(peer, mline, c);
  };
  ev.on_gathering_done = [weak](const std::string& peer) {
    if (auto s = weak.lock()) s->on_gathering_done(peer);
  };
  ev.on_peer_state = [weak, camera_id](const std::string& peer, media::peer_state st,
                                       const std::string& d) {
    if (st != media::peer_state::failed) return;
    auto s = weak.lock();
    if (!s) return;
    if (camera_id &&
        s->close_direct(direct_key(camera_id, peer), core::end_reason::viewer_closed, d))
      return;  // close_direct told the peer's owner
    s->on_failed(peer, d);
  };
  return ev;
}

std::optional<media::media_events> whep_sessions::direct_events(std::int64_t camera_id,
                                                                const std::string& peer) {
  if (!camera_id) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = direct_.find(direct_key(camera_id, peer));
  if (it == direct_.end()) return std::nullopt;
  return it->second->events;
}

std::optional<session_error> whep_sessions::attach_camera_peer(
    std::int64_t camera_id, std::shared_ptr<hub::channel> channel, const std::string& peer,
    const std::string& offer, media::media_events events) {
  if (auto bad = sdp_shape_error(offer)) return session_error{400, *bad};
  if (!media::parse_video_offer(offer)) return session_error{400, "the offer has no video section"};
  const auto key = direct_key(camera_id, peer);
  close_direct(key, core::end_reason::viewer_closed);  // a new offer replaces the connection
  auto d = std::make_shared<direct_peer>();
  d->key = key;
  d->peer = peer;
  d->camera_id = camera_id;
  d->channel = channel;
  d->events = std::move(events);
  std::shared_ptr<camera> cam;
  {
    std::lock_guard lock(mu_);
    if (auto err = too_many(sessions_.size() + direct_.size(), options_.max_sessions, shut_down_))
      return err;
    auto found = camera_for(camera_id, channel);
    if (auto* err = std::get_if<session_error>(&found)) return *err;
    cam = std::get<0>(found);
    ++cam->linger_generation;
    cam->sessions.insert(key);
    d->out = std::make_shared<output>(weak_from_this(), key, cam->feed);
    direct_[key] = d;
  }
  channel->subscribe(d->out);
  cam->engine->handle_offer(peer, offer);
  return std::nullopt;
}

void whep_sessions::add_camera_peer_candidate(std::int64_t camera_id, const std::string& peer,
                                              unsigned mline, const std::string& candidate) {
  std::shared_ptr<media::media_engine> engine;
  {
    std::lock_guard lock(mu_);
    if (!direct_.contains(direct_key(camera_id, peer))) return;
    if (auto c = cameras_.find(camera_id); c != cameras_.end()) engine = c->second->engine;
  }
  if (engine) engine->add_remote_candidate(peer, mline, candidate);
}

void whep_sessions::detach_camera_peer(std::int64_t camera_id, const std::string& peer) {
  // Its owner asked: nobody to tell.
  {
    std::lock_guard lock(mu_);
    auto it = direct_.find(direct_key(camera_id, peer));
    if (it == direct_.end()) return;
    it->second->events = {};
  }
  close_direct(direct_key(camera_id, peer), core::end_reason::viewer_closed);
}

// Ends a direct peer; its owner hears it failed (unless it asked). False when none.
bool whep_sessions::close_direct(const std::string& key, core::end_reason why, std::string detail) {
  std::shared_ptr<direct_peer> d;
  std::shared_ptr<camera> cam;
  bool last = false;
  {
    std::lock_guard lock(mu_);
    auto it = direct_.find(key);
    if (it == direct_.end()) return false;
    d = it->second;
    direct_.erase(it);
    cam = leave_camera_locked(d->camera_id, key, last);
  }
  d->channel->unsubscribe(d->out.get());
  if (cam) cam->engine->remove_peer(d->peer);
  if (last) schedule_linger(cam->id);
  if (d->events.on_peer_state)
    asio::post(io_, [fn = d->events.on_peer_state, peer = d->peer, why, detail] {
      fn(peer, media::peer_state::failed,
         detail.empty() ? std::string(core::to_string(why)) : detail);
    });
  return true;
}

std::variant<std::shared_ptr<whep_sessions::camera>, session_error> whep_sessions::camera_for(
    std::int64_t camera_id, const std::shared_ptr<hub::channel>& channel) {
  auto it = cameras_.find(camera_id);
  if (it != cameras_.end() && it->second->channel == channel) return it->second;
  auto cam = std::make_shared<camera>();
  cam->id = camera_id;
  cam->channel = channel;
  try {
    cam->engine = std::make_shared<media::media_engine>(options_.media, events_for(camera_id));
  } catch (const std::exception& e) {
    return session_error{503, std::string("WebRTC is not available: ") + e.what()};
  }
  cam->engine->start();
  cam->feed = std::make_shared<picture_feed>(cam->engine);
  if (it != cameras_.end()) retire(it->second);  // a camera re-added under the same id
  cameras_[camera_id] = cam;
  spdlog::info("webrtc: camera {} encoder started", camera_id);
  return cam;
}

std::variant<std::shared_ptr<whep_sessions::session>, session_error> whep_sessions::new_session(
    asio::any_io_executor ex, const std::string& id, const std::string& offer, std::int64_t owner,
    outputs::output_session::closed_handler on_closed) {
  if (auto bad = sdp_shape_error(offer)) return session_error{400, *bad};
  if (!media::parse_video_offer(offer)) return session_error{400, "the offer has no video section"};
  auto s = std::make_shared<session>();
  s->id = id;
  s->owner = owner;
  s->mids = media::media_ids(offer);
  s->remote_ufrag = ice_ufrag(offer).value_or("");
  s->on_closed = std::move(on_closed);
  s->waiter = std::make_shared<asio::steady_timer>(ex);
  return s;
}

asio::awaitable<std::variant<opened_session, session_error>> whep_sessions::open(
    std::string id, std::int64_t camera_id, std::shared_ptr<hub::channel> channel,
    std::string offer, std::int64_t owner, outputs::output_session::closed_handler on_closed) {
  using result = std::variant<opened_session, session_error>;
  auto made =
      new_session(co_await asio::this_coro::executor, id, offer, owner, std::move(on_closed));
  if (auto* err = std::get_if<session_error>(&made)) co_return result{*err};
  auto s = std::get<0>(made);
  s->camera_id = camera_id;
  s->channel = channel;
  std::shared_ptr<camera> cam;
  {
    std::lock_guard lock(mu_);
    if (auto err = too_many(sessions_.size() + direct_.size(), options_.max_sessions, shut_down_))
      co_return result{*err};
    auto found = camera_for(camera_id, channel);
    if (auto* err = std::get_if<session_error>(&found)) co_return result{*err};
    cam = std::get<0>(found);
    ++cam->linger_generation;
    cam->sessions.insert(id);
    s->out = std::make_shared<output>(weak_from_this(), id, cam->feed);
    sessions_[id] = s;
  }
  // Outside mu_: an ended channel calls end() at once, which takes mu_.
  channel->subscribe(s->out);
  cam->engine->handle_offer(id, offer);
  co_return co_await answer_of(std::move(s));
}

asio::awaitable<std::variant<opened_session, session_error>> whep_sessions::open_robot(
    std::string id, std::int64_t robot_id, std::string robot, std::string offer, std::int64_t owner,
    outputs::output_session::closed_handler on_closed) {
  using result = std::variant<opened_session, session_error>;
  if (!relays_)
    co_return result{session_error{409,
                                   "robots play over WHEP only with [robots] media = \"relay\"; "
                                   "this gateway runs \"p2p\""}};
  auto made =
      new_session(co_await asio::this_coro::executor, id, offer, owner, std::move(on_closed));
  if (auto* err = std::get_if<session_error>(&made)) co_return result{*err};
  auto s = std::get<0>(made);
  s->robot_id = robot_id;
  s->robot = robot;
  s->out = std::make_shared<output>(weak_from_this(), id, nullptr);
  {
    std::lock_guard lock(mu_);
    if (auto err = too_many(sessions_.size() + direct_.size(), options_.max_sessions, shut_down_))
      co_return result{*err};
    sessions_[id] = s;
  }
  relays_->attach_peer(robot, id, offer, peer_events());
  co_return co_await answer_of(std::move(s));
}

// Waits for the engine's answer and our candidates (or the failure), as open() answers.
asio::awaitable<std::variant<opened_session, session_error>> whep_sessions::answer_of(
    std::shared_ptr<session> s) {
  using result = std::variant<opened_session, session_error>;
  const std::string id = s->id;
  const auto answer_deadline = clock_type::now() + options_.answer_timeout;
  std::optional<clock_type::time_point> gather_deadline;
  std::string answer;
  std::vector<ice_candidate> local;
  bool gathered = false;
  std::optional<session_error> failed;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      const auto now = clock_type::now();
      clock_type::time_point wake_at = answer_deadline;
      if (!s->failure.empty() || !sessions_.count(id)) {
        // The engine refused the offer (no common codec, bad SDP) or the session ended.
        failed = session_error{400, s->failure.empty() ? "the session ended" : s->failure};
      } else if (s->answer) {
        if (!gather_deadline) gather_deadline = now + options_.gather_timeout;
        // Gathering ends with an event; the deadline bounds a slow STUN/TURN server.
        if (s->gathered || now >= *gather_deadline) {
          answer = *s->answer;
          local = s->local;
          gathered = s->gathered;
        }
        wake_at = *gather_deadline;
      } else if (now >= answer_deadline) {
        failed = session_error{504, "no answer from the media engine within " +
                                        std::to_string(options_.answer_timeout.count()) + " ms"};
      }
      if (failed || !answer.empty()) {
        s->waiter.reset();
        break;
      }
      s->waiter->expires_at(wake_at);
    }
    error_code ec;
    co_await s->waiter->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (failed) {
    close(id, core::end_reason::viewer_closed);  // frees the viewer's slot (on_closed)
    co_return result{*failed};
  }
  spdlog::info("webrtc: session {} of {} {} answered with {} candidate(s)", id.substr(0, 6),
               s->robot.empty() ? "camera" : "robot", s->robot.empty() ? s->camera_id : s->robot_id,
               local.size());
  co_return result{opened_session{with_candidates(answer, local, gathered), s->out}};
}

void whep_sessions::wake(const std::shared_ptr<session>& s) {
  // Under mu_. The timer belongs to open()'s executor: cancel it there.
  if (auto w = s->waiter) asio::post(w->get_executor(), [w] { w->cancel(); });
}

void whep_sessions::on_answer(const std::string& id, const std::string& sdp) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  it->second->answer = sdp;
  wake(it->second);
}

void whep_sessions::on_candidate(const std::string& id, unsigned mline,
                                 const std::string& candidate) {
  if (candidate.empty()) return;
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || !it->second->waiter) return;  // answered: nobody to tell
  std::string c = candidate.starts_with("a=") ? candidate.substr(2) : candidate;
  it->second->local.push_back({mline, std::move(c)});
  wake(it->second);
}

void whep_sessions::on_gathering_done(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || !it->second->waiter) return;
  it->second->gathered = true;
  wake(it->second);
}

void whep_sessions::on_failed(const std::string& id, const std::string& why) {
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    if (it->second->waiter) {  // still in open(): it reports the failure
      it->second->failure = why;
      wake(it->second);
      return;
    }
  }
  spdlog::info("webrtc: session {} failed: {}", id.substr(0, 6), why);
  close(id, core::end_reason::viewer_closed);
}

std::optional<session_error> whep_sessions::add_candidates(const std::string& id,
                                                           std::string_view fragment) {
  std::shared_ptr<session> s;
  std::shared_ptr<media::media_engine> engine;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return session_error{404, "no such WebRTC session"};
    s = it->second;
    if (auto c = cameras_.find(s->camera_id); c != cameras_.end()) engine = c->second->engine;
  }
  if (!engine && s->robot.empty()) return session_error{404, "no such WebRTC session"};
  auto parsed = parse_sdp_fragment(fragment, s->mids);
  if (auto* err = std::get_if<std::string>(&parsed)) return session_error{400, *err};
  const auto& frag = std::get<sdp_fragment>(parsed);
  if (!frag.ice_ufrag.empty() && frag.ice_ufrag != s->remote_ufrag)
    return session_error{422, "ICE restarts are not supported: start a new session"};
  for (const auto& c : frag.candidates) {
    if (engine)
      engine->add_remote_candidate(id, c.mline, c.candidate);
    else
      relays_->add_peer_candidate(s->robot, id, c.mline, c.candidate);
  }
  return std::nullopt;
}

// Under mu_: the peer `key` leaves its camera; `last` tells whether it was the last one.
std::shared_ptr<whep_sessions::camera> whep_sessions::leave_camera_locked(std::int64_t camera_id,
                                                                          const std::string& key,
                                                                          bool& last) {
  auto c = cameras_.find(camera_id);
  if (c == cameras_.end()) return nullptr;
  c->second->sessions.erase(key);
  last = c->second->sessions.empty();
  return c->second;
}

bool whep_sessions::close(const std::string& id, core::end_reason why) {
  std::shared_ptr<session> s;
  std::shared_ptr<camera> cam;
  bool last = false;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    s = it->second;
    sessions_.erase(it);
    if (s->waiter) wake(s);
    cam = leave_camera_locked(s->camera_id, id, last);
  }
  if (s->out && s->channel) s->channel->unsubscribe(s->out.get());  // the last: no decoding
  if (cam) cam->engine->remove_peer(id);
  if (!s->robot.empty() && relays_) relays_->detach_peer(s->robot, id);
  if (last) schedule_linger(cam->id);
  if (s->on_closed) asio::post(io_, [fn = std::move(s->on_closed), why] { fn(why); });
  spdlog::info("webrtc: session {} of {} {} closed ({})", id.substr(0, 6),
               s->robot.empty() ? "camera" : "robot", s->robot.empty() ? s->camera_id : s->robot_id,
               core::to_string(why));
  return true;
}

void whep_sessions::schedule_linger(std::int64_t camera_id) {
  std::uint64_t generation;
  {
    std::lock_guard lock(mu_);
    auto it = cameras_.find(camera_id);
    if (it == cameras_.end()) return;
    generation = it->second->linger_generation;
  }
  auto timer = std::make_shared<asio::steady_timer>(io_, options_.linger);
  timer->async_wait([weak = weak_from_this(), timer, camera_id, generation](error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    std::shared_ptr<camera> cam;
    {
      std::lock_guard lock(self->mu_);
      auto it = self->cameras_.find(camera_id);
      if (it == self->cameras_.end() || it->second->linger_generation != generation ||
          !it->second->sessions.empty())
        return;
      cam = it->second;
      self->cameras_.erase(it);
    }
    self->retire(std::move(cam));
  });
}

void whep_sessions::retire(std::shared_ptr<camera> cam) {
  spdlog::info("webrtc: camera {} encoder stopped (no viewer)", cam->id);
  // Stopping joins the engine's GLib thread: not on an I/O thread.
  asio::post(blocking_, [cam] { cam->engine->stop(); });
}

std::optional<whep_sessions::session_info> whep_sessions::find(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  return session_info{it->second->camera_id, it->second->robot_id, it->second->owner};
}

whep_sessions::counters whep_sessions::stats() const {
  std::lock_guard lock(mu_);
  counters c;
  c.sessions = sessions_.size();
  c.encoders = cameras_.size();
  for (const auto& [id, cam] : cameras_) {
    const auto st = cam->engine->stats();
    c.frames_encoded += st.h264_frames_encoded + st.vp8_frames_encoded;
  }
  return c;
}

void whep_sessions::shutdown() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    if (shut_down_) return;
    shut_down_ = true;
    for (const auto& [id, s] : sessions_) ids.push_back(id);
    for (const auto& [key, d] : direct_) ids.push_back(key);
  }
  for (const auto& id : ids)
    if (!close(id, core::end_reason::gateway_stopping))
      close_direct(id, core::end_reason::gateway_stopping);
  std::map<std::int64_t, std::shared_ptr<camera>> cams;
  {
    std::lock_guard lock(mu_);
    cams.swap(cameras_);
  }
  for (auto& [id, cam] : cams) cam->engine->stop();
}

}  // namespace camgate::webrtc
