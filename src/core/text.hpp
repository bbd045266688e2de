#pragma once
#include <string_view>

namespace camgate::core {

// `s` without the blanks around it: spaces, tabs, and the CR / LF a line of HTTP, SDP or
// a multipart header may keep. A view into `s`.
std::string_view trim(std::string_view s);

}  // namespace camgate::core
