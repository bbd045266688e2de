#include "fake_gateway.hpp"

namespace camgate::robot::testing {

using asio::use_awaitable;
using json = nlohmann::json;

fake_gateway::fake_gateway()
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

fake_gateway::~fake_gateway() {
  io_.stop();
  thread_.join();
}

void fake_gateway::set_ice_servers(json body) {
  std::lock_guard lock(mu_);
  ice_servers_ = std::move(body);
}

void fake_gateway::on_message(std::function<void(const json&)> fn) {
  std::lock_guard lock(mu_);
  on_message_ = std::move(fn);
}

void fake_gateway::send(const json& msg) {
  asio::post(io_, [this, text = msg.dump()] {
    if (!ws_) return;
    error_code ec;
    ws_->write(asio::buffer(text), ec);
  });
}

void fake_gateway::close_robot(int code) {
  asio::post(io_, [this, code] {
    if (!ws_) return;
    auto ws = ws_;
    websocket::close_reason reason;
    reason.code = static_cast<std::uint16_t>(code);
    reason.reason = "test close";
    ws->async_close(reason, [ws](error_code) {});
  });
}

void fake_gateway::drop_robot() {
  asio::post(io_, [this] {
    if (ws_) beast::get_lowest_layer(*ws_).close();
  });
}

bool fake_gateway::wait_registrations(int n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return registrations_ >= n; });
}

std::vector<json> fake_gateway::received() {
  std::lock_guard lock(mu_);
  return received_;
}

asio::awaitable<void> fake_gateway::accept_loop() {
  for (;;) {
    tcp::socket s = co_await acceptor_.async_accept(use_awaitable);
    asio::co_spawn(io_, handle(std::move(s)), asio::detached);
  }
}

asio::awaitable<void> fake_gateway::handle(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  try {
    for (;;) {
      http::request<http::string_body> req;
      co_await http::async_read(stream, buffer, req, use_awaitable);
      if (websocket::is_upgrade(req)) {
        if (req.target() != "/signaling" ||
            req[http::field::authorization].substr(0, 11) != "Bearer tok-") {
          http::response<http::string_body> res{http::status::unauthorized, 11};
          res.body() = R"({"success":false,"error":"no token"})";
          res.prepare_payload();
          co_await http::async_write(stream, res, use_awaitable);
          co_return;
        }
        auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(std::move(stream));
        co_await ws->async_accept(req, use_awaitable);
        ws->text(true);
        ws_ = ws;
        beast::flat_buffer b;
        for (;;) {
          b.clear();
          error_code ec;
          co_await ws->async_read(b, asio::redirect_error(use_awaitable, ec));
          if (ec) break;
          auto msg = json::parse(beast::buffers_to_string(b.data()), nullptr, false);
          if (msg.is_discarded()) continue;
          if (msg.value("type", "") == "register" && msg.value("userType", "") == "robot") {
            error_code wec;
            ws->write(asio::buffer(json{
                          {"type", "registered"},
                          {"peerId", msg.value("userId", "")},
                          {"userType",
                           "robot"}}.dump()),
                      wec);
            std::lock_guard lock(mu_);
            ++registrations_;
            cv_.notify_all();
            continue;
          }
          std::function<void(const json&)> fn;
          {
            std::lock_guard lock(mu_);
            received_.push_back(msg);
            fn = on_message_;
          }
          if (fn) fn(msg);
        }
        if (ws_ == ws) ws_.reset();
        co_return;
      }
      http::response<http::string_body> res{http::status::not_found, req.version()};
      res.set(http::field::content_type, "application/json");
      if (req.method() == http::verb::post && req.target() == "/auth/login") {
        auto body = json::parse(req.body(), nullptr, false);
        if (body.is_object() && body.value("password", "") == "secret") {
          const int n = ++logins_;
          res.result(http::status::ok);
          res.body() = json{{"token", "tok-" + std::to_string(n)}}.dump();
        } else {
          res.result(http::status::unauthorized);
          res.body() = R"({"success":false,"error":"bad credentials"})";
        }
      } else if (req.target() == "/api/webrtc/ice-servers") {
        std::lock_guard lock(mu_);
        if (!ice_servers_.is_null()) {
          res.result(http::status::ok);
          res.body() = ice_servers_.dump();
        } else {
          res.body() = R"({"success":false,"error":"not found"})";
        }
      } else {
        res.body() = R"({"success":false,"error":"not found"})";
      }
      res.prepare_payload();
      co_await http::async_write(stream, res, use_awaitable);
      if (!req.keep_alive()) co_return;
    }
  } catch (const std::exception&) {
  }
}

}  // namespace camgate::robot::testing
