#pragma once
#include <toml++/toml.h>

#include "core/config.hpp"

namespace camgate::core {

// Reads and checks the [analysis] and [integrations] tables of `t` into `c`: nested
// tables with names the operator chooses ([analysis.analyzers.NAME],
// [integrations.webhooks.NAME]), which the flat reader of config.cpp does not walk.
// Throws std::runtime_error naming the key, as load_config.
void read_analysis_config(const toml::table& t, config& c);

}  // namespace camgate::core
