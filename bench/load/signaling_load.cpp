// camgate-signaling-load: Socket.IO signaling clients for bench/signaling/run.mjs, from one
// process on one io_context thread, so the load costs a fraction of what socket.io-client
// in Node costs on the same host.
//
// It speaks Engine.IO v4 / Socket.IO v5 over WebSocket only
// (`/socket.io/?EIO=4&transport=websocket`): waits for the open packet `0{...}`, sends
// CONNECT `40{"token":...}` (or puts `&token=` in the URL), waits for `40{"sid":...}`,
// answers every ping `2` with a pong `3`, and emits events as `42["name",{...}]`.
// Works against camgate and against a plain socket.io 4 server (reference_relay.mjs).
//
// Modes:
//  hold   Opens N viewers (--connections 1000,5000,10000: cumulative steps), at most
//         --concurrency handshakes in flight; each connects and registers as a viewer.
//         After each step it prints `READY <connected> {step JSON}` on stderr and waits:
//         a line on stdin starts the next step (after the last: ends the run), stdin
//         closed ends the run at once; with --hold S it waits S seconds instead and does
//         not read stdin. At the end it closes every connection and prints the JSON.
//  relay  One robot and --viewers viewers; every viewer sends an `offer` and waits for
//         the robot's `answer` (camgate: opens the session), then they send
//         `ice-candidate` to the robot at --rate messages/s in total (open loop: message k
//         is due at k/rate s, a 1 ms steady timer sends what is due, round-robin). The
//         candidate carries `seq=` and `ts=` (steady clock, ns); the robot sends each one
//         back to its `from`. Round trip over the --duration s after --warmup.
//         stderr: `READY <viewers>` when set up, `MEASURING` at the end of the warm-up,
//         `DONE` after the last send (then up to --drain s for the last answers).
//         --robot-url puts the robot on another server than the viewers (a cluster:
//         the round trip crosses two nodes); --offer-retry S sends a viewer's offer again
//         S s after an error answered it (the robot's presence had not reached the
//         viewer's node yet), until the setup timeout; such errors are counted apart.
//
// stdout: one JSON object, including this process's own CPU (getrusage).
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/asio.hpp"
#include "histogram.hpp"
#include "url.hpp"

namespace camgate::bench {
namespace {

using json = nlohmann::ordered_json;
using steady = std::chrono::steady_clock;

struct options {
  std::string url;
  std::string mode = "hold";
  std::string token;
  bool token_in_url = false;
  std::string user_id = "bench";
  // hold
  std::vector<int> connections{1000};
  int concurrency = 100;
  double hold_s = 0;
  double connect_timeout_s = 30;
  // relay
  std::string robot_token;
  std::string robot_url;     // empty: the viewers' --url
  double offer_retry_s = 0;  // 0: an error answering an offer counts as an error
  std::string robot_id = "robot-1";
  int viewers = 20;
  double rate = 1000;
  double duration_s = 10;
  double warmup_s = 1;
  double drain_s = 3;
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch())
      .count();
}

// Percentiles in `unit`s of the recorded values (1000: ns recorded, µs shown).
json histogram_json(const histogram& h, double unit, int digits) {
  return {{"samples", h.count()},
          {"p50", round_to(h.percentile(50) / unit, digits)},
          {"p90", round_to(h.percentile(90) / unit, digits)},
          {"p99", round_to(h.percentile(99) / unit, digits)},
          {"p999", round_to(h.percentile(99.9) / unit, digits)},
          {"max", round_to(static_cast<double>(h.max()) / unit, digits)},
          {"mean", round_to(h.mean() / unit, digits)}};
}

struct cpu_sample {
  double user_s = 0;
  double sys_s = 0;
  long max_rss_kb = 0;
  std::int64_t at_ns = 0;
};

cpu_sample cpu_now() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return {sec(ru.ru_utime), sec(ru.ru_stime), ru.ru_maxrss, now_ns()};
}

long rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.starts_with("VmRSS:")) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

