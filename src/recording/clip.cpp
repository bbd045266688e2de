#include "recording/clip.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string_view>
#include <thread>

#include "media/gst_ref.hpp"
#include "media/gst_util.hpp"

namespace camgate::recording {

namespace {

using media::caps_ref;
using media::gst_ref;
using media::message_ref;
using media::parse_pipeline;
using media::sample_ref;

constexpr GstClockTime kWait = 5 * GST_SECOND;  // for a demuxer or muxer that says nothing

// "2024-05-01T12:00:00.250Z", for messages a user reads.
std::string utc_text(std::int64_t us) {
  const std::time_t s = static_cast<std::time_t>(us / 1'000'000 - (us % 1'000'000 < 0));
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[64];
  const auto ms = static_cast<int>(((us % 1'000'000) + 1'000'000) % 1'000'000 / 1000);
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

std::string bus_error(GstElement* pipeline) {
  gst_ref<GstBus> bus(gst_element_get_bus(pipeline));
  message_ref m(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
  return m ? media::error_text(m.get()) : std::string();
}

// The H.264 samples of one MP4 in file order, as its demuxer hands them out (nothing is
// decoded). The appsink holds a few samples only: stopping early reads no further.
class sample_reader {
 public:
  ~sample_reader() {
    if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  }

  // False, and why, for a missing file, a foreign one, or an MP4 without H.264.
  bool open(const std::string& path, std::string& error) {
    pipeline_ = parse_pipeline(
        "filesrc name=src ! qtdemux ! video/x-h264 ! appsink name=s sync=false max-buffers=8",
        error);
    if (!pipeline_) return false;
    gst_ref<GstElement> src(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "src"));
    g_object_set(src.get(), "location", path.c_str(), nullptr);  // any path, no quoting
    sink_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "s"));
    // A missing or foreign file fails the preroll at once. An MP4 without H.264 leaves the
    // demuxer unlinked: it only warns, and would never preroll.
    gst_ref<GstBus> bus(gst_element_get_bus(pipeline_.get()));
    if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE) {
      const auto types = static_cast<GstMessageType>(GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR |
                                                     GST_MESSAGE_WARNING);
      while (message_ref m{gst_bus_timed_pop_filtered(bus.get(), kWait, types)}) {
        if (GST_MESSAGE_TYPE(m.get()) == GST_MESSAGE_ASYNC_DONE) return true;
        const bool failed = GST_MESSAGE_TYPE(m.get()) == GST_MESSAGE_ERROR;
        GError* e = nullptr;
        gchar* debug = nullptr;
        if (failed)
          gst_message_parse_error(m.get(), &e, &debug);
        else
          gst_message_parse_warning(m.get(), &e, &debug);
        // Either the pad-linking warning or the demuxer's "not-linked" stop, whichever is first.
        const bool unlinked =
            (e && g_error_matches(e, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION)) ||
            (debug && std::string_view(debug).find("not-linked") != std::string_view::npos);
        if (e) g_error_free(e);
        g_free(debug);
        if (unlinked || failed) {
          error = unlinked ? "no H.264 video in it" : media::error_text(m.get());
          return false;
        }
      }
      error = "the demuxer gave nothing for 5 s";
      return false;
    }
    error = bus_error(pipeline_.get());
    if (error.empty()) error = "not a readable MP4";
    return false;
  }

  enum class seek_result { landed, past_end, failed };
  // Jumps to `pts` or a little before, so a clip late in a long recording does not read it
  // from the start (reading costs ~16 ms a minute of recording). qtdemux lands on the
  // exact picture in a fragmented MP4, keyframe or not (KEY_UNIT is not honoured there):
  // the caller skips to the next keyframe. `failed` when the demuxer cannot seek or lands
  // after `pts`: then read the file from the start.
  seek_result seek(GstClockTime pts) {
    const auto flags = static_cast<GstSeekFlags>(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT |
                                                 GST_SEEK_FLAG_SNAP_BEFORE);
    if (!gst_element_seek_simple(pipeline_.get(), GST_FORMAT_TIME, flags, pts))
      return seek_result::failed;
    std::string error;
    peeked_ = next(error);
    if (!peeked_)  // the file ends before `pts`: nothing to read there
      return error.empty() ? seek_result::past_end : seek_result::failed;
    GstBuffer* b = gst_sample_get_buffer(peeked_.get());
    return b && GST_BUFFER_PTS_IS_VALID(b) && GST_BUFFER_PTS(b) <= pts ? seek_result::landed
                                                                       : seek_result::failed;
  }

