// WebRTC viewers of one camera through WHEP, for bench/run's "webrtc" scenario: N
// webrtcbin peers (the first one decodes, the others count RTP bytes only, so the load
// generator stays cheap), a measuring window, and the same JSON shape as camgate-viewers.
// --path takes another WHEP endpoint (a robot's); --signaling-robot NAME makes each
// viewer a /signaling WebSocket client of that robot instead, as the web page is
// (bench/run's "robot" scenario: P2P or through the gateway's relay).
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "media/signaling_json.hpp"
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

// The values of an SDP attribute ("a=mid:", "a=candidate:"), in order.
std::vector<std::string> sdp_lines(const std::string& sdp, const std::string& prefix) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = sdp.find(prefix, pos)) != std::string::npos) {
    const auto end = sdp.find_first_of("\r\n", pos);
    out.push_back(sdp.substr(pos + 2, end - pos - 2));  // without "a="
    pos = end;
  }
  return out;
}

// One viewer on /signaling: its WebSocket stays open as long as the viewer watches.
struct signaling_viewer {
  std::unique_ptr<camgate::testing::ws_client> ws;
  std::vector<std::string> mids;
  webrtc_receiver* rx = nullptr;  // borrowed from main's list of receivers
  // Adds the robot's candidates that arrived; false when the connection closed.
  bool pump(webrtc_receiver& r, std::chrono::milliseconds wait) {
    while (auto m = ws->next_message(wait)) {
      wait = std::chrono::milliseconds(0);
      const auto j = json::parse(*m, nullptr, false);
      if (j.is_object() && j.value("type", "") == "ice-candidate" && j.contains("candidate"))
        if (auto c = camgate::media::candidate_of(j["candidate"], mids))
          r.add_candidate(c->mline, c->candidate);
    }
    return !ws->closed();
  }
  // The next message of that type (others are dropped, candidates applied), or null.
  json wait_for(const std::string& type, webrtc_receiver* r, std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    while (clock_type::now() < deadline) {
      auto m = ws->next_message(std::chrono::milliseconds(50));
      if (!m) {
        if (ws->closed()) break;
        continue;
      }
      auto j = json::parse(*m, nullptr, false);
      if (!j.is_object()) continue;
      if (j.value("type", "") == type) return j;
      if (j.value("type", "") == "error") return j;
      if (r && j.value("type", "") == "ice-candidate" && j.contains("candidate"))
        if (auto c = camgate::media::candidate_of(j["candidate"], mids))
          r->add_candidate(c->mline, c->candidate);
    }
    return nullptr;
  }
};

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
  std::string path, robot;
  app.add_option("--path", path, "WHEP endpoint (default /api/cameras/<camera>/whep)");
  app.add_option("--signaling-robot", robot,
                 "viewers of this robot through /signaling instead of WHEP");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::unique_ptr<webrtc_receiver>> rx;
  std::vector<double> setup_ms;
  int errors = 0;
  std::vector<std::string> error_kinds;
  const std::string target =
      path.empty() ? "/api/cameras/" + std::to_string(camera) + "/whep" : path;
  std::vector<signaling_viewer> sig;  // one per receiver in rx, in signaling mode
  const std::map<std::string, std::string> auth{{"Authorization", "Bearer " + token}};
  auto with_type = [&auth](const char* type) {
    auto h = auth;
    h["Content-Type"] = type;
    return h;
  };
  auto fail = [&](const std::string& failure) {
    ++errors;
    std::cerr << "camgate-whep-viewers: " << failure << "\n";
    if (error_kinds.size() < 5) error_kinds.push_back(failure);
  };
  // One viewer as the web page makes it on /signaling: register, wait for the robot,
  // offer, answer, then candidates both ways (ours once gathered).
  auto open_signaling = [&](bool decode) -> std::unique_ptr<webrtc_receiver> {
    webrtc_receiver::options o;
    o.codecs = {codec};
    o.decode = decode;
    auto r = std::make_unique<webrtc_receiver>(o, nullptr);
    const auto t0 = clock_type::now();
    signaling_viewer v;
    v.ws = std::make_unique<camgate::testing::ws_client>(port, "/signaling?access_token=" + token);
    if (!v.ws->handshake_ok()) {
      fail("/signaling handshake " + std::to_string(v.ws->handshake_status()));
      return nullptr;
    }
    v.ws->send(json{{"type", "register"}, {"userId", "viewer"}, {"userType", "viewer"}}.dump());
    if (v.wait_for("registered", nullptr, std::chrono::seconds(10)).value("type", "") !=
        "registered") {
      fail("not registered");
      return nullptr;
    }
    const auto online = v.wait_for("robot-online", nullptr, std::chrono::seconds(10));
    if (online.is_null() || online.value("type", "") != "robot-online") {
      fail("robot " + robot + " is not online");
      return nullptr;
    }
    const auto offer = r->create_offer();
    v.mids = sdp_lines(offer, "a=mid:");
    for (auto& m : v.mids) m = m.substr(4);  // "mid:0" -> "0"
    v.ws->send(json{{"type", "offer"},
                    {"to", robot},
                    {"offer", camgate::media::description_json("offer", offer)}}
                   .dump());
    const auto answer = v.wait_for("answer", r.get(), std::chrono::seconds(10));
    if (answer.value("type", "") != "answer") {
      fail("no answer: " + (answer.is_null() ? std::string("timeout") : answer.dump()));
      return nullptr;
    }
    if (!r->set_answer(camgate::media::sdp_of(answer.value("answer", json{})))) {
      fail("the answer was refused");
      return nullptr;
    }
    for (const auto& c : sdp_lines(r->trickle_fragment(offer), "a=candidate:"))
      v.ws->send(json{{"type", "ice-candidate"},
                      {"to", robot},
                      {"candidate", camgate::media::candidate_json(0, c, v.mids)}}
                     .dump());
    v.pump(*r, std::chrono::milliseconds(20));
    v.rx = r.get();
    setup_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
    sig.push_back(std::move(v));
    return r;
  };
  // One WHEP session as a browser makes it: offer, answer, then our candidates by PATCH.
  auto open_session = [&](bool decode) -> std::unique_ptr<webrtc_receiver> {
    if (!robot.empty()) return open_signaling(decode);
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
      fail(failure);
      return nullptr;
    }
    setup_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
    return r;
  };
  // Sleeps, meanwhile taking the robot's late candidates (and answering the gateway's
  // pings) on every /signaling connection.
  auto wait = [&](std::chrono::duration<double> d) {
    const auto end = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(d);
    if (sig.empty()) return std::this_thread::sleep_until(end);
    while (clock_type::now() < end) {
      for (auto& v : sig) v.pump(*v.rx, std::chrono::milliseconds(0));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  auto first_frame = [&](webrtc_receiver& r) {
    const auto end = clock_type::now() + std::chrono::seconds(10);
    while (!r.wait_frames(1, std::chrono::milliseconds(50)))
      if (clock_type::now() > end)
        return false;
      else
        wait(std::chrono::milliseconds(1));
    return true;
  };
  // The first viewer decodes; it must see a picture before the others join. One retry
  // with a fresh session, reported, so a lost first session does not void the run.
  for (int attempt = 0; attempt < 2 && rx.empty(); ++attempt) {
    auto r = open_session(true);
    if (r && first_frame(*r)) {
      rx.push_back(std::move(r));
      break;
    }
    if (r && !sig.empty()) sig.pop_back();  // it pointed at r
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
  wait(std::chrono::duration<double>(warmup));
  std::vector<std::uint64_t> bytes0;
  for (auto& r : rx) bytes0.push_back(r->rtp_bytes());
  const auto frames0 = rx.front()->frames_decoded();
  const double cpu0 = cpu_s();
  const auto t0 = clock_type::now();
  std::cerr << "camgate-whep-viewers: measuring" << std::endl;
  wait(std::chrono::duration<double>(duration));
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
