// integrations::webhook_sink against a small HTTP receiver on 127.0.0.1 (its own thread).
#include "integrations/webhook_sink.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "auth/hmac_sha256.hpp"

using namespace camgate;
using namespace camgate::integrations;
using namespace std::chrono_literals;

namespace {

using request = http::request<http::string_body>;

analysis::event_ptr make_event(const std::string& type, int seq, std::int64_t camera = 3) {
  auto e = std::make_shared<analysis::event>();
  e->type = type;
  e->resource = access::camera_resource(camera);
  e->at_us = 1'700'000'000'000'000 + seq;
  e->body = {{"type", type}, {"camera_id", camera}, {"at_us", e->at_us}, {"seq", seq}};
  return e;
}

std::string hex(const auth::sha256_mac& mac) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (unsigned char b : mac) {
    s += digits[b >> 4];
    s += digits[b & 0xf];
  }
  return s;
}

// True once `pred` holds, false after `timeout`.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 3s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// A free port on 127.0.0.1 that nobody listens on (bound, then closed).
std::uint16_t unused_port() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

// Records every request; answers with the queued statuses, then 200, after `delay`.
class receiver {
 public:
  receiver() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { run(); });
  }
  ~receiver() {
    stopping_ = true;
    // Wakes the blocking accept.
    asio::io_context io;
    tcp::socket s(io);
    error_code ec;
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void answer(std::deque<unsigned> statuses) {
    std::lock_guard lock(mutex_);
    statuses_ = std::move(statuses);
  }
  void delay(std::chrono::milliseconds d) {
    std::lock_guard lock(mutex_);
    delay_ = d;
  }
  // The requests so far once there are at least n, or all there are after the timeout.
  std::vector<request> wait_for(std::size_t n, std::chrono::milliseconds timeout = 3s) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
    return requests_;
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  void run() {
    for (;;) {
      tcp::socket s(io_);
      error_code ec;
      acceptor_.accept(s, ec);
      if (stopping_) return;
      if (ec) continue;
      beast::flat_buffer buffer;
      request req;
      http::read(s, buffer, req, ec);
      if (ec) continue;
      unsigned status = 200;
      std::chrono::milliseconds delay{};
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(req);
        if (!statuses_.empty()) {
          status = statuses_.front();
          statuses_.pop_front();
        }
        delay = delay_;
      }
      cv_.notify_all();
      std::this_thread::sleep_for(delay);
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.body() = "{}";
      res.prepare_payload();
      http::write(s, res, ec);
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<request> requests_;
  std::deque<unsigned> statuses_;
  std::chrono::milliseconds delay_{0};
};

// Log lines written while it lives.
struct captured_log {
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  captured_log() { spdlog::default_logger()->sinks().push_back(sink); }
  ~captured_log() { spdlog::default_logger()->sinks().pop_back(); }
  std::string text() const {
    std::string out;
    for (const auto& l : sink->last_formatted()) out += l;
    return out;
  }
};

class webhook_test : public ::testing::Test {
 protected:
  ~webhook_test() override {
    work_.reset();
    thread_.join();
  }

  std::shared_ptr<webhook_sink> make_sink(webhook_options o) {
    if (o.name.empty()) o.name = "test";
    return std::make_shared<webhook_sink>(io_.get_executor(), std::move(o));
  }

  receiver receiver_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::thread thread_{[this] { io_.run(); }};
};

int seq_of(const request& r) {
  return nlohmann::json::parse(r.body()).at("seq").get<int>();
}

}  // namespace

TEST_F(webhook_test, PostsTheEventWithItsHeadersAndSignature) {
  webhook_options o;
  o.url = receiver_.url("/hook?from=camgate");
  o.secret = "s3cret";
  auto sink = make_sink(o);
  const auto e = make_event("alert", 1);
  sink->deliver(e);
  const auto got = receiver_.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  const auto& r = got[0];
  EXPECT_EQ(r.method(), http::verb::post);
  EXPECT_EQ(r.target(), "/hook?from=camgate");
  EXPECT_EQ(r.body(), e->text());
  EXPECT_EQ(r[http::field::content_type], "application/json");
  EXPECT_TRUE(r[http::field::user_agent].starts_with("camgate"));
  EXPECT_EQ(r["X-Camgate-Event"], "alert");
  EXPECT_EQ(r["X-Camgate-Signature"], "sha256=" + hex(auth::hmac_sha256("s3cret", r.body())));
  EXPECT_TRUE(eventually([&] { return sink->sent() == 1; }));
  EXPECT_EQ(sink->failed(), 0u);
}

TEST_F(webhook_test, NoSignatureWithoutASecret) {
  webhook_options o;
  o.url = receiver_.url("");
  auto sink = make_sink(o);
  sink->deliver(make_event("camera-state", 1));
  const auto got = receiver_.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target(), "/");
  EXPECT_EQ(got[0].count("X-Camgate-Signature"), 0u);
  EXPECT_EQ(got[0]["X-Camgate-Event"], "camera-state");
}

TEST_F(webhook_test, SendsOnlyTheListedEventTypes) {
  webhook_options o;
  o.url = receiver_.url();
  o.events = {"alert"};
  auto sink = make_sink(o);
  sink->deliver(make_event("analysis", 1));
  sink->deliver(make_event("camera-state", 2));
  sink->deliver(make_event("alert", 3));
  // In order: once the alert is sent, the others would have been before it.
  ASSERT_TRUE(eventually([&] { return sink->sent() == 1; }));
  const auto got = receiver_.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(seq_of(got[0]), 3);
}

