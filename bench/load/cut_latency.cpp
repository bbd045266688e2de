// camgate-bench-cut: opens N WebSocket streams whose booking ends at --deadline-ms and
// measures, per stream, how long after the deadline the gateway's close frame arrived.
// bench/booking_cut.py starts camsim and camgate, books the user and runs this.
//
//   camgate-bench-cut --port 8080 --target '/api/cameras/1/ws?format=binary'
//       --token "$TOKEN" --count 1000 --deadline-ms 1764625000000   (one line)
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <vector>

#include "core/asio.hpp"

namespace {
using namespace camgate;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct result {
  bool connected = false;
  std::int64_t closed_ms = 0;  // 0: not closed
  int close_code = 0;
  std::string close_reason;
  std::string error;
};

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string target;
  std::string token;
  int count = 1000;
  std::int64_t deadline_ms = 0;
  int wait_after_s = 5;
};

asio::awaitable<void> viewer(const options& o, result& r) {
  auto ex = co_await asio::this_coro::executor;
  websocket::stream<beast::tcp_stream> ws(ex);
  error_code ec;
  beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
  co_await beast::get_lowest_layer(ws).async_connect(
      tcp::endpoint(asio::ip::make_address(o.host), o.port),
      asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    // As browsers do: no Nagle delay on the close handshake's small frames.
    beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true), ec);
    ws.set_option(websocket::stream_base::decorator([&o](websocket::request_type& req) {
      req.set(http::field::authorization, "Bearer " + o.token);
    }));
    co_await ws.async_handshake(o.host, o.target, asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) {
    r.error = ec.message();
    co_return;
  }
  r.connected = true;
  beast::get_lowest_layer(ws).expires_never();
  beast::flat_buffer buf;
  for (;;) {
    co_await ws.async_read(buf, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    buf.consume(buf.size());
  }
  r.closed_ms = wall_ms();
  if (ec == websocket::error::closed) {
    r.close_code = ws.reason().code;
    r.close_reason = std::string(ws.reason().reason.data(), ws.reason().reason.size());
  } else {
    r.error = ec.message();
  }
}

double percentile(std::vector<std::int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return static_cast<double>(v[std::min(i, v.size() - 1)]);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"WebSocket streams cut at a booking's end: deadline-to-close latency"};
  app.add_option("--host", o.host, "gateway address");
  app.add_option("--port", o.port, "gateway port")->required();
  app.add_option("--target", o.target, "stream path, e.g. /api/cameras/1/ws?format=binary")
      ->required();
  app.add_option("--token", o.token, "the booked user's access token")->required();
  app.add_option("--count", o.count, "streams to open");
  app.add_option("--deadline-ms", o.deadline_ms, "unix ms at which the booking ends")->required();
  app.add_option("--wait-after", o.wait_after_s, "seconds to wait past the deadline");
  CLI11_PARSE(app, argc, argv);

  asio::io_context ioc(1);
  std::vector<result> results(static_cast<std::size_t>(o.count));
  for (auto& r : results) asio::co_spawn(ioc, viewer(o, r), asio::detached);
  asio::steady_timer stop(ioc);
  const auto until = o.deadline_ms + o.wait_after_s * 1000 - wall_ms();
  stop.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(until, 0)));
  stop.async_wait([&](error_code) { ioc.stop(); });
  ioc.run();

  std::vector<std::int64_t> after;
  std::map<std::string, int> codes, errors;
  int connected = 0, early = 0, open = 0;
  for (const auto& r : results) {
    if (!r.connected) {
      ++errors[r.error];
      continue;
    }
    ++connected;
    if (!r.closed_ms) {
      ++open;
      continue;
    }
    if (r.close_code) ++codes[std::to_string(r.close_code) + " " + r.close_reason];
    if (!r.error.empty()) ++errors[r.error];
    if (r.closed_ms < o.deadline_ms) ++early;
    after.push_back(r.closed_ms - o.deadline_ms);
  }
  nlohmann::json out = {
      {"streams", o.count},
      {"connected", connected},
      {"closed", after.size()},
      {"closed_before_deadline", early},
      {"still_open", open},
      {"close_codes", codes},
      {"errors", errors},
      {"deadline_to_close_ms",
       {{"p50", percentile(after, 50)},
        {"p90", percentile(after, 90)},
        {"p99", percentile(after, 99)},
        {"max", after.empty() ? 0 : *std::max_element(after.begin(), after.end())},
        {"min", after.empty() ? 0 : *std::min_element(after.begin(), after.end())}}}};
  std::cout << out.dump(2) << std::endl;
  return connected == o.count && open == 0 ? 0 : 1;
}
