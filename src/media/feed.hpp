#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <gst/gst.h>

#include "media/gst_ref.hpp"
#include "media/video_codec.hpp"

namespace camgate::media {

// A viewer's encoded-frame feed: the appsrc of its pipeline.
struct feed {
  feed(video_codec c, GstElement* src) : codec(c), appsrc(share_ref(src)) {}

  const video_codec codec;
  const gst_ref<GstElement> appsrc;
  // Frames wait for the next keyframe (a new viewer, a new encoder, a skip).
  std::atomic<bool> wait_keyframe{true};
};

// The viewers' feeds: the engine adds and removes them on its GLib thread, the encoders'
// streaming threads deliver to them.
class feed_set {
 public:
  void add(std::shared_ptr<feed> f);
  void remove(const std::shared_ptr<feed>& f);
  // Every feed waits for the next keyframe (of a new encoder).
  void wait_for_keyframe();

  struct delivery {
    bool want_keyframe = false;  // a feed waits for one
    unsigned skipped = 0;        // frames feeds too far behind skipped
  };
  // Streaming thread: one encoded frame to every playing feed of `codec`, each its own
  // copy (sharing the bytes) on its pipeline's time. `base`: the encoder pipeline's base
  // time. A feed holding more than `max_queued` frames skips to the next keyframe.
  delivery deliver(video_codec codec, GstSample* sample, GstClockTime base,
                   unsigned max_queued) const;

 private:
  using feed_list = std::vector<std::shared_ptr<feed>>;
  std::shared_ptr<const feed_list> snapshot() const;

  mutable std::mutex mu_;
  // Replaced as a whole, never changed in place: a streaming thread may be reading the old one.
  std::shared_ptr<const feed_list> feeds_ = std::make_shared<feed_list>();
};

}  // namespace camgate::media
