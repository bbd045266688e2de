// integrations::mqtt_sink against a real broker (/usr/sbin/mosquitto on a free port),
// read back with a libmosquitto subscriber.
#include "integrations/mqtt_sink.hpp"

#include <gtest/gtest.h>
#include <mosquitto.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "core/asio.hpp"
#include "support/process.hpp"

using namespace camgate;
using namespace camgate::integrations;
using namespace std::chrono_literals;

namespace {

constexpr const char* broker_path = "/usr/sbin/mosquitto";

analysis::event_ptr make_event(const std::string& type, access::resource r, int seq) {
  auto e = std::make_shared<analysis::event>();
  e->type = type;
  e->resource = r;
  e->at_us = 1'700'000'000'000'000 + seq;
  const char* id_key = r.kind == access::resource_kind::robot ? "robot_id" : "camera_id";
  e->body = {{"type", type}, {id_key, r.id}, {"at_us", e->at_us}, {"seq", seq}};
  return e;
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 3s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::uint16_t unused_port() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

bool accepts(std::uint16_t port) {
  asio::io_context io;
  tcp::socket s(io);
  error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  return !ec;
}

// mosquitto on 127.0.0.1:<port>, anonymous, no persistence; killed by the destructor.
class broker {
 public:
  explicit broker(std::uint16_t port) : port_(port) {
    const auto conf = dir_.path() + "/mosquitto.conf";
    std::ofstream(conf) << "listener " << port << " 127.0.0.1\n"
                        << "allow_anonymous true\n"
                        << "persistence false\n"
                        << "log_dest stdout\n";
    process_ = std::make_unique<camgate::testing::child_process>(
        std::vector<std::string>{broker_path, "-c", conf});
  }
  ~broker() {
    process_->signal(SIGTERM);
    process_->wait();
  }
  bool wait_ready(std::chrono::milliseconds timeout = 3s) {
    return eventually([&] { return accepts(port_); }, timeout);
  }
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_;
  camgate::testing::temp_dir dir_;
  std::unique_ptr<camgate::testing::child_process> process_;
};

// Subscribes to camgate/# and keeps what arrives.
class subscriber {
 public:
  explicit subscriber(std::uint16_t port) {
    mosquitto_lib_init();
    m_ = mosquitto_new(nullptr, true, this);
    mosquitto_message_callback_set(m_, [](mosquitto*, void* obj, const mosquitto_message* msg) {
      auto* self = static_cast<subscriber*>(obj);
      std::lock_guard lock(self->mutex_);
      self->messages_.emplace_back(
          msg->topic, std::string(static_cast<const char*>(msg->payload), msg->payloadlen));
      self->cv_.notify_all();
    });
    mosquitto_subscribe_callback_set(m_, [](mosquitto*, void* obj, int, int, const int*) {
      auto* self = static_cast<subscriber*>(obj);
      std::lock_guard lock(self->mutex_);
      self->subscribed_ = true;
      self->cv_.notify_all();
    });
    ok_ = mosquitto_connect(m_, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS &&
          mosquitto_subscribe(m_, nullptr, "camgate/#", 1) == MOSQ_ERR_SUCCESS &&
          mosquitto_loop_start(m_) == MOSQ_ERR_SUCCESS;
  }
  ~subscriber() {
    mosquitto_disconnect(m_);
    mosquitto_loop_stop(m_, false);
    mosquitto_destroy(m_);
  }
  bool wait_subscribed() {
    std::unique_lock lock(mutex_);
    return ok_ && cv_.wait_for(lock, 3s, [&] { return subscribed_; });
  }
  std::vector<std::pair<std::string, std::string>> wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, 3s, [&] { return messages_.size() >= n; });
    return messages_;
  }

 private:
  mosquitto* m_ = nullptr;
  bool ok_ = false;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool subscribed_ = false;
  std::vector<std::pair<std::string, std::string>> messages_;
};

mqtt_options options_for(std::uint16_t port) {
  mqtt_options o;
  o.host = "127.0.0.1";
  o.port = port;
  o.client_id = "camgate-test-" + std::to_string(getpid());
  return o;
}

}  // namespace