json cpu_json(const cpu_sample& a, const cpu_sample& b) {
  const double wall = static_cast<double>(b.at_ns - a.at_ns) / 1e9;
  const double cpu = (b.user_s - a.user_s) + (b.sys_s - a.sys_s);
  return {{"wall_s", round_to(wall, 3)},
          {"cpu_user_s", round_to(b.user_s - a.user_s, 3)},
          {"cpu_sys_s", round_to(b.sys_s - a.sys_s, 3)},
          {"cpu_percent", wall > 0 ? round_to(100.0 * cpu / wall, 1) : 0.0},
          {"max_rss_kb", b.max_rss_kb}};
}

std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string event_packet(std::string_view name, const json& payload) {
  return "42" + json::array({std::string(name), payload}).dump();
}

// What every client shares.
struct setup {
  tcp::endpoint endpoint;
  std::string host_header;
  std::string target;  // without the token
  std::chrono::steady_clock::duration connect_timeout{};
};

// One Socket.IO client over a Beast WebSocket: connect, handshake, CONNECT with the token,
// register; after that it hands every event to on_event and answers pings.
class sio_client {
 public:
  // on_ready(ok): registered (true) or failed before (false); called once.
  std::function<void(bool)> on_ready;
  // on_event(name, whole packet text starting at `42`), after registration.
  std::function<void(std::string_view, std::string_view)> on_event;

  sio_client(asio::io_context& ioc, const setup& s, const std::string& token, bool token_in_url,
             std::string register_packet)
      : s_(s), ws_(ioc), timer_(ioc), register_(std::move(register_packet)) {
    target_ = s.target;
    if (token_in_url && !token.empty()) target_ += "&token=" + url_encode(token);
    connect_ = (token_in_url || token.empty()) ? "40" : "40" + json{{"token", token}}.dump();
  }

  void start() {
    started_ns_ = now_ns();
    timer_.expires_after(s_.connect_timeout);
    timer_.async_wait([this](error_code ec) {
      if (!ec && !registered_) fail("timeout", {});
    });
    ws_.next_layer().async_connect(s_.endpoint, [this](error_code ec) {
      if (ec) return fail("connect", ec);
      error_code ignored;
      ws_.next_layer().set_option(tcp::no_delay(true), ignored);
      ws_.auto_fragment(false);
      ws_.read_message_max(1 << 20);
      ws_.async_handshake(s_.host_header, target_, [this](error_code ec) {
        if (ec) return fail("websocket handshake", ec);
        read();
      });
    });
  }

  void emit(std::string packet) {
    if (failed_) return;
    out_.push_back(std::move(packet));
    if (!writing_) write_next();
  }

  void close() {
    closing_ = true;
    error_code ignored;
    timer_.cancel();
    ws_.next_layer().close(ignored);
  }

  bool registered() const { return registered_; }
  bool failed() const { return failed_; }
  bool alive() const { return registered_ && !failed_; }
  const std::string& error() const { return error_; }
  std::int64_t connect_ns() const { return ready_ns_ - started_ns_; }

 private:
  void read() {
    ws_.async_read(buf_, [this](error_code ec, std::size_t) {
      if (ec) return fail(registered_ ? "disconnected" : "read", ec);
      const auto data = buf_.cdata();
      on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
      buf_.consume(buf_.size());
      if (!failed_) read();
    });
  }

