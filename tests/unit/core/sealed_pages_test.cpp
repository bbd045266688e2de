#include "core/sealed_pages.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <string>
#include <vector>

namespace camgate::core {
namespace {

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string contents(const sealed_pages& p) {
  std::string out(p.size(), '\0');
  EXPECT_EQ(::pread(p.fd(), out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
  return out;
}

TEST(sealed_pages, HoldsThePiecesInOrder) {
  const std::string head = "head\r\n", crlf = "\r\n";
  std::string body(200 * 1024, '\0');  // larger than a pwritev may take at once
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7);
  const std::array<std::span<const std::uint8_t>, 4> pieces{bytes_of(head), bytes_of(""),
                                                            bytes_of(body), bytes_of(crlf)};
  const auto p = sealed_pages::make(pieces);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->size(), head.size() + body.size() + crlf.size());
  EXPECT_EQ(contents(*p), head + body + crlf);
}

TEST(sealed_pages, TeeSourceHoldsEveryByteAndStaysFull) {
  std::string body(150 * 1024 + 17, '\0');  // not a whole number of pages
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 13);
  const std::array<std::span<const std::uint8_t>, 1> pieces{bytes_of(body)};
  const auto p = sealed_pages::make(pieces);
  ASSERT_TRUE(p);
  const int source = p->tee_source();
  ASSERT_GE(source, 0);
  EXPECT_EQ(p->tee_source(), source);        // made once
  for (int round = 0; round < 2; ++round) {  // tee leaves the source full
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    ASSERT_GE(::fcntl(out[1], F_SETPIPE_SZ, 64 * 4096), 0);
    ASSERT_EQ(::tee(source, out[1], body.size(), SPLICE_F_NONBLOCK),
              static_cast<ssize_t>(body.size()));
    ::close(out[1]);
    std::string got;
    char buf[65536];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) got.append(buf, n);
    ::close(out[0]);
    EXPECT_EQ(got, body) << "round " << round;
  }
}

TEST(sealed_pages, CanNeverChange) {
  const std::string text = "a frame";
  const std::array<std::span<const std::uint8_t>, 1> pieces{bytes_of(text)};
  const auto p = sealed_pages::make(pieces);
  ASSERT_TRUE(p);
  EXPECT_EQ(::fcntl(p->fd(), F_GET_SEALS),
            F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  EXPECT_EQ(::pwrite(p->fd(), "X", 1, 0), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_NE(::ftruncate(p->fd(), 0), 0);
  EXPECT_NE(::ftruncate(p->fd(), 4096), 0);
  EXPECT_NE(::fcntl(p->fd(), F_ADD_SEALS, F_SEAL_SHRINK), 0);
  // Nor through a writable mapping, nor another descriptor of the same file.
  EXPECT_EQ(::mmap(nullptr, text.size(), PROT_WRITE, MAP_SHARED, p->fd(), 0), MAP_FAILED);
  const int again = ::open(("/proc/self/fd/" + std::to_string(p->fd())).c_str(), O_RDWR);
  if (again >= 0) {
    EXPECT_EQ(::write(again, "X", 1), -1);
    ::close(again);
  }
  EXPECT_EQ(contents(*p), text);
}

TEST(sealed_pages, ClosesItsDescriptor) {
  const std::string text = "x";
  const std::array<std::span<const std::uint8_t>, 1> pieces{bytes_of(text)};
  int fd = -1;
  {
    const auto p = sealed_pages::make(pieces);
    ASSERT_TRUE(p);
    fd = p->fd();
    EXPECT_NE(::fcntl(fd, F_GETFD), -1);
  }
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);
}

}  // namespace
}  // namespace camgate::core
