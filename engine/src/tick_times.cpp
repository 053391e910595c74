#include <tickwire/engine/tick_times.hpp>

#include <algorithm>
#include <bit>
#include <cmath>

namespace tickwire::engine {

static_assert(TickTimeHistogram::kExactMicros == 2 * TickTimeHistogram::kSubBuckets);
static_assert(TickTimeHistogram::kMaxMicros == std::uint64_t{1} << 27);

std::size_t TickTimeHistogram::bucketOf(std::uint64_t micros) noexcept {
    if (micros < kExactMicros) return static_cast<std::size_t>(micros);
    if (micros >= kMaxMicros) return kBuckets - 1;
    // micros is in [2^octave, 2^(octave+1)): its top seven bits pick one of kSubBuckets
    // buckets of width 2^(octave-6).
    const auto octave = static_cast<unsigned>(std::bit_width(micros) - 1);
    const std::uint64_t sub = (micros >> (octave - 6)) - kSubBuckets;
    return static_cast<std::size_t>(kExactMicros + (octave - 7) * kSubBuckets + sub);
}

std::uint64_t TickTimeHistogram::upperEdge(std::size_t bucket) noexcept {
    if (bucket < kExactMicros) return bucket + 1;
    const std::uint64_t octave = 7 + (bucket - kExactMicros) / kSubBuckets;
    const std::uint64_t sub = (bucket - kExactMicros) % kSubBuckets;
    return (kSubBuckets + sub + 1) << (octave - 6);
}

void TickTimeHistogram::add(std::uint64_t micros, std::uint64_t ticks) noexcept {
    if (ticks == 0) return;
    counts_[bucketOf(micros)] += ticks;
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
        if (seen >= rank) return std::min(upperEdge(i), max_);
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