  void on_message(std::string_view m) {
    if (m.empty()) return;
    switch (m[0]) {
      case '0':  // Engine.IO open
        emit(connect_);
        return;
      case '1':
        return fail("engine.io close", {});
      case '2':
        emit("3" + std::string(m.substr(1)));
        return;
      case '4':
        break;
      default:
        return;  // pong, noop
    }
    if (m.size() < 2) return;
    switch (m[1]) {
      case '0':  // CONNECT accepted
        emit(register_);
        return;
      case '1':
        return fail("server disconnect", {});
      case '4': {  // CONNECT_ERROR
        std::string why = "connect_error";
        auto j = json::parse(m.substr(2), nullptr, false);
        if (j.is_object() && j.contains("message") && j["message"].is_string())
          why += ": " + j["message"].get<std::string>().substr(0, 80);
        return fail(why, {});
      }
      case '2':
        break;
      default:
        return;
    }
    // EVENT: 42[ack id]["name",...]
    std::size_t p = 2;
    while (p < m.size() && m[p] >= '0' && m[p] <= '9') ++p;
    if (m.substr(p).starts_with("/")) {  // another namespace: not ours
      return;
    }
    if (!m.substr(p).starts_with("[\"")) return;
    const auto end = m.find('"', p + 2);
    if (end == std::string_view::npos) return;
    const auto name = m.substr(p + 2, end - p - 2);
    if (!registered_) {
      if (name == "registered") {
        registered_ = true;
        ready_ns_ = now_ns();
        timer_.cancel();
        ready(true);
      } else if (name == "error") {
        std::string why = "error before registered";
        auto j = json::parse(m.substr(p), nullptr, false);
        if (j.is_array() && j.size() > 1 && j[1].is_object() && j[1].contains("error"))
          why += ": " + j[1]["error"].dump().substr(0, 80);
        fail(why, {});
      }
      return;
    }
    if (on_event) on_event(name, m);
  }

  void write_next() {
    writing_ = true;
    ws_.async_write(asio::buffer(out_.front()), [this](error_code ec, std::size_t) {
      if (ec) {
        writing_ = false;
        return fail("write", ec);
      }
      out_.pop_front();
      if (out_.empty() || failed_)
        writing_ = false;
      else
        write_next();
    });
  }

  void fail(std::string what, error_code ec) {
    if (failed_) return;
    failed_ = true;
    if (!closing_) error_ = ec ? what + ": " + ec.message() : what;
    error_code ignored;
    timer_.cancel();
    ws_.next_layer().close(ignored);
    out_.clear();
    ready(false);
  }

  void ready(bool ok) {
    if (!on_ready) return;
    auto f = std::move(on_ready);
    on_ready = nullptr;
    f(ok);
  }

  const setup& s_;
  websocket::stream<tcp::socket> ws_;
  asio::steady_timer timer_;
  beast::flat_buffer buf_;
  std::string target_;
  std::string connect_;
  std::string register_;
  std::deque<std::string> out_;
  std::string error_;
  bool writing_ = false;
  bool registered_ = false;
  bool failed_ = false;
  bool closing_ = false;
  std::int64_t started_ns_ = 0;
  std::int64_t ready_ns_ = 0;
};

std::string register_packet(std::string_view user_id, std::string_view type) {
  return event_packet("register",
                      {{"userId", std::string(user_id)}, {"userType", std::string(type)}});
}

void count_error(std::map<std::string, std::uint64_t>& kinds, const std::string& e) {
  if (kinds.size() < 30 || kinds.count(e)) ++kinds[e];
}

// Watches stdin on the io_context: on_line for each newline, on_eof once at the end.
class stdin_watch {
 public:
  stdin_watch(asio::io_context& ioc, std::function<void()> on_line, std::function<void()> on_eof)
      : in_(ioc), on_line_(std::move(on_line)), on_eof_(std::move(on_eof)) {
    error_code ec;
    in_.assign(::dup(STDIN_FILENO), ec);
    if (ec) {
      asio::post(ioc, [this] { on_eof_(); });
      return;
    }
    read();
  }
  void cancel() {
    error_code ignored;
    in_.close(ignored);
  }

 private:
  void read() {
    in_.async_read_some(asio::buffer(buf_), [this](error_code ec, std::size_t n) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) return on_eof_();
      for (std::size_t i = 0; i < n; ++i)
        if (buf_[i] == '\n') on_line_();
      read();
    });
  }
  asio::posix::stream_descriptor in_;
  std::array<char, 256> buf_{};
  std::function<void()> on_line_;
  std::function<void()> on_eof_;
};

