#include "integrations/mqtt_sink.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <mosquitto.h>
#include <spdlog/spdlog.h>

namespace camgate::integrations {

namespace {

constexpr int keepalive_s = 30;
constexpr int reconnect_max_s = 10;

void init_library_once() {
  static std::once_flag once;
  // Never cleaned up: other sinks may come and go for the life of the process.
  std::call_once(once, [] { mosquitto_lib_init(); });
}

}  // namespace

struct mqtt_sink::impl {
  explicit impl(mqtt_options o) : options_(std::move(o)) {}

  const mqtt_options options_;
  mosquitto* mosq_ = nullptr;
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> dropped_{0};
  // The network thread only: one log line per change, not one per reconnect attempt.
  bool complained_ = false;

  // The first connection. libmosquitto's thread reconnects by itself only once a
  // connect call has succeeded; until then (broker down at start, name not resolving)
  // this thread retries, so the constructor never waits on DNS or TCP either.
  std::thread connector_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;      // guarded by mutex_
  bool loop_started_ = false;  // guarded by mutex_

  std::string where() const { return options_.host + ":" + std::to_string(options_.port); }

  void connect_until_started() {
    auto delay = std::chrono::seconds(1);
    bool complained = false;
    for (;;) {
      const int rc =
          mosquitto_connect_async(mosq_, options_.host.c_str(), options_.port, keepalive_s);
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      if (rc == MOSQ_ERR_SUCCESS) {
        const int loop = mosquitto_loop_start(mosq_);
        if (loop == MOSQ_ERR_SUCCESS) {
          loop_started_ = true;
          return;
        }
        spdlog::error("mqtt: cannot start its network thread: {}", mosquitto_strerror(loop));
        return;
      }
      if (!complained) {
        complained = true;
        spdlog::warn("mqtt: cannot connect to {} ({}); retrying in the background", where(),
                     rc == MOSQ_ERR_ERRNO ? "connection failed" : mosquitto_strerror(rc));
      }
      if (wake_.wait_for(lock, delay, [&] { return stopping_; })) return;
      delay = std::min(delay * 2, std::chrono::seconds(reconnect_max_s));
    }
  }

  static void on_connect(mosquitto*, void* obj, int rc) {
    auto* self = static_cast<impl*>(obj);
    if (rc == 0) {
      self->connected_ = true;
      self->complained_ = false;
      spdlog::info("mqtt: connected to {}", self->where());
    } else if (!self->complained_) {
      self->complained_ = true;
      spdlog::warn("mqtt: {} refused the connection: {}; retrying", self->where(),
                   mosquitto_connack_string(rc));
    }
  }

  static void on_disconnect(mosquitto*, void* obj, int rc) {
    auto* self = static_cast<impl*>(obj);
    const bool was = self->connected_.exchange(false);
    // rc 0: our own mosquitto_disconnect (the destructor).
    if (rc != 0 && was && !self->complained_) {
      self->complained_ = true;
      spdlog::warn("mqtt: lost the connection to {} ({}); reconnecting", self->where(),
                   mosquitto_strerror(rc));
    }
  }
};

mqtt_sink::mqtt_sink(mqtt_options options) : impl_(std::make_unique<impl>(std::move(options))) {
  init_library_once();
  const auto& o = impl_->options_;
  impl_->mosq_ =
      mosquitto_new(o.client_id.empty() ? nullptr : o.client_id.c_str(), true, impl_.get());
  if (!impl_->mosq_) throw std::runtime_error("mqtt: mosquitto_new failed");
  auto* m = impl_->mosq_;
  if (!o.username.empty())
    mosquitto_username_pw_set(m, o.username.c_str(),
                              o.password.empty() ? nullptr : o.password.c_str());
  mosquitto_connect_callback_set(m, &impl::on_connect);
  mosquitto_disconnect_callback_set(m, &impl::on_disconnect);
  // Once connected, libmosquitto's thread reconnects after 1 s, 4 s, 9 s, then 10 s.
  mosquitto_reconnect_delay_set(m, 1, reconnect_max_s, true);
  // A broker that keeps no pace holds back QoS 1/2 messages here, not in our memory.
  mosquitto_max_inflight_messages_set(m, 100);
  try {
    impl_->connector_ = std::thread([self = impl_.get()] { self->connect_until_started(); });
  } catch (...) {
    mosquitto_destroy(m);
    throw;
  }
}

mqtt_sink::~mqtt_sink() {
  {
    std::lock_guard lock(impl_->mutex_);
    impl_->stopping_ = true;
  }
  impl_->wake_.notify_all();
  impl_->connector_.join();
  if (impl_->loop_started_) {
    // A clean DISCONNECT, then the network thread ends by itself (no force: it is not
    // cancelled in the middle of a write).
    mosquitto_disconnect(impl_->mosq_);
    mosquitto_loop_stop(impl_->mosq_, false);
  }
  mosquitto_destroy(impl_->mosq_);
}

void mqtt_sink::deliver(const analysis::event_ptr& e) {
  if (!e) return;
  const auto& o = impl_->options_;
  if (std::find(o.events.begin(), o.events.end(), e->type) == o.events.end()) return;
  // While the broker is away: dropped, never queued.
  if (!impl_->connected_) {
    impl_->dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const auto topic = topic_of(o, *e);
  const auto payload = e->text();
  const int rc = mosquitto_publish(impl_->mosq_, nullptr, topic.c_str(),
                                   static_cast<int>(payload.size()), payload.data(), o.qos, false);
  if (rc == MOSQ_ERR_SUCCESS)
    impl_->published_.fetch_add(1, std::memory_order_relaxed);
  else
    impl_->dropped_.fetch_add(1, std::memory_order_relaxed);
}

bool mqtt_sink::connected() const {
  return impl_->connected_;
}
std::uint64_t mqtt_sink::published() const {
  return impl_->published_.load(std::memory_order_relaxed);
}
std::uint64_t mqtt_sink::dropped() const {
  return impl_->dropped_.load(std::memory_order_relaxed);
}

std::string mqtt_sink::topic_of(const mqtt_options& o, const analysis::event& e) {
  const char* kind = e.resource.kind == access::resource_kind::robot ? "robots" : "cameras";
  return o.topic_prefix + "/" + kind + "/" + std::to_string(e.resource.id) + "/" + e.type;
}

}  // namespace camgate::integrations