TEST_F(webhook_test, KeepsTheOrder) {
  webhook_options o;
  o.url = receiver_.url();
  auto sink = make_sink(o);
  for (int i = 0; i < 20; ++i) sink->deliver(make_event("alert", i));
  const auto got = receiver_.wait_for(20);
  ASSERT_EQ(got.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(seq_of(got[i]), i);
  EXPECT_TRUE(eventually([&] { return sink->sent() == 20; }));
  EXPECT_EQ(sink->dropped(), 0u);
}

TEST_F(webhook_test, RetriesAfterAServerError) {
  receiver_.answer({500});
  webhook_options o;
  o.url = receiver_.url();
  auto sink = make_sink(o);
  const auto start = std::chrono::steady_clock::now();
  sink->deliver(make_event("alert", 7));
  const auto got = receiver_.wait_for(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 450ms);  // the 0.5 s pause
  EXPECT_EQ(got[0].body(), got[1].body());
  EXPECT_TRUE(eventually([&] { return sink->sent() == 1; }));
  EXPECT_EQ(sink->failed(), 0u);
}

TEST_F(webhook_test, CountsAFailureAfterEveryAttemptAndSaysSoOnce) {
  captured_log log;
  receiver_.answer({500, 503, 500});
  webhook_options o;
  o.name = "ops";
  o.url = receiver_.url();
  o.secret = "do-not-log-me";
  o.attempts = 2;
  auto sink = make_sink(o);
  sink->deliver(make_event("alert", 1));
  ASSERT_TRUE(eventually([&] { return sink->failed() == 1; }));
  EXPECT_EQ(receiver_.count(), 2u);
  EXPECT_EQ(sink->sent(), 0u);
  const auto text = log.text();
  EXPECT_NE(text.find("webhook ops: alert event not delivered after 2 attempt(s): HTTP 503"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("do-not-log-me"), std::string::npos);
  // The next event goes on (the third status, then 200s).
  sink->deliver(make_event("alert", 2));
  EXPECT_TRUE(eventually([&] { return sink->sent() == 1; }));
}

TEST_F(webhook_test, DropsTheOldestWhileTheReceiverIsSlow) {
  captured_log log;
  receiver_.delay(300ms);
  webhook_options o;
  o.url = receiver_.url();
  o.max_queue = 2;
  auto sink = make_sink(o);
  sink->deliver(make_event("alert", 0));
  ASSERT_EQ(receiver_.wait_for(1).size(), 1u);  // 0 in flight, the queue is empty
  receiver_.delay(0ms);
  for (int i = 1; i <= 4; ++i) sink->deliver(make_event("alert", i));
  EXPECT_EQ(sink->dropped(), 2u);  // 1 and 2
  const auto got = receiver_.wait_for(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(seq_of(got[0]), 0);
  EXPECT_EQ(seq_of(got[1]), 3);
  EXPECT_EQ(seq_of(got[2]), 4);
  EXPECT_TRUE(eventually([&] { return sink->sent() == 3; }));
  // One line for the burst, not one per event.
  const auto text = log.text();
  const auto first = text.find("queue full");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("queue full", first + 1), std::string::npos) << text;
}

TEST_F(webhook_test, ARefusedConnectionIsAFailure) {
  webhook_options o;
  o.url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/hook";
  o.attempts = 1;
  auto sink = make_sink(o);
  sink->deliver(make_event("alert", 1));
  EXPECT_TRUE(eventually([&] { return sink->failed() == 1; }));
  EXPECT_EQ(sink->sent(), 0u);
}

TEST_F(webhook_test, TheTimeoutCoversTheAnswer) {
  captured_log log;
  receiver_.delay(800ms);
  webhook_options o;
  o.url = receiver_.url();
  o.attempts = 1;
  o.timeout = 200ms;
  auto sink = make_sink(o);
  const auto start = std::chrono::steady_clock::now();
  sink->deliver(make_event("alert", 1));
  ASSERT_TRUE(eventually([&] { return sink->failed() == 1; }));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 700ms);
  EXPECT_NE(log.text().find("timed out after 200 ms"), std::string::npos) << log.text();
}

TEST_F(webhook_test, StopAbortsTheRequestAndForgetsTheQueue) {
  receiver_.delay(500ms);
  webhook_options o;
  o.url = receiver_.url();
  auto sink = make_sink(o);
  for (int i = 0; i < 3; ++i) sink->deliver(make_event("alert", i));
  ASSERT_EQ(receiver_.wait_for(1).size(), 1u);
  sink->stop();
  sink->stop();  // idempotent
  sink->deliver(make_event("alert", 9));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(receiver_.count(), 1u);
  EXPECT_EQ(sink->sent(), 0u);
  EXPECT_EQ(sink->failed(), 0u);  // stopped, not failed
}

TEST(webhook_url, OnlyPlainHttp) {
  asio::io_context io;
  const auto make = [&](const std::string& url) {
    webhook_options o;
    o.url = url;
    return webhook_sink(io.get_executor(), o);
  };
  for (const char* bad :
       {"https://example.com/hook", "ftp://example.com/", "example.com/hook", "http://",
        "http:///path", "http://host:/x", "http://host:0/", "http://host:65536/",
        "http://host:80x/", "http://user:pw@host/", "http://[::1/"}) {
    EXPECT_THROW(make(bad), std::invalid_argument) << bad;
  }
  for (const char* good : {"http://example.com", "HTTP://example.com:8080/a/b?c=d",
                           "http://127.0.0.1:9/hook", "http://[::1]:8080/x"}) {
    EXPECT_NO_THROW(make(good)) << good;
  }
}