// ------------------------------------------------------------------ hold
int run_hold(const options& opt, asio::io_context& ioc, const setup& s) {
  std::vector<std::unique_ptr<sio_client>> clients;
  std::vector<int> steps = opt.connections;
  std::sort(steps.begin(), steps.end());
  clients.reserve(static_cast<std::size_t>(std::max(0, steps.back())));
  const std::string reg = register_packet(opt.user_id, "viewer");

  const cpu_sample cpu_start = cpu_now();
  std::size_t step = 0;
  int in_flight = 0, completed_in_step = 0, opened = 0;
  std::int64_t step_start_ns = 0;
  cpu_sample step_cpu;
  histogram step_connect, all_connect;
  std::map<std::string, std::uint64_t> error_kinds;
  std::uint64_t failures = 0;
  json step_results = json::array();
  bool finished = false;
  bool waiting = false;  // a step is done, waiting for stdin / --hold
  asio::steady_timer hold_timer(ioc);
  std::optional<stdin_watch> in;
  cpu_sample cpu_held;
  std::size_t connected_at_end = 0;
  long rss_held_kb = 0;

  auto alive = [&] {
    std::size_t n = 0;
    for (const auto& c : clients) n += c->alive() ? 1 : 0;
    return n;
  };

  std::function<void()> pump, start_step, step_done, finish, next;
  finish = [&] {
    if (finished) return;
    finished = true;
    cpu_held = cpu_now();
    connected_at_end = alive();
    rss_held_kb = rss_kb();
    for (auto& c : clients) c->close();
    hold_timer.cancel();
    if (in) in->cancel();
    std::cerr << "CLOSED " << clients.size() << std::endl;
    // Let the close handlers run, then stop.
    asio::post(ioc, [&] { ioc.stop(); });
  };
  next = [&] {
    if (finished || !waiting) return;
    waiting = false;
    if (++step < steps.size())
      start_step();
    else
      finish();
  };
  step_done = [&] {
    const auto t = now_ns();
    const auto c = cpu_now();
    const std::size_t n = alive();
    json j{{"step", step + 1},
           {"attempted", steps[step]},
           {"connected", n},
           {"connect_seconds", round_to(static_cast<double>(t - step_start_ns) / 1e9, 3)},
           {"connect_ms", histogram_json(step_connect, 1e6, 3)},
           {"failures", failures},
           {"errors", error_kinds},
           {"client", cpu_json(step_cpu, c)},
           {"client_rss_kb", rss_kb()}};
    step_results.push_back(j);
    std::cerr << "READY " << n << " " << j.dump() << std::endl;
    waiting = true;
    if (opt.hold_s > 0) {
      hold_timer.expires_after(
          std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(opt.hold_s)));
      hold_timer.async_wait([&](error_code ec) {
        if (!ec) next();
      });
    }
  };
  pump = [&] {
    while (!finished && in_flight < opt.concurrency && opened < steps[step]) {
      ++opened;
      ++in_flight;
      clients.push_back(std::make_unique<sio_client>(ioc, s, opt.token, opt.token_in_url, reg));
      auto* c = clients.back().get();
      c->on_ready = [&, c](bool ok) {
        --in_flight;
        if (finished) return;
        ++completed_in_step;
        if (ok) {
          step_connect.record(c->connect_ns());
          all_connect.record(c->connect_ns());
        } else {
          ++failures;
          count_error(error_kinds, c->error());
        }
        if (opened >= steps[step] && in_flight == 0)
          step_done();
        else
          pump();
      };
      c->start();
    }
  };
  start_step = [&] {
    step_start_ns = now_ns();
    step_cpu = cpu_now();
    completed_in_step = 0;
    step_connect = histogram();
    if (opened >= steps[step]) return step_done();
    pump();
  };

  if (opt.hold_s <= 0)
    in.emplace(
        ioc, [&] { next(); }, [&] { finish(); });
  start_step();
  ioc.run();

  std::uint64_t disconnected = 0;
  std::map<std::string, std::uint64_t> after_kinds;
  for (const auto& c : clients) {
    if (c->registered() && c->failed() && !c->error().empty()) {
      ++disconnected;
      count_error(after_kinds, c->error());
    }
  }
  json out;
  out["mode"] = "hold";
  out["url"] = opt.url;
  out["steps"] = step_results;
  out["attempted"] = opened;
  out["connected_at_end"] = connected_at_end;
  out["failures"] = failures;
  out["error_kinds"] = error_kinds;
  out["disconnected_after_register"] = disconnected;
  out["disconnect_kinds"] = after_kinds;
  out["connect_ms"] = histogram_json(all_connect, 1e6, 3);
  out["client"] = cpu_json(cpu_start, cpu_held);
  out["client"]["rss_kb_held"] = rss_held_kb;
  out["client"]["cpu_ms_per_connect"] =
      opened ? round_to(
                   1000.0 *
                       ((cpu_held.user_s - cpu_start.user_s) + (cpu_held.sys_s - cpu_start.sys_s)) /
                       opened,
                   3)
             : 0.0;
  std::cout << out.dump(2) << std::endl;
  return 0;
}

