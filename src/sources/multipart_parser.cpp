#include "sources/multipart_parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <limits>

#include "core/jpeg_markers.hpp"
#include "core/text.hpp"

namespace camgate::sources {
namespace {

using core::trim;

constexpr std::size_t kMaxBoundary = 200;  // RFC 2046 allows 70; be lenient, but bounded

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_blank_line(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

const std::uint8_t* find_lf(const std::uint8_t* p, std::size_t n) {
  if (n == 0) return nullptr;
  return static_cast<const std::uint8_t*>(std::memchr(p, '\n', n));
}

// A header line for a problem report: printable and short.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    out += (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  if (s.size() > 40) out += "...";
  return out;
}

}  // namespace

std::optional<std::string> boundary_from_content_type(std::string_view ct) {
  std::size_t i = ct.find(';');
  while (i != std::string_view::npos && i < ct.size()) {
    ++i;
    while (i < ct.size() && is_blank(ct[i])) ++i;
    const std::size_t name_begin = i;
    while (i < ct.size() && ct[i] != '=' && ct[i] != ';') ++i;
    if (i >= ct.size() || ct[i] == ';') continue;  // a parameter without a value
    const auto name = trim(ct.substr(name_begin, i - name_begin));
    ++i;  // '='
    while (i < ct.size() && is_blank(ct[i])) ++i;
    std::string value;
    if (i < ct.size() && ct[i] == '"') {
      for (++i; i < ct.size() && ct[i] != '"'; ++i) {
        if (ct[i] == '\\' && i + 1 < ct.size()) ++i;
        value += ct[i];
      }
      if (i < ct.size()) ++i;  // closing quote
    } else {
      const std::size_t begin = i;
      while (i < ct.size() && ct[i] != ';') ++i;
      value = std::string(trim(ct.substr(begin, i - begin)));
    }
    if (iequals(name, "boundary")) {
      if (value.empty() || value.size() > kMaxBoundary) return std::nullopt;
      return value;
    }
    i = ct.find(';', i);
  }
  return std::nullopt;
}

multipart_parser::multipart_parser(std::string_view boundary, part_handler on_part,
                                   multipart_limits limits)
    : delimiter_("--" + std::string(boundary)), on_part_(std::move(on_part)), limits_(limits) {
  // Some cameras declare "boundary=--foo" and then separate parts with "--foo" lines
  // instead of "----foo": accept both.
  if (boundary.starts_with("--")) alt_delimiter_ = std::string(boundary);
  max_line_ = delimiter_.size() + 2 + kMaxBoundaryPadding + 2;
}

std::size_t multipart_parser::buffered_bytes() const {
  return part_.capacity() + line_.capacity() + replay_.capacity() + pending_replay_.capacity();
}

void multipart_parser::feed(std::span<const std::uint8_t> bytes) {
  for (;;) {
    const bool from_replay = replay_pos_ < replay_.size();
    const auto in =
        from_replay ? std::span<const std::uint8_t>(replay_).subspan(replay_pos_) : bytes;
    if (in.empty()) return;
    const std::size_t used = step(in);
    if (!pending_replay_.empty()) {
      // A part lied about its length: the bytes it swallowed go first, then the rest.
      if (from_replay) {
        pending_replay_.insert(pending_replay_.end(),
                               replay_.begin() + static_cast<std::ptrdiff_t>(replay_pos_ + used),
                               replay_.end());
      } else {
        bytes = bytes.subspan(used);
      }
      replay_ = std::move(pending_replay_);
      pending_replay_ = {};
      replay_pos_ = 0;
      continue;
    }
    if (from_replay) {
      replay_pos_ += used;
      if (replay_pos_ >= replay_.size()) {
        replay_ = {};
        replay_pos_ = 0;
      }
    } else {
      bytes = bytes.subspan(used);
    }
  }
}

std::size_t multipart_parser::step(std::span<const std::uint8_t> in) {
  switch (state_) {
    case state::seek:
      return seek(in);
    case state::headers:
      return read_headers(in);
    case state::body_length:
      return read_body_length(in);
    case state::body_scan:
      return read_body_scan(in);
  }
  return in.size();
}

// A delimiter line starts at p: "--boundary" (or the alternative form), optionally
// "--" (the close delimiter), up to kMaxBoundaryPadding blanks, then CRLF or LF.
multipart_parser::match multipart_parser::match_delimiter(const std::uint8_t* p, std::size_t n,
                                                          std::size_t& line_len) const {
  if (n == 0) return match::need_more;
  match result = match::no;
  for (const std::string* form : {&delimiter_, &alt_delimiter_}) {
    if (form->empty()) continue;
    const std::size_t len = form->size();
    if (std::memcmp(p, form->data(), std::min(n, len)) != 0) continue;
    if (n < len) {
      result = match::need_more;
      continue;
    }
    std::size_t i = len;
    bool close = false;
    if (i < n && p[i] == '-') {
      if (i + 1 == n) {
        result = match::need_more;
        continue;
      }
      if (p[i + 1] != '-') continue;  // "--boundary-x" is another boundary
      close = true;
      i += 2;
    }
    const std::size_t pad_end = i + kMaxBoundaryPadding;
    while (i < n && i < pad_end && (p[i] == ' ' || p[i] == '\t')) ++i;
    if (i == n) {
      result = match::need_more;
      continue;
    }
    if (p[i] == '\r') {
      if (i + 1 == n) {
        result = match::need_more;
        continue;
      }
      if (p[i + 1] != '\n') continue;
      ++i;
    }
    if (p[i] != '\n') continue;
    line_len = i + 1;
    return close ? match::close : match::open;
  }
  return result;
}

void multipart_parser::enter_seek(seek_after after, bool mid_line) {
  state_ = state::seek;
  seek_after_ = after;
  line_.clear();
  // In the middle of a line, the rest of it cannot be a delimiter line.
  line_overflow_ = mid_line;
}

std::size_t multipart_parser::seek(std::span<const std::uint8_t> in) {
  const auto* lf = find_lf(in.data(), in.size());
  const std::size_t take = lf ? static_cast<std::size_t>(lf - in.data()) + 1 : in.size();
  if (!line_overflow_) {
    if (line_.size() + take > max_line_) {
      line_overflow_ = true;
      line_.clear();
    } else {
      line_.append(reinterpret_cast<const char*>(in.data()), take);
    }
  }
  if (!lf) return take;

  if (!line_overflow_) {
    std::size_t len = 0;
    const auto m =
        match_delimiter(reinterpret_cast<const std::uint8_t*>(line_.data()), line_.size(), len);
    if (m == match::open) {
      start_headers();
      return take;
    }
    if (m == match::close) {
      enter_seek(seek_after::close, false);
      return take;
    }
  }
  if (seek_after_ == seek_after::part && (line_overflow_ || !is_blank_line(line_))) {
    note("unexpected bytes between parts");
    seek_after_ = seek_after::problem;  // one note per gap
  }
  line_.clear();
  line_overflow_ = false;
  return take;
}

void multipart_parser::start_headers() {
  state_ = state::headers;
  header_bytes_ = 0;
  headers_ = {};
  line_.clear();
  line_overflow_ = false;
}

std::size_t multipart_parser::read_headers(std::span<const std::uint8_t> in) {
  const auto* lf = find_lf(in.data(), in.size());
  const std::size_t take = lf ? static_cast<std::size_t>(lf - in.data()) + 1 : in.size();
  header_bytes_ += take;
  if (header_bytes_ > limits_.max_header_bytes) {
    ++skipped_invalid_;
    note("part headers longer than " + std::to_string(limits_.max_header_bytes) + " bytes");
    enter_seek(seek_after::problem, lf == nullptr);
    return take;
  }
  line_.append(reinterpret_cast<const char*>(in.data()), take);
  if (!lf) return take;

  std::size_t len = 0;
  const auto m =
      match_delimiter(reinterpret_cast<const std::uint8_t*>(line_.data()), line_.size(), len);
  if (m == match::open || m == match::close) {
    // The previous part never finished its headers; this line starts the next one.
    ++skipped_invalid_;
    note("part without a body");
    if (m == match::open) {
      start_headers();
    } else {
      enter_seek(seek_after::close, false);
    }
    return take;
  }
  const auto line = trim(std::string_view(line_).substr(0, line_.size() - 1));
  if (line.empty()) {
    line_.clear();
    start_body();
    return take;
  }
  if (auto problem = header_field(line); !problem.empty()) {
    ++skipped_invalid_;
    note(std::move(problem));
    enter_seek(seek_after::problem, false);
    return take;
  }
  line_.clear();
  return take;
}

// Takes one "Name: value" line; returns what is wrong with it, or "".
std::string multipart_parser::header_field(std::string_view line) {
  if (is_blank(line_.front())) return {};  // an obsolete folded continuation: ignore
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return "bad part header line \"" + printable(line) + "\"";
  }
  const auto name = trim(line.substr(0, colon));
  const auto value = trim(line.substr(colon + 1));
  if (name.empty() ||
      std::any_of(name.begin(), name.end(), [](char c) { return c <= ' ' || c >= 0x7F; })) {
    return "bad part header name \"" + printable(line) + "\"";
  }
  if (iequals(name, "content-length")) {
    std::uint64_t n = 0;
    const auto* end = value.data() + value.size();
    auto [p, ec] = std::from_chars(value.data(), end, n);
    const bool digits_only = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    if (!digits_only || ec != std::errc{} || p != end) {
      return "bad part Content-Length \"" + printable(value) + "\"";
    }
    if (headers_.content_length && *headers_.content_length != n) {
      return "conflicting part Content-Length values";
    }
    headers_.content_length = static_cast<std::size_t>(
        std::min<std::uint64_t>(n, std::numeric_limits<std::size_t>::max()));
  } else if (iequals(name, "content-type")) {
    headers_.content_type = std::string(value.substr(0, 256));
  } else if (iequals(name, "x-timestamp")) {
    headers_.timestamp = std::string(value.substr(0, 64));
  }
  return {};
}

