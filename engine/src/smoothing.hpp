#pragma once
// Internal to the engine library. The estimators both client clocks use on what they are
// fed (clock_sync.cpp: input leads and snapshot ticks; interpolation.cpp: snapshot arrival
// offsets), and the range check of their configurations.

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace tickwire::engine::detail {

/// True when lo <= value <= hi; false for NaN.
[[nodiscard]] inline bool inRange(double value, double lo, double hi) noexcept { return value >= lo && value <= hi; }

/// Adds `sample` to `mean`: a plain running mean over the first `window` samples (`count`
/// includes this one), an exponential mean over about `window` samples after, so that it
/// settles fast and then follows slow drift.
inline void smooth(double& mean, double sample, std::uint64_t count, double window) noexcept {
    if (count == 1) {
        mean = sample;
    } else {
        mean += (sample - mean) / std::min(static_cast<double>(count), window);
    }
}

/// RFC 3550's interarrival jitter: moves `jitter` toward |sample − previous| by `gain`
/// (1/16 in the RFC; smaller for a steadier estimate).
inline void trackJitter(double& jitter, double sample, double previous, double gain) noexcept {
    jitter += (std::abs(sample - previous) - jitter) * gain;
}

}  // namespace tickwire::engine::detail