// ------------------------------------------------------------------ relay
std::optional<std::int64_t> number_after(std::string_view m, std::string_view key) {
  const auto p = m.find(key);
  if (p == std::string_view::npos) return std::nullopt;
  std::int64_t v = 0;
  const char* b = m.data() + p + key.size();
  auto [e, ec] = std::from_chars(b, m.data() + m.size(), v);
  if (ec != std::errc{} || e == b) return std::nullopt;
  return v;
}

int run_relay(const options& opt, asio::io_context& ioc, const setup& s, const setup& robot_s) {
  const int n = std::max(1, opt.viewers);
  const auto total =
      static_cast<std::uint64_t>(std::llround(opt.rate * (opt.warmup_s + opt.duration_s)));
  const auto warmup_count = static_cast<std::uint64_t>(std::llround(opt.rate * opt.warmup_s));

  std::map<std::string, std::uint64_t> error_kinds;
  std::uint64_t error_events = 0, echoed = 0, received = 0, unmatched = 0;
  histogram rtt;
  std::string setup_error;

  auto on_error_event = [&](const std::string& who, std::string_view m) {
    ++error_events;
    std::string what = "?";
    auto j = json::parse(m.substr(2), nullptr, false);
    if (j.is_array() && j.size() > 1 && j[1].is_object() && j[1].contains("error"))
      what = j[1]["error"].is_string() ? j[1]["error"].get<std::string>() : j[1]["error"].dump();
    count_error(error_kinds, who + what.substr(0, 60));
  };

  // The robot: answers offers, sends every candidate back to its sender.
  sio_client robot(ioc, robot_s, opt.robot_token, opt.token_in_url,
                   register_packet(opt.robot_id, "robot"));
  robot.on_event = [&](std::string_view name, std::string_view m) {
    if (name == "error") return on_error_event("robot: ", m);
    if (name != "offer" && name != "ice-candidate") return;
    auto j = json::parse(m.substr(2), nullptr, false);
    if (!j.is_array() || j.size() < 2 || !j[1].is_object() || !j[1].contains("from")) return;
    const json& from = j[1]["from"];
    if (name == "offer") {
      robot.emit(event_packet(
          "answer", {{"to", from}, {"answer", {{"type", "answer"}, {"sdp", "v=0 bench"}}}}));
    } else {
      ++echoed;
      robot.emit(event_packet("ice-candidate", {{"to", from}, {"candidate", j[1]["candidate"]}}));
    }
  };

  std::vector<std::unique_ptr<sio_client>> viewers, late_viewers;
  std::set<const sio_client*> has_answer;
  bool begun = false;
  int answered = 0, viewers_failed = 0;
  std::uint64_t sent = 0, max_behind = 0;
  std::int64_t start_ns = 0;
  bool measuring = false;
  cpu_sample cpu_start, cpu_window_start, cpu_window_end;
  asio::steady_timer tick(ioc), setup_timer(ioc);
  std::uint64_t offer_retries = 0;
  const std::string prefix =
      "42[\"ice-candidate\",{\"to\":" + json(opt.robot_id).dump() +
      ",\"candidate\":{\"candidate\":\"candidate:842163049 1 udp 1677729535 192.0.2.";

  std::function<void()> on_tick, begin, drain, finish;
  finish = [&] {
    for (auto& v : viewers) v->close();
    for (auto& v : late_viewers) v->close();
    robot.close();
    tick.cancel();
    setup_timer.cancel();
    asio::post(ioc, [&] { ioc.stop(); });
  };
  std::int64_t drain_deadline_ns = 0;
  drain = [&] {
    if (received >= sent || now_ns() >= drain_deadline_ns) return finish();
    tick.expires_after(std::chrono::milliseconds(10));
    tick.async_wait([&](error_code ec) {
      if (!ec) drain();
    });
  };
  std::string packet;
  packet.reserve(512);
  on_tick = [&] {
    const auto now = now_ns();
    if (!measuring && now - start_ns >= static_cast<std::int64_t>(opt.warmup_s * 1e9)) {
      measuring = true;
      cpu_window_start = cpu_now();
      std::cerr << "MEASURING" << std::endl;
    }
    const auto due = std::min<std::uint64_t>(
        total, static_cast<std::uint64_t>(static_cast<double>(now - start_ns) / 1e9 * opt.rate));
    if (due > sent) max_behind = std::max(max_behind, due - sent);
    char tail[160];
    while (sent < due) {
      auto& v = *viewers[sent % viewers.size()];
      const int len =
          std::snprintf(tail, sizeof tail,
                        "%llu %llu typ srflx raddr 0.0.0.0 rport 0 generation 0 seq=%llu "
                        "ts=%lld\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}]",
                        static_cast<unsigned long long>(sent % 250),
                        static_cast<unsigned long long>(40000 + sent % 20000),
                        static_cast<unsigned long long>(sent), static_cast<long long>(now_ns()));
      packet.assign(prefix);
      packet.append(tail, static_cast<std::size_t>(len));
      v.emit(packet);
      ++sent;
    }
    if (sent >= total) {
      if (!measuring) cpu_window_start = cpu_now();
      cpu_window_end = cpu_now();
      std::cerr << "DONE" << std::endl;
      drain_deadline_ns = now_ns() + static_cast<std::int64_t>(opt.drain_s * 1e9);
      return drain();
    }
    tick.expires_after(std::chrono::milliseconds(1));
    tick.async_wait([&](error_code ec) {
      if (!ec) on_tick();
    });
  };
  begin = [&] {
    if (begun) return;
    begun = true;
    // Only viewers whose offer was answered take part (the others are closed).
    std::vector<std::unique_ptr<sio_client>> ok;
    for (auto& v : viewers) {
      if (v->alive() && has_answer.count(v.get())) {
        ok.push_back(std::move(v));
      } else {
        v->close();
        late_viewers.push_back(std::move(v));
      }
    }
    viewers = std::move(ok);
    setup_timer.cancel();
    if (viewers.empty() || !robot.alive()) {
      setup_error = "no viewer ready";
      return finish();
    }
    std::cerr << "READY " << viewers.size() << std::endl;
    start_ns = now_ns();
    cpu_start = cpu_now();
    on_tick();
  };
  auto viewer_settled = [&] {
    if (answered + viewers_failed == n) begin();
  };

  auto send_offer = [&](sio_client& v) {
    v.emit(event_packet(
        "offer", {{"to", opt.robot_id}, {"offer", {{"type", "offer"}, {"sdp", "v=0 bench"}}}}));
  };
  std::function<void()> start_viewers = [&] {
    for (int i = 0; i < n; ++i) {
      viewers.push_back(std::make_unique<sio_client>(
          ioc, s, opt.token, opt.token_in_url,
          register_packet(opt.user_id + "-" + std::to_string(i), "viewer")));
      auto* v = viewers.back().get();
      v->on_event = [&, v](std::string_view name, std::string_view m) {
        if (name == "ice-candidate") {
          const auto t = now_ns();
          const auto seq = number_after(m, "seq=");
          const auto ts = number_after(m, " ts=");
          if (!seq || !ts) {
            ++unmatched;
            return;
          }
          ++received;
          if (static_cast<std::uint64_t>(*seq) >= warmup_count) rtt.record(t - *ts);
        } else if (name == "answer") {
          if (has_answer.insert(v).second) {
            ++answered;
            viewer_settled();
          }
        } else if (name == "error") {
          if (opt.offer_retry_s > 0 && !begun && !has_answer.count(v)) {
            // A robot on another node: its presence reaches this node over Redis, and an
            // offer sent before that is refused. Ask again a little later.
            ++offer_retries;
            auto t = std::make_shared<asio::steady_timer>(
                ioc, std::chrono::duration_cast<steady::duration>(
                         std::chrono::duration<double>(opt.offer_retry_s)));
            t->async_wait([&, v, t](error_code ec) {
              if (!ec && !begun) send_offer(*v);
            });
            return;
          }
          on_error_event("", m);
        }
      };
      v->on_ready = [&, v](bool ok) {
        if (!ok) {
          ++viewers_failed;
          count_error(error_kinds, "viewer setup: " + v->error());
          return viewer_settled();
        }
        send_offer(*v);
      };
      v->start();
    }
  };
  robot.on_ready = [&](bool ok) {
    if (!ok) {
      setup_error = "robot: " + robot.error();
      return finish();
    }
    start_viewers();
  };
  setup_timer.expires_after(s.connect_timeout);
  setup_timer.async_wait([&](error_code ec) {
    if (ec) return;
    // Viewers that did not get an answer in time do not take part.
    std::cerr << "camgate-signaling-load: setup timed out, " << answered << " of " << n
              << " viewers answered" << std::endl;
    if (answered == 0) {
      setup_error = "setup timed out";
      return finish();
    }
    begin();
  });
  robot.start();
  ioc.run();

  const auto end = cpu_now();
  json out;
  out["mode"] = "relay";
  out["url"] = opt.url;
  if (!opt.robot_url.empty()) out["robot_url"] = opt.robot_url;
  if (!setup_error.empty()) out["error"] = setup_error;
  out["viewers"] = viewers.size();
  out["viewers_failed"] = viewers_failed;
  out["rate_per_s"] = opt.rate;
  out["duration_s"] = opt.duration_s;
  out["warmup_s"] = opt.warmup_s;
  out["sent"] = sent;
  out["received"] = received;
  out["lost"] = sent - std::min(sent, received);
  out["robot_echoed"] = echoed;
  out["unmatched"] = unmatched;
  out["error_events"] = error_events;
  out["error_kinds"] = error_kinds;
  out["offer_retries"] = offer_retries;
  out["measured_samples"] = rtt.count();
  const double window_s = static_cast<double>(cpu_window_end.at_ns - cpu_window_start.at_ns) / 1e9;
  out["send_rate_achieved_per_s"] =
      window_s > 0
          ? round_to(static_cast<double>(sent - std::min(sent, warmup_count)) / window_s, 1)
          : 0.0;
  out["max_behind_msgs"] = max_behind;
  out["rtt_us"] = histogram_json(rtt, 1e3, 1);
  out["client"] = cpu_json(cpu_window_start, cpu_window_end);
  out["client_total"] = cpu_json(cpu_start.at_ns ? cpu_start : end, end);
  std::cout << out.dump(2) << std::endl;
  return setup_error.empty() ? 0 : 1;
}

