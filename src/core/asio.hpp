#pragma once
// Include Asio and Beast through this header: Boost 1.74's awaitable.hpp uses
// std::exchange without including <utility>, which g++ 12 in C++20 needs.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

namespace camgate {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;
}  // namespace camgate
