#pragma once
#include <span>
#include <string_view>

namespace camgate::store {

// camgate's schema as ordered migration steps: step i brings the database to version i+1.
// Append new steps, never edit a released one (deployed databases already ran it).
std::span<const std::string_view> schema_migrations();

}  // namespace camgate::store
