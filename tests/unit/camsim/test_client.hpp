#pragma once
// A blocking TCP client with timeouts for the camsim tests: plain POSIX sockets, so a
// server that stops answering fails a test instead of hanging it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace camsim_test {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

class test_client {
 public:
  explicit test_client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect to port " + std::to_string(port) + " failed");
    }
  }
  ~test_client() { close(); }
  test_client(const test_client&) = delete;
  test_client& operator=(const test_client&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void send(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void get(std::string_view target) {
    send("GET " + std::string(target) + " HTTP/1.1\r\nHost: camsim\r\n\r\n");
  }

  // Reads until `n` bytes are buffered, the peer closes or `timeout` passes.
  bool fill(std::size_t n, ms timeout = 2000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buf_.size() < n && !eof_) {
      if (!read_once(deadline)) return false;
    }
    return buf_.size() >= n;
  }

  // Everything up to and including `delim`, consumed from the buffer.
  std::optional<std::string> read_until(std::string_view delim, ms timeout = 2000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto pos = buf_.find(delim);
      if (pos != std::string::npos) return take(pos + delim.size());
      if (eof_ || !read_once(deadline)) return std::nullopt;
    }
  }

  std::optional<std::string> read_exact(std::size_t n, ms timeout = 2000ms) {
    if (!fill(n, timeout)) return std::nullopt;
    return take(n);
  }

  // Bytes that arrive within `window` (for "receives nothing" checks).
  std::size_t received_within(ms window) {
    const auto before = buf_.size();
    const auto deadline = std::chrono::steady_clock::now() + window;
    while (read_once(deadline)) {
    }
    return buf_.size() - before;
  }

  // True when the peer closes within `timeout`; whatever arrives first is buffered.
  bool wait_closed(ms timeout = 2000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_ && read_once(deadline)) {
    }
    return eof_;
  }

  std::string& buffer() { return buf_; }

 private:
  std::string take(std::size_t n) {
    std::string out = buf_.substr(0, n);
    buf_.erase(0, n);
    return out;
  }

  // One recv() before the deadline; false on timeout or when the peer has closed.
  bool read_once(std::chrono::steady_clock::time_point deadline) {
    if (eof_ || fd_ < 0) return false;
    const auto left =
        std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char tmp[65536];
    const auto n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

struct http_reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string head;                            // status line and headers, verbatim
  std::string body;

  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Reads one Content-Length response from `c`.
inline std::optional<http_reply> read_reply(test_client& c, ms timeout = 3000ms) {
  auto head = c.read_until("\r\n\r\n", timeout);
  if (!head) return std::nullopt;
  http_reply r;
  r.head = *head;
  r.status = std::stoi(head->substr(9, 3));
  std::size_t pos = head->find("\r\n") + 2;
  while (pos < head->size() - 2) {
    const auto end = head->find("\r\n", pos);
    const auto line = head->substr(pos, end - pos);
    const auto colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    pos = end + 2;
  }
  const auto len = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
  auto body = c.read_exact(len, timeout);
  if (!body) return std::nullopt;
  r.body = std::move(*body);
  return r;
}

inline std::optional<http_reply> http_get(std::uint16_t port, std::string_view target) {
  test_client c(port);
  c.get(target);
  return read_reply(c);
}

// One chunk of a chunked body: size line, data, CRLF. nullopt on a malformed or
// truncated chunk.
inline std::optional<std::string> read_chunk(test_client& c, ms timeout = 2000ms) {
  const auto line = c.read_until("\r\n", timeout);
  if (!line) return std::nullopt;
  const auto size = std::stoul(*line, nullptr, 16);
  auto data = c.read_exact(size, timeout);
  if (!data || c.read_exact(2, timeout) != "\r\n") return std::nullopt;
  return data;
}

}  // namespace camsim_test
