#pragma once
#include <string>
#include <string_view>

#include "core/frame.hpp"

namespace camgate::outputs {

inline constexpr std::string_view mjpeg_boundary = "camgateframe";

// The head of one multipart/x-mixed-replace part: boundary, Content-Type, Content-Length,
// X-Timestamp (capture time) and X-Frame-Seq, then the blank line. The JPEG and a CRLF
// follow it. The same for every viewer of the frame.
std::string mjpeg_part_header(const core::frame& f);

// The whole part (header, JPEG, CRLF) in sealed pages, made once per frame; null when
// pages cannot be made (the caller writes header, JPEG and CRLF from memory).
const core::sealed_pages_ptr& mjpeg_part_pages(const core::frame& f);

}  // namespace camgate::outputs
