// WebRTC viewers of one camera through WHEP, for bench/run's "webrtc" scenario: N
// webrtcbin peers (the first one decodes, the others count RTP bytes only, so the load
// generator stays cheap), a measuring window, and the same JSON shape as camgate-viewers.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/http_client.hpp"
#include "webrtc_receiver.hpp"

using camgate::media::testing::webrtc_receiver;
using json = nlohmann::json;
namespace http = boost::beast::http;
using clock_type = std::chrono::steady_clock;

namespace {

double cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

double round2(double v) {
  return std::round(v * 100) / 100;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"WHEP viewers of one camera (bench/run webrtc)"};
  std::uint16_t port = 0;
  int camera = 1, viewers = 1;
  double duration = 10, warmup = 2;
  std::string token, codec = "H264";
  app.add_option("--port", port, "the gateway's port on 127.0.0.1")->required();
  app.add_option("--camera", camera);
  app.add_option("--token", token)->required();
  app.add_option("--viewers", viewers)->check(CLI::Range(1, 500));
  app.add_option("--duration", duration);
  app.add_option("--warmup", warmup);
  app.add_option("--codec", codec, "H264 or VP8");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::unique_ptr<webrtc_receiver>> rx;
  std::vector<double> setup_ms;
  int errors = 0;
  std::vector<std::string> error_kinds;
  const std::string target = "/api/cameras/" + std::to_string(camera) + "/whep";
  const std::map<std::string, std::string> auth{{"Authorization", "Bearer " + token}};
  auto with_type = [&auth](const char* type) {
    auto h = auth;
    h["Content-Type"] = type;
    return h;
  };
  // One WHEP session as a browser makes it: offer, answer, then our candidates by PATCH.
  auto open_session = [&](bool decode) -> std::unique_ptr<webrtc_receiver> {
    webrtc_receiver::options o;
    o.codecs = {codec};
    o.decode = decode;
    auto r = std::make_unique<webrtc_receiver>(o, nullptr);
    const auto t0 = clock_type::now();
    const auto offer = r->create_offer();
    auto res = camgate::testing::http_request(port, http::verb::post, target, offer,
                                              with_type("application/sdp"));
    std::string failure;
    if (res.status != 201)
      failure = "POST " + std::to_string(res.status) + " " + res.body;
    else if (!r->set_answer(res.body))
      failure = "the answer was refused: " + res.body.substr(0, 200);
    else if (auto p = camgate::testing::http_request(
                 port, http::verb::patch, res.header("location"), r->trickle_fragment(offer),
                 with_type("application/trickle-ice-sdpfrag"));
             p.status != 204)
      failure = "PATCH " + std::to_string(p.status) + " " + p.body;
    if (!failure.empty()) {
      ++errors;
      std::cerr << "camgate-whep-viewers: " << failure << "\n";
      if (error_kinds.size() < 5) error_kinds.push_back(failure);
      return nullptr;
    }
    setup_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
    return r;
  };
  // The first viewer decodes; it must see a picture before the others join. One retry
  // with a fresh session, reported, so a lost first session does not void the run.
  for (int attempt = 0; attempt < 2 && rx.empty(); ++attempt) {
    auto r = open_session(true);
    if (r && r->wait_frames(1, std::chrono::seconds(10))) {
      rx.push_back(std::move(r));
      break;
    }
    if (r) {
      ++errors;
      error_kinds.push_back("no frame decoded within 10 s (" + std::to_string(r->rtp_bytes()) +
                            " RTP bytes received)");
      std::cerr << "camgate-whep-viewers: " << error_kinds.back() << "\n";
    }
  }
  if (rx.empty()) {
    std::cerr << "camgate-whep-viewers: no frame decoded\n";
    std::cout << json{{"mode", "webrtc"}, {"errors", errors}, {"error_kinds", error_kinds}}.dump()
              << "\n";
    return 1;
  }
  for (int i = 1; i < viewers; ++i)
    if (auto r = open_session(false)) rx.push_back(std::move(r));
  std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
  std::vector<std::uint64_t> bytes0;
  for (auto& r : rx) bytes0.push_back(r->rtp_bytes());
  const auto frames0 = rx.front()->frames_decoded();
  const double cpu0 = cpu_s();
  const auto t0 = clock_type::now();
  std::cerr << "camgate-whep-viewers: measuring" << std::endl;
  std::this_thread::sleep_for(std::chrono::duration<double>(duration));
  std::cerr << "camgate-whep-viewers: done" << std::endl;
  const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  const double cpu = cpu_s() - cpu0;
  std::vector<double> kbit;
  std::uint64_t total = 0;
  int stalled = 0;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    const auto b = rx[i]->rtp_bytes() - bytes0[i];
    total += b;
    if (b == 0) ++stalled;
    kbit.push_back(static_cast<double>(b) * 8 / secs / 1000);
  }
  std::sort(kbit.begin(), kbit.end());
  const double fps = static_cast<double>(rx.front()->frames_decoded() - frames0) / secs;
  std::sort(setup_ms.begin(), setup_ms.end());
  json out = {
      {"mode", "webrtc"},
      {"codec", rx.front()->decoded_codec()},
      {"errors", errors},
      {"error_kinds", error_kinds},
      {"disconnects", stalled},
      {"client", {{"cpu_percent", round2(cpu / secs * 100)}}},
      {"all",
       {{"viewers", rx.size()},
        {"frames", rx.front()->frames_decoded() - frames0},
        {"bad_frames", 0},
        {"fps_per_viewer",
         {{"min", round2(fps)}, {"p50", round2(fps)}, {"mean", round2(fps)}, {"max", round2(fps)}}},
        {"width", rx.front()->width()},
        {"height", rx.front()->height()},
        {"mbyte_per_s", round2(static_cast<double>(total) / secs / 1e6)},
        {"kbit_per_s_per_viewer",
         {{"min", round2(kbit.front())},
          {"p50", round2(kbit[(kbit.size() - 1) / 2])},
          {"max", round2(kbit.back())}}}}},
      {"setup_ms",
       {{"p50", round2(setup_ms[(setup_ms.size() - 1) / 2])}, {"max", round2(setup_ms.back())}}},
  };
  std::cout << out.dump() << "\n";
  return 0;
}
