#pragma once
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/asio.hpp"
#include "core/backoff.hpp"
#include "robot/gateway_url.hpp"
#include "media/media_options.hpp"

namespace camgate::robot {

struct signaling_options {
  gateway_url gateway;
  std::string robot;          // the robot's user name, e.g. "robot-1"
  std::string credential;     // its device credential (password)
  bool insecure_tls = false;  // accept any certificate (testing only)
  std::string ca_file;        // extra CA bundle for wss/https
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{10000};
  std::chrono::milliseconds http_timeout{10000};
};

// The robot's side of the gateway's plain-WebSocket signaling (docs/signaling-protocol.md):
// POST /auth/login -> token, GET /api/webrtc/ice-servers (404 tolerated), WebSocket
// /signaling with the token, {"type":"register","userType":"robot"}. On any failure it
// reconnects with capped exponential backoff (jittered); on close code 4002 ("token
// expired") it logs in again at once. Everything runs on the io_context given (use one
// thread, or the caller's strand discipline); send() may be called from any thread.
class signaling_client : public std::enable_shared_from_this<signaling_client> {
 public:
  struct handlers {
    std::function<void(const nlohmann::json& message)> on_message;  // after "registered"
    std::function<void(std::vector<media::ice_server>)> on_ice_servers;
    std::function<void(bool registered)> on_registered;  // true: registered; false: link lost
  };

  signaling_client(asio::io_context& io, signaling_options options, handlers h);
  ~signaling_client();

  void start();
  void stop();
  // Queues a message; dropped (and counted) when not registered.
  void send(nlohmann::json message);

  bool registered() const { return registered_; }
  unsigned connects() const { return connects_; }  // successful registrations so far
  unsigned logins() const { return logins_; }

 private:
  asio::awaitable<void> run();
  template <class Stream>
  asio::awaitable<int> session(Stream& ws, const std::string& token);
  template <class Stream>
  asio::awaitable<void> writer(Stream& ws);
  asio::awaitable<std::string> login();
  asio::awaitable<void> fetch_ice_servers(const std::string& token);
  template <class Body>
  asio::awaitable<http::response<http::string_body>> http_call(http::request<Body> req);

  asio::io_context& io_;
  signaling_options opts_;
  handlers handlers_;
  ssl::context tls_;
  core::backoff retry_;  // between connection attempts
  std::deque<std::string> outbox_;
  asio::steady_timer wake_;
  asio::steady_timer pause_;
  bool stopping_ = false;
  bool registered_ = false;
  unsigned connects_ = 0, logins_ = 0;
  std::function<void()> close_current_;
};

// Parses the gateway's ICE server answer ({"iceServers":[{"urls":..., "username", "credential"}]});
// empty when the shape is wrong.
std::vector<media::ice_server> parse_ice_servers(const nlohmann::json& body);

}  // namespace camgate::robot
