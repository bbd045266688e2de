#pragma once
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/motion_detector.hpp"

namespace camgate::analysis {

// When a camera's or robot's pictures are analyzed continuously.
enum class run_when { off, always, watched, bookings };
std::string_view to_string(run_when w);
std::optional<run_when> run_when_from_string(std::string_view s);

// The built-in analyzers, by the names profiles and ?analyzer= use.
const std::set<std::string>& builtin_analyzers();

// A camera's or robot's continuous analysis: which analyzers, how often, and when.
struct profile {
  run_when when = run_when::off;
  double fps = 2;
  std::vector<std::string> analyzers;  // built-in or [analysis.analyzers.NAME]
  motion_mask motion;
  std::optional<double> motion_threshold;  // nullopt: [analysis] motion_threshold
  bool store = true;                       // keep the results (retention applies)
};

nlohmann::json to_json(const profile& p);

// Reads the fields `j` holds over `base` (what a PUT does): "when", "fps", "analyzers",
// "motion": {"only": [[x, y, w, h], ...], "ignore": [...]}, "motion_threshold",
// "store". Answers the profile, or an error a user can act on: an unknown analyzer
// (`known` lists those that exist), a rate over `max_fps`, a zone outside the picture.
std::variant<profile, std::string> profile_from_json(const nlohmann::json& j, const profile& base,
                                                     const std::set<std::string>& known,
                                                     double max_fps);

}  // namespace camgate::analysis
