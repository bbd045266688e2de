#include "analysis/http_analyzer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/asio.hpp"

namespace camgate::analysis {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

// What the fake analyzer saw in one request.
struct received {
  std::string target;
  std::string content_type;
  std::string auth;
  std::string user_agent;
  std::string host;
  std::string field;     // the multipart field name; empty for a raw body
  std::string filename;  // the multipart filename
  std::string part_type;
  std::string jpeg;  // the picture bytes as received
};

// The boundary's value from "multipart/form-data; boundary=X".
std::string boundary_of(const std::string& content_type) {
  const auto at = content_type.find("boundary=");
  if (at == std::string::npos) return {};
  auto b = content_type.substr(at + 9);
  if (!b.empty() && b.front() == '"') b = b.substr(1, b.find('"', 1) - 1);
  return b;
}

std::string between(const std::string& s, const std::string& open, std::size_t from = 0) {
  const auto a = s.find(open, from);
  if (a == std::string::npos) return {};
  const auto b = s.find('"', a + open.size());
  return b == std::string::npos ? std::string{} : s.substr(a + open.size(), b - a - open.size());
}

// Parses just enough multipart/form-data for the tests: the first part's name, filename,
// type and bytes.
void parse_multipart(const std::string& body, const std::string& boundary, received& r) {
  const std::string dash = "--" + boundary;
  if (body.rfind(dash + "\r\n", 0) != 0) return;
  const auto headers_end = body.find("\r\n\r\n");
  if (headers_end == std::string::npos) return;
  const std::string headers = body.substr(0, headers_end);
  r.field = between(headers, "name=\"");
  r.filename = between(headers, "filename=\"");
  const auto type_at = headers.find("Content-Type: ");
  if (type_at != std::string::npos) {
    const auto eol = headers.find("\r\n", type_at);
    r.part_type = headers.substr(type_at + 14, eol == std::string::npos ? eol : eol - type_at - 14);
  }
  const auto data = headers_end + 4;
  const auto end = body.find("\r\n" + dash + "--", data);
  if (end == std::string::npos) return;
  r.jpeg = body.substr(data, end - data);
}

// A small real HTTP server on 127.0.0.1, on its own thread: the analyzer service.
class fake_analyzer {
 public:
  fake_analyzer() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, accept(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~fake_analyzer() {
    ioc_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<received> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int count(const std::string& target) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& r : requests_) n += r.target == target;
    return n;
  }

