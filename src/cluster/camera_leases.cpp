#include "cluster/camera_leases.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "cluster/node_signature.hpp"
#include "core/clock.hpp"
#include "sources/camera_url.hpp"

namespace camgate::cluster {
namespace {

constexpr std::chrono::milliseconds kTimeout{500};
// Renews only our own lease: a lease another node took after ours ran out stays theirs.
constexpr const char* kRenew =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
constexpr std::int64_t kRelayUrlLifetime = 3600;  // s; re-signed 5 minutes before

std::string lease_key(std::int64_t id) {
  return "camgate:lease:camera:" + std::to_string(id);
}

std::string node_key(const std::string& node) {
  return "camgate:node:" + node;
}

}  // namespace

camera_leases::camera_leases(redis_endpoint where, std::string node_id, std::string advertise_url,
                             std::string secret, cameras::camera_registry& cameras,
                             lease_options options)
    : where_(std::move(where)),
      node_id_(std::move(node_id)),
      advertise_url_(std::move(advertise_url)),
      secret_(std::move(secret)),
      cameras_(cameras),
      options_(options) {}

camera_leases::~camera_leases() {
  stop();
}

void camera_leases::start() {
  thread_ = std::thread([this] { run(); });
}

void camera_leases::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool camera_leases::holds(std::int64_t id, std::int64_t token) const {
  std::lock_guard lock(held_mutex_);
  auto it = held_.find(id);
  return it != held_.end() && it->second == token;
}

bool camera_leases::holds(std::int64_t id) const {
  std::lock_guard lock(held_mutex_);
  return held_.contains(id);
}

std::string camera_leases::owner_of(std::int64_t id) const {
  std::lock_guard lock(held_mutex_);
  if (held_.contains(id)) return node_id_;
  auto it = owners_.find(id);
  return it == owners_.end() ? std::string() : it->second;
}

std::vector<std::int64_t> camera_leases::held() const {
  std::lock_guard lock(held_mutex_);
  std::vector<std::int64_t> out;
  for (const auto& [id, token] : held_) out.push_back(id);
  return out;
}

void camera_leases::run() {
  std::unique_ptr<redis_connection> redis;
  bool warned = false;
  std::unique_lock lock(mutex_);
  do {
    lock.unlock();
    try {
      if (!redis) {
        redis = std::make_unique<redis_connection>(where_, kTimeout);
        if (warned) quiet_until_ = std::chrono::steady_clock::now() + options_.ttl;
      }
      tick(*redis);
      if (warned) spdlog::info("cluster: leases: Redis is back");
      warned = false;
      connected_ = true;
    } catch (const redis_error& e) {
      redis.reset();
      connected_ = false;
      if (!warned) spdlog::warn("cluster: leases: {}", e.what());
      warned = true;
      expire_unrenewed();
    } catch (const std::exception& e) {
      spdlog::error("cluster: leases: {}", e.what());
    }
    lock.lock();
  } while (!wake_.wait_for(lock, options_.renew, [this] { return stopping_; }));
  // Leaving: free our leases at once so another node takes over without waiting.
  if (redis) {
    for (auto& [id, st] : states_) {
      if (st.mode != cameras::upstream::direct) continue;
      try {
        redis->command({"EVAL",
                        "if redis.call('get', KEYS[1]) == ARGV[1] then return "
                        "redis.call('del', KEYS[1]) else return 0 end",
                        "1", lease_key(id), node_id_ + "|" + std::to_string(st.token)});
      } catch (const std::exception&) {
        break;
      }
    }
  }
}

void camera_leases::tick(redis_connection& redis) {
  // Where the others find us; outlives a missed renewal or two.
  redis.command(
      {"SET", node_key(node_id_), advertise_url_, "PX", std::to_string(options_.ttl.count() * 2)});
  std::set<std::int64_t> present;
  for (const auto& cam : cameras_.list()) {
    const auto id = cam->record.id;
    present.insert(id);
    tick_camera(redis, id, states_[id]);
  }
  for (auto it = states_.begin(); it != states_.end();) {
    if (present.contains(it->first)) {
      ++it;
      continue;
    }
    {
      std::lock_guard lock(held_mutex_);
      held_.erase(it->first);
      owners_.erase(it->first);
    }
    it = states_.erase(it);
  }
}

void camera_leases::tick_camera(redis_connection& redis, std::int64_t id, camera_state& st) {
  const auto now = std::chrono::steady_clock::now();
  if (st.mode == cameras::upstream::direct) {
    const auto r = redis.command({"EVAL", kRenew, "1", lease_key(id),
                                  node_id_ + "|" + std::to_string(st.token),
                                  std::to_string(options_.ttl.count())});
    if (r.type == redis_reply::kind::integer && r.integer == 1) {
      st.renewed = now;
      return;
    }
    // Gone (Redis restarted empty, or we were too late): take it again if it is free,
    // without a gap for the viewers; if another node has it, stop pulling at once.
    if (try_acquire(redis, id, st)) return;
    spdlog::warn("cluster: lost the lease of camera {}: stopping its upstream", id);
    set_mode(id, st, cameras::upstream::held);
  } else if (now >= quiet_until_ && try_acquire(redis, id, st)) {
    spdlog::info("cluster: took the lease of camera {} (token {}): pulling it", id, st.token);
    set_mode(id, st, cameras::upstream::direct);
    return;
  }
  // Another node owns it: relay from there.
  const auto owner = redis.command({"GET", lease_key(id)});
  if (owner.type != redis_reply::kind::string) return;  // just freed: taken next tick
  const auto bar = owner.str.find('|');
  if (bar == std::string::npos) return;
  const auto node = owner.str.substr(0, bar);
  if (node == node_id_) return;  // ours from before a restart of this node: runs out
  {
    std::lock_guard lock(held_mutex_);
    owners_[id] = node;
  }
  const auto url = redis.command({"GET", node_key(node)});
  if (url.type != redis_reply::kind::string) return;
  relay(id, st, owner.str, url.str);
}

bool camera_leases::try_acquire(redis_connection& redis, std::int64_t id, camera_state& st) {
  if (redis.command({"EXISTS", lease_key(id)}).integer != 0) return false;
  const auto token = redis.command({"INCR", "camgate:fence:camera:" + std::to_string(id)});
  if (token.type != redis_reply::kind::integer) return false;
  const auto set =
      redis.command({"SET", lease_key(id), node_id_ + "|" + std::to_string(token.integer), "NX",
                     "PX", std::to_string(options_.ttl.count())});
  if (set.type != redis_reply::kind::status) return false;  // another node was faster
  st.token = token.integer;
  st.renewed = std::chrono::steady_clock::now();
  ++acquired_;
  std::lock_guard lock(held_mutex_);
  held_[id] = st.token;
  return true;
}

void camera_leases::set_mode(std::int64_t id, camera_state& st, cameras::upstream mode) {
  {
    std::lock_guard lock(held_mutex_);
    if (mode != cameras::upstream::direct) held_.erase(id);
    owners_.erase(id);  // learnt again at the next look
  }
  const bool was_ours = st.mode == cameras::upstream::direct;
  st.mode = mode;
  st.owner.clear();
  cameras_.set_upstream(id, mode);
  if (changed_ && was_ours != (mode == cameras::upstream::direct)) changed_();
}

void camera_leases::relay(std::int64_t id, camera_state& st, const std::string& owner,
                          const std::string& url) {
  const auto now = core::unix_micros() / 1000000;
  if (st.mode == cameras::upstream::relay && st.owner == owner && st.owner_url == url &&
      st.relay_expires - now > 300)
    return;
  const auto token = std::stoll(owner.substr(owner.find('|') + 1));
  const auto expires = now + kRelayUrlLifetime;
  const auto full = url + "/internal/cameras/" + std::to_string(id) +
                    "/stream?lease=" + std::to_string(token) + "&exp=" + std::to_string(expires) +
                    "&sig=" + sign_camera_stream(secret_, id, token, expires);
  auto parsed = sources::parse_camera_url(full);
  if (auto* why = std::get_if<std::string>(&parsed)) {
    spdlog::warn("cluster: node {} advertises an unusable URL {}: {}", owner, url, *why);
    return;
  }
  const auto& u = std::get<sources::camera_url>(parsed);
  spdlog::info("cluster: camera {} relayed from {} ({})", id, owner.substr(0, owner.find('|')),
               url);
  st.mode = cameras::upstream::relay;
  st.owner = owner;
  st.owner_url = url;
  st.relay_expires = expires;
  cameras_.set_upstream(id, cameras::upstream::relay, {u.host, u.port, full});
}

void camera_leases::expire_unrenewed() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& [id, st] : states_) {
    if (st.mode != cameras::upstream::direct || now - st.renewed < options_.ttl) continue;
    spdlog::warn("cluster: the lease of camera {} ran out while Redis is away: stopping it", id);
    set_mode(id, st, cameras::upstream::held);
  }
}

}  // namespace camgate::cluster
