#pragma once
// A stand-in for the gateway's HTTP login, ICE-server route and /signaling WebSocket,
// enough for camgate-robot's client: tokens "tok-N" for password "secret", 404 for ICE
// servers unless set, one robot WebSocket at a time.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/asio.hpp"

namespace camgate::robot::testing {

class fake_gateway {
 public:
  fake_gateway();
  ~fake_gateway();

  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int logins() const { return logins_; }
  int registrations() const { return registrations_; }
  void set_ice_servers(nlohmann::json body);  // served with 200 instead of 404

  // Called on the gateway's thread for every message the robot sends.
  void on_message(std::function<void(const nlohmann::json&)> fn);
  void send(const nlohmann::json& msg);  // to the connected robot
  void close_robot(int code);            // WebSocket close with that code
  void drop_robot();                     // the TCP connection dies (gateway crash)
  bool wait_registrations(int n, std::chrono::milliseconds timeout);
  std::vector<nlohmann::json> received();

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> handle(tcp::socket socket);

  asio::io_context io_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread thread_;
  std::atomic<int> logins_{0}, registrations_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<nlohmann::json> received_;
  std::function<void(const nlohmann::json&)> on_message_;
  nlohmann::json ice_servers_;
  std::shared_ptr<websocket::stream<beast::tcp_stream>> ws_;  // io thread only
};

}  // namespace camgate::robot::testing