// The endpoint and Socket.IO target of a server base URL; nullopt (and a message) if bad.
std::optional<setup> make_setup(asio::io_context& ioc, const std::string& base,
                                const options& opt) {
  const auto url = parse_url(base);
  if (!url) {
    std::cerr << "camgate-signaling-load: " << base << ": want http://HOST:PORT\n";
    return std::nullopt;
  }
  setup s;
  try {
    tcp::resolver resolver(ioc);
    s.endpoint = *resolver.resolve(url->host, url->port).begin();
  } catch (const std::exception& e) {
    std::cerr << "camgate-signaling-load: cannot resolve " << url->host << ": " << e.what() << "\n";
    return std::nullopt;
  }
  s.host_header = url->host + ":" + url->port;
  s.target = "/socket.io/?EIO=4&transport=websocket";
  s.connect_timeout = std::chrono::duration_cast<steady::duration>(
      std::chrono::duration<double>(opt.connect_timeout_s));
  return s;
}

int run(const options& opt) {
  // Many connections need many descriptors: lift the soft limit to the hard one.
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  asio::io_context ioc(1);
  const auto s = make_setup(ioc, opt.url, opt);
  if (!s) return 2;
  if (opt.mode == "hold") return run_hold(opt, ioc, *s);
  const auto robot_s = opt.robot_url.empty() ? s : make_setup(ioc, opt.robot_url, opt);
  if (!robot_s) return 2;
  return run_relay(opt, ioc, *s, *robot_s);
}

}  // namespace
}  // namespace camgate::bench

