#include "http/connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

namespace camgate::httpd {

bool limit_unsent(connection& c, std::size_t bytes) {
  if (bytes == 0) return true;
  return std::visit(
      [bytes](auto& stream) {
        auto& socket = beast::get_lowest_layer(stream).socket();
        using lowat = asio::detail::socket_option::integer<IPPROTO_TCP, TCP_NOTSENT_LOWAT>;
        error_code ec;
        socket.set_option(lowat(static_cast<int>(bytes)), ec);
        return !ec;
      },
      c.stream);
}

}  // namespace camgate::httpd
