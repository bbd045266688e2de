#pragma once
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace camgate::httpd {

// Caps how many long-lived things (MJPEG streams, WebSockets) one key (a user, a client
// address) holds at once. acquire() hands out a lease; the slot is free again when the
// lease is destroyed. Memory holds only keys with live leases. Thread-safe; a lease may
// outlive its limiter.
//
//   httpd::concurrency_limiter streams(4);
//   auto lease = streams.acquire(user_name);
//   if (!lease) return json_error(http::status::too_many_requests, "too many streams");
//   // move the lease into the streaming session: it ends when the session does
class concurrency_limiter {
  struct state;

 public:
  class lease {
   public:
    lease(lease&& other) noexcept = default;
    lease& operator=(lease&& other) noexcept;
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease();

    const std::string& key() const { return key_; }

   private:
    friend class concurrency_limiter;
    lease(std::shared_ptr<state> s, std::string key) : state_(std::move(s)), key_(std::move(key)) {}
    void release() noexcept;

    std::shared_ptr<state> state_;  // null once moved from
    std::string key_;
  };

  // Throws std::invalid_argument when max_per_key is 0.
  explicit concurrency_limiter(std::size_t max_per_key);

  // A lease when `key` holds fewer than max_per_key of them, else nullopt.
  std::optional<lease> acquire(std::string_view key);

  std::size_t count(std::string_view key) const;  // live leases of `key`
  std::size_t keys() const;                       // keys with live leases

 private:
  std::shared_ptr<state> state_;
};

}  // namespace camgate::httpd
