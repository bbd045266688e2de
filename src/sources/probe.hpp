#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "sources/camera_source.hpp"
#include "sources/http_connection.hpp"

namespace camgate::sources {

// probe() over a connection the caller owns (and may close to cancel it).
asio::awaitable<probe_result> probe(http_connection& conn, std::string host, std::uint16_t port,
                                    std::chrono::milliseconds timeout);

// What a failed connect means for a user: refused, timeout or unreachable.
probe_result::outcome classify_connect_error(const error_code& ec);

}  // namespace camgate::sources
