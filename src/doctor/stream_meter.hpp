#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sources/chunked_decoder.hpp"
#include "sources/multipart_parser.hpp"

namespace camgate::doctor {

// What a stream delivered while it was watched.
struct stream_stats {
  std::uint64_t frames = 0;
  std::uint64_t bad_parts = 0;           // broken or oversize parts the parser skipped
  std::uint64_t bytes = 0;               // body bytes read, framing included
  std::optional<double> first_frame_ms;  // since the meter started
  double span_ms = 0;                    // first to last frame
  double fps = 0;                        // (frames - 1) / span: the camera's rate
  std::size_t min_frame = 0, max_frame = 0;
  double avg_frame = 0;
  int width = 0, height = 0;  // of the first frame (from its markers)
  std::string problem;        // last problem the parser or the chunked decoder saw
  bool framing_failed = false;
};

// Counts the pictures of a multipart/x-mixed-replace body as the gateway's sources read
// it (the same chunked decoder and multipart parser), with their times and sizes. Times
// are milliseconds since the meter started, given by the caller (testable without a
// clock). Holds no pictures: only the parser's part in progress.
class stream_meter {
 public:
  stream_meter(std::string boundary, bool chunked);
  stream_meter(const stream_meter&) = delete;
  stream_meter& operator=(const stream_meter&) = delete;

  void feed(std::span<const std::uint8_t> bytes, double now_ms);
  const stream_stats& stats() const { return stats_; }
  // The first good picture, kept for a full decode check.
  const std::vector<std::uint8_t>& first_frame() const { return first_; }

 private:
  void on_part(std::vector<std::uint8_t>&& jpeg);

  bool chunked_;
  sources::chunked_decoder chunks_;
  sources::multipart_parser parts_;
  stream_stats stats_;
  double now_ms_ = 0;
  double first_ms_ = 0;
  double size_sum_ = 0;
  std::vector<std::uint8_t> first_;
};

}  // namespace camgate::doctor
