#pragma once
#include <span>
#include <string_view>

namespace camgate::store::postgres {

// PostgreSQL's DDL for each schema version, the same version numbers as SQLite's
// (store/schema.hpp): step i gives version i+1 and leaves the same tables and rules.
std::span<const std::string_view> schema_migrations();

}  // namespace camgate::store::postgres