 private:
  asio::awaitable<void> accept() {
    for (;;) {
      error_code ec;
      auto socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(ioc_, serve(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }

  asio::awaitable<void> serve(beast::tcp_stream stream) {
    error_code ec;
    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    const auto& req = parser.get();
    received r;
    r.target = std::string(req.target());
    r.content_type = std::string(req[http::field::content_type]);
    r.auth = std::string(req["X-Api-Key"]);
    r.user_agent = std::string(req[http::field::user_agent]);
    r.host = std::string(req[http::field::host]);
    if (r.content_type.rfind("multipart/form-data", 0) == 0)
      parse_multipart(req.body(), boundary_of(r.content_type), r);
    else
      r.jpeg = req.body();
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(r);
    }

    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::connection, "close");
    const std::string path = r.target.substr(0, r.target.find('?'));
    if (path == "/fast" || path == "/slow") {
      if (path == "/slow") {
        asio::steady_timer timer(stream.get_executor(), 2s);
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      nlohmann::json answer = {{"predictions", {{{"label", "tooth"}, {"confidence", 0.9}}}},
                               {"received",
                                {{"content_type", r.content_type},
                                 {"auth", r.auth},
                                 {"field", r.field},
                                 {"jpeg_bytes", r.jpeg.size()},
                                 {"target", r.target}}}};
      res.body() = answer.dump();
    } else if (path == "/fail") {
      res.result(http::status::internal_server_error);
      res.set(http::field::content_type, "text/plain");
      res.body() = "boom";
    } else if (path == "/long-fail") {
      res.result(http::status::service_unavailable);
      res.body() = std::string(300, 'x');
    } else if (path == "/malformed") {
      res.body() = "{not json";
    } else if (path == "/scalar") {
      res.body() = "42";
    } else if (path == "/huge") {
      std::string big = "[";
      while (big.size() < 2 * 1024 * 1024) big += "1234567890,";
      big += "0]";
      res.body() = std::move(big);
    } else {
      res.result(http::status::not_found);
      res.body() = "{}";
    }
    res.prepare_payload();
    stream.expires_after(5s);
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<received> requests_;
};

// The gateway's side: an io_context on two threads (the analyzer's executor).
class io_threads {
 public:
  io_threads() : guard_(asio::make_work_guard(ioc_)) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~io_threads() {
    guard_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }
  asio::any_io_executor executor() { return ioc_.get_executor(); }
  bool runs_here() const {
    for (const auto& t : threads_)
      if (t.get_id() == std::this_thread::get_id()) return true;
    return false;
  }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

// A picture with bytes that would trip a careless parser: NULs, CR LF, "--".
core::frame_ptr test_picture(std::uint64_t seq = 7) {
  std::vector<std::uint8_t> jpeg = {0xFF, 0xD8, 0xFF, 0xE0};
  for (int i = 0; i < 20000; ++i) jpeg.push_back(static_cast<std::uint8_t>((i * 131) ^ (i >> 3)));
  const std::string tricky = "\r\n--boundary\r\n\0\0";
  jpeg.insert(jpeg.end(), tricky.begin(), tricky.end());
  jpeg.push_back(0xFF);
  jpeg.push_back(0xD9);
  return core::make_frame(std::move(jpeg), seq, 1'700'000'000'000'000);
}

std::string bytes_of(const core::frame_ptr& f) {
  return std::string(reinterpret_cast<const char*>(f->bytes().data()), f->size());
}

// Collects callback results; wait() blocks until `n` arrived or the deadline passes.
class results {
 public:
  http_analyzer::callback add(io_threads* io = nullptr) {
    return [this, io](const http_analysis& a) {
      std::lock_guard lock(mutex_);
      got_.push_back(a);
      if (io && !io->runs_here()) off_executor_ = true;
      cv_.notify_all();
    };
  }
  std::vector<http_analysis> wait(std::size_t n, std::chrono::milliseconds max = 4s) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, max, [&] { return got_.size() >= n; });
    return got_;
  }
  bool off_executor() const {
    std::lock_guard lock(mutex_);
    return off_executor_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<http_analysis> got_;
  bool off_executor_ = false;
};

http_analyzer_options options_for(const std::string& url) {
  http_analyzer_options o;
  o.name = "dental";
  o.url = url;
  o.timeout = 3000ms;
  return o;
}

TEST(HttpAnalyzer, MultipartPictureAndAuthHeaderArrive) {
  fake_analyzer server;
  io_threads io;
  auto o = options_for(server.url("/fast?model=teeth"));
  o.field = "upload";
  o.auth_header = "X-Api-Key:  secret-1";
  http_analyzer analyzer(io.executor(), o);
  results r;
  const auto picture = test_picture(42);
  analyzer.analyze("camera:1", picture, r.add(&io));
  const auto got = r.wait(1);
  ASSERT_EQ(got.size(), 1u);
  const auto& a = got[0];
  EXPECT_TRUE(a.ok) << a.error;
  EXPECT_EQ(a.http_status, 200u);
  EXPECT_EQ(a.error, "");
  EXPECT_EQ(a.frame_seq, 42u);
  EXPECT_EQ(a.captured_at_us, picture->capture_us());
  EXPECT_GT(a.ms, 0);
  ASSERT_TRUE(a.body.is_object());
  EXPECT_EQ(a.body["predictions"][0]["label"], "tooth");
  EXPECT_EQ(a.body["received"]["field"], "upload");
  EXPECT_EQ(a.body["received"]["jpeg_bytes"], picture->size());
  EXPECT_EQ(a.body["received"]["auth"], "secret-1");
  EXPECT_FALSE(r.off_executor());

  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/fast?model=teeth");
  EXPECT_EQ(seen[0].content_type.rfind("multipart/form-data; boundary=", 0), 0u);
  EXPECT_EQ(seen[0].field, "upload");
  EXPECT_EQ(seen[0].filename, "frame.jpg");
  EXPECT_EQ(seen[0].part_type, "image/jpeg");
  EXPECT_EQ(seen[0].jpeg, bytes_of(picture));
  EXPECT_EQ(seen[0].auth, "secret-1");
  EXPECT_EQ(seen[0].user_agent, "camgate");
  EXPECT_EQ(seen[0].host, "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(analyzer.requests(), 1u);
  EXPECT_EQ(analyzer.failures(), 0u);
  EXPECT_FALSE(analyzer.busy("camera:1"));
}

TEST(HttpAnalyzer, RawJpegBody) {
  fake_analyzer server;
  io_threads io;
  auto o = options_for(server.url("/fast"));
  o.format = http_analyzer_options::body_format::jpeg;
  http_analyzer analyzer(io.executor(), o);
  results r;
  const auto picture = test_picture();
  analyzer.analyze("camera:1", picture, r.add());
  const auto got = r.wait(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].ok) << got[0].error;
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].content_type, "image/jpeg");
  EXPECT_EQ(seen[0].field, "");
  EXPECT_EQ(seen[0].jpeg, bytes_of(picture));
  EXPECT_EQ(seen[0].auth, "");
  EXPECT_EQ(got[0].body["received"]["jpeg_bytes"], picture->size());
}

TEST(HttpAnalyzer, TimeoutIsReportedPromptly) {
  fake_analyzer server;
  io_threads io;
  auto o = options_for(server.url("/slow"));
  o.timeout = 300ms;
  http_analyzer analyzer(io.executor(), o);
  results r;
  const auto started = clock::now();
  analyzer.analyze("camera:1", test_picture(), r.add());
  const auto got = r.wait(1, 2s);
  const auto took = clock::now() - started;
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].ok);
  EXPECT_EQ(got[0].http_status, 0u);
  EXPECT_EQ(got[0].error, "timed out after 300 ms");
  EXPECT_LT(took, 1s);
  EXPECT_GE(got[0].ms, 250);
  EXPECT_EQ(analyzer.failures(), 1u);
}

TEST(HttpAnalyzer, FailingAndMalformedAnswers) {
  fake_analyzer server;
  io_threads io;
  struct expectation {
    std::string path;
    unsigned status;
    std::string error;
  };
  const std::vector<expectation> cases = {
      {"/fail", 500, "analyzer answered 500: boom"},
      {"/long-fail", 503, "analyzer answered 503: " + std::string(200, 'x')},
      {"/malformed", 200, "analyzer answered with malformed JSON: "},
      {"/scalar", 200, "analyzer answered with malformed JSON: "},
      {"/huge", 200, "analyzer answer is larger than 1048576 bytes"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    http_analyzer analyzer(io.executor(), options_for(server.url(c.path)));
    results r;
    analyzer.analyze("camera:1", test_picture(), r.add());
    const auto got = r.wait(1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_FALSE(got[0].ok);
    EXPECT_EQ(got[0].http_status, c.status);
    EXPECT_EQ(got[0].error.substr(0, c.error.size()), c.error) << got[0].error;
    if (c.path == "/long-fail") {
      EXPECT_EQ(got[0].error, c.error);
    }
    EXPECT_TRUE(got[0].body.is_null());
    EXPECT_EQ(analyzer.failures(), 1u);
  }
}

TEST(HttpAnalyzer, RefusedConnection) {
  io_threads io;
  std::uint16_t port = 0;
  {
    // A port that nothing listens on: bound, then closed.
    asio::io_context ioc;
    tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  http_analyzer analyzer(io.executor(),
                         options_for("http://127.0.0.1:" + std::to_string(port) + "/fast"));
  results r;
  analyzer.analyze("camera:1", test_picture(), r.add());
  const auto got = r.wait(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].ok);
  EXPECT_EQ(got[0].http_status, 0u);
  EXPECT_EQ(got[0].error.rfind("cannot reach analyzer 127.0.0.1:" + std::to_string(port), 0), 0u)
      << got[0].error;
}

TEST(HttpAnalyzer, OneRequestInFlightPerKey) {
  fake_analyzer server;
  io_threads io;
  http_analyzer analyzer(io.executor(), options_for(server.url("/slow")));
  results same_key;
  results other_key;
  const auto started = clock::now();
  analyzer.analyze("camera:1", test_picture(1), same_key.add());
  EXPECT_TRUE(analyzer.busy("camera:1"));
  EXPECT_FALSE(analyzer.busy("camera:2"));
  analyzer.analyze("camera:1", test_picture(2), same_key.add());
  analyzer.analyze("camera:2", test_picture(3), other_key.add());
  EXPECT_TRUE(analyzer.busy("camera:2"));

  const auto got = same_key.wait(2);
  const auto other = other_key.wait(1);
  const auto took = clock::now() - started;
  ASSERT_EQ(got.size(), 2u);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_TRUE(got[0].ok) << got[0].error;
  // Both callbacks got the one request's answer: the first picture's.
  EXPECT_EQ(got[0].frame_seq, 1u);
  EXPECT_EQ(got[1].frame_seq, 1u);
  EXPECT_EQ(got[0].body, got[1].body);
  EXPECT_EQ(got[0].ms, got[1].ms);
  EXPECT_TRUE(other[0].ok) << other[0].error;
  EXPECT_EQ(other[0].frame_seq, 3u);
  // The two keys ran side by side: one slow answer's time, not two.
  EXPECT_LT(took, 3500ms);
  EXPECT_EQ(server.count("/slow"), 2);
  EXPECT_EQ(analyzer.requests(), 2u);
  EXPECT_FALSE(analyzer.busy("camera:1"));
}

TEST(HttpAnalyzer, CallbacksAreNeverInlineAndMayThrow) {
  io_threads io;
  // Even a result known at once (no picture) comes through the executor.
  http_analyzer analyzer(io.executor(), options_for("http://127.0.0.1:9/x"));
  std::promise<std::thread::id> where;
  analyzer.analyze("k", nullptr, [&](const http_analysis& a) {
    EXPECT_FALSE(a.ok);
    where.set_value(std::this_thread::get_id());
  });
  auto f = where.get_future();
  ASSERT_EQ(f.wait_for(2s), std::future_status::ready);
  EXPECT_NE(f.get(), std::this_thread::get_id());

  fake_analyzer server;
  http_analyzer fast(io.executor(), options_for(server.url("/fast")));
  fast.analyze("k", test_picture(), [](const http_analysis&) { throw std::runtime_error("oops"); });
  results r;
  fast.analyze("k", test_picture(), r.add());
  ASSERT_EQ(r.wait(1).size(), 1u);
  // The executor survived the throwing callback.
  results after;
  fast.analyze("k", test_picture(), after.add());
  ASSERT_EQ(after.wait(1).size(), 1u);
  EXPECT_TRUE(after.wait(1)[0].ok);
}

TEST(HttpAnalyzer, DestroyedWhileRequestsArePending) {
  fake_analyzer server;
  asio::io_context ioc;
  std::atomic<int> called{0};
  {
    auto analyzer =
        std::make_shared<http_analyzer>(ioc.get_executor(), options_for(server.url("/slow")));
    analyzer->analyze("camera:1", test_picture(), [&](const http_analysis&) { ++called; });
    analyzer->analyze("camera:1", test_picture(), [&](const http_analysis&) { ++called; });
    analyzer->analyze("camera:2", test_picture(), [&](const http_analysis&) { ++called; });
    // Let the requests reach the server.
    ioc.run_for(200ms);
  }
  // Pending work ends promptly after the analyzer is gone, without a crash.
  const auto started = clock::now();
  ioc.run_for(3s);
  EXPECT_TRUE(ioc.stopped());
  EXPECT_LT(clock::now() - started, 1s);
  EXPECT_EQ(called.load(), 0);
}

TEST(HttpAnalyzer, InvalidUrlsThrow) {
  asio::io_context ioc;
  for (const std::string url :
       {"", "https://127.0.0.1/x", "HTTPS://host/x", "ftp://host/", "http://", "http:///path",
        "http://host:/x", "http://host:0/x", "http://host:70000/x", "http://host:80a/x",
        "http://user:pw@host/x", "http://[::1/x", "http://[zz]/x", "http://ho st/x",
        "http://host/a b", "127.0.0.1:8080/x"}) {
    SCOPED_TRACE(url);
    EXPECT_THROW(http_analyzer(ioc.get_executor(), options_for(url)), std::invalid_argument);
  }
  for (const std::string url :
       {"http://127.0.0.1:32168/v1/vision/detection", "http://host", "HTTP://Host.example:8080?x=1",
        "http://[::1]:5000/analyze", "http://[::1]/", "http://ai_backend/x#frag"}) {
    SCOPED_TRACE(url);
    EXPECT_NO_THROW(http_analyzer(ioc.get_executor(), options_for(url)));
  }
  auto o = options_for("http://host/x");
  o.auth_header = "no colon";
  EXPECT_THROW(http_analyzer(ioc.get_executor(), o), std::invalid_argument);
  o.auth_header = "X-Key: a\r\nX-Evil: b";
  EXPECT_THROW(http_analyzer(ioc.get_executor(), o), std::invalid_argument);
  o.auth_header = "";
  o.field = "a\"b";
  EXPECT_THROW(http_analyzer(ioc.get_executor(), o), std::invalid_argument);
}

TEST(HttpAnalyzer, ResolvesHostNamesAndIpv6Literals) {
  fake_analyzer server;
  io_threads io;
  results r;
  http_analyzer by_name(io.executor(),
                        options_for("http://localhost:" + std::to_string(server.port()) + "/fast"));
  by_name.analyze("k", test_picture(), r.add());
  const auto got = r.wait(1);
  ASSERT_EQ(got.size(), 1u);
  // localhost may resolve to ::1 first; the client tries each address.
  EXPECT_TRUE(got[0].ok) << got[0].error;
  EXPECT_EQ(server.requests().at(0).host, "localhost:" + std::to_string(server.port()));
}

}  // namespace
}  // namespace camgate::analysis
