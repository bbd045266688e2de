#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gst/gst.h>

#include "core/frame.hpp"
#include "media/capture_description.hpp"
#include "media/feed.hpp"
#include "media/gst_ref.hpp"
#include "media/main_loop.hpp"
#include "media/media_engine.hpp"
#include "media/media_options.hpp"
#include "media/picture_source.hpp"
#include "media/source_life.hpp"
#include "media/video_codec.hpp"

namespace camgate::media {

// The one capture pipeline (see full_capture_description): the source, a tee, then per
// usable codec a valve, an encoder and an appsink whose frames go to the feeds of that
// codec. A valve is closed while no viewer watches its codec. A source that fails, ends
// or stalls is rebuilt after a capped exponential backoff until stop().
class capture final : public picture_source {
 public:
  capture(const media_options& opts, std::string h264_factory, main_loop& loop, source_owner& owner,
          feed_set& feeds);
  ~capture() override;
  capture(const capture&) = delete;
  capture& operator=(const capture&) = delete;

  std::vector<video_codec> codecs() const override { return usable_codecs(opts_, h264_factory_); }

  // GLib thread.
  void start() override;  // once; the source's state arrives through the owner
  void stop() override;
  // Opens the valves of the codecs in `watched`, now and after every restart.
  void set_watched(std::set<video_codec> watched) override;

  // Any thread.
  // Source "frames": one JPEG picture into the pipeline; see media_engine::push_frame.
  void push_frame(core::frame_ptr f) override;
  // At most one request in flight per encoder (re-sent after 1 s).
  void force_keyframe(video_codec c) override;
  // Fills in the capture's counters.
  void report(media_stats& s) const override;

 private:
  struct branch;

  // GLib thread.
  void start_pipeline();
  std::string build();
  std::string play();
  void stop_pipeline();
  void failed(const std::string& why);
  void check_stall();
  void apply_valves();
  void watch_source(GstElement* tee);
  void draw_clock_if_asked();  // and the capture-time stamp
  void attach_branches();
  void on_bus_message(GstMessage* m);
  // Streaming threads.
  void on_raw_frame();
  void on_encoded_sample(branch& b, GstElement* sink);

  const media_options& opts_;
  const std::string h264_factory_;
  main_loop& loop_;
  source_owner& owner_;
  feed_set& feeds_;

  // GLib thread.
  source_life life_;
  gst_ref<GstElement> pipeline_;
  attached_source bus_watch_;
  std::set<video_codec> watched_;

  // Shared with streaming threads.
  mutable std::mutex mu_;
  std::map<video_codec, std::unique_ptr<branch>> branches_;  // guarded by mu_
  gst_ref<GstElement> input_;  // guarded by mu_: source "frames"' appsrc while built
  std::atomic<std::int64_t> last_frame_ns_{0};
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> frames_captured_{0}, h264_frames_{0}, vp8_frames_{0}, keyframes_{0},
      skipped_{0};
};

}  // namespace camgate::media
