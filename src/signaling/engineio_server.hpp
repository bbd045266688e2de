#pragma once
// Socket.IO v4 over Engine.IO v4 at /socket.io/: HTTP long-polling, WebSocket, and the
// upgrade from one to the other, so that `io(url)` of npm socket.io-client 4.x connects
// with its default options. Only the main namespace "/"; no binary packets.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "core/asio.hpp"
#include "http/request_context.hpp"
#include "http/response.hpp"
#include "http/router.hpp"
#include "signaling/hub.hpp"

namespace camgate::signaling {

struct engineio_options {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::size_t max_message_bytes = 64 * 1024;
  std::size_t max_sessions = 20000;  // authenticated sessions; 0: no cap
  // Pending sessions (opened without a valid credential, waiting for CONNECT) have caps
  // of their own, so token-less handshakes cannot fill max_sessions (0: no cap).
  std::size_t pending_per_address = 8;
  std::size_t max_pending = 1000;
  std::chrono::milliseconds connect_timeout{10000};  // pending longer than this: dropped
  // Where the sessions live. Set: one io_context run by exactly one thread; every
  // session, and the WebSocket of each plain-TCP connection (moved there at the upgrade),
  // runs on it, so a relayed message never hops between threads and needs no strand.
  // Null: each session on a strand of the io_context of the connection that opened it.
  asio::io_context* home = nullptr;
  // A token sent in the CONNECT payload or as ?token=: who it proves, or why not.
  std::function<httpd::auth_outcome(std::string_view token)> verify_token;
};

class eio_session;

class engineio_server {
 public:
  engineio_server(hub& h, engineio_options options);
  ~engineio_server();

  // A request to /socket.io/ (GET or POST). `handshake` is who the request's own
  // credentials (Authorization header, access_token, cookie) prove, if anyone.
  asio::awaitable<httpd::response> handle(httpd::request_context& ctx,
                                          std::optional<httpd::authenticated> handshake);

  std::size_t sessions() const;
  void close_all();

 private:
  friend class eio_session;
  std::shared_ptr<eio_session> find(std::string_view sid) const;
  void remove(const std::string& sid);
  // Returns a pending session's place (it authenticated, or closed). Once per session.
  void release_pending(const std::string& address);
  bool authenticated_full() const;  // max_sessions authenticated sessions open

  hub& hub_;
  engineio_options options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<eio_session>> sessions_;
  std::unordered_map<std::string, std::size_t> pending_by_address_;
  std::size_t pending_ = 0;
};

}  // namespace camgate::signaling
