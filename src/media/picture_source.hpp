#pragma once
#include <set>
#include <string>
#include <vector>

#include "core/frame.hpp"
#include "media/media_engine.hpp"
#include "media/video_codec.hpp"

namespace camgate::media {

// The engine as its picture source sees it.
class source_owner {
 public:
  // Any thread: runs fn later on the GLib thread, unless the engine is gone by then.
  virtual void post(std::function<void()> fn) = 0;
  // GLib thread.
  virtual void source_changed(source_state state, const std::string& detail) = 0;
  // Source "relay", GLib thread: the offer for the robot, and our candidates for it.
  virtual void upstream_offer(const std::string& sdp) = 0;
  virtual void upstream_candidate(unsigned mline, const std::string& candidate) = 0;
  // Source "relay", GLib thread: the robot's answer named the codec it sends.
  virtual void upstream_negotiated() = 0;

 protected:
  ~source_owner() = default;
};

// Where the viewers' encoded frames come from: a capture that encodes (camera, test
// pattern, JPEG pictures; capture.hpp) or a robot's stream relayed as it arrives
// (upstream_receiver.hpp). Either delivers access units to the engine's feed set.
class picture_source {
 public:
  virtual ~picture_source() = default;

  // GLib thread. The codecs a viewer may get; empty while a relay does not know yet.
  virtual std::vector<video_codec> codecs() const = 0;
  virtual void start() = 0;  // once; the state arrives through the owner
  virtual void stop() = 0;
  // The codecs viewers watch now (an encoder runs only for these).
  virtual void set_watched(std::set<video_codec> watched) = 0;
  // Source "relay": the robot's answer and candidates; a new offer after the robot's return.
  virtual bool set_answer(const std::string&) { return false; }
  virtual void add_candidate(unsigned, const std::string&) {}
  virtual void restart() {}

  // Any thread.
  virtual void push_frame(core::frame_ptr) {}
  // A keyframe soon (an encoder's next frame, or a PLI to the robot); rate-limited.
  virtual void force_keyframe(video_codec c) = 0;
  virtual void report(media_stats& s) const = 0;
};

}  // namespace camgate::media
