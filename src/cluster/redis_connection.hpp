#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace camgate::cluster {

// Where the cluster's Redis is, and how to log in ([cluster] redis):
// "redis://[[user]:password@]host[:port][/db]", user and password percent-encoded, an
// IPv6 host in brackets. A password sends AUTH (with the user: a Redis 6 ACL user) on
// every connection; a db other than 0 sends SELECT (keys only: pub/sub spans databases).
struct redis_endpoint {
  std::string host;
  int port = 6379;
  std::string user;
  std::string password;
  int db = 0;
  // For logs: the URL without the user and password.
  std::string redacted() const;
};
// Throws std::runtime_error naming the problem (never quoting the password).
redis_endpoint parse_redis_url(std::string_view url);

// The connection is gone (refused, reset, timed out): make a new one.
struct redis_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One reply, copied out of hiredis: nil, an integer, a string (status, bulk or error)
// or an array.
struct redis_reply {
  enum class kind { nil, integer, string, status, error, array } type = kind::nil;
  std::int64_t integer = 0;
  std::string str;
  std::vector<redis_reply> elements;
};

// One synchronous hiredis connection (one thread at a time). Every call has the
// connection's timeout; an I/O error throws redis_error and leaves the connection dead.
class redis_connection {
 public:
  // Throws redis_error when Redis cannot be reached within `timeout`.
  redis_connection(const redis_endpoint& where, std::chrono::milliseconds timeout);
  ~redis_connection();
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;

  redis_reply command(const std::vector<std::string>& args);
  // Waits for the next pushed message (pub/sub), with no timeout: a subscriber learns
  // that Redis is gone from the socket closing (TCP keepalive for a silent peer).
  redis_reply next_message();
  // From another thread: makes a blocked next_message() return with redis_error.
  void interrupt();

 private:
  redisContext* ctx_;
};

}  // namespace camgate::cluster
