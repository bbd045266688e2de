#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/process.hpp"

namespace camgate::testing {

// A simulated camera: `camgate-camsim` on 127.0.0.1 and ephemeral ports.
struct camsim {
  explicit camsim(std::vector<std::string> extra_args = {}, std::uint16_t port = 0);
  std::unique_ptr<child_process> process;
  std::uint16_t port = 0;         // GET /, /capture
  std::uint16_t stream_port = 0;  // /stream (0 in --no-stream mode)
  std::vector<std::string> args;
  // GET /camsim/stats as parsed JSON text fields
  std::string stats();
};

// The real gateway binary with a fresh data directory, an admin and a user.
class gateway {
 public:
  static constexpr const char* admin_password = "admin-password-1";
  static constexpr const char* user_password = "user-password-1";

  // `extra_config`: TOML appended to the test configuration (after its [cameras]);
  // `extra_args`: more `camgate serve` flags (--tls-cert ...).
  explicit gateway(const std::string& extra_config = "", std::vector<std::string> extra_args = {});
  ~gateway();

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  const std::string& data_dir() const { return data_.path(); }
  std::string login(const std::string& user, const std::string& password);
  const std::string& admin_token() const { return admin_token_; }
  const std::string& user_token() const { return user_token_; }

  http_result get(const std::string& target, const std::string& token);
  http_result post(const std::string& target, const std::string& body, const std::string& token);
  http_result del(const std::string& target, const std::string& token);
  http_result patch(const std::string& target, const std::string& body, const std::string& token);
  // POST /api/bookings (as admin): books `user` on camera `camera_id` from `from` to
  // `to` (unix seconds); returns the booking id.
  std::int64_t book(const std::string& user, std::int64_t camera_id, std::int64_t from,
                    std::int64_t to);
  // POST /api/cameras for host:port; returns the new id.
  std::int64_t add_camera(std::uint16_t camera_port, const std::string& token);
  // SIGTERM, then waits; returns the exit status (0 = clean, incl. no leak report
  // under LeakSanitizer).
  int stop();

 private:
  temp_dir data_;
  std::unique_ptr<child_process> process_;
  std::uint16_t port_ = 0;
  std::string admin_token_;
  std::string user_token_;
};

std::map<std::string, std::string> bearer(const std::string& token);

}  // namespace camgate::testing
