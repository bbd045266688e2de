#include "sources/chunked_decoder.hpp"

#include <algorithm>
#include <cstdio>

namespace camgate::sources {
namespace {

int hex_value(std::uint8_t b) {
  if (b >= '0' && b <= '9') return b - '0';
  if (b >= 'a' && b <= 'f') return b - 'a' + 10;
  if (b >= 'A' && b <= 'F') return b - 'A' + 10;
  return -1;
}

std::string describe_byte(std::uint8_t b) {
  char text[16];
  if (b >= 0x20 && b < 0x7F) {
    std::snprintf(text, sizeof text, "'%c'", static_cast<char>(b));
  } else {
    std::snprintf(text, sizeof text, "0x%02X", b);
  }
  return text;
}

}  // namespace

std::span<const std::uint8_t> chunked_decoder::decode_some(std::span<const std::uint8_t>& in) {
  while (!in.empty()) {
    if (state_ == state::done || state_ == state::failed) return {};
    if (state_ == state::data) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size()));
      const auto out = in.first(n);
      in = in.subspan(n);
      remaining_ -= n;
      body_bytes_ += n;
      if (remaining_ == 0) state_ = state::data_cr;
      return out;
    }
    step(in.front());
    in = in.subspan(1);
  }
  return {};
}

void chunked_decoder::step(std::uint8_t b) {
  switch (state_) {
    case state::size:
    case state::size_pad:
    case state::extension:
    case state::size_lf:
      if (++line_bytes_ > kMaxSizeLine) return fail("chunk size line too long");
      break;
    case state::trailer_line:
    case state::trailer_text:
    case state::trailer_lf:
      if (++trailer_bytes_ > kMaxTrailer) return fail("chunked trailer too long");
      break;
    default:
      break;
  }

  switch (state_) {
    case state::size:
      if (const int v = hex_value(b); v >= 0) {
        if (size_ >> 60) return fail("chunk size does not fit in 64 bits");
        size_ = size_ * 16 + static_cast<unsigned>(v);
        have_digit_ = true;
        return;
      }
      if (!have_digit_) return fail("expected a hex chunk size, got " + describe_byte(b));
      [[fallthrough]];
    case state::size_pad:
      if (b == ' ' || b == '\t') {
        state_ = state::size_pad;
      } else if (b == ';') {
        state_ = state::extension;
      } else if (b == '\r') {
        state_ = state::size_lf;
      } else if (b == '\n') {
        end_size_line();
      } else {
        fail("unexpected " + describe_byte(b) + " in chunk size line");
      }
      return;
    case state::extension:
      if (b == '\n') end_size_line();
      return;
    case state::size_lf:
      if (b != '\n') return fail("CR without LF after chunk size");
      end_size_line();
      return;
    case state::data_cr:
      if (b == '\r') {
        state_ = state::data_lf;
      } else if (b == '\n') {
        state_ = state::size;
      } else {
        fail("chunk data longer than its size (" + describe_byte(b) + " instead of CRLF)");
      }
      return;
    case state::data_lf:
      if (b != '\n') return fail("CR without LF after chunk data");
      state_ = state::size;
      return;
    case state::trailer_line:
      if (b == '\r') {
        state_ = state::trailer_lf;
      } else if (b == '\n') {
        state_ = state::done;
      } else {
        state_ = state::trailer_text;
      }
      return;
    case state::trailer_text:
      if (b == '\n') state_ = state::trailer_line;
      return;
    case state::trailer_lf:
      if (b != '\n') return fail("CR without LF at the end of the chunked body");
      state_ = state::done;
      return;
    case state::data:
    case state::done:
    case state::failed:
      return;
  }
}

void chunked_decoder::end_size_line() {
  line_bytes_ = 0;
  have_digit_ = false;
  if (size_ == 0) {
    state_ = state::trailer_line;
    return;
  }
  remaining_ = size_;
  size_ = 0;
  state_ = state::data;
}

void chunked_decoder::fail(std::string why) {
  state_ = state::failed;
  error_ = std::move(why);
}

}  // namespace camgate::sources