void multipart_parser::start_body() {
  part_ = {};
  if (headers_.content_length) {
    const std::size_t n = *headers_.content_length;
    if (n > limits_.max_part_bytes) {
      // Not trusted for skipping either: a huge or lying length must not swallow the
      // stream, so look for the next delimiter line instead.
      ++skipped_oversize_;
      note("part of " + std::to_string(n) + " bytes over the " +
           std::to_string(limits_.max_part_bytes) + " byte limit");
      enter_seek(seek_after::problem, false);
      return;
    }
    part_.reserve(n);
    remaining_ = n;
    state_ = state::body_length;
    if (n == 0) finish_length_part();
    return;
  }
  // Frames of one camera have similar sizes: reserve a little over the last one.
  part_.reserve(std::min(size_hint_ + size_hint_ / 4 + max_line_,
                         limits_.max_part_bytes + 2 * max_line_ + 8));
  scan_ = 0;
  candidate_ = true;  // the body may be empty: a delimiter line right away
  state_ = state::body_scan;
}

void multipart_parser::append_part(std::span<const std::uint8_t> bytes) {
  const std::size_t need = part_.size() + bytes.size();
  if (need > part_.capacity()) {
    // Grow geometrically, but never past the most a part may legitimately need.
    const std::size_t ceiling = limits_.max_part_bytes + 2 * max_line_ + 8;
    part_.reserve(
        std::max(need, std::min(ceiling, std::max<std::size_t>(part_.capacity() * 2, 4096))));
  }
  part_.insert(part_.end(), bytes.begin(), bytes.end());
}

