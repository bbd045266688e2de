#include "cluster/event_bus.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "access/resource.hpp"

namespace camgate::cluster {
namespace {

constexpr const char* kChannel = "camgate:events";
constexpr std::chrono::milliseconds kTimeout{500};
// About 10 s of 100 cameras at their default rate: beyond, Redis is far behind or away.
constexpr std::size_t kMaxQueue = 10000;

}  // namespace

event_bus::event_bus(redis_endpoint where, std::string node_id, analysis::event_hub& hub)
    : where_(where),
      node_id_(std::move(node_id)),
      hub_(hub),
      receiver_(std::move(where), {kChannel}, "event bus") {}

event_bus::~event_bus() {
  stop();
}

void event_bus::start() {
  {
    std::lock_guard lock(mutex_);  // the hub may deliver already
    started_ = true;
  }
  sender_ = std::thread([this] { run_sender(); });
  receiver_thread_ = std::thread([this] {
    receiver_.run([](bool) {},
                  [this](const std::string&, const std::string& payload) { receive(payload); });
  });
}

void event_bus::stop() {
  receiver_.stop();
  if (receiver_thread_.joinable()) receiver_thread_.join();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (sender_.joinable()) sender_.join();
}

void event_bus::deliver(const analysis::event_ptr& e) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !started_) return;
    if (queue_.size() >= kMaxQueue) {
      queue_.pop_front();  // the oldest goes: viewers want the latest
      if (dropped_++ % 1000 == 0)
        spdlog::warn("cluster: event bus behind; {} event(s) not forwarded", dropped_.load());
    }
    queue_.push_back(node_id_ + "\n" + e->text());
  }
  wake_.notify_one();
}

void event_bus::run_sender() {
  std::unique_ptr<redis_connection> conn;
  bool warned = false;
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    auto batch = std::exchange(queue_, {});
    lock.unlock();
    for (const auto& payload : batch) {
      try {
        if (!conn) conn = std::make_unique<redis_connection>(where_, kTimeout);
        conn->command({"PUBLISH", kChannel, payload});
        ++sent_;
        if (warned) spdlog::info("cluster: event bus: Redis is back");
        warned = false;
      } catch (const redis_error& e) {
        conn.reset();
        ++dropped_;
        if (!warned) spdlog::warn("cluster: event bus: cannot publish ({}): events lost", e.what());
        warned = true;
      }
    }
    lock.lock();
  }
}

void event_bus::receive(const std::string& payload) {
  // "<node>\n<event JSON>" (the event's body: type, at_us, camera_id or robot_id, ...)
  const auto nl = payload.find('\n');
  if (nl == std::string::npos || payload.compare(0, nl, node_id_) == 0) return;  // ours
  auto body = nlohmann::json::parse(payload.begin() + static_cast<std::ptrdiff_t>(nl) + 1,
                                    payload.end(), nullptr, false);
  if (!body.is_object() || !body.contains("type") || !body["type"].is_string() ||
      !body.contains("at_us") || !body["at_us"].is_number_integer())
    return;
  auto e = std::make_shared<analysis::event>();
  if (auto c = body.find("camera_id"); c != body.end() && c->is_number_integer())
    e->resource = access::camera_resource(c->get<std::int64_t>());
  else if (auto r = body.find("robot_id"); r != body.end() && r->is_number_integer())
    e->resource = access::robot_resource(r->get<std::int64_t>());
  else
    return;
  e->type = body["type"].get<std::string>();
  e->at_us = body["at_us"].get<std::int64_t>();
  e->body = std::move(body);
  ++received_;
  hub_.publish_remote(e);
}

}  // namespace camgate::cluster
