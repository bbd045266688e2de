#pragma once
// What the media engine's tests share: a switchboard routing answers and candidates to
// in-process webrtcbin viewers, a viewer session, and measurements.
#include <malloc.h>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "media/media_engine.hpp"
#include "webrtc_receiver.hpp"

namespace camgate::media::testing {
using namespace std::chrono_literals;

inline
long rss_kib() {
  malloc_trim(0);  // give freed pages back first: RSS then tracks live memory
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// Routes the engine's answers/candidates to receivers by peer id, and collects states.
struct switchboard {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, webrtc_receiver*> receivers;
  std::map<std::string, std::string> answers;
  std::map<std::string, peer_state> states;
  std::map<std::string, std::string> details;
  std::vector<source_state> source_states;

  media_events events() {
    media_events ev;
    ev.on_answer = [this](const std::string& peer, const std::string& sdp) {
      std::lock_guard lock(mu);
      answers[peer] = sdp;
      cv.notify_all();
    };
    ev.on_candidate = [this](const std::string& peer, unsigned mline, const std::string& c) {
      std::lock_guard lock(mu);
      if (auto it = receivers.find(peer); it != receivers.end())
        it->second->add_candidate(mline, c);
    };
    ev.on_peer_state = [this](const std::string& peer, peer_state s, const std::string& d) {
      std::lock_guard lock(mu);
      states[peer] = s;
      details[peer] = d;
      cv.notify_all();
    };
    ev.on_source_state = [this](source_state s, const std::string&) {
      std::lock_guard lock(mu);
      source_states.push_back(s);
      cv.notify_all();
    };
    return ev;
  }

  std::string wait_answer(const std::string& peer, std::chrono::milliseconds t = 10s) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, t, [&] {
      return answers.count(peer) || (states.count(peer) && states[peer] == peer_state::failed);
    });
    auto it = answers.find(peer);
    return it == answers.end() ? std::string{} : it->second;
  }
  bool wait_state(const std::string& peer, peer_state s, std::chrono::milliseconds t = 10s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, t, [&] { return states.count(peer) && states[peer] == s; });
  }
  void attach(const std::string& peer, webrtc_receiver* r) {
    std::lock_guard lock(mu);
    receivers[peer] = r;
  }
  void detach(const std::string& peer) {
    std::lock_guard lock(mu);
    receivers.erase(peer);
    answers.erase(peer);
    states.erase(peer);
  }
};

inline media_options test_options() {
  media_options o;
  o.source = "test";
  o.width = 1280;
  o.height = 720;
  o.fps = 30;
  o.bitrate_kbps = 2000;
  o.ice_local_addresses = {"127.0.0.1"};
  return o;
}

// A viewer: receiver + offer -> engine -> answer, candidates both ways.
struct viewer_session {
  std::string id;
  std::unique_ptr<webrtc_receiver> rx;
  std::string answer;
  std::chrono::steady_clock::time_point offered_at;

  viewer_session(media_engine& engine, switchboard& sb, std::string peer,
                 webrtc_receiver::options opts = {})
      : id(std::move(peer)) {
    rx = std::make_unique<webrtc_receiver>(opts,
                                           [&engine, p = id](unsigned m, const std::string& c) {
                                             engine.add_remote_candidate(p, m, c);
                                           });
    sb.attach(id, rx.get());
    const std::string offer = rx->create_offer();
    offered_at = std::chrono::steady_clock::now();
    engine.handle_offer(id, offer);
    answer = sb.wait_answer(id);
    if (!answer.empty()) rx->set_answer(answer);
  }
};

// Frames decoded during `window` once the stream flows.
inline double measured_fps(const webrtc_receiver& rx, std::chrono::milliseconds window) {
  const auto f0 = rx.frames_decoded();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(window);
  const auto f1 = rx.frames_decoded();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return (f1 - f0) / secs;
}

}  // namespace camgate::media::testing
