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

redis_endpoint parse_redis_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) throw std::runtime_error("a Redis URL is redis://host:port");
  auto rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string_view::npos) rest = rest.substr(0, slash);
  redis_endpoint ep;
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    ep.host = std::string(rest);
  } else {
    ep.host = std::string(rest.substr(0, colon));
    const auto p = rest.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), ep.port);
    if (ec != std::errc{} || end != p.data() + p.size() || ep.port < 1 || ep.port > 65535)
      throw std::runtime_error("the Redis URL's port must be 1..65535");
  }
  if (ep.host.empty() || ep.host.find('@') != std::string::npos)
    throw std::runtime_error("the Redis URL needs a host (and no user or password)");
  return ep;
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
