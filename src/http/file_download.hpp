#pragma once
#include <filesystem>
#include <string_view>

#include "http/response.hpp"

namespace camgate::httpd {

// A file sent whole (200) or from a `Range` (206), however big: it is read and written
// 256 KiB at a time on the connection's own thread, never held in memory, so a
// recording of gigabytes downloads like a small one. `attachment_name` non-empty asks
// the browser to save it under that name. Missing file: a JSON 404; a range outside
// it: 416. The connection closes after the file. The file is opened before this returns,
// so the caller may remove it then (a file made for this one response).
response file_download(const std::filesystem::path& file, std::string_view content_type,
                       std::string_view range_header, std::string_view attachment_name);

}  // namespace camgate::httpd