std::size_t multipart_parser::read_body_length(std::span<const std::uint8_t> in) {
  const std::size_t n = std::min(remaining_, in.size());
  part_.insert(part_.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
  remaining_ -= n;
  if (remaining_ == 0) finish_length_part();
  return n;
}

void multipart_parser::finish_length_part() {
  auto data = std::move(part_);
  part_ = {};
  enter_seek(seek_after::part, false);
  if (deliver(data)) return;
  // The length may have lied (too long): the next delimiter line may be inside what
  // was taken as the body. Parse again from there, so the next good part survives.
  std::size_t at = 0;
  for (;;) {
    std::size_t len = 0;
    const auto m = match_delimiter(data.data() + at, data.size() - at, len);
    if (m != match::no) {
      pending_replay_.assign(data.begin() + static_cast<std::ptrdiff_t>(at), data.end());
      enter_seek(seek_after::problem, false);
      return;
    }
    const auto* lf = find_lf(data.data() + at, data.size() - at);
    if (!lf) break;
    at = static_cast<std::size_t>(lf - data.data()) + 1;
  }
  enter_seek(seek_after::problem, !data.empty() && data.back() != '\n');
}

std::size_t multipart_parser::read_body_scan(std::span<const std::uint8_t> in) {
  const std::size_t limit = limits_.max_part_bytes + 2;  // data plus its line break
  if (candidate_) {
    // A delimiter line may start at scan_: add a slice big enough to decide, then look
    // at it and at any later line starts within the slice.
    const std::size_t old = part_.size();
    const std::size_t slice = std::min(in.size(), max_line_);
    append_part(in.first(slice));
    std::size_t from = scan_;
    for (;;) {
      std::size_t len = 0;
      const auto m = match_delimiter(part_.data() + from, part_.size() - from, len);
      if (m == match::open || m == match::close) {
        const std::size_t line_end = from + len;  // past `old`: else decided earlier
        finish_scan_part(from, m);
        return line_end > old ? line_end - old : 0;
      }
      if (m == match::need_more) {
        scan_ = from;
        break;
      }
      const auto* lf = find_lf(part_.data() + from, part_.size() - from);
      if (!lf) {
        candidate_ = false;
        scan_ = part_.size();
        break;
      }
      from = static_cast<std::size_t>(lf - part_.data()) + 1;
    }
    if (scan_ > limit) scan_oversize();
    return slice;
  }

  // Nothing pending: search the input itself, and copy only what belongs to the body.
  in = in.first(std::min(in.size(), limit + 1 - std::min(limit, part_.size())));
  std::size_t pos = 0;
  while (const auto* lf = find_lf(in.data() + pos, in.size() - pos)) {
    const std::size_t line_start = static_cast<std::size_t>(lf - in.data()) + 1;
    std::size_t len = 0;
    const auto m = match_delimiter(in.data() + line_start, in.size() - line_start, len);
    if (m == match::open || m == match::close) {
      append_part(in.first(line_start));
      finish_scan_part(part_.size(), m);
      return line_start + len;
    }
    if (m == match::need_more) {
      scan_ = part_.size() + line_start;
      candidate_ = true;
      append_part(in);
      if (scan_ > limit) scan_oversize();
      return in.size();
    }
    pos = line_start;
  }
  append_part(in);
  scan_ = part_.size();
  if (scan_ > limit) scan_oversize();
  return in.size();
}

void multipart_parser::finish_scan_part(std::size_t line_start, match m) {
  // The line break before the delimiter belongs to the delimiter.
  std::size_t end = line_start;
  if (end > 0 && part_[end - 1] == '\n') --end;
  if (end > 0 && part_[end - 1] == '\r') --end;
  part_.resize(end);
  auto data = std::move(part_);
  part_ = {};
  candidate_ = false;
  scan_ = 0;
  if (data.size() > limits_.max_part_bytes) {
    ++skipped_oversize_;
    note("part of " + std::to_string(data.size()) + " bytes over the " +
         std::to_string(limits_.max_part_bytes) + " byte limit");
  } else {
    deliver(data);
  }
  if (m == match::open) {
    start_headers();
  } else {
    enter_seek(seek_after::close, false);
  }
}

void multipart_parser::scan_oversize() {
  ++skipped_oversize_;
  note("part over the " + std::to_string(limits_.max_part_bytes) + " byte limit");
  // A pending delimiter candidate carries over into the seek as the start of its line.
  std::string tail;
  if (candidate_) tail.assign(part_.begin() + static_cast<std::ptrdiff_t>(scan_), part_.end());
  const bool mid_line = !candidate_;
  part_ = {};
  candidate_ = false;
  scan_ = 0;
  enter_seek(seek_after::problem, mid_line);
  line_ = std::move(tail);
}

bool multipart_parser::deliver(std::vector<std::uint8_t>& data) {
  const auto n = core::jpeg::complete_length(data);
  if (!n) {
    ++skipped_invalid_;
    note("part of " + std::to_string(data.size()) + " bytes is not a complete JPEG");
    return false;
  }
  data.resize(*n);
  ++parts_;
  size_hint_ = data.size();
  on_part_(std::move(data), headers_);
  return true;
}

void multipart_parser::note(std::string problem) {
  ++problems_;
  last_problem_ = std::move(problem);
}

}  // namespace camgate::sources
