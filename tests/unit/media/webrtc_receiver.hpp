#pragma once
// A receiving webrtcbin for in-process tests: it makes the offer a browser would make
// (recvonly video, the codecs asked), decodes what arrives and counts the frames.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

typedef struct _GstElement GstElement;

namespace camgate::media::testing {

class webrtc_receiver {
 public:
  struct options {
    // Offered formats, in order: "H264" (pt 102, 42e01f, mode 1), "H264-mode0" (pt 103,
    // mode 0 only), "VP8" (pt 96).
    std::vector<std::string> codecs{"H264"};
    std::string local_address = "127.0.0.1";
    bool decode = true;
  };
  using candidate_fn = std::function<void(unsigned mline, const std::string& candidate)>;

  webrtc_receiver(options opts, candidate_fn on_candidate);
  ~webrtc_receiver();
  webrtc_receiver(const webrtc_receiver&) = delete;
  webrtc_receiver& operator=(const webrtc_receiver&) = delete;

  // Creates the offer and sets it as local description; returns its SDP text.
  std::string create_offer();
  // Sets the robot's answer; false when webrtcbin refuses it.
  bool set_answer(const std::string& sdp);
  void add_candidate(unsigned mline, const std::string& candidate);
  // What a WHEP client PATCHes after its offer (application/trickle-ice-sdpfrag): the
  // offer's first mid, our candidates and end-of-candidates. Waits up to `timeout` for
  // gathering to complete.
  std::string trickle_fragment(const std::string& offer,
                               std::chrono::milliseconds timeout = std::chrono::seconds(2));

  std::uint64_t frames_decoded() const { return frames_; }
  // RTP bytes received (after SRTP), headers included.
  std::uint64_t rtp_bytes() const { return rtp_bytes_; }
  int width() const { return width_; }
  int height() const { return height_; }
  std::string decoded_codec() const;
  // Waits until frames_decoded() >= n; false on timeout.
  bool wait_frames(std::uint64_t n, std::chrono::milliseconds timeout) const;
  // When the first decoded frame arrived (nullopt before).
  std::optional<std::chrono::steady_clock::time_point> first_frame_at() const;

 private:
  static void on_pad_added(GstElement*, void* pad, void* self);
  void count_frame(int w, int h);

  options opts_;
  candidate_fn on_candidate_;
  GstElement* pipeline_ = nullptr;
  GstElement* webrtc_ = nullptr;
  std::atomic<std::uint64_t> frames_{0};
  std::atomic<std::uint64_t> rtp_bytes_{0};
  std::atomic<int> width_{0}, height_{0};
  mutable std::mutex mu_;
  std::string codec_;
  std::vector<std::string> local_candidates_;
  std::optional<std::chrono::steady_clock::time_point> first_frame_;
};

}  // namespace camgate::media::testing
