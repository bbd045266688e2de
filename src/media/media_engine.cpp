#include "media/media_engine.hpp"

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "core/logging.hpp"
#include "media/capture.hpp"
#include "media/gst_util.hpp"
#include "media/main_loop.hpp"
#include "media/peer_sender.hpp"
#include "media/picture_decoder.hpp"
#include "media/upstream_receiver.hpp"

namespace camgate::media {

std::string_view to_string(peer_state s) {
  switch (s) {
    case peer_state::connecting:
      return "connecting";
    case peer_state::connected:
      return "connected";
    case peer_state::failed:
      return "failed";
    case peer_state::closed:
      return "closed";
  }
  return "?";
}
std::string_view to_string(source_state s) {
  switch (s) {
    case source_state::starting:
      return "starting";
    case source_state::running:
      return "running";
    case source_state::failed:
      return "failed";
  }
  return "?";
}

namespace {

void check_relay_elements() {
  for (const char* f : {"rtph264depay", "h264parse", "rtpvp8depay", "appsink"})
    if (!factory_exists(f))
      throw std::runtime_error(std::string("source relay: ") + f +
                               " is missing (install gstreamer1.0-plugins-good and -bad)");
}

}  // namespace

// The engine's state lives on its GLib thread. GStreamer threads only touch the capture's
// and the feed set's shared parts (a mutex, atomics) and the members marked "any thread".
struct media_engine::impl final : source_owner,
                                  peer_owner,
                                  std::enable_shared_from_this<media_engine::impl> {
  impl(media_options o, media_events e)
      : opts(std::move(o)), events(std::move(e)), ice_servers(opts.ice_servers) {
    ensure_gst_init();
    check_peer_elements();
    if (opts.source == "relay") {
      check_relay_elements();
      src = std::make_unique<upstream_receiver>(opts, loop, *this, feeds);
    } else {
      src = std::make_unique<capture>(opts, check_capture_elements(opts), loop, *this, feeds);
    }
  }

  media_options opts;
  media_events events;
  main_loop loop;
  std::atomic<bool> running{false};
  feed_set feeds;  // every viewer's, shared with the encoders' streaming threads
  std::unique_ptr<picture_source> src;

  // GLib thread.
  std::map<std::string, std::unique_ptr<peer_sender>> viewers;
  // Source "relay": offers waiting for the robot's answer to name the codec.
  std::map<std::string, std::string> waiting_offers;
  std::uint64_t next_generation = 1;
  picture_sink pictures;  // set_picture_sink's; empty: nobody wants pictures
  int jpeg_quality = 80;
  std::unique_ptr<picture_decoder> decoder;
  std::atomic<std::uint64_t> pictures_decoded{0};
  attached_source silence_check;  // ends viewers whose RTCP stopped

  void end_silent_viewers() {
    const auto limit = opts.viewer_rtcp_timeout.count();
    std::vector<peer_key> silent;
    for (const auto& [id, v] : viewers)
      if (v->rtcp_silent_ms() > limit) silent.push_back({id, v->generation()});
    for (auto& key : silent)
      peer_failed(key, "no RTCP from the viewer for " + std::to_string(limit) + " ms");
  }

  // Any thread.
  mutable std::mutex mu;
  std::vector<ice_server> ice_servers;  // guarded by mu
  std::atomic<std::size_t> peer_count{0};

  void post(std::function<void()> fn) override {
    loop.post([weak = weak_from_this(), fn = std::move(fn)] {
      if (auto s = weak.lock()) fn();
    });
  }

  // Event callbacks must not throw; if one does, the engine carries on.
  template <class Fn, class... Args>
  static void emit(const Fn& fn, const Args&... args) {
    if (fn) try {
        fn(args...);
      } catch (...) {
      }
  }
  void notify_peer(const std::string& id, peer_state s, const std::string& detail) {
    emit(events.on_peer_state, id, s, detail);
  }

  void source_changed(source_state state, const std::string& detail) override {
    emit(events.on_source_state, state, detail);
  }

  // An encoder only runs while a viewer watches its codec.
  void update_valves() {
    std::set<video_codec> watched;
    for (const auto& [id, v] : viewers) watched.insert(v->codec());
    if (decoder) watched.insert(decoder->codec());
    src->set_watched(std::move(watched));
  }

  void force_keyframe(video_codec c) override { src->force_keyframe(c); }

  void upstream_offer(const std::string& sdp) override { emit(events.on_upstream_offer, sdp); }
  void upstream_candidate(unsigned mline, const std::string& c) override {
    emit(events.on_upstream_candidate, mline, c);
  }
  void upstream_negotiated() override {
    auto waiting = std::move(waiting_offers);
    waiting_offers.clear();
    for (const auto& [id, sdp] : waiting) create_viewer(id, sdp);
    update_decoder();
  }

  // ---- pictures for the hub ---------------------------------------------------------
  void drop_decoder() {
    if (!decoder) return;
    feeds.remove(decoder->frame_feed());
    decoder.reset();
    update_valves();
  }

  // A decoder of the codec the source sends while a picture sink is set.
  void update_decoder() {
    const auto codecs = src->codecs();
    if (!pictures || codecs.empty()) {  // a relay waits for the robot's answer
      drop_decoder();
      return;
    }
    if (decoder && decoder->codec() == codecs.front()) return;
    drop_decoder();
    std::string error;
    auto counted = [this, sink = pictures](std::vector<std::uint8_t> jpeg) {
      ++pictures_decoded;
      sink(std::move(jpeg));
    };
    decoder = picture_decoder::create(codecs.front(), jpeg_quality, loop, counted, error);
    if (!decoder) {
      spdlog::error("media: no pictures for the hub: {}", error);
      return;
    }
    feeds.add(decoder->frame_feed());
    update_valves();
    src->force_keyframe(codecs.front());
  }

  // ---- viewers ----------------------------------------------------------------------
  // generation 0: whichever connection the viewer has.
  peer_sender* find(const peer_key& key) {
    auto it = viewers.find(key.id);
    if (it == viewers.end() || (key.generation && it->second->generation() != key.generation))
      return nullptr;
    return it->second.get();
  }

  std::vector<std::string> viewer_ids() const {
    std::vector<std::string> ids;
    for (const auto& [id, v] : viewers) ids.push_back(id);
    return ids;
  }

  void create_viewer(const std::string& id, const std::string& sdp) {
    if (viewers.count(id)) destroy_viewer(id, "replaced by a new offer");
    auto video = parse_video_offer(sdp);
    if (!video) {
      notify_peer(id, peer_state::failed, "the offer has no video section");
      return;
    }
    const auto codecs = src->codecs();
    if (codecs.empty()) {  // a relay waiting for the robot's answer
      waiting_offers[id] = sdp;
      return;
    }
    auto choice = select_codec(*video, codecs);
    if (!choice) {
      std::string sent;
      for (auto c : codecs) sent += (sent.empty() ? "" : "/") + std::string(to_string(c));
      notify_peer(id, peer_state::failed,
                  "no codec in common with the offer (we send " + sent + ")");
      return;
    }
    peer_setup setup{{id, next_generation++}, *choice, {}, opts.ice_local_addresses};
    {
      std::lock_guard lock(mu);
      setup.ice_servers = ice_servers;
    }
    std::string error;
    auto v = peer_sender::create(setup, sdp, loop, weak_from_this(), error);
    if (!v) {
      notify_peer(id, peer_state::failed, error);
      return;
    }
    feeds.add(v->frame_feed());
    spdlog::info("media: viewer {} joined ({} pt {})", id, to_string(choice->codec),
                 choice->format.payload);
    viewers[id] = std::move(v);
    peer_count = viewers.size();
    update_valves();
    notify_peer(id, peer_state::connecting, std::string(to_string(choice->codec)));
    src->force_keyframe(choice->codec);
  }

  void destroy_viewer(const std::string& id, const std::string& why) {
    auto it = viewers.find(id);
    if (it == viewers.end()) return;
    std::unique_ptr<peer_sender> v = std::move(it->second);
    viewers.erase(it);
    peer_count = viewers.size();
    feeds.remove(v->frame_feed());
    update_valves();
    v.reset();
    spdlog::info("media: viewer {} left ({}); {} viewer(s)", id, why, viewers.size());
  }

  void peer_candidate(const std::string& id, unsigned mline, const std::string& cand) override {
    emit(events.on_candidate, id, mline, cand);
  }
  void peer_gathering_done(const std::string& id) override { emit(events.on_gathering_done, id); }

  void peer_remote_set(const peer_key& key, bool ok, const std::string& err) override {
    peer_sender* v = find(key);
    if (!v) return;
    if (!ok) {
      peer_failed(key, "the offer was refused: " + (err.empty() ? "?" : err));
      return;
    }
    v->create_answer();
  }

  void peer_answer_created(const peer_key& key, answer_ptr answer,
                           const std::string& err) override {
    peer_sender* v = find(key);
    if (!v) return;
    if (!answer) {
      peer_failed(key, "cannot answer the offer: " + err);
      return;
    }
    const std::string sdp = v->answer_text(*answer);
    // The answer goes out before set-local-description starts gathering candidates,
    // so the viewer always has it before the first candidate.
    emit(events.on_answer, key.id, sdp);
    v->set_local_description(answer.get());
  }

  void peer_connection_state(const peer_key& key, GstWebRTCPeerConnectionState st) override {
    peer_sender* v = find(key);
    if (!v) return;
    if (st == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && !v->connected()) {
      v->set_connected();
      spdlog::info("media: viewer {} connected", key.id);
      v->frame_feed()->wait_keyframe = true;
      src->force_keyframe(v->codec());
      notify_peer(key.id, peer_state::connected, "");
    } else if (st == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
      peer_failed(key, "connection failed");
    }
  }

  void peer_failed(peer_key key, const std::string& why) override {
    if (!find(key)) return;
    spdlog::warn("media: viewer {} failed: {}", key.id, why);
    destroy_viewer(key.id, why);
    notify_peer(key.id, peer_state::failed, why);
  }
};

media_engine::media_engine(media_options options, media_events events)
    : impl_(std::make_shared<impl>(std::move(options), std::move(events))) {
  impl_->running = true;
  impl_->loop.start();
}

media_engine::~media_engine() {
  stop();
  impl_->loop.close();
}

void media_engine::start() {
  impl_->loop.invoke([i = impl_.get()] {
    i->src->start();
    i->silence_check = i->loop.add_timeout(1000, [i] {
      i->end_silent_viewers();
      return true;
    });
  });
}

void media_engine::stop() {
  if (!impl_->running.exchange(false)) return;
  std::promise<void> done;
  impl_->loop.invoke([i = impl_.get(), &done] {
    for (const auto& id : i->viewer_ids()) i->destroy_viewer(id, "media engine stopping");
    i->drop_decoder();
    i->src->stop();
    i->waiting_offers.clear();
    i->silence_check.reset();
    done.set_value();
  });
  done.get_future().wait();
  impl_->loop.stop();
}

void media_engine::handle_offer(const std::string& peer, const std::string& sdp) {
  if (!impl_->running) return;
  impl_->loop.invoke([i = impl_.get(), peer, sdp] { i->create_viewer(peer, sdp); });
}

void media_engine::add_remote_candidate(const std::string& peer, unsigned mline_index,
                                        const std::string& candidate) {
  if (!impl_->running) return;
  impl_->loop.invoke([i = impl_.get(), peer, mline_index, candidate] {
    if (peer_sender* v = i->find({peer, 0})) v->add_candidate(mline_index, candidate);
  });
}

void media_engine::remove_peer(const std::string& peer) {
  if (!impl_->running) return;
  impl_->loop.invoke([i = impl_.get(), peer] {
    i->waiting_offers.erase(peer);
    if (!i->viewers.count(peer)) return;
    i->destroy_viewer(peer, "closed");
    i->notify_peer(peer, peer_state::closed, "closed");
  });
}

void media_engine::remove_all_peers() {
  if (!impl_->running) return;
  impl_->loop.invoke([i = impl_.get()] {
    i->waiting_offers.clear();
    for (const auto& id : i->viewer_ids()) {
      i->destroy_viewer(id, "closed");
      i->notify_peer(id, peer_state::closed, "closed");
    }
  });
}

void media_engine::push_frame(core::frame_ptr f) {
  impl_->src->push_frame(std::move(f));
}

void media_engine::request_keyframe() {
  for (auto c : {video_codec::h264, video_codec::vp8}) impl_->src->force_keyframe(c);
}

void media_engine::set_upstream_answer(const std::string& sdp) {
  if (!impl_->running) return;
  // A refused answer fails the relay, which logs why and offers again after a backoff.
  impl_->loop.invoke([i = impl_.get(), sdp] { i->src->set_answer(sdp); });
}

void media_engine::add_upstream_candidate(unsigned mline_index, const std::string& candidate) {
  if (!impl_->running) return;
  impl_->loop.invoke(
      [i = impl_.get(), mline_index, candidate] { i->src->add_candidate(mline_index, candidate); });
}

void media_engine::restart_upstream() {
  if (!impl_->running) return;
  impl_->loop.invoke([i = impl_.get()] { i->src->restart(); });
}

void media_engine::set_picture_sink(picture_sink sink, int jpeg_quality) {
  if (!impl_->running) return;
  impl_->loop.invoke([i = impl_.get(), sink = std::move(sink), jpeg_quality]() mutable {
    i->pictures = std::move(sink);
    i->jpeg_quality = jpeg_quality;
    i->drop_decoder();  // a new sink gets a new decoder
    i->update_decoder();
  });
}

void media_engine::set_ice_servers(std::vector<ice_server> servers) {
  std::lock_guard lock(impl_->mu);
  impl_->ice_servers = std::move(servers);
}

media_stats media_engine::stats() const {
  media_stats s;
  s.peers = impl_->peer_count;
  s.webrtcbins_alive = live_webrtcbins();
  s.bytes_sent = bytes_sent_to_viewers();
  impl_->src->report(s);
  s.pictures_decoded = impl_->pictures_decoded;
  return s;
}

void media_engine::sync() {
  if (!impl_->running) return;
  std::promise<void> done;
  impl_->loop.invoke([&done] { done.set_value(); });
  done.get_future().wait();
}

std::int64_t media_engine::webrtcbins_alive() {
  return live_webrtcbins();
}

bool media_engine::has_element(const std::string& factory) {
  return factory_exists(factory.c_str());
}

std::string media_engine::capture_description(const media_options& options) {
  return media::capture_description(options);
}

}  // namespace camgate::media