  // The next sample; nullptr at the end, and `error` set when the rest is unreadable.
  sample_ref next(std::string& error) {
    if (peeked_) return std::move(peeked_);
    sample_ref s(gst_app_sink_try_pull_sample(GST_APP_SINK(sink_.get()), kWait));
    if (!s) {
      error = bus_error(pipeline_.get());
      if (error.empty() && !gst_app_sink_is_eos(GST_APP_SINK(sink_.get())))
        error = "the demuxer gave nothing for 5 s";
    }
    return s;
  }

 private:
  gst_ref<GstElement> pipeline_;
  gst_ref<GstElement> sink_;
  sample_ref peeked_;  // read by seek(), handed out first
};

// The clip: appsrc ! h264parse ! mp4mux faststart=true ! filesink. faststart puts the
// moov before the pictures (mp4mux keeps them in a side file until EOS), so a browser
// can seek before it has the whole file.
class clip_writer {
 public:
  ~clip_writer() {
    if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    if (!side_file_.empty()) std::filesystem::remove(side_file_, ignored_);
  }

  bool open(const std::string& path, GstCaps* caps, std::string& error) {
    pipeline_ = parse_pipeline(
        "appsrc name=src format=time ! h264parse ! mp4mux name=mux faststart=true ! "
        "filesink name=out",
        error);
    if (!pipeline_) return false;
    gst_ref<GstElement> out(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "out"));
    g_object_set(out.get(), "location", path.c_str(), nullptr);
    // The side file next to the clip: the same disk, and never one shared in /tmp.
    side_file_ = path + ".mdat-part";
    gst_ref<GstElement> mux(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "mux"));
    g_object_set(mux.get(), "faststart-file", side_file_.c_str(), nullptr);
    src_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "src"));
    // Never blocks: push() waits for room itself, watching for a write error meanwhile.
    g_object_set(src_.get(), "caps", caps, "block", FALSE, "max-bytes", static_cast<guint64>(0),
                 nullptr);
    if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      error = bus_error(pipeline_.get());
      if (error.empty()) error = "cannot start the muxer";
      return false;
    }
    return true;
  }

  // Takes `b`. Keeps at most 4 MB queued, so a long clip is never all in memory.
  bool push(GstBuffer* b, std::string& error) {
    gst_ref<GstBus> bus(gst_element_get_bus(pipeline_.get()));
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
      message_ref m(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
      if (m) {
        error = media::error_text(m.get());
        gst_buffer_unref(b);
        return false;
      }
      if (gst_app_src_get_current_level_bytes(GST_APP_SRC(src_.get())) < (4u << 20)) break;
      if (std::chrono::steady_clock::now() > give_up) {
        error = "the muxer took nothing for 10 s";
        gst_buffer_unref(b);
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (gst_app_src_push_buffer(GST_APP_SRC(src_.get()), b) == GST_FLOW_OK) return true;
    error = "the muxer refused a picture";
    return false;
  }

  // EOS, then waits until mp4mux has written the moov and copied the pictures after it.
  bool finish(std::string& error) {
    gst_app_src_end_of_stream(GST_APP_SRC(src_.get()));
    gst_ref<GstBus> bus(gst_element_get_bus(pipeline_.get()));
    message_ref m(gst_bus_timed_pop_filtered(
        bus.get(), 2 * kWait, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
    if (!m)
      error = "the clip was not finished within 10 s";
    else if (GST_MESSAGE_TYPE(m.get()) == GST_MESSAGE_ERROR)
      error = media::error_text(m.get());
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    return error.empty();
  }

 private:
  gst_ref<GstElement> pipeline_;
  gst_ref<GstElement> src_;
  std::string side_file_;
  std::error_code ignored_;
};

// Whether a piece's pictures can follow the clip's in one H.264 track: mp4mux keeps one
// codec_data (SPS/PPS) and size per track, so a piece recorded with other settings ends
// the clip instead (cutting from the first piece's caps only, by design).
bool same_stream(GstCaps* a, GstCaps* b) {
  const GstStructure* sa = gst_caps_get_structure(a, 0);
  const GstStructure* sb = gst_caps_get_structure(b, 0);
  if (!sa || !sb) return false;
  int wa = 0, ha = 0, wb = 0, hb = 0;
  gst_structure_get_int(sa, "width", &wa);
  gst_structure_get_int(sa, "height", &ha);
  gst_structure_get_int(sb, "width", &wb);
  gst_structure_get_int(sb, "height", &hb);
  const GValue* ca = gst_structure_get_value(sa, "codec_data");
  const GValue* cb = gst_structure_get_value(sb, "codec_data");
  const bool same_data = (!ca && !cb) || (ca && cb && gst_value_compare(ca, cb) == GST_VALUE_EQUAL);
  return wa == wb && ha == hb && same_data;
}

}  // namespace

clip_result cut_clip(const std::vector<clip_piece>& pieces, std::int64_t from_us,
                     std::int64_t to_us, const std::string& out_path) {
  clip_result r;
  const std::string nothing =
      "no recording between " + utc_text(from_us) + " and " + utc_text(to_us);
  if (pieces.empty() || from_us >= to_us) {
    r.error = nothing;
    return r;
  }
  media::ensure_gst_init();
  for (const char* f :
       {"filesrc", "qtdemux", "appsink", "appsrc", "h264parse", "mp4mux", "filesink"})
    if (!media::factory_exists(f)) {
      r.error = std::string(f) + " is missing (install the GStreamer base, good and bad plugins)";
      return r;
    }

  clip_writer out;
  caps_ref caps;            // the clip's: from the first piece that gives it a picture
  std::string write_error;  // set when out_path cannot be written
  std::string read_error;   // the first unreadable piece's, for when nothing is left
  int readable = 0;
  // Timeline: a gap between recordings is closed up (each piece's first kept picture
  // follows the previous piece's last), so the clip plays without a frozen stretch and its
  // length is what was recorded; started_at is only good to a second anyway. Within a
  // piece the pictures keep their own spacing.
  GstClockTime base = 0;  // where the next piece's first kept picture goes
  GstClockTime end = 0;   // the end of the last picture written
  GstClockTime last_duration = GST_SECOND / 15;
  bool done = false;

  for (const auto& piece : pieces) {
    if (done || piece.started_at_us >= to_us) break;  // oldest first: nothing later fits
    auto in = std::make_unique<sample_reader>();
    std::string err;
    bool opened = in->open(piece.path, err);
    // A long way into a piece, seek to 5 s before from_us: the keyframe at or before
    // from_us is then among the pictures read (mp4_writer puts one every second).
    const std::int64_t skip_us = from_us - piece.started_at_us - 5 * 1'000'000;
    if (opened && skip_us > 30 * 1'000'000) {
      const auto sought = in->seek(static_cast<GstClockTime>(skip_us) * GST_USECOND);
      if (sought == sample_reader::seek_result::past_end) {
        ++readable;  // it ends at least 5 s before the window
        continue;
      }
      if (sought == sample_reader::seek_result::failed) {
        spdlog::debug("clip: cannot seek in {}; reading it from the start", piece.path);
        in = std::make_unique<sample_reader>();
        opened = in->open(piece.path, err);
      }
    }
    if (!opened) {
      spdlog::warn("clip: skipping {}: {}", piece.path, err);
      if (read_error.empty()) read_error = piece.path + ": " + err;
      continue;
    }
    // The pictures since the last keyframe before from_us: the clip starts there so its
    // first picture decodes. Held only while from_us lies inside this piece; when it lies
    // in a gap, the next piece's first keyframe starts the clip.
    std::vector<sample_ref> lead_in;
    bool chain = false;   // this piece's previous picture was kept: a delta unit may follow
    bool placed = false;  // this piece's offset into the clip is fixed
    GstClockTimeDiff shift = 0;
    int read = 0;
    auto write = [&](GstSample* s) {
      GstBuffer* b = gst_buffer_copy(gst_sample_get_buffer(s));  // shares the bytes
      if (!placed) {
        const GstClockTime first =
            GST_BUFFER_DTS_IS_VALID(b) ? GST_BUFFER_DTS(b) : GST_BUFFER_PTS(b);
        shift = static_cast<GstClockTimeDiff>(base) - static_cast<GstClockTimeDiff>(first);
        placed = true;
      }
      GST_BUFFER_PTS(b) = static_cast<GstClockTime>(GST_BUFFER_PTS(b) + shift);
      if (GST_BUFFER_DTS_IS_VALID(b))
        GST_BUFFER_DTS(b) = static_cast<GstClockTime>(GST_BUFFER_DTS(b) + shift);
      if (GST_BUFFER_DURATION_IS_VALID(b))
        last_duration = GST_BUFFER_DURATION(b);
      else
        GST_BUFFER_DURATION(b) = last_duration;
      end = std::max(end, GST_BUFFER_PTS(b) + GST_BUFFER_DURATION(b));
      if (!out.push(b, write_error)) return false;
      ++r.frames;
      return true;
    };
    while (sample_ref s = in->next(err)) {
      ++read;
      GstBuffer* b = gst_sample_get_buffer(s.get());
      if (!b || !GST_BUFFER_PTS_IS_VALID(b)) continue;
      const bool key = !GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
      const std::int64_t wall =
          piece.started_at_us + static_cast<std::int64_t>(GST_BUFFER_PTS(b) / 1000);
      if (wall >= to_us) {
        done = true;
        break;
      }
      if (!key && !chain) continue;  // undecodable without its keyframe
      chain = true;
      if (wall < from_us) {
        if (key) lead_in.clear();
        lead_in.push_back(std::move(s));
        continue;
      }
      if (!placed) {
        GstCaps* c = gst_sample_get_caps(s.get());
        if (!c) break;
        if (!caps) {
          caps.reset(gst_caps_ref(c));
          if (!out.open(out_path, c, write_error)) break;
        } else if (!same_stream(caps.get(), c)) {
          spdlog::warn("clip: {} was recorded with other settings; the clip ends before it",
                       piece.path);
          done = true;
          break;
        }
      }
      for (auto& l : lead_in)
        if (!write(l.get())) break;
      lead_in.clear();
      if (!write_error.empty() || !write(s.get())) break;
    }
    if (!write_error.empty()) break;
    if (read == 0) {
      spdlog::warn("clip: skipping {}: {}", piece.path, err.empty() ? "no picture" : err);
      if (read_error.empty()) read_error = piece.path + ": " + (err.empty() ? "no picture" : err);
      continue;
    }
    ++readable;
    if (!err.empty() && !done)
      spdlog::warn("clip: {} ends early ({}); cut up to its last readable picture", piece.path,
                   err);
    if (placed) base = end;
  }

  if (write_error.empty() && r.frames > 0) out.finish(write_error);
  if (!write_error.empty()) {
    std::error_code ignored;
    std::filesystem::remove(out_path, ignored);
    return {"cannot write " + out_path + ": " + write_error, 0, 0};
  }
  if (r.frames == 0) {
    r.error = readable == 0 && !read_error.empty()
                  ? "cannot read any recording (" + read_error + ")"
                  : nothing;
    return r;
  }
  r.duration_s = static_cast<double>(end) / GST_SECOND;
  return r;
}

}  // namespace camgate::recording
