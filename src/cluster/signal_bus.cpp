#include "cluster/signal_bus.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <utility>
#include <vector>

namespace camgate::cluster {
namespace {

using json = nlohmann::json;
constexpr const char* kPresence = "camgate:presence";
constexpr const char* kRobotKey = "camgate:robot:";
constexpr std::chrono::milliseconds kTimeout{500};
constexpr std::chrono::milliseconds kRenew{1000};
const std::string kTtlMs = "3000";
std::string channel_of(const std::string& node) {
  return "camgate:signal:" + node;
}

}  // namespace

signal_bus::signal_bus(redis_endpoint where, std::string node_id, signaling::hub& hub)
    : where_(where),
      node_id_(std::move(node_id)),
      hub_(hub),
      receiver_(std::move(where), {channel_of(node_id_), kPresence}, "signaling bus") {}

signal_bus::~signal_bus() {
  stop();
}

void signal_bus::start() {
  sender_ = std::thread([this] { run_sender(); });
  receiver_thread_ = std::thread([this] { run_receiver(); });
}

void signal_bus::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  receiver_.stop();
  wake_.notify_all();
  if (receiver_thread_.joinable()) receiver_thread_.join();
  if (sender_.joinable()) sender_.join();
}

void signal_bus::robot_online(const std::string& robot, std::int64_t robot_id) {
  {
    std::lock_guard lock(mutex_);
    local_[robot] = robot_id;
    queue_.push_back({"", "", robot, robot_id});
  }
  wake_.notify_one();
}

void signal_bus::robot_offline(const std::string& robot) {
  {
    std::lock_guard lock(mutex_);
    local_.erase(robot);
    queue_.push_back({"", "", robot, 0});
  }
  wake_.notify_one();
}

void signal_bus::send(const std::string& node, signaling::cluster_message m) {
  json header = {{"from", node_id_},
                 {"to", m.to == signaling::cluster_message::target::robot ? "robot" : "viewer"},
                 {"robot", std::move(m.robot)},
                 {"viewer", std::move(m.viewer)},
                 {"type", std::move(m.type)}};
  std::string payload = header.dump();
  payload += '\n';
  payload += m.body;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({channel_of(node), std::move(payload), {}, 0});
  }
  wake_.notify_one();
}

void signal_bus::run_sender() {
  std::unique_ptr<redis_connection> conn;
  auto next_renewal = clock::now();
  bool warned = false;
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_until(lock, next_renewal, [this] { return stopping_ || !queue_.empty(); });
    const bool leaving = stopping_ && queue_.empty();
    auto batch = std::exchange(queue_, {});
    lock.unlock();
    try {
      if (!conn) conn = std::make_unique<redis_connection>(where_, kTimeout);
      if (warned) spdlog::info("cluster: signaling bus reaches Redis again");
      warned = false;
      while (!batch.empty()) {
        auto& m = batch.front();
        if (!m.channel.empty()) {
          conn->command({"PUBLISH", m.channel, m.payload});
        } else {
          const std::string key = kRobotKey + m.robot;
          const std::string value = node_id_ + "|" + std::to_string(m.robot_id);
          json notice = {{"node", node_id_}, {"robot", m.robot}, {"id", m.robot_id}};
          if (m.robot_id) {
            conn->command({"SET", key, value, "PX", kTtlMs});
          } else {
            // DEL only while the key names this node (the robot may have moved).
            conn->command({"EVAL",
                           "local v = redis.call('GET', KEYS[1]) if v and string.sub(v, 1, "
                           "#ARGV[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
                           "return 0",
                           "1", key, node_id_ + "|"});
          }
          conn->command({"PUBLISH", kPresence, notice.dump()});
        }
        batch.pop_front();
      }
      if (leaving) return;
      if (clock::now() >= next_renewal) {
        renew_and_rescan(*conn);
        next_renewal = clock::now() + kRenew;
      }
    } catch (const redis_error& e) {
      conn.reset();
      if (!warned) spdlog::warn("cluster: signaling bus: {}", e.what());
      warned = true;
      // Signaling messages are live: dropped, not replayed late. Presence is renewed.
      next_renewal = clock::now() + std::chrono::milliseconds(250);
      if (leaving) return;
    }
    lock.lock();
  }
}

