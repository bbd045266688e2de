#include "camsim/fault_settings.hpp"

namespace camgate::camsim {

std::string fault_settings::describe() const {
  std::string out;
  auto add = [&](const char* name, const std::optional<std::uint64_t>& v) {
    if (!v) return;
    if (!out.empty()) out += ' ';
    out += name;
    out += '=';
    out += std::to_string(*v);
  };
  add("stop-after", stop_after);
  add("stall-after", stall_after);
  add("corrupt-every", corrupt_every);
  add("close-mid-frame-after", close_mid_frame_after);
  return out.empty() ? "none" : out;
}

std::optional<fault_settings> fault_settings::from_control(std::string_view name,
                                                           std::optional<std::uint64_t> n) {
  fault_settings f;
  if (name == "none") return f;
  if (name == "stop") {
    f.stop_after = n.value_or(0);
  } else if (name == "stall") {
    f.stall_after = n.value_or(0);
  } else if (name == "corrupt") {
    f.corrupt_every = n.value_or(1) == 0 ? 1 : n.value_or(1);
  } else if (name == "close-mid-frame") {
    f.close_mid_frame_after = n.value_or(0);
  } else {
    return std::nullopt;
  }
  return f;
}

}  // namespace camgate::camsim
