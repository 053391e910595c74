#include <tickwire/engine/tick_times.hpp>

#include <algorithm>
#include <cmath>

namespace tickwire::engine {

void TickTimeHistogram::add(std::uint64_t micros, std::uint64_t ticks) noexcept {
    if (ticks == 0) return;
    const std::uint64_t bucket = std::min<std::uint64_t>(micros / kBucketMicros, kBuckets - 1);
    counts_[bucket] += ticks;
    count_ += ticks;
    max_ = std::max(max_, micros);
}

std::uint64_t TickTimeHistogram::percentileMicros(double p) const noexcept {
    if (count_ == 0) return 0;
    // The tick of this rank (1-based) in sorted order: p = 0.5 of 3 ticks is the 2nd.
    const double wanted = std::ceil(std::clamp(p, 0.0, 1.0) * static_cast<double>(count_));
    const auto rank = std::max<std::uint64_t>(static_cast<std::uint64_t>(wanted), 1);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += counts_[i];
        if (seen >= rank) return (i + 1) * kBucketMicros;
    }
    return max_;
}

void TickTimeHistogram::clear() noexcept {
    counts_.fill(0);
    count_ = 0;
    max_ = 0;
}

void TickTimes::recordUpdate(std::uint32_t ticks, std::uint64_t micros, bool withPlayers) noexcept {
    last_ = UpdateTime{ticks, ticks > 0 ? micros / ticks : 0};
    if (ticks == 0) return;
    recent_.add(last_.microsPerTick, ticks);
    if (withPlayers) withPlayers_.add(last_.microsPerTick, ticks);
}

}  // namespace tickwire::engine
