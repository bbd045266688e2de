#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace camgate::camsim {

// Misbehaviour to inject into stream connections, for testing a gateway's recovery.
// Frame counts are per stream connection, restarting whenever the faults change.
struct fault_settings {
  std::optional<std::uint64_t> stop_after;             // close after N frames
  std::optional<std::uint64_t> stall_after;            // stay open, send nothing more
  std::optional<std::uint64_t> corrupt_every;          // break every Nth frame (N >= 1)
  std::optional<std::uint64_t> close_mid_frame_after;  // send half of frame N+1, close

  bool any() const { return stop_after || stall_after || corrupt_every || close_mid_frame_after; }
  // "none" or e.g. "stop-after=3 corrupt-every=2", for logs and /camsim/stats.
  std::string describe() const;

  // The runtime switch /control?var=fault&val=<name>[&n=N]: name is none, stop, stall,
  // corrupt or close-mid-frame; N defaults to 0 (act now), for corrupt to 1 (every
  // frame). nullopt for an unknown name.
  static std::optional<fault_settings> from_control(std::string_view name,
                                                    std::optional<std::uint64_t> n);
};

}  // namespace camgate::camsim
