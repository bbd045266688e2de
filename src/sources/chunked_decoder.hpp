#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace camgate::sources {

// Incremental HTTP/1.1 chunked transfer decoder (RFC 9112 §7.1): hex size line with
// optional extensions, data, CRLF, ..., last chunk, trailer fields, empty line. Takes
// bytes split anywhere, tolerates bare LF for CRLF, and never buffers: decoded data
// comes out as views into the input. Bad framing is a hard error; the caller then
// drops the connection, as nothing after a framing error can be trusted.
class chunked_decoder {
 public:
  // Decodes from the front of `in`, removing what it consumed, and returns the next
  // piece of body data (a view into `in`; empty when only framing was consumed).
  std::span<const std::uint8_t> decode_some(std::span<const std::uint8_t>& in);

  // Decodes all of `in`, calling sink(std::span<const std::uint8_t>) per data piece.
  // Returns false once the framing is broken.
  template <typename Sink>
  bool feed(std::span<const std::uint8_t> in, Sink&& sink) {
    while (!in.empty() && state_ != state::done && state_ != state::failed) {
      const auto data = decode_some(in);
      if (!data.empty()) sink(data);
    }
    return state_ != state::failed;
  }

  bool done() const { return state_ == state::done; }  // last chunk and trailer read
  bool failed() const { return state_ == state::failed; }
  const std::string& error() const { return error_; }
  std::uint64_t body_bytes() const { return body_bytes_; }
  void reset() { *this = chunked_decoder{}; }

  static constexpr std::size_t kMaxSizeLine = 4096;  // size digits plus extensions
  static constexpr std::size_t kMaxTrailer = 16 * 1024;

 private:
  enum class state {
    size,          // hex digits
    size_pad,      // blanks after the digits
    extension,     // ";name=value" up to the line end
    size_lf,       // CR seen, LF expected
    data,          //
    data_cr,       // CRLF (or LF) expected after the data
    data_lf,       //
    trailer_line,  // at the start of a trailer line (or the final empty line)
    trailer_text,  // inside a trailer field line
    trailer_lf,    // CR of the final empty line seen
    done,
    failed,
  };

  void step(std::uint8_t b);
  void end_size_line();
  void fail(std::string why);

  state state_ = state::size;
  std::uint64_t size_ = 0;
  std::uint64_t remaining_ = 0;
  std::size_t line_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;
  bool have_digit_ = false;
  std::uint64_t body_bytes_ = 0;
  std::string error_;
};

}  // namespace camgate::sources
