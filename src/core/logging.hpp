#pragma once
#include <string>

#include <spdlog/spdlog.h>

namespace camgate::core {

// Sets the process-wide log level ("trace".."off") and a compact pattern on stderr.
void init_logging(const std::string& level);

}  // namespace camgate::core
