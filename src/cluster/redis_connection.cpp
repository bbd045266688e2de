#include "cluster/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>

namespace camgate::cluster {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

redis_reply copy(const redisReply* r) {
  redis_reply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = redis_reply::kind::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = r->type == REDIS_REPLY_STRING   ? redis_reply::kind::string
                 : r->type == REDIS_REPLY_STATUS ? redis_reply::kind::status
                                                 : redis_reply::kind::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = redis_reply::kind::array;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy(r->element[i]));
      break;
    default:
      break;
  }
  return out;
}

}  // namespace

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view in, const char* what) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    const int hi = i + 2 < in.size() ? hex_digit(in[i + 1]) : -1;
    const int lo = i + 2 < in.size() ? hex_digit(in[i + 2]) : -1;
    if (hi < 0 || lo < 0)
      throw std::runtime_error(std::string("the Redis URL's ") + what +
                               " has a bad %-escape (write % as %25)");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

int parse_int(std::string_view s, int lo, int hi, const char* error) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < lo || v > hi)
    throw std::runtime_error(error);
  return v;
}

}  // namespace

redis_endpoint parse_redis_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme))
    throw std::runtime_error("a Redis URL is redis://[[user]:password@]host[:port][/db]");
  auto rest = url.substr(scheme.size());
  redis_endpoint ep;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (const auto db = rest.substr(slash + 1); !db.empty())
      ep.db = parse_int(db, 0, 65535, "the Redis URL's database must be a number 0..65535");
    rest = rest.substr(0, slash);
  }
  // The last '@' ends the credentials: a password may hold an (unescaped) '@'.
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    const auto creds = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = creds.find(':');
    ep.user = percent_decode(creds.substr(0, colon), "user");
    if (colon != std::string_view::npos)
      ep.password = percent_decode(creds.substr(colon + 1), "password");
    if (ep.password.empty())
      throw std::runtime_error("the Redis URL names a user without a password");
  }
  std::string_view host = rest, port;
  bool has_port = false;
  if (rest.starts_with('[')) {  // [v6]:port
    const auto close = rest.find(']');
    if (close == std::string_view::npos)
      throw std::runtime_error("the Redis URL's IPv6 host lacks its ']'");
    host = rest.substr(1, close - 1);
    const auto after = rest.substr(close + 1);
    if (!after.empty() && !after.starts_with(':'))
      throw std::runtime_error("the Redis URL has text after its IPv6 host");
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    has_port = true;
    if (host.find(':') != std::string_view::npos)
      throw std::runtime_error("an IPv6 host in a Redis URL goes in brackets: redis://[::1]:6379");
  }
  if (has_port) ep.port = parse_int(port, 1, 65535, "the Redis URL's port must be 1..65535");
  ep.host = std::string(host);
  if (ep.host.empty()) throw std::runtime_error("the Redis URL needs a host");
  return ep;
}

std::string redis_endpoint::redacted() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string out = "redis://";
  if (!password.empty()) out += "***@";
  out += v6 ? "[" + host + "]" : host;
  out += ":" + std::to_string(port);
  if (db != 0) out += "/" + std::to_string(db);
  return out;
}

redis_connection::redis_connection(const redis_endpoint& where, std::chrono::milliseconds timeout)
    : ctx_(redisConnectWithTimeout(where.host.c_str(), where.port, to_timeval(timeout))) {
  if (!ctx_) throw redis_error("cannot allocate a Redis connection");
  if (ctx_->err) {
    std::string why = ctx_->errstr;
    redisFree(ctx_);
    throw redis_error("cannot connect to Redis at " + where.host + ":" +
                      std::to_string(where.port) + ": " + why);
  }
  redisSetTimeout(ctx_, to_timeval(timeout));
  try {
    if (!where.password.empty()) {
      auto r = where.user.empty() ? command({"AUTH", where.password})
                                  : command({"AUTH", where.user, where.password});
      // Said without the password; retried like an outage, so a fixed ACL lets it in.
      if (r.type == redis_reply::kind::error)
        throw redis_error("Redis at " + where.redacted() + " refused the login: " + r.str);
    }
    if (where.db != 0) {
      auto r = command({"SELECT", std::to_string(where.db)});
      if (r.type == redis_reply::kind::error)
        throw redis_error("Redis at " + where.redacted() + " refused database " +
                          std::to_string(where.db) + ": " + r.str);
    }
  } catch (...) {
    redisFree(ctx_);
    throw;
  }
}

redis_connection::~redis_connection() {
  redisFree(ctx_);
}

redis_reply redis_connection::command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (!r) throw redis_error(std::string("Redis: ") + ctx_->errstr);
  auto out = copy(r);
  freeReplyObject(r);
  return out;
}

redis_reply redis_connection::next_message() {
  // hiredis marks a context failed on a read timeout, so a subscriber reads without one.
  redisSetTimeout(ctx_, timeval{0, 0});
  redisEnableKeepAlive(ctx_);
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK || !raw)
    throw redis_error(std::string("Redis: ") + ctx_->errstr);
  auto* r = static_cast<redisReply*>(raw);
  auto out = copy(r);
  freeReplyObject(r);
  return out;
}

void redis_connection::interrupt() {
  ::shutdown(ctx_->fd, SHUT_RDWR);
}

}  // namespace camgate::cluster
