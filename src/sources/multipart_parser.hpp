#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace camgate::sources {

// The boundary parameter of a multipart Content-Type, e.g. from
// `multipart/x-mixed-replace; Boundary="frame"`: quoted or not, any case, blanks
// around '=' tolerated. nullopt when there is none or it is empty.
std::optional<std::string> boundary_from_content_type(std::string_view content_type);

// The header fields of one part that consumers use.
struct part_headers {
  std::string content_type;
  std::optional<std::size_t> content_length;
  std::string timestamp;  // X-Timestamp as sent (ESP32: "<seconds>.<micros>"), or empty
};

struct multipart_limits {
  std::size_t max_part_bytes = 8 * 1024 * 1024;  // bigger parts are skipped
  std::size_t max_header_bytes = 8 * 1024;       // per part header block
};

// Incremental parser of an MJPEG multipart/x-mixed-replace body as real cameras send
// it: bytes split anywhere; CRLF or bare LF; a preamble or garbage before the first
// boundary; blank lines between parts; parts with or without Content-Length; cameras
// that declare "boundary=--foo" and then send "--foo" lines.
//
// Every part must hold one complete JPEG (SOI first, EOI last, padding trimmed).
// Broken parts (bad JPEG, bad headers, header block over the limit, a lying
// Content-Length) are counted and skipped, and parsing resynchronises at the next
// boundary: a bad byte stream is never fatal. A part over max_part_bytes is skipped
// while streaming through it, so memory stays near the cap (at most about twice it
// while the bytes a lying Content-Length swallowed are parsed again).
//
// Parts without Content-Length are found by scanning for the next delimiter line; the
// scan keeps its position, so no byte is examined twice however the input is split.
class multipart_parser {
 public:
  // Called with each good part; the vector is the caller's to keep (moved, not copied).
  using part_handler =
      std::function<void(std::vector<std::uint8_t>&& jpeg, const part_headers& headers)>;

  multipart_parser(std::string_view boundary, part_handler on_part, multipart_limits limits = {});
  multipart_parser(const multipart_parser&) = delete;
  multipart_parser& operator=(const multipart_parser&) = delete;

  void feed(std::span<const std::uint8_t> bytes);

  std::uint64_t parts() const { return parts_; }  // good parts delivered
  std::uint64_t skipped_oversize() const { return skipped_oversize_; }
  std::uint64_t skipped_invalid() const { return skipped_invalid_; }
  // Every problem seen, also stray bytes between parts that cost no part; when it
  // grows, last_problem() says what happened (for a log line).
  std::uint64_t problems() const { return problems_; }
  const std::string& last_problem() const { return last_problem_; }
  // Memory held for the part in progress (capacity of the buffers), for tests.
  std::size_t buffered_bytes() const;

  // Longest blank run tolerated after a boundary before the line end.
  static constexpr std::size_t kMaxBoundaryPadding = 32;

 private:
  enum class state { seek, headers, body_length, body_scan };
  // What a seek for the next delimiter line follows, for what stray lines mean.
  enum class seek_after { preamble, part, problem, close };
  enum class match { no, need_more, open, close };

  std::size_t step(std::span<const std::uint8_t> in);
  std::size_t seek(std::span<const std::uint8_t> in);
  std::size_t read_headers(std::span<const std::uint8_t> in);
  std::size_t read_body_length(std::span<const std::uint8_t> in);
  std::size_t read_body_scan(std::span<const std::uint8_t> in);

  match match_delimiter(const std::uint8_t* p, std::size_t n, std::size_t& line_len) const;
  std::string header_field(std::string_view line);
  void start_headers();
  void start_body();
  void finish_length_part();
  void finish_scan_part(std::size_t line_start, match m);
  void scan_oversize();
  bool deliver(std::vector<std::uint8_t>& data);
  void enter_seek(seek_after after, bool mid_line);
  void append_part(std::span<const std::uint8_t> bytes);
  void note(std::string problem);

  std::string delimiter_;      // "--" + boundary
  std::string alt_delimiter_;  // the boundary itself, when it already starts with "--"
  part_handler on_part_;
  multipart_limits limits_;
  std::size_t max_line_;  // longest delimiter line worth looking at

  state state_ = state::seek;
  seek_after seek_after_ = seek_after::preamble;
  std::string line_;            // seek or header line being collected
  bool line_overflow_ = false;  // the current line is too long to be a delimiter
  std::size_t header_bytes_ = 0;
  part_headers headers_;

  std::vector<std::uint8_t> part_;
  std::size_t remaining_ = 0;  // body_length: bytes still to come
  // body_scan: part_[0, scan_) holds no delimiter; with candidate_, a delimiter line may
  // start at scan_ and more bytes are needed to tell.
  std::size_t scan_ = 0;
  bool candidate_ = false;
  std::size_t size_hint_ = 0;  // last good part's size, to reserve without Content-Length

  // Bytes a part with a lying Content-Length swallowed, parsed again before the input.
  std::vector<std::uint8_t> replay_;
  std::size_t replay_pos_ = 0;
  std::vector<std::uint8_t> pending_replay_;

  std::uint64_t parts_ = 0;
  std::uint64_t skipped_oversize_ = 0;
  std::uint64_t skipped_invalid_ = 0;
  std::uint64_t problems_ = 0;
  std::string last_problem_;
};

}  // namespace camgate::sources
