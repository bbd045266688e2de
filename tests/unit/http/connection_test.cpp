#include "http/connection.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <optional>
#include <vector>

namespace camgate::httpd {
namespace {

// A connected pair on loopback: the gateway's side as an httpd::connection, and a
// peer that never reads (a viewer that stopped keeping up).
struct socket_pair {
  asio::io_context ioc;
  tcp::socket peer{ioc};
  std::optional<connection> gateway;

  socket_pair() {
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    peer.connect(acceptor.local_endpoint());
    tcp::socket accepted(ioc);
    acceptor.accept(accepted);
    gateway.emplace(connection{plain_stream(std::move(accepted)), {}, {}, {}});
  }
  tcp::socket& gateway_socket() { return std::get<plain_stream>(gateway->stream).socket(); }
  int gateway_fd() { return gateway_socket().native_handle(); }
  // Bytes the kernel takes from the gateway, in non-blocking writes, before it says
  // "would block" while the peer reads nothing.
  std::size_t bytes_accepted() {
    auto& s = gateway_socket();
    s.non_blocking(true);
    std::vector<char> chunk(64 * 1024, 'x');
    std::size_t total = 0;
    for (int i = 0; i < 1000; ++i) {
      error_code ec;
      const auto n = s.write_some(asio::buffer(chunk), ec);
      total += n;
      if (ec == asio::error::would_block) break;
      if (ec) ADD_FAILURE() << ec.message();
    }
    return total;
  }
};

int notsent_lowat(int fd) {
  int v = 0;
  socklen_t len = sizeof v;
  getsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, &len);
  return v;
}

TEST(limit_unsent, SetsTheSocketOption) {
  socket_pair p;
  ASSERT_TRUE(limit_unsent(*p.gateway, 128 * 1024));
  EXPECT_EQ(notsent_lowat(p.gateway_fd()), 128 * 1024);
}

TEST(limit_unsent, ZeroKeepsTheKernelDefault) {
  socket_pair p;
  const int before = notsent_lowat(p.gateway_fd());
  ASSERT_TRUE(limit_unsent(*p.gateway, 0));
  EXPECT_EQ(notsent_lowat(p.gateway_fd()), before);
}

TEST(limit_unsent, AStalledViewerQueuesFarLessInTheKernel) {
  socket_pair unlimited;
  const auto without = unlimited.bytes_accepted();
  socket_pair limited;
  ASSERT_TRUE(limit_unsent(*limited.gateway, 64 * 1024));
  const auto with = limited.bytes_accepted();
  // What the peer's receive buffer holds is the same for both; what waits unsent in
  // the gateway's socket is capped near 64 KiB instead of the send buffer's size.
  EXPECT_LT(with + 256 * 1024, without) << "with " << with << " without " << without;
}

}  // namespace
}  // namespace camgate::httpd
