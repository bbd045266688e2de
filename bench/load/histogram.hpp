#pragma once
// What camgate's load generators share: a latency histogram that costs nothing to record
// into and a rounding helper for their JSON.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace camgate::bench {

inline double round_to(double v, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

// Log-linear histogram in the HDR style: exact below 128, then 64 buckets per power of
// two, so every value is within 1.6 % and memory stays fixed however long the run.
class histogram {
 public:
  histogram() : counts_(bucket_count, 0) {}

  void record(std::int64_t v) {
    if (v < 0) {  // clocks disagree (camera and viewer): kept visible as 0
      ++negative_;
      v = 0;
    }
    ++counts_[index(static_cast<std::uint64_t>(v))];
    ++count_;
    sum_ += static_cast<double>(v);
    max_ = std::max(max_, v);
  }

  void merge(const histogram& o) {
    for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += o.counts_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    max_ = std::max(max_, o.max_);
    negative_ += o.negative_;
  }

  std::uint64_t count() const { return count_; }
  std::uint64_t negative() const { return negative_; }
  std::int64_t max() const { return max_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0; }

  // Nearest-rank percentile, reported as the middle of its bucket (never above max).
  double percentile(double q) const {
    if (count_ == 0) return 0;
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(q / 100.0 * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(midpoint(i), static_cast<double>(max_));
    }
    return static_cast<double>(max_);
  }

 private:
  static constexpr std::size_t linear = 128;
  static constexpr int max_exponent = 44;  // 2^44: 5 h in ns, 200 days in µs
  static constexpr std::size_t bucket_count = linear + (max_exponent - 7 + 1) * 64;

  static std::size_t index(std::uint64_t v) {
    if (v < linear) return v;
    const int e = 63 - std::countl_zero(v);
    if (e > max_exponent) return bucket_count - 1;
    const std::uint64_t m = v >> (e - 6);  // 64..127
    return linear + static_cast<std::size_t>(e - 7) * 64 + (m - 64);
  }

  static double midpoint(std::size_t i) {
    if (i < linear) return static_cast<double>(i);
    const std::size_t k = i - linear;
    const int e = static_cast<int>(k / 64) + 7;
    const std::uint64_t lo = (k % 64 + 64) << (e - 6);
    const std::uint64_t width = std::uint64_t{1} << (e - 6);
    return static_cast<double>(lo) + static_cast<double>(width - 1) / 2.0;
  }

  std::vector<std::uint32_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t negative_ = 0;
  double sum_ = 0;
  std::int64_t max_ = 0;
};

}  // namespace camgate::bench
