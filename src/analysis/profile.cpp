#include "analysis/profile.hpp"

#include <algorithm>

namespace camgate::analysis {
namespace {

nlohmann::json zones_json(const std::vector<zone>& zones) {
  auto out = nlohmann::json::array();
  for (const auto& z : zones) out.push_back({z.x, z.y, z.width, z.height});
  return out;
}

std::optional<std::string> read_zones(const nlohmann::json& j, const std::string& name,
                                      std::vector<zone>& out) {
  const std::string shape = "motion." + name + " must be a list of [x, y, width, height] in 0..1";
  if (!j.is_array() || j.size() > 64) return shape + " (at most 64)";
  out.clear();
  for (const auto& item : j) {
    if (!item.is_array() || item.size() != 4) return shape;
    double v[4];
    for (int i = 0; i < 4; ++i) {
      if (!item[i].is_number()) return shape;
      v[i] = item[i].get<double>();
    }
    if (v[0] < 0 || v[1] < 0 || v[2] <= 0 || v[3] <= 0 || v[0] + v[2] > 1.0001 ||
        v[1] + v[3] > 1.0001)
      return shape + ", inside the picture";
    out.push_back({v[0], v[1], v[2], v[3]});
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(run_when w) {
  switch (w) {
    case run_when::off:
      return "off";
    case run_when::always:
      return "always";
    case run_when::watched:
      return "watched";
    case run_when::bookings:
      return "bookings";
  }
  return "off";
}

std::optional<run_when> run_when_from_string(std::string_view s) {
  for (auto w : {run_when::off, run_when::always, run_when::watched, run_when::bookings})
    if (to_string(w) == s) return w;
  return std::nullopt;
}

const std::set<std::string>& builtin_analyzers() {
  static const std::set<std::string> names{"exposure", "sharpness", "motion", "frozen", "black"};
  return names;
}

nlohmann::json to_json(const profile& p) {
  nlohmann::json j = {
      {"when", to_string(p.when)},
      {"fps", p.fps},
      {"analyzers", p.analyzers},
      {"motion", {{"only", zones_json(p.motion.only)}, {"ignore", zones_json(p.motion.ignore)}}},
      {"store", p.store}};
  j["motion_threshold"] = p.motion_threshold ? nlohmann::json(*p.motion_threshold) : nullptr;
  return j;
}

std::variant<profile, std::string> profile_from_json(const nlohmann::json& j, const profile& base,
                                                     const std::set<std::string>& known,
                                                     double max_fps) {
  if (!j.is_object()) return std::string("the profile must be a JSON object");
  static const std::set<std::string> fields{"when",   "fps",   "analyzers",
                                            "motion", "store", "motion_threshold"};
  for (const auto& [k, v] : j.items())
    if (!fields.contains(k))
      return "unknown field '" + k +
             "' (a profile has when, fps, analyzers, motion, motion_threshold, store)";
  profile p = base;
  if (auto w = j.find("when"); w != j.end()) {
    auto parsed = w->is_string() ? run_when_from_string(w->get<std::string>()) : std::nullopt;
    if (!parsed) return std::string("when must be off, always, watched or bookings");
    p.when = *parsed;
  }
  if (auto f = j.find("fps"); f != j.end()) {
    if (!f->is_number() || f->get<double>() <= 0 || f->get<double>() > max_fps)
      return "fps must be a number in (0, " + std::to_string(static_cast<int>(max_fps)) + "]";
    p.fps = f->get<double>();
  }
  if (auto a = j.find("analyzers"); a != j.end()) {
    if (!a->is_array() || a->size() > 16) return std::string("analyzers must be a list of names");
    p.analyzers.clear();
    for (const auto& n : *a) {
      if (!n.is_string()) return std::string("analyzers must be a list of names");
      const auto name = n.get<std::string>();
      if (!known.contains(name)) {
        std::string names;
        for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
        return "unknown analyzer '" + name.substr(0, 64) + "' (known: " + names + ")";
      }
      if (std::find(p.analyzers.begin(), p.analyzers.end(), name) == p.analyzers.end())
        p.analyzers.push_back(name);
    }
  }
  if (auto m = j.find("motion"); m != j.end()) {
    if (!m->is_object()) return std::string("motion must be an object with only and ignore");
    for (const auto& [k, v] : m->items()) {
      if (k != "only" && k != "ignore")
        return "unknown field 'motion." + k + "' (motion has only and ignore)";
      if (auto err = read_zones(v, k, k == "only" ? p.motion.only : p.motion.ignore)) return *err;
    }
  }
  if (auto t = j.find("motion_threshold"); t != j.end()) {
    if (t->is_null()) {
      p.motion_threshold.reset();
    } else {
      if (!t->is_number() || t->get<double>() <= 0 || t->get<double>() > 1)
        return std::string("motion_threshold must be a share in (0, 1], or null");
      p.motion_threshold = t->get<double>();
    }
  }
  if (auto s = j.find("store"); s != j.end()) {
    if (!s->is_boolean()) return std::string("store must be true or false");
    p.store = s->get<bool>();
  }
  return p;
}

}  // namespace camgate::analysis
