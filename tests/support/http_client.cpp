#include "support/http_client.hpp"

#include <algorithm>
#include <stdexcept>

namespace camgate::testing {
namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Runs `ioc` until `done` or the timeout; cancels the socket on timeout.
template <typename Socket>
void run_with_timeout(asio::io_context& ioc, Socket& s, std::chrono::milliseconds timeout) {
  ioc.restart();
  ioc.run_for(timeout);
  if (!ioc.stopped()) {
    error_code ec;
    s.cancel(ec);
    ioc.restart();
    ioc.run();
  }
}
}  // namespace

http_result http_request(std::uint16_t port, http::verb method, const std::string& target,
                         const std::string& body, const std::map<std::string, std::string>& headers,
                         std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(timeout);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (auto& [k, v] : headers) req.set(k, v);
  if (!body.empty()) {
    req.body() = body;
    if (!headers.count("Content-Type")) req.set(http::field::content_type, "application/json");
  }
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (method == http::verb::head) parser.skip(true);
  http::read(stream, buf, parser);
  auto res = parser.release();
  http_result out;
  out.status = res.result_int();
  // A repeated field keeps its first value in `headers`; every Set-Cookie is in `cookies`.
  for (auto& f : res) {
    const auto name = lower(std::string(f.name_string()));
    out.headers.emplace(name, std::string(f.value()));
    if (name == "set-cookie") out.cookies.emplace_back(f.value());
  }
  out.body = std::move(res.body());
  return out;
}

mjpeg_reader::mjpeg_reader(std::uint16_t port, const std::string& target) : socket_(ioc_) {
  socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  asio::write(socket_, asio::buffer(req));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (buffer_.find("\r\n\r\n") == std::string::npos)
    if (!fill(deadline)) return;
  const auto end = buffer_.find("\r\n\r\n");
  const std::string head = buffer_.substr(0, end);
  buffer_.erase(0, end + 4);
  if (head.size() > 12) status_ = static_cast<unsigned>(std::stoi(head.substr(9, 3)));
  const auto lh = lower(head);
  const auto ct = lh.find("content-type:");
  if (ct != std::string::npos) {
    auto eol = head.find("\r\n", ct);
    content_type_ = head.substr(ct + 13, eol - ct - 13);
    content_type_.erase(0, content_type_.find_first_not_of(' '));
  }
}

bool mjpeg_reader::fill(std::chrono::steady_clock::time_point deadline) {
  char buf[65536];
  std::size_t got = 0;
  error_code result = asio::error::timed_out;
  socket_.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t n) {
    result = ec;
    got = n;
  });
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  run_with_timeout(ioc_, socket_, std::max(left, std::chrono::milliseconds(1)));
  if (result || got == 0) return false;
  buffer_.append(buf, got);
  return true;
}

std::optional<std::string> mjpeg_reader::next_frame(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto head_end = buffer_.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const auto head = lower(buffer_.substr(0, head_end));
      const auto cl = head.find("content-length:");
      if (cl == std::string::npos) return std::nullopt;
      const auto len = std::stoul(head.substr(cl + 15));
      if (buffer_.size() >= head_end + 4 + len + 2) {
        last_part_headers.clear();
        std::size_t pos = 0;
        while (pos < head_end) {
          auto eol = buffer_.find("\r\n", pos);
          if (eol == std::string::npos || eol > head_end) eol = head_end;
          auto line = buffer_.substr(pos, eol - pos);
          auto colon = line.find(':');
          if (colon != std::string::npos) {
            auto v = line.substr(colon + 1);
            v.erase(0, v.find_first_not_of(' '));
            last_part_headers[lower(line.substr(0, colon))] = v;
          }
          pos = eol + 2;
        }
        std::string frame = buffer_.substr(head_end + 4, len);
        buffer_.erase(0, head_end + 4 + len + 2);
        return frame;
      }
    }
    if (!fill(deadline)) return std::nullopt;
  }
}

void mjpeg_reader::close() {
  error_code ec;
  socket_.close(ec);
}

ws_client::ws_client(std::uint16_t port, const std::string& target) {
  ws_ = std::make_unique<websocket::stream<tcp::socket>>(ioc_);
  ws_->next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  websocket::response_type res;
  error_code ec;
  ws_->handshake(res, "127.0.0.1", target, ec);
  status_ = res.result_int();
  ok_ = !ec;
  if (ok_) read_next();
}

ws_client::~ws_client() {
  error_code ec;
  ws_->next_layer().close(ec);
  ioc_.restart();
  ioc_.poll();
}

bool ws_client::send(const std::string& text) {
  error_code ec;
  ws_->text(true);
  ws_->write(asio::buffer(text), ec);
  return !ec;
}

void ws_client::read_next() {
  ws_->async_read(buffer_, [this](error_code ec, std::size_t) {
    if (ec) {
      closed_ = true;
      return;
    }
    messages_.emplace_back(beast::buffers_to_string(buffer_.data()), ws_->got_binary());
    buffer_.clear();
    read_next();
  });
}

std::optional<std::string> ws_client::next_message(std::chrono::milliseconds timeout,
                                                   bool* binary) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (messages_.empty() && !closed_) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) break;
    ioc_.restart();
    ioc_.run_one_for(left);
  }
  if (messages_.empty()) return std::nullopt;
  auto [msg, bin] = std::move(messages_.front());
  messages_.pop_front();
  if (binary) *binary = bin;
  return msg;
}

bool ws_client::closed() {
  ioc_.restart();
  ioc_.poll();
  return closed_;
}

websocket::close_reason ws_client::close_reason() const {
  return ws_->reason();
}

}  // namespace camgate::testing
