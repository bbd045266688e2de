// camgate-robot: streams a camera to the gateway's viewers over WebRTC (GStreamer
// webrtcbin), one capture and one encode shared by every viewer.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "core/asio.hpp"
#include "core/logging.hpp"
#include "robot/robot_agent.hpp"
#include "robot/robot_config.hpp"
#include "robot/stats_file.hpp"

using namespace camgate;

int main(int argc, char** argv) {
  CLI::App app{"camgate-robot: stream a camera to camgate viewers over WebRTC"};
  std::string config_file;
  robot::robot_config cfg;
  app.add_option("-c,--config", config_file, "TOML configuration file (flags override it)");
  // Flags are parsed twice: once to find --config, then over the file's values.
  auto add_flags = [&](CLI::App& a) {
    a.add_option("--gateway", cfg.gateway_url,
                 "Gateway URL: http(s)://host:port or ws(s)://host:port/signaling");
    a.add_option("--robot", cfg.robot, "This robot's name (its gateway user)");
    a.add_option("--credential", cfg.credential,
                 "Device credential (prefer --credential-file or CAMGATE_ROBOT_CREDENTIAL)");
    a.add_option("--credential-file", cfg.credential_file, "File holding the device credential");
    a.add_flag("--insecure", cfg.insecure_tls, "Accept any TLS certificate (testing only)");
    a.add_option("--ca-file", cfg.ca_file, "Extra CA bundle for https/wss");
    a.add_option("--source", cfg.media.source,
                 "test | v4l2:/dev/videoN | libcamera | pipeline:'<gst-launch fragment>'")
        ->capture_default_str();
    a.add_option("--width", cfg.media.width)->check(CLI::Range(16, 7680))->capture_default_str();
    a.add_option("--height", cfg.media.height)->check(CLI::Range(16, 4320))->capture_default_str();
    a.add_option("--fps", cfg.media.fps)->check(CLI::Range(1, 240))->capture_default_str();
    a.add_option("--bitrate", cfg.media.bitrate_kbps, "Target bitrate in kbit/s")
        ->check(CLI::Range(50, 100000))
        ->capture_default_str();
    a.add_option("--codec", cfg.preferred_codec,
                 "Preferred codec: h264 or vp8 (the viewer's offer decides between them)")
        ->check(CLI::IsMember({"h264", "vp8"}))
        ->capture_default_str();
    a.add_option("--h264-encoder", cfg.media.h264_encoder, "auto | x264enc | v4l2h264enc")
        ->capture_default_str();
    a.add_option("--ice-local-address", cfg.media.ice_local_addresses,
                 "Local address libnice may use (repeat; 127.0.0.1 for loopback-only hosts)");
    a.add_option("--log-level", cfg.log_level, "trace, debug, info, warn, error, off")
        ->capture_default_str();
    a.add_option("--stats-file", cfg.stats_file,
                 "Write the media counters (viewers, bytes sent, frames) there as JSON, "
                 "replaced every --stats-interval ms");
    a.add_option("--stats-interval", cfg.stats_interval_ms, "Milliseconds between stats writes")
        ->check(CLI::Range(100, 3'600'000))
        ->capture_default_str();
  };
  add_flags(app);
  bool print_pipeline = false;
  app.add_flag("--print-pipeline", print_pipeline, "Print the capture pipeline and exit");
  try {
    app.parse(argc, argv);
    if (!config_file.empty()) {
      // File first, then the flags again on top of it.
      robot::robot_config from_file;
      robot::load_robot_config(config_file, from_file);
      cfg = from_file;
      CLI::App again;
      add_flags(again);
      again.allow_extras();
      again.add_option("-c,--config", config_file);
      again.add_flag("--print-pipeline", print_pipeline);
      again.parse(argc, argv);
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "camgate-robot: " << e.what() << "\n";
    return 2;
  }

  try {
    robot::apply_codec_preference(cfg);
    if (print_pipeline) {
      std::cout << media::media_engine::capture_description(cfg.media) << "\n";
      return 0;
    }
    core::init_logging(cfg.log_level);
    if (cfg.credential.empty())
      if (const char* env = std::getenv("CAMGATE_ROBOT_CREDENTIAL")) cfg.credential = env;
    if (cfg.credential.empty() && !cfg.credential_file.empty())
      cfg.credential = robot::read_credential_file(cfg.credential_file);
    if (cfg.gateway_url.empty() || cfg.robot.empty() || cfg.credential.empty())
      throw std::runtime_error(
          "--gateway, --robot and a credential (--credential-file, CAMGATE_ROBOT_CREDENTIAL or "
          "--credential) are required");
    auto url = robot::parse_gateway_url(cfg.gateway_url);
    if (!url) throw std::runtime_error("--gateway: cannot parse '" + cfg.gateway_url + "'");
    robot::signaling_options sig;
    sig.gateway = *url;
    sig.robot = cfg.robot;
    sig.credential = cfg.credential;
    sig.insecure_tls = cfg.insecure_tls;
    sig.ca_file = cfg.ca_file;
    sig.backoff_initial = std::chrono::milliseconds(cfg.reconnect_initial_ms);
    sig.backoff_max = std::chrono::milliseconds(cfg.reconnect_max_ms);

    asio::io_context io(1);
    auto agent = robot::robot_agent::create(io, cfg.media, sig);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](error_code ec, int) {
      if (ec) return;
      spdlog::info("robot: stopping");
      agent->signaling().stop();
      // Let the close go out, then end the loop.
      auto t = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(200));
      t->async_wait([&io, t](error_code) { io.stop(); });
    });
    spdlog::info("camgate-robot {} as {} -> {} (source {}, {}x{}@{}, {} kbit/s)", CAMGATE_VERSION,
                 cfg.robot, cfg.gateway_url, cfg.media.source, cfg.media.width, cfg.media.height,
                 cfg.media.fps, cfg.media.bitrate_kbps);
    agent->start();
    std::shared_ptr<robot::stats_file> stats;
    if (!cfg.stats_file.empty()) {
      stats = robot::stats_file::create(io, cfg.stats_file,
                                        std::chrono::milliseconds(cfg.stats_interval_ms),
                                        [&agent] { return agent->media().stats(); });
      stats->start();
    }
    io.run();
    if (stats) stats->write_now();  // the totals at the end
    agent->stop();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "camgate-robot: " << e.what() << "\n";
    return 1;
  }
}