void signal_bus::renew_and_rescan(redis_connection& conn) {
  std::map<std::string, std::int64_t> local;
  {
    std::lock_guard lock(mutex_);
    local = local_;
  }
  for (const auto& [robot, id] : local)
    conn.command({"SET", kRobotKey + robot, node_id_ + "|" + std::to_string(id), "PX", kTtlMs});

  // Every robot of the cluster: a node that died takes its robots with it (their keys
  // expire), with no notice.
  const auto started = clock::now();
  std::map<std::string, std::pair<std::string, std::int64_t>> found;
  std::string cursor = "0";
  do {
    auto r = conn.command({"SCAN", cursor, "MATCH", std::string(kRobotKey) + "*", "COUNT", "1000"});
    if (r.type != redis_reply::kind::array || r.elements.size() != 2) break;
    cursor = r.elements[0].str;
    std::vector<std::string> keys;
    for (const auto& k : r.elements[1].elements) keys.push_back(k.str);
    if (keys.empty()) continue;
    std::vector<std::string> args{"MGET"};
    args.insert(args.end(), keys.begin(), keys.end());
    auto values = conn.command(args);
    for (std::size_t i = 0; i < keys.size() && i < values.elements.size(); ++i) {
      const auto& v = values.elements[i].str;
      const auto bar = v.rfind('|');
      if (bar == std::string::npos) continue;
      try {
        found[keys[i].substr(std::string_view(kRobotKey).size())] = {v.substr(0, bar),
                                                                     std::stoll(v.substr(bar + 1))};
      } catch (const std::exception&) {
      }
    }
  } while (cursor != "0");

  // The nodes alive (their camgate:node:<id> key, 6 s): one that vanished died without
  // telling its robots' nodes about its viewers.
  std::set<std::string> live;
  cursor = "0";
  do {
    auto r = conn.command({"SCAN", cursor, "MATCH", "camgate:node:*", "COUNT", "1000"});
    if (r.type != redis_reply::kind::array || r.elements.size() != 2) break;
    cursor = r.elements[0].str;
    for (const auto& k : r.elements[1].elements)
      live.insert(k.str.substr(std::string_view("camgate:node:").size()));
  } while (cursor != "0");
  std::vector<std::string> dead;
  for (const auto& n : live_nodes_)
    if (!live.contains(n) && n != node_id_) dead.push_back(n);
  live_nodes_ = std::move(live);

  std::vector<std::pair<std::string, std::string>> gone;
  std::vector<std::tuple<std::string, std::string, std::int64_t>> online;
  {
    std::lock_guard lock(known_mutex_);
    for (auto it = gone_.begin(); it != gone_.end();)
      it = started - it->second > std::chrono::seconds(5) ? gone_.erase(it) : std::next(it);
    for (auto it = known_.begin(); it != known_.end();) {
      auto f = found.find(it->first);
      // Seen after the scan began (a join notice): not the scan's to judge.
      if ((f == found.end() || f->second.first != it->second.node) && it->second.seen < started) {
        gone.emplace_back(it->first, it->second.node);
        it = known_.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [robot, where] : found) {
      if (where.first == node_id_ || known_.contains(robot)) continue;
      auto g = gone_.find(robot);
      if (g != gone_.end() && g->second >= started) continue;  // left during the scan
      known_[robot] = {where.first, where.second, started};
      online.emplace_back(robot, where.first, where.second);
    }
  }
  for (const auto& node : dead) hub_.remote_node_gone(node);
  for (const auto& [robot, node] : gone) hub_.remote_robot_offline(robot, node);
  for (const auto& [robot, node, id] : online) hub_.remote_robot_online(robot, node, id);
}

void signal_bus::seen_online(const std::string& robot, const std::string& node, std::int64_t id) {
  {
    std::lock_guard lock(known_mutex_);
    gone_.erase(robot);
    known_[robot] = {node, id, clock::now()};
  }
  hub_.remote_robot_online(robot, node, id);
}

void signal_bus::seen_offline(const std::string& robot, const std::string& node) {
  {
    std::lock_guard lock(known_mutex_);
    auto it = known_.find(robot);
    if (it == known_.end() || it->second.node != node) return;
    known_.erase(it);
    gone_[robot] = clock::now();
  }
  hub_.remote_robot_offline(robot, node);
}

void signal_bus::presence_notice(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object()) return;
  const auto node = j.value("node", std::string());
  const auto robot = j.value("robot", std::string());
  const auto id = j.value("id", std::int64_t{0});
  if (node.empty() || robot.empty() || node == node_id_) return;
  if (id)
    seen_online(robot, node, id);
  else
    seen_offline(robot, node);
}

void signal_bus::run_receiver() {
  receiver_.run([](bool) {},
                [this](const std::string& channel, const std::string& text) {
                  if (channel == kPresence) {
                    presence_notice(text);
                    return;
                  }
                  const auto nl = text.find('\n');
                  if (nl == std::string::npos) return;
                  auto h = json::parse(text.substr(0, nl), nullptr, false);
                  if (!h.is_object()) return;
                  signaling::cluster_message m;
                  m.to = h.value("to", "") == "robot" ? signaling::cluster_message::target::robot
                                                      : signaling::cluster_message::target::viewer;
                  m.robot = h.value("robot", "");
                  m.viewer = h.value("viewer", "");
                  m.type = h.value("type", "");
                  m.body = text.substr(nl + 1);
                  try {
                    hub_.from_cluster(h.value("from", ""), m);
                  } catch (const std::exception& e) {
                    spdlog::error("cluster: a signaling message from another node failed: {}",
                                  e.what());
                  }
                });
}

}  // namespace camgate::cluster
