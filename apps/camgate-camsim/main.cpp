// camgate-camsim: a simulated ESP32-CAM for the demo, the tests and the benchmarks.
#include <csignal>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "camsim/server.hpp"
#include "core/asio.hpp"
#include "core/logging.hpp"

using namespace camgate;

int main(int argc, char** argv) {
  CLI::App app{"Simulated ESP32-CAM: the seed sketch or the stock CameraWebServer firmware"};
  camsim::server_options opts;
  std::string listen = "127.0.0.1:8081";
  std::string resolution = "1280x720";
  std::string stream_port = "next";
  std::string log_level = "warn";
  std::uint64_t stop_after = 0, stall_after = 0, corrupt_every = 0, close_mid_frame_after = 0;

  app.add_option("--listen", listen, "HOST:PORT for / and /capture (port 0: pick free ports)")
      ->capture_default_str();
  app.add_option("--resolution", resolution, "Picture size WxH")->capture_default_str();
  app.add_option("--fps", opts.fps, "Frames per second while a client streams")
      ->check(CLI::Range(0.1, 240.0))
      ->capture_default_str();
  app.add_option("--quality", opts.quality, "JPEG quality 1-100 (libjpeg scale)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  bool no_stream = false;
  app.add_flag("--no-stream", no_stream, "Seed sketch mode: only / and /capture");
  app.add_flag("--still", opts.still, "A still scene: only the frame number changes");
  app.add_option("--stream-port", stream_port,
                 "next: /stream on PORT+1 (stock firmware); same: /stream on PORT")
      ->check(CLI::IsMember({"next", "same"}))
      ->capture_default_str();
  auto* o_stop =
      app.add_option("--stop-after", stop_after, "Close each stream connection after N frames");
  auto* o_stall = app.add_option("--stall-after", stall_after,
                                 "After N frames keep the stream open but send nothing");
  auto* o_corrupt = app.add_option("--corrupt-every", corrupt_every,
                                   "Break every Nth frame sent (EOI removed, garbage inserted)")
                        ->check(CLI::PositiveNumber);
  auto* o_cut = app.add_option("--close-mid-frame-after", close_mid_frame_after,
                               "After N frames send half of the next one and close");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off (on stderr)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const auto addr = camsim::parse_listen(listen);
  if (!addr) {
    std::cerr << "camgate-camsim: --listen wants HOST:PORT, got '" << listen << "'\n";
    return 2;
  }
  const auto size = camsim::parse_resolution(resolution);
  if (!size) {
    std::cerr << "camgate-camsim: --resolution wants WxH (16-4096 each), got '" << resolution
              << "'\n";
    return 2;
  }
  opts.host = addr->first;
  opts.port = addr->second;
  opts.width = size->first;
  opts.height = size->second;
  opts.stream = !no_stream;
  opts.stream_port = stream_port == "same" ? camsim::server_options::stream_port_mode::same
                                           : camsim::server_options::stream_port_mode::next;
  if (o_stop->count()) opts.faults.stop_after = stop_after;
  if (o_stall->count()) opts.faults.stall_after = stall_after;
  if (o_corrupt->count()) opts.faults.corrupt_every = corrupt_every;
  if (o_cut->count()) opts.faults.close_mid_frame_after = close_mid_frame_after;

  core::init_logging(log_level);
  asio::io_context io(1);
  camsim::server cam(io, opts);
  // Before the ports line: whoever reads it may signal us at once.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](error_code ec, int sig) {
    if (ec) return;
    spdlog::info("camsim: signal {}, stopping", sig);
    cam.stop();
  });
  try {
    cam.start();
  } catch (const std::exception& e) {
    std::cerr << "camgate-camsim: " << e.what() << "\n";
    return 1;
  }
  // The one line on stdout: tests and scripts read the ports from it.
  std::cout << "camsim listening capture_port=" << cam.capture_port()
            << " stream_port=" << cam.stream_port() << std::endl;

  io.run();
  return 0;
}