TEST(mqtt_topic, CamerasAndRobotsUnderThePrefix) {
  mqtt_options o;
  o.topic_prefix = "site/a";
  EXPECT_EQ(mqtt_sink::topic_of(o, *make_event("analysis", access::camera_resource(3), 0)),
            "site/a/cameras/3/analysis");
  EXPECT_EQ(mqtt_sink::topic_of(o, *make_event("alert", access::robot_resource(12), 0)),
            "site/a/robots/12/alert");
}

TEST(mqtt_sink_broker, PublishesEachEventOnItsTopic) {
  if (::access(broker_path, X_OK) != 0)
    GTEST_SKIP() << broker_path << " missing: install the Debian package mosquitto";
  broker b(unused_port());
  ASSERT_TRUE(b.wait_ready()) << "mosquitto did not listen";
  subscriber sub(b.port());
  ASSERT_TRUE(sub.wait_subscribed());

  auto o = options_for(b.port());
  o.events = {"analysis", "alert", "camera-state"};
  mqtt_sink sink(o);
  ASSERT_TRUE(eventually([&] { return sink.connected(); }));
  const std::vector<analysis::event_ptr> events{
      make_event("analysis", access::camera_resource(3), 1),
      make_event("other", access::camera_resource(3), 2),  // not listed: not sent
      make_event("alert", access::camera_resource(4), 3),
      make_event("camera-state", access::robot_resource(5), 4)};
  for (const auto& e : events) sink.deliver(e);
  EXPECT_EQ(sink.published(), 3u);
  EXPECT_EQ(sink.dropped(), 0u);

  const auto got = sub.wait_for(3);
  ASSERT_EQ(got.size(), 3u);
  // One publisher, QoS 0 on one connection: in order.
  EXPECT_EQ(got[0].first, "camgate/cameras/3/analysis");
  EXPECT_EQ(got[0].second, events[0]->text());
  EXPECT_EQ(got[1].first, "camgate/cameras/4/alert");
  EXPECT_EQ(got[1].second, events[2]->text());
  EXPECT_EQ(got[2].first, "camgate/robots/5/camera-state");
  EXPECT_EQ(got[2].second, events[3]->text());
}

TEST(mqtt_sink_broker, WithoutABrokerEventsAreDroppedAtOnce) {
  const auto port = unused_port();
  const auto start = std::chrono::steady_clock::now();
  {
    mqtt_sink sink(options_for(port));
    for (int i = 0; i < 5; ++i) sink.deliver(make_event("alert", access::camera_resource(1), i));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
    EXPECT_FALSE(sink.connected());
    EXPECT_EQ(sink.dropped(), 5u);
    EXPECT_EQ(sink.published(), 0u);
  }
  // The destructor does not wait for a reconnect delay.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(mqtt_sink_broker, ConnectsOnceTheBrokerComesUp) {
  if (::access(broker_path, X_OK) != 0)
    GTEST_SKIP() << broker_path << " missing: install the Debian package mosquitto";
  const auto port = unused_port();
  mqtt_sink sink(options_for(port));  // nobody listens yet
  sink.deliver(make_event("alert", access::camera_resource(1), 0));
  EXPECT_EQ(sink.dropped(), 1u);
  {
    broker b(port);
    ASSERT_TRUE(b.wait_ready());
    // The first retry comes 1 s after the failed attempt.
    ASSERT_TRUE(eventually([&] { return sink.connected(); }, 4s));
    subscriber sub(port);
    ASSERT_TRUE(sub.wait_subscribed());
    sink.deliver(make_event("alert", access::camera_resource(1), 1));
    const auto got = sub.wait_for(1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].first, "camgate/cameras/1/alert");
    EXPECT_EQ(sink.published(), 1u);
  }
  // The broker is gone: dropped again, and the destructor does not wait for a reconnect.
  ASSERT_TRUE(eventually([&] { return !sink.connected(); }));
  sink.deliver(make_event("alert", access::camera_resource(1), 2));
  EXPECT_EQ(sink.dropped(), 2u);
}
