#pragma once
#include <nlohmann/json.hpp>

#include "analysis/luma_plane.hpp"

namespace camgate::analysis {

// The stateless built-in analyzers: each reads one picture's luma and answers JSON.

// Luma histogram (8 bins, shares), mean, the shares of crushed blacks (< 16) and blown
// highlights (> 235), and a verdict: "under", "over" or "ok".
nlohmann::json measure_exposure(const luma_plane& p);

// Variance of the Laplacian (the standard focus measure): low means blurred or out of
// focus. `blurred` below `threshold`.
nlohmann::json measure_sharpness(const luma_plane& p, double threshold);

// A black frame: a covered lens, a dead sensor, a camera at night: mean luma under
// `black_luma` and almost no detail.
nlohmann::json measure_black(const luma_plane& p, double black_luma);

}  // namespace camgate::analysis
