#include "analysis/resource_analysis.hpp"

#include <algorithm>
#include <chrono>

#include "analysis/luma_plane.hpp"
#include "analysis/picture_measures.hpp"

namespace camgate::analysis {
namespace {

bool wants(const profile& p, std::string_view name) {
  return std::find(p.analyzers.begin(), p.analyzers.end(), name) != p.analyzers.end();
}

}  // namespace

nlohmann::json event_body(std::string_view type, access::resource what, std::int64_t at_us) {
  nlohmann::json body = {{"type", type}, {"at_us", at_us}};
  body[what.kind == access::resource_kind::camera ? "camera_id" : "robot_id"] = what.id;
  return body;
}

event_ptr make_event(std::string type, access::resource what, std::int64_t at_us,
                     nlohmann::json body) {
  auto e = std::make_shared<event>();
  e->type = std::move(type);
  e->resource = what;
  e->at_us = at_us;
  e->body = std::move(body);
  return e;
}

resource_analysis::resource_analysis(access::resource what, builtin_settings settings)
    : what_(what), settings_(settings) {}

std::vector<event_ptr> resource_analysis::run(const profile& p, const core::frame_ptr& picture,
                                              std::int64_t now_us) {
  std::vector<event_ptr> out;
  last_seq_ = picture->seq();
  const auto start = std::chrono::steady_clock::now();
  auto body = event_body("analysis", what_, now_us);
  body["frame_seq"] = picture->seq();
  body["captured_at_us"] = picture->capture_us();
  std::string error;
  auto luma = decode_luma(picture->bytes(), &error);
  if (!luma) {
    body["error"] = "the picture does not decode: " + error;
    out.push_back(make_event("analysis", what_, now_us, std::move(body)));
    return out;
  }
  body["width"] = luma->source_width;
  body["height"] = luma->source_height;
  auto& results = body["results"] = nlohmann::json::object();
  const auto seq = picture->seq();
  if (wants(p, "exposure")) {
    results["exposure"] = measure_exposure(*luma);
    const auto verdict = results["exposure"]["verdict"].get<std::string>();
    track(out, "underexposed", verdict == "under", now_us, results["exposure"], seq);
    track(out, "overexposed", verdict == "over", now_us, results["exposure"], seq);
  }
  if (wants(p, "sharpness")) {
    results["sharpness"] = measure_sharpness(*luma, settings_.blur_threshold);
    track(out, "blurred", results["sharpness"]["blurred"].get<bool>(), now_us, results["sharpness"],
          seq);
  }
  if (wants(p, "black")) {
    results["black"] = measure_black(*luma, settings_.black_luma);
    track(out, "black", results["black"]["black"].get<bool>(), now_us, results["black"], seq);
  }
  if (wants(p, "motion")) {
    results["motion"] =
        motion_.analyze(*luma, p.motion, p.motion_threshold.value_or(settings_.motion_threshold));
    track(out, "motion", results["motion"]["motion"].get<bool>(), now_us, results["motion"], seq);
  }
  if (wants(p, "frozen")) {
    results["frozen"] = frozen_.picture(*luma, now_us, settings_.frozen_after_us);
    track(out, "frozen", results["frozen"]["frozen"].get<bool>(), now_us, results["frozen"], seq);
  }
  body["ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  // The analysis first, then what it started or ended: a listener sees the cause first.
  out.insert(out.begin(), make_event("analysis", what_, now_us, std::move(body)));
  return out;
}

std::vector<event_ptr> resource_analysis::idle(const profile& p, std::int64_t now_us) {
  std::vector<event_ptr> out;
  if (!wants(p, "frozen")) return out;
  const auto verdict = frozen_.no_picture(now_us, settings_.frozen_after_us);
  track(out, "frozen", verdict["frozen"].get<bool>(), now_us, verdict, last_seq_);
  return out;
}

void resource_analysis::track(std::vector<event_ptr>& out, const std::string& alert, bool on,
                              std::int64_t now_us, const nlohmann::json& details,
                              std::uint64_t seq) {
  auto& s = alerts_[alert];
  if (on) s.last_true_us = now_us;
  const bool starts = on && !s.active;
  const bool ends = !on && s.active && now_us - s.last_true_us >= settings_.alert_hold_us;
  if (!starts && !ends) return;
  s.active = starts;
  auto body = event_body("alert", what_, now_us);
  body["alert"] = alert;
  body["state"] = starts ? "started" : "ended";
  body["frame_seq"] = seq;
  body["details"] = details;
  out.push_back(make_event("alert", what_, now_us, std::move(body)));
}

}  // namespace camgate::analysis
