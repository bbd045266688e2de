#pragma once
#include <filesystem>

#include "http/router.hpp"

namespace camgate::httpd {

// Serves the files under `root` (the web page): "/" is index.html; paths that would
// leave `root` are refused; unknown files are a JSON 404.
handler static_files(std::filesystem::path root);

std::string_view content_type_for(const std::filesystem::path& file);

}  // namespace camgate::httpd
