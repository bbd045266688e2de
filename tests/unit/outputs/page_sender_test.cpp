// page_send over a real loopback TCP connection: a frame tee'd through the viewer's pipe,
// a second frame through the same pipe, a frame too big for a capped pipe (sendfile), and
// no pipe at all (sendfile) all arrive as the same bytes, in order.
#include "outputs/page_sender.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>

namespace camgate::outputs {
namespace {

std::string pattern(std::size_t n, int seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 31 + seed);
  return s;
}

core::sealed_pages_ptr pages_of(const std::string& s) {
  const std::array<std::span<const std::uint8_t>, 1> pieces{
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())};
  return core::sealed_pages::make(pieces);
}

TEST(page_send, TeePipeSendfileAndNoPipeSendTheSameBytes) {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  tcp::socket viewer(ioc), gateway(ioc);
  viewer.connect(acceptor.local_endpoint());
  acceptor.accept(gateway);
  ASSERT_TRUE(prepare_page_sends(gateway));

  // Big enough that the socket fills and the sends wait for the reader.
  const std::array<std::string, 4> frames{pattern(700 * 1024 + 5, 1), pattern(300 * 1024, 2),
                                          pattern(90 * 1024 + 3, 3), pattern(40 * 1024, 4)};
  std::string expected;
  for (const auto& f : frames) expected += f;
  std::string received;
  std::thread reader([&] {
    std::array<char, 65536> buf{};
    error_code ec;
    while (received.size() < expected.size()) {
      const auto n = viewer.read_some(asio::buffer(buf), ec);
      if (ec) break;
      received.append(buf.data(), n);
    }
  });

  viewer_pipe pipe;
  viewer_pipe capped(16 * 1024);  // cannot take any of these frames: sendfile
  std::array<viewer_pipe*, 4> pipes{&pipe, &pipe, &capped, nullptr};
  std::size_t next = 0, sent = 0;
  error_code failed;
  std::function<void()> send_next = [&] {
    if (next == frames.size()) return;
    const auto i = next++;
    async_send_pages(gateway, pages_of(frames[i]), pipes[i], [&, i](error_code ec, std::size_t n) {
      if (ec) failed = ec;
      EXPECT_EQ(n, frames[i].size()) << "frame " << i;
      sent += n;
      send_next();
    });
  };
  send_next();
  ioc.run();
  reader.join();
  EXPECT_FALSE(failed) << failed.message();
  EXPECT_EQ(sent, expected.size());
  EXPECT_TRUE(received == expected) << "received " << received.size() << " of " << expected.size();
  EXPECT_GE(pipe.read_end(), 0);    // the tee path was taken
  EXPECT_LT(capped.read_end(), 0);  // never made: the cap refused every frame
  EXPECT_FALSE(capped.fit(20 * 1024));
  EXPECT_TRUE(pipe.fit(700 * 1024 + 5));
}

}  // namespace
}  // namespace camgate::outputs