int main(int argc, char** argv) {
  using camgate::bench::options;
  options opt;
  CLI::App app{
      "camgate-signaling-load: Socket.IO signaling clients (Engine.IO v4 over WebSocket) for "
      "bench/signaling/run.mjs; results as one JSON object on stdout"};
  app.add_option("--url", opt.url, "server base URL, http://HOST:PORT")->required();
  app.add_option("--mode", opt.mode, "hold (N connections held) or relay (round trips)")
      ->check(CLI::IsMember({"hold", "relay"}))
      ->capture_default_str();
  app.add_option("--token", opt.token, "viewers' token (CONNECT auth {token})");
  app.add_flag("--token-in-url", opt.token_in_url,
               "send tokens as &token= in the URL instead of in the CONNECT packet");
  app.add_option("--user-id", opt.user_id, "viewers' userId in register (relay: <id>-<i>)")
      ->capture_default_str();
  app.add_option("--connections", opt.connections,
                 "hold: cumulative steps, e.g. 1000,5000,10000 (READY after each)")
      ->delimiter(',')
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--concurrency", opt.concurrency, "hold: handshakes in flight")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--hold", opt.hold_s,
                 "hold: seconds to wait after each step (0: wait for a line on stdin; stdin "
                 "closed ends the run)")
      ->capture_default_str();
  app.add_option("--connect-timeout", opt.connect_timeout_s,
                 "seconds for one connection to register (relay: for the whole setup)")
      ->capture_default_str();
  app.add_option("--robot-token", opt.robot_token, "relay: the robot's token");
  app.add_option("--robot-url", opt.robot_url,
                 "relay: the robot's server, http://HOST:PORT (default: --url; another "
                 "cluster node: the round trip crosses nodes)");
  app.add_option("--offer-retry", opt.offer_retry_s,
                 "relay: seconds after which a viewer whose offer got an error sends it again, "
                 "until the setup timeout (0: the error counts; a robot on another node: its "
                 "presence may arrive after the viewer's offer)")
      ->check(CLI::Range(0.0, 60.0))
      ->capture_default_str();
  app.add_option("--robot-id", opt.robot_id, "relay: the robot's userId")->capture_default_str();
  app.add_option("--viewers", opt.viewers, "relay: viewers")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--rate", opt.rate, "relay: ice-candidate messages per second, all viewers")
      ->check(CLI::Range(0.1, 1e6))
      ->capture_default_str();
  app.add_option("--duration", opt.duration_s, "relay: seconds measured")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  app.add_option("--warmup", opt.warmup_s, "relay: seconds sent before measuring")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  app.add_option("--drain", opt.drain_s, "relay: seconds to wait for the last answers")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (opt.connections.empty()) opt.connections = {1000};
  try {
    return camgate::bench::run(opt);
  } catch (const std::exception& e) {
    std::cerr << "camgate-signaling-load: " << e.what() << "\n";
    return 1;
  }
}
