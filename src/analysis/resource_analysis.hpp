#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/event.hpp"
#include "analysis/frozen_detector.hpp"
#include "analysis/motion_detector.hpp"
#include "analysis/profile.hpp"
#include "core/frame.hpp"

namespace camgate::analysis {

// The thresholds of the built-in analyzers ([analysis] in the configuration).
struct builtin_settings {
  double motion_threshold = 0.01;
  std::int64_t frozen_after_us = 3'000'000;
  double black_luma = 16;
  double blur_threshold = 20;
  // An alert ends once its condition has been false this long (motion comes in bursts).
  std::int64_t alert_hold_us = 2'000'000;
};

// The start of every event's body: its type, time and source.
nlohmann::json event_body(std::string_view type, access::resource what, std::int64_t at_us);
event_ptr make_event(std::string type, access::resource what, std::int64_t at_us,
                     nlohmann::json body);

// One camera's or robot's analysis between pictures: the detectors that compare a
// picture with the previous one, and which alerts are on. Passes must not overlap (the
// service runs at most one per resource at a time).
class resource_analysis {
 public:
  resource_analysis(access::resource what, builtin_settings settings);

  // Runs the profile's built-in analyzers over `picture` at `now_us`: the "analysis" event
  // and any "alert" that began or ended. A picture that does not decode gives an analysis
  // event with "error" (and a log line from the caller).
  std::vector<event_ptr> run(const profile& p, const core::frame_ptr& picture, std::int64_t now_us);
  // No new picture since the last pass: only "frozen" can change.
  std::vector<event_ptr> idle(const profile& p, std::int64_t now_us);

  std::uint64_t last_seq() const { return last_seq_; }

 private:
  void track(std::vector<event_ptr>& out, const std::string& alert, bool on, std::int64_t now_us,
             const nlohmann::json& details, std::uint64_t seq);

  access::resource what_;
  builtin_settings settings_;
  motion_detector motion_;
  frozen_detector frozen_;
  std::uint64_t last_seq_ = 0;
  struct alert_state {
    bool active = false;
    std::int64_t last_true_us = 0;
  };
  std::map<std::string, alert_state> alerts_;
};

}  // namespace camgate::analysis
