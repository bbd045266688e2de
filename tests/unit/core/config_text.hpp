#pragma once
// Loads a configuration from TOML text, through a file as the gateway reads it.

#include "core/config.hpp"

#include <filesystem>
#include <fstream>
#include <string>

namespace camgate::core {

// Writes `text` to `file`, loads it and removes the file, also when loading throws.
inline config load_config_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file) << text;
  struct remove_after {
    std::filesystem::path p;
    ~remove_after() { std::filesystem::remove(p); }
  } cleanup{file};
  return load_config(file);
}

}  // namespace camgate::core
