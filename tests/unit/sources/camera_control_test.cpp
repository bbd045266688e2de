// camera_control against camgate-camsim's server in both firmware layouts.
#include "sources/camera_control.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "camsim/server.hpp"

using namespace camgate;
using sources::camera_control;
using sources::control_error;
using sources::control_failure;

namespace {

// A camsim server on its own thread.
class running_camsim {
 public:
  explicit running_camsim(bool stream) : server_(io_, options(stream)) {
    server_.start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~running_camsim() {
    server_.stop();
    thread_.join();
  }
  camsim::server& operator*() { return server_; }

 private:
  static camsim::server_options options(bool stream) {
    camsim::server_options o;
    o.port = 0;
    o.width = 320;
    o.height = 240;
    o.stream = stream;
    return o;
  }
  asio::io_context io_;
  camsim::server server_;
  std::thread thread_;
};

// Runs `f` (a coroutine) to completion on a private io_context.
template <typename F>
auto run(F f) {
  asio::io_context io;
  auto fut = asio::co_spawn(io, f(), asio::use_future);
  io.run();
  return fut.get();
}

constexpr std::chrono::milliseconds kTimeout{2000};

sources::camera_status status_of(camera_control& ctl) {
  auto r = run([&] { return ctl.read_status(); });
  if (auto* f = std::get_if<control_failure>(&r)) {
    ADD_FAILURE() << f->message;
    return {};
  }
  return std::get<sources::camera_status>(r);
}

control_failure failure_of(camera_control& ctl) {
  auto r = run([&] { return ctl.read_status(); });
  if (!std::get_if<control_failure>(&r)) {
    ADD_FAILURE() << "read_status succeeded";
    return {};
  }
  return std::get<control_failure>(r);
}

// A port nothing listens on (bound, then closed).
std::uint16_t closed_port() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

}  // namespace

TEST(CameraControl, ReadsAndChangesTheStockFirmwaresSettings) {
  running_camsim cam(true);
  camera_control ctl({"127.0.0.1", (*cam).capture_port(), ""}, kTimeout);
  EXPECT_EQ(ctl.candidate_ports(), std::vector<std::uint16_t>{(*cam).capture_port()});
  auto st = status_of(ctl);
  EXPECT_EQ(st.control_port, (*cam).capture_port());
  EXPECT_EQ(st.settings.at("framesize"), 5);

  EXPECT_FALSE(run([&] { return ctl.set_control("framesize", 8); }));
  EXPECT_FALSE(run([&] { return ctl.set_control("quality", 20); }));
  st = status_of(ctl);
  EXPECT_EQ(st.settings.at("framesize"), 8);
  EXPECT_EQ(st.settings.at("quality"), 20);

  // The firmware's 500: rejected, naming what was refused.
  auto bad = run([&] { return ctl.set_control("framesize", 99); });
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->kind, control_error::rejected);
  EXPECT_EQ(bad->message, "/control refused framesize=99 (HTTP 500)");
}

TEST(CameraControl, SetControlFindsTheControlPortItself) {
  running_camsim cam(true);
  camera_control ctl({"127.0.0.1", (*cam).capture_port(), ""}, kTimeout);
  EXPECT_FALSE(run([&] { return ctl.set_control("vflip", 1); }));
  EXPECT_EQ(status_of(ctl).settings.at("vflip"), 1);
}

TEST(CameraControl, AStreamUrlOnTheNextPortHasItsSettingsOnePortBelow) {
  running_camsim cam(true);
  const auto url = "http://127.0.0.1:" + std::to_string((*cam).stream_port()) + "/stream";
  camera_control ctl({"127.0.0.1", (*cam).stream_port(), url}, kTimeout);
  const std::vector<std::uint16_t> want{(*cam).capture_port(), (*cam).stream_port()};
  EXPECT_EQ(ctl.candidate_ports(), want);
  EXPECT_EQ(status_of(ctl).control_port, (*cam).capture_port());
}

TEST(CameraControl, Port81MeansTheFirmwaresPort80) {
  camera_control ctl({"cam.local", 81, ""}, kTimeout);
  EXPECT_EQ(ctl.candidate_ports(), (std::vector<std::uint16_t>{80, 81}));
  camera_control plain({"cam.local", 80, ""}, kTimeout);
  EXPECT_EQ(plain.candidate_ports(), std::vector<std::uint16_t>{80});
}

TEST(CameraControl, TheSeedSketchHasNoControl) {
  running_camsim cam(false);
  camera_control ctl({"127.0.0.1", (*cam).capture_port(), ""}, kTimeout);
  const auto f = failure_of(ctl);
  EXPECT_EQ(f.kind, control_error::no_control);
  EXPECT_NE(f.message.find("/status answered HTTP 404"), std::string::npos) << f.message;
  auto set = run([&] { return ctl.set_control("quality", 10); });
  ASSERT_TRUE(set);
  EXPECT_EQ(set->kind, control_error::no_control);
}

TEST(CameraControl, NothingListeningIsUnreachable) {
  camera_control ctl({"127.0.0.1", closed_port(), ""}, kTimeout);
  const auto f = failure_of(ctl);
  EXPECT_EQ(f.kind, control_error::unreachable);
  EXPECT_NE(f.message.find("cannot connect to 127.0.0.1:"), std::string::npos) << f.message;
}

TEST(CameraControl, TheGuardKeepsItFromTheGatewayItself) {
  running_camsim cam(true);
  camera_control ctl({"127.0.0.1", (*cam).capture_port(), ""}, kTimeout,
                     [](const tcp::endpoint&) { return true; });
  const auto f = failure_of(ctl);
  EXPECT_EQ(f.kind, control_error::unreachable);
  EXPECT_NE(f.message.find(sources::refused_message), std::string::npos) << f.message;
}
